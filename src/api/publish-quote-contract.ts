/**
 * The publish quote (issue 15: money as one step), spread into `commands` (contract.ts): what a
 * publication costs (chain fee + storage), what the storage balance and the wallet cover, and
 * what is missing. Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';

const Id = z.number().int().positive();
const Amount = z.object({ atomic: z.string(), formatted: z.string() });

export const PublishQuote = z.object({
  network: z.enum(['sandbox', 'testnet', 'mainnet']),
  /** The wallet that pays (the wallet in use). */
  owner: z.string(),
  /** The registration's chain fee at the current fee cap (an upper estimate). */
  chainFee: Amount,
  /** Storing the files not stored yet on this network, and the file list (an upper estimate). */
  storageCost: Amount,
  storageBalance: Amount,
  /** What the storage balance covers of the storage cost. */
  covered: Amount,
  /** What the publication adds to the storage balance (0 when it covers the cost). */
  toFund: Amount,
  /** The fee of that transfer (0 when nothing is funded). */
  fundFee: Amount,
  /** What the wallet pays in all. */
  total: Amount,
  wallet: Amount,
  /** What the wallet lacks (0 when it can pay). */
  missing: Amount,
  canPay: z.boolean(),
  /** The sandbox funds its storage without asking; other networks show the amount to confirm. */
  fundsWithoutAsking: z.boolean(),
  /** Why the wallet cannot pay, with the amount missing and what to do; null when it can. */
  reason: z.string().nullable(),
});

export const publishQuoteCommands = {
  /** What publishing the asset now costs and who covers it (visibility: encrypted files are a little larger). */
  'assets.publishQuote': {
    input: z.object({ id: Id, visibility: z.enum(['public', 'private']).optional() }).strict(),
    output: PublishQuote,
  },
} as const;

export type PublishQuote = z.infer<typeof PublishQuote>;
