/**
 * Commands of network profiles, the chain's status and the sandbox's test ETH. Spread into `commands` (contract.ts).
 * Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { NetworkName, HttpUrl, Address } from './schemas';

export const NetworkProfile = z.object({
  name: NetworkName,
  rpcUrl: z.string().nullable(),
  chainId: z.number().int().nullable(),
  registry: z.string().nullable(),
  storageUrl: z.string().nullable(),
  /** The settings still missing before the profile can be used (empty when ready). */
  missing: z.array(z.enum(['rpcUrl', 'chainId', 'registry', 'storageUrl'])),
});
export const NetworkState = z.object({ current: NetworkName, profiles: z.array(NetworkProfile) });

export const networksCommands = {
  'network.list': {
    input: z.object({}).strict(),
    output: NetworkState,
  },
  'network.use': {
    input: z.object({ name: NetworkName }).strict(),
    output: NetworkState,
  },
  'network.set': {
    input: z
      .object({
        name: NetworkName,
        rpcUrl: HttpUrl.optional(),
        chainId: z.number().int().positive().max(2 ** 53 - 1).optional(),
        registry: Address.optional(),
        storageUrl: HttpUrl.optional(),
      })
      .strict(),
    output: NetworkProfile,
  },
  'chain.status': {
    input: z.object({}).strict(),
    output: z.object({
      network: NetworkName,
      rpcUrl: z.string(),
      chainId: z.number().int(),
      registry: z.string().nullable(),
      storageUrl: z.string().nullable(),
      blockNumber: z.number().int(),
      mode: z.enum(['sandbox-owned', 'sandbox-shared', 'remote']),
      notices: z.array(z.string()),
    }),
  },
  'sandbox.fund': {
    input: z
      .object({ address: Address.optional(), ether: z.string().regex(/^\d{1,6}(\.\d{1,18})?$/, 'must be an amount of ETH like 10 or 0.5').default('10') })
      .strict(),
    output: z.object({ address: z.string(), txHash: z.string(), ether: z.string() }),
  },
} as const;

export type NetworkProfile = z.infer<typeof NetworkProfile>;
export type NetworkState = z.infer<typeof NetworkState>;
