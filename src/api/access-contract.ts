/**
 * Commands of access requests (issue 6): the inbox (owner side), the requester side, and the audit log. Spread into `commands` (contract.ts).
 * Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { Id, Paging, AbsolutePath, JobState, Wei, ChainId } from './schemas';

export const AccessState = z.enum(['pending', 'approved', 'denied', 'cancelled', 'expired']);
/** A request as the inbox shows it (owner side). `id` is the catalog row id, `requestId` the on-chain one. */
export const AccessRequestView = z.object({
  id: Id,
  network: z.string(),
  requestId: z.string(),
  tokenId: z.string(),
  /** The local asset certified as `tokenId` (null when it is not in this catalog). */
  assetId: z.number().int().nullable(),
  assetName: z.string().nullable(),
  requester: z.string(),
  amountWei: z.string(),
  message: z.string(),
  state: AccessState,
  /** When the request was made (block time, ISO 8601). */
  createdAt: z.string(),
  /** From then on (chain time, ISO 8601) the requester may cancel it and take the payment back; null if unknown. */
  cancellableAt: z.string().nullable(),
  read: z.boolean(),
  txHash: z.string(),
  /** The approval or denial in progress or done: its durable job and, once sent, its tx. */
  action: z
    .object({
      kind: z.enum(['approve', 'deny']),
      jobId: z.number().int().nullable(),
      state: JobState,
      error: z.string().nullable(),
      txHash: z.string().nullable(),
      reason: z.string().nullable(),
    })
    .nullable(),
  /** The current wallet's part in this request: the token's owner, or one of its approvers (issue 17). */
  role: z.enum(['owner', 'approver']),
  /** Who answered it on chain (checksummed; null while pending or when unknown). */
  decidedBy: z.string().nullable(),
  /** That answer in words: "Approved by you", "Denied by the owner", "Approved by 0xab12…cd34 (approver)"; null while pending. */
  decision: z.string().nullable(),
});
export const AccessRequestDetail = AccessRequestView.extend({
  /** The requester's other requests to this owner (newest first). */
  history: z.array(AccessRequestView),
  grantId: z.string().nullable(),
  /** Whether the asset approves automatically any request that pays its price. */
  autoApprove: z.boolean(),
});
export const AuditEntry = z.object({
  id: Id,
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

export const accessCommands = {
  'access.list': {
    input: z.object({ state: AccessState.optional(), assetId: Id.optional(), unreadOnly: z.boolean().default(false), ...Paging }).strict(),
    output: z.object({ items: z.array(AccessRequestView), total: z.number().int(), unread: z.number().int() }),
  },
  'access.get': { input: z.object({ id: Id }).strict(), output: AccessRequestDetail },
  'access.markRead': {
    input: z.object({ ids: z.array(Id).max(10_000).optional(), all: z.boolean().default(false) }).strict(),
    output: z.object({ unread: z.number().int() }),
  },
  /** Approve (grant + approve tx) as durable jobs; one job per request. */
  'access.approve': {
    input: z.object({ ids: z.array(Id).min(1).max(1000) }).strict(),
    output: z.object({ items: z.array(z.object({ id: Id, jobId: Id })) }),
  },
  'access.deny': {
    input: z.object({ ids: z.array(Id).min(1).max(1000), reason: z.string().max(1024).default('') }).strict(),
    output: z.object({ items: z.array(z.object({ id: Id, jobId: Id })) }),
  },
  /** Auto-approve rule per asset: approve any request that pays the asset's price. */
  'access.setAutoApprove': {
    input: z.object({ assetId: Id, autoApprove: z.boolean() }).strict(),
    output: z.object({ assetId: Id, autoApprove: z.boolean() }),
  },
  /** Read new chain events now (the indexer also polls on its own). */
  'access.sync': { input: z.object({}).strict(), output: z.object({ added: z.number().int(), syncedBlock: z.number().int() }) },
  /** Sandbox only: a simulated buyer (a funded dev account) requests access to a certified asset. */
  'access.simulateBuyer': {
    input: z.object({ assetId: Id, message: z.string().max(1024).default('') }).strict(),
    output: z.object({ requestId: z.string(), requester: z.string(), txHash: z.string() }),
  },
  /**
   * `termsHash` (and `priceWei`, when known) are the license terms and price the person read
   * when deciding (a certificate's): the request is refused, and nothing paid, if the owner has
   * changed them since. Never fill them in from the chain just before sending.
   */
  'access.request': {
    input: z
      .object({
        tokenId: ChainId,
        termsHash: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be the license terms hash: 64 hex digits'),
        priceWei: Wei.optional(),
        message: z.string().max(1024).default(''),
      })
      .strict(),
    output: z.object({ requestId: z.string(), tokenId: z.string(), amountWei: Wei, txHash: z.string(), requester: z.string() }),
  },
  'access.status': {
    input: z.object({ requestId: ChainId }).strict(),
    output: z.object({
      requestId: z.string(),
      tokenId: z.string(),
      requester: z.string(),
      amountWei: Wei,
      state: AccessState,
      grantId: z.string().nullable(),
      reason: z.string().nullable(),
      createdAt: z.string(),
      cancellableAt: z.string(),
      /** When an approved access ends (null: not approved, or perpetual; issue 14). */
      expiresAt: z.string().nullable(),
    }),
  },
  /** The requester takes back the payment of its own request the owner left past its timeout. */
  'access.cancel': {
    input: z.object({ requestId: ChainId }).strict(),
    output: z.object({ requestId: z.string(), tokenId: z.string(), refundedWei: Wei, txHash: z.string(), withdrawableWei: Wei }),
  },
  'access.fetch': {
    input: z.object({ requestId: ChainId, out: AbsolutePath }).strict(),
    output: z.object({ out: z.string(), files: z.number().int(), bytes: z.number(), contentRoot: z.string(), verified: z.boolean() }),
  },
  'audit.list': {
    input: z.object({ ...Paging }).strict(),
    output: z.object({ items: z.array(AuditEntry), total: z.number().int(), intact: z.boolean(), brokenAt: z.number().int().nullable() }),
  },
} as const;

export type AccessState = z.infer<typeof AccessState>;
export type AccessRequestView = z.infer<typeof AccessRequestView>;
export type AccessRequestDetail = z.infer<typeof AccessRequestDetail>;
export type AuditEntry = z.infer<typeof AuditEntry>;
