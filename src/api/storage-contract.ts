/**
 * Commands of the storage node: balance, price, funding, uploads. Spread into `commands` (contract.ts).
 * Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { Id, NetworkName, Amount } from './schemas';

export const storageCommands = {
  'storage.status': {
    input: z.object({}).strict(),
    output: z.object({ network: NetworkName, nodeUrl: z.string(), address: z.string(), balance: Amount }),
  },
  'storage.quote': {
    input: z.object({ bytes: z.number().int().min(0).max(2 ** 50) }).strict(),
    output: z.object({ dataBytes: z.number(), itemBytes: z.number(), price: Amount }),
  },
  'storage.fund': {
    input: z.object({ ether: z.string().regex(/^\d{1,6}(\.\d{1,18})?$/, 'must be an amount of ETH like 0.01') }).strict(),
    output: z.object({ txHash: z.string(), amount: Amount, status: z.enum(['credited', 'pending']) }),
  },
  'assets.upload': {
    input: z.object({ id: Id }).strict(),
    output: z.object({
      assetId: Id,
      network: NetworkName,
      files: z.number().int(),
      queued: z.number().int(),
      jobIds: z.array(Id),
      /** The batches the upload jobs belong to (the new one, and those of files already queued), and the jobs in none. */
      batches: z.array(Id),
      unbatchedJobIds: z.array(Id),
    }),
  },
  'uploads.list': {
    input: z.object({ assetId: Id }).strict(),
    output: z.object({
      items: z.array(
        z.object({
          relPath: z.string().nullable(),
          network: z.string(),
          storageId: z.string().nullable(),
          source: z.enum(['uploaded', 'reused']),
          encrypted: z.boolean(),
          quoted: z.string().nullable(),
          charged: z.string().nullable(),
          warning: z.string().nullable(),
        }),
      ),
    }),
  },
} as const;
