/**
 * Commands of an asset's approvers (issue 17): wallets its owner names to approve or deny its
 * access requests. Spread into `commands` (contract.ts). Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';

const Id = z.number().int().positive();
const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be an Ethereum address (0x and 40 hex digits)');

/** An asset's approvers on the current network, as the chain says now. */
export const ApproversState = z.object({
  /** False before the asset is certified on the current network's registry. */
  published: z.boolean(),
  network: z.string(),
  tokenId: z.string().nullable(),
  /** The token's owner, and whether it is the wallet in use (only it can name approvers). */
  owner: z.string().nullable(),
  isOwner: z.boolean(),
  /** Checksummed addresses, in the order they were named. */
  approvers: z.array(z.object({ address: z.string(), short: z.string() })),
});
export type ApproversState = z.output<typeof ApproversState>;

const Change = z.object({ assetId: Id, address: Address }).strict();

export const approversCommands = {
  'approvers.list': { input: z.object({ assetId: Id }).strict(), output: ApproversState },
  /** Names an approver of the asset's live version (waits until the chain has it). */
  'approvers.add': { input: Change, output: ApproversState },
  'approvers.remove': { input: Change, output: ApproversState },
} as const;
