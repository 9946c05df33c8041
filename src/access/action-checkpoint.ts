/**
 * The access jobs' checkpoint (src/access/jobs.ts), as a schema: the queue parses a stored
 * checkpoint with it before each run (a damaged one fails that job with a sentence).
 */
import { z } from 'zod';
import type { ResumeState } from '../storage/client';

/** A storage client's resume state (src/storage/client.ts ResumeState): the prepared grant item. */
const Resume = z.object({
  sha256: z.string(),
  size: z.number().int().nonnegative(),
  tags: z.array(z.object({ name: z.string(), value: z.string() })),
  anchor: z.string(),
  chunkSize: z.number().int().positive(),
  uploadId: z.string().nullable(),
  itemId: z.string().nullable(),
}) satisfies z.ZodType<ResumeState>;

export const AccessActionCheckpoint = z.looseObject({
  /** access_requests row id. */
  rowId: z.number().int(),
  network: z.string().min(1),
  requestId: z.string().regex(/^\d+$/),
  tokenId: z.string().regex(/^\d+$/),
  /** The wallet that signs (the token's owner, or one of its approvers). */
  owner: z.string().min(1),
  /**
   * The signer is one of the token's approvers, not its owner (issue 17; read from the chain
   * before anything is signed): it approves with an empty grant id (it holds no version key) and
   * the owner's Ativo delivers the key once the approval is mined (src/access/approver-delivery.ts).
   */
  approver: z.boolean().optional(),
  /** Deny only. */
  reason: z.string().optional(),
  auto: z.boolean().optional(),
  step: z.enum(['grant', 'tx', 'deliver', 'audit']).optional(),
  grantId: z.string().optional(),
  /** The prepared grant item (its anchor and tags fix its id); uploaded only after the approval is mined. */
  resume: Resume.nullable().optional(),
  tx: z.object({ hash: z.string(), raw: z.string() }).optional(),
  txHash: z.string().optional(),
  blockNumber: z.number().int().optional(),
  /** The request was found approved/denied on chain already (nothing sent by this job). */
  adopted: z.boolean().optional(),
});
export type AccessActionCheckpoint = z.output<typeof AccessActionCheckpoint>;
