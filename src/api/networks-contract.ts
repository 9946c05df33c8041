/**
 * Commands of network profiles, the chain's status, the sandbox's test ETH, and setting up a
 * network Ativo does not run itself (issue 15: what deploying an AtivoRegistry costs, and the deployment). Spread into `commands` (contract.ts).
 * Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { NetworkName, HttpUrl, Address } from './schemas';

const Wei = z.string().regex(/^\d{1,78}$/, 'must be an amount in wei (a whole number)');

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

/** A network a registry can be deployed on (the sandbox deploys its own). */
export const RemoteNetworkName = z.enum(['testnet', 'mainnet']);

/** What deploying a registry on a network costs, and whether the wallet in use can pay it. */
export const RegistryQuote = z.object({
  network: RemoteNetworkName,
  chainId: z.number().int(),
  rpcUrl: z.string(),
  /** The wallet that would pay and own nothing but the deployment (the wallet in use). */
  from: z.string(),
  /** The most the deployment can cost now (gas limit times the fee cap). */
  feeWei: Wei,
  balanceWei: Wei,
  /** The wallet holds at least the fee. */
  enough: z.boolean(),
  /** A deployment sent earlier (before a crash or a lost connection) that deploying again finishes instead of sending another. */
  pending: z.object({ txHash: z.string(), address: z.string() }).nullable(),
});

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
  'network.registryQuote': {
    input: z.object({ name: RemoteNetworkName }).strict(),
    output: RegistryQuote,
  },
  /**
   * Deploys an AtivoRegistry from the wallet in use and saves its address in the profile. The
   * signed transaction is saved before it is sent: after a crash, deploying again sends the same
   * one (never a second registry). `maxFeeWei` is the fee the person confirmed: a deployment that
   * would now cost more than a fifth above it is refused.
   */
  'network.deployRegistry': {
    input: z.object({ name: RemoteNetworkName, maxFeeWei: Wei }).strict(),
    output: z.object({
      network: RemoteNetworkName,
      address: z.string(),
      txHash: z.string(),
      blockNumber: z.number().int(),
      /** False when a deployment sent before was finished instead. */
      sentNow: z.boolean(),
    }),
  },
} as const;

export type NetworkProfile = z.infer<typeof NetworkProfile>;
export type NetworkState = z.infer<typeof NetworkState>;
