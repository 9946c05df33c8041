/**
 * Commands of setting up a network Ativo does not run itself (issue 15): what deploying an
 * AtivoRegistry there costs, and the deployment. Spread into `commands` (contract.ts). Free of
 * Node and DOM APIs, like the contract.
 */
import { z } from 'zod';

/** A network a registry can be deployed on (the sandbox deploys its own). */
export const RemoteNetworkName = z.enum(['testnet', 'mainnet']);
const Wei = z.string().regex(/^\d{1,78}$/, 'must be an amount in wei (a whole number)');

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
