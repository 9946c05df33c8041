/**
 * Commands of earnings (issue 7): the current wallet on the current network. Spread into `commands` (contract.ts).
 * Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { Id, Paging, Wei } from './schemas';

export const EarningsSummary = z.object({
  network: z.string(),
  /** The account the figures are for (the current wallet). */
  account: z.string(),
  currency: z.string(),
  earnedWei: Wei,
  withdrawableWei: Wei,
  withdrawnWei: Wei,
  /** Last block indexed, and when. */
  syncedBlock: z.number().int(),
  syncedAt: z.string().nullable(),
});
export const Payout = z.object({
  kind: z.enum(['credit', 'withdrawal']),
  tokenId: z.string().nullable(),
  assetName: z.string().nullable(),
  requestId: z.string().nullable(),
  account: z.string(),
  amountWei: Wei,
  blockNumber: z.number().int(),
  at: z.string(),
  txHash: z.string(),
});

export const earningsCommands = {
  'earnings.summary': { input: z.object({}).strict(), output: EarningsSummary },
  'earnings.series': {
    /** `timeZone`: the IANA zone whose calendar the buckets follow (the person's own; UTC when left out). */
    input: z.object({ bucket: z.enum(['day', 'week', 'month']).default('day'), timeZone: z.string().min(1).max(64).optional() }).strict(),
    output: z.object({ bucket: z.enum(['day', 'week', 'month']), timeZone: z.string(), points: z.array(z.object({ start: z.string(), amountWei: Wei })) }),
  },
  'earnings.assets': {
    input: z.object({}).strict(),
    output: z.object({
      items: z.array(z.object({ tokenId: z.string(), assetId: z.number().int().nullable(), assetName: z.string().nullable(), requests: z.number().int(), approvals: z.number().int(), revenueWei: Wei })),
    }),
  },
  'earnings.contributors': {
    input: z.object({}).strict(),
    output: z.object({
      items: z.array(z.object({ tokenId: z.string(), assetName: z.string().nullable(), payee: z.string(), bps: z.number().int(), earnedWei: Wei, isYou: z.boolean() })),
    }),
  },
  'earnings.payouts': {
    input: z.object({ ...Paging, limit: z.number().int().min(1).max(10_000).default(100) }).strict(),
    output: z.object({ items: z.array(Payout), total: z.number().int() }),
  },
  'earnings.csv': { input: z.object({}).strict(), output: z.object({ filename: z.string(), csv: z.string() }) },
  /** Re-read everything from block 0 and compare with the cached figures. */
  'earnings.reconcile': {
    input: z.object({}).strict(),
    output: z.object({ agreed: z.boolean(), differences: z.array(z.string()), summary: EarningsSummary }),
  },
  /** Withdraw the current wallet's balance as a durable job. */
  'earnings.withdraw': { input: z.object({}).strict(), output: z.object({ jobId: Id, amountWei: Wei }) },
} as const;

export type EarningsSummary = z.infer<typeof EarningsSummary>;
export type Payout = z.infer<typeof Payout>;
