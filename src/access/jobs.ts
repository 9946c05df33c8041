/**
 * Approving and denying access requests as durable jobs (one job per request), each step
 * idempotent and recorded in the job's checkpoint:
 *
 *   access.approve   1. grant    private asset: the version's age identity encrypted to the
 *                                requester's recipient, staged to a file, and its storage item
 *                                SIGNED HERE, NOT SENT: its id is fixed before anything leaves
 *                                (StorageClient.prepareFile). The staged bytes and the prepared
 *                                item (anchor, tags, id) are kept beside each other until the job
 *                                ends, so every run for the request names the same grant id.
 *                                Public asset: grant id ''.
 *                    2. tx       approve(requestId, grantId) signed; hash + raw saved BEFORE
 *                                broadcast, so a restart waits for that very transaction; then
 *                                waited for until MINED (the payment is credited to the split in
 *                                that transaction). A request already approved on chain is adopted.
 *                    3. deliver  only now is the grant uploaded, exactly the item prepared
 *                                (expectedId): a durable step, retried until it is stored.
 *                    4. audit    one hash-chained audit entry (exactly once: looked up by tx first)
 *   access.deny      tx (deny(requestId, reason), same care) → audit
 *
 * Why this order (issue 12, attack 1): a grant readable on storage before the approval is mined
 * let a buyer take the key AND, after the timeout, cancel and take the payment back. Now no grant
 * is readable for a request whose payment is not credited: if the approval never lands (failed,
 * delayed, front-run by the buyer's cancel, a crash), the grant was never sent. An approval for a
 * request past its timeout (the buyer may cancel it) is refused before anything is signed.
 *
 * Nothing is "approved" in the catalog before the chain says so and the grant is stored: a failed
 * step leaves the request pending (with its prepared grant kept for the next try).
 */
import { rmSync } from 'node:fs';
import { id as topicOf, zeroPadValue, toBeHex, type Wallet } from 'ethers';
import type { Catalog } from '../catalog/db';
import type { AccessRequestRecord } from '../catalog/access';
import type { JobRecord } from '../catalog/jobs';
import { broadcastTx, isChainError, registryInterface, withAccountLock, type ChainConnection, type RegistryClient } from '../chain/client';
import type { JobQueue, JobRun, JsonObject } from '../jobs';
import { PermanentJobError } from '../jobs';
import type { GrantCertificate, GrantKey } from '../publish/keys';
import type { StorageClient } from '../storage/client';
import { faultPoint } from '../util/fault';
import { isApprover } from '../chain/approvers';
import { AccessActionCheckpoint } from './action-checkpoint';
import { deliverGrant, grantFile, prepareGrant, preparedFile, readPrepared } from './grant-delivery';

export { AccessActionCheckpoint } from './action-checkpoint';
export { grantFile, preparedGrantId } from './grant-delivery';

export const APPROVE_JOB_KIND = 'access.approve';
export const DENY_JOB_KIND = 'access.deny';
export const ACCESS_JOB_KINDS: readonly string[] = [APPROVE_JOB_KIND, DENY_JOB_KIND];

/** One live approval or denial per request and network. */
export const accessActionKey = (network: string, requestId: string): string => `access:${network}:${requestId}`;

export interface AccessJobDeps {
  catalog: Catalog;
  stagingDir: string;
  chain(network: string): Promise<{ conn: ChainConnection; registry: RegistryClient }>;
  /**
   * The storage client of a network that signs with `owner`'s wallet (the job's, whatever wallet
   * is current now: a grant's id was fixed by its owner's signature).
   */
  storage(network: string, owner: string): Promise<StorageClient>;
  signer(owner: string): Promise<Wallet>;
  /**
   * What a grant for one version (content root, hex) of an asset of the catalog carries, decided
   * from what that version was published with (its certificate here): nothing for a public
   * version, exactly that version's age identity for a private one (VersionKeys.grantKey; throws
   * GrantKeyError when it cannot tell). A grant opens exactly the version its token registered
   * (issue 12, attack 3).
   */
  grantKey(assetId: number, contentRoot: string, certificate: GrantCertificate | undefined): Promise<GrantKey>;
  /** Chain time (seconds) of the latest block; defaults to the connection's provider. */
  chainNow?(conn: ChainConnection): Promise<number>;
  /** After the job changed the request (approved/denied): announce it. */
  onChanged?: (rowId: number) => void;
}

const permanentChain = (e: unknown): boolean => isChainError(e) && (e.code === 'REVERTED' || e.code === 'INVALID_ARGUMENT' || e.code === 'INSUFFICIENT_FUNDS');

/**
 * An approval whose transaction was signed and sent (or found mined) must finish: the buyer pays
 * when it is mined, and only this job delivers their key. It cannot be cancelled (issue 12).
 */
function approvalSent(checkpoint: JsonObject): string | null {
  const cp = checkpoint as Partial<AccessActionCheckpoint>;
  if (cp.tx === undefined && cp.step !== 'deliver' && cp.step !== 'audit') return null;
  return `The approval of request #${cp.requestId ?? '?'} is already on its way to the chain (the buyer's payment goes to you once it is mined), so it cannot be cancelled: the buyer's key is delivered as soon as it can be.`;
}

export function registerAccessJobs(queue: JobQueue, deps: AccessJobDeps): void {
  const retry = { baseMs: 3_000, factor: 2, maxDelayMs: 5 * 60_000, maxAttempts: 10 };
  const typed = { checkpoint: AccessActionCheckpoint, input: AccessActionCheckpoint, concurrency: 1, retry, isPermanent: permanentChain };
  queue.register(APPROVE_JOB_KIND, { ...typed, run: (ctx) => runAction(ctx, 'approve', deps), cancelRefusal: approvalSent });
  queue.register(DENY_JOB_KIND, { ...typed, run: (ctx) => runAction(ctx, 'deny', deps) });
}

/**
 * Queues the approval or denial of a request (one live job per request: asking again returns
 * the live one) and records it on the request. The caller has checked it may.
 */
export function enqueueAccessAction(
  queue: JobQueue,
  catalog: Catalog,
  r: AccessRequestRecord,
  kind: 'approve' | 'deny',
  owner: string,
  opts: { reason?: string | null; auto?: boolean } = {},
): { job: JobRecord; created: boolean } {
  const checkpoint: AccessActionCheckpoint = {
    rowId: r.id,
    network: r.network,
    requestId: r.requestId,
    tokenId: r.tokenId,
    owner,
    ...(opts.reason !== undefined && opts.reason !== null ? { reason: opts.reason } : {}),
    ...(opts.auto === true ? { auto: true } : {}),
  };
  const res = queue.enqueue(kind === 'approve' ? APPROVE_JOB_KIND : DENY_JOB_KIND, {
    dedupeKey: accessActionKey(r.network, r.requestId),
    checkpoint: JSON.parse(JSON.stringify(checkpoint)) as JsonObject,
  });
  if (res.created) catalog.access.setAction(r.id, kind, res.job.id, opts.reason ?? null, opts.auto === true, new Date().toISOString());
  return res;
}

async function chainTime(deps: AccessJobDeps, conn: ChainConnection): Promise<number> {
  if (deps.chainNow) return deps.chainNow(conn);
  const b = await conn.provider.getBlock('latest');
  if (!b) throw new Error('The chain gave no latest block; trying again.');
  return b.timestamp;
}

/**
 * A request past its timeout may be cancelled by its requester at any moment (and the payment
 * taken back): refused before anything is signed. The owner can still deny it (a refund).
 */
async function refuseIfTimedOut(deps: AccessJobDeps, conn: ChainConnection, req: { cancellableAt: number }, requestId: string): Promise<void> {
  const now = await chainTime(deps, conn);
  if (now >= req.cancellableAt) {
    throw new PermanentJobError(
      `Request #${requestId} waited past its time limit (${new Date(req.cancellableAt * 1000).toISOString().replace('.000Z', 'Z')}), so the buyer can now take the payment back: it can no longer be approved. Nothing was signed or sent. Deny it to return the payment, and ask the buyer to request again.`,
    );
  }
}

/**
 * The request on chain must be the one in the inbox: request ids are per registry, so after the
 * profile's chain or registry changed the same id can name another buyer's request.
 */
function checkSameRequest(req: { tokenId: bigint; requester: string; recipient: string; amount: bigint }, row: { tokenId: string; requester: string; recipient: string; amountWei: string; requestId: string }): void {
  const differs: string[] = [];
  if (req.tokenId.toString() !== row.tokenId) differs.push(`asset token #${req.tokenId} (inbox: #${row.tokenId})`);
  if (req.requester.toLowerCase() !== row.requester.toLowerCase()) differs.push(`requester ${req.requester} (inbox: ${row.requester})`);
  if (req.recipient !== row.recipient) differs.push('the requester\'s key');
  if (req.amount.toString() !== row.amountWei) differs.push(`amount ${req.amount} wei (inbox: ${row.amountWei})`);
  if (differs.length > 0) {
    throw new PermanentJobError(
      `Request #${row.requestId} on chain is not the request in your inbox (${differs.join(', ')}): the network's chain or registry changed. Nothing was sent; check the network settings.`,
    );
  }
}

/** The transaction that logged `event` (AccessGranted / AccessDenied) for a request, if any. */
async function eventTx(registry: RegistryClient, event: 'AccessGranted' | 'AccessDenied', requestId: string, fromBlock: number): Promise<{ hash: string; blockNumber: number } | null> {
  const topic0 = topicOf(registryInterface.getEvent(event)?.format('sighash') ?? event);
  const logs = await registry.conn.provider.getLogs({ address: registry.address, fromBlock, toBlock: 'latest', topics: [topic0, zeroPadValue(toBeHex(BigInt(requestId)), 32)] });
  const l = logs[0];
  return l === undefined ? null : { hash: l.transactionHash, blockNumber: l.blockNumber };
}

async function runAction(ctx: JobRun<AccessActionCheckpoint>, kind: 'approve' | 'deny', deps: AccessJobDeps): Promise<JsonObject> {
  const cp: AccessActionCheckpoint = { ...ctx.checkpoint };
  const save = (patch: Partial<AccessActionCheckpoint>, progress: number): void => {
    Object.assign(cp, patch);
    ctx.saveCheckpoint(cp, progress);
  };
  const { catalog } = deps;
  const row = catalog.access.get(cp.rowId);
  if (!row || row.requestId !== cp.requestId || row.network !== cp.network) {
    throw new PermanentJobError(`Access request #${cp.requestId} is no longer in the catalog (the chain may have dropped it in a reorg).`);
  }
  const { conn, registry } = await deps.chain(cp.network);
  const verb = kind === 'approve' ? 'approved' : 'denied';
  const wanted = kind === 'approve' ? 'approved' : 'denied';

  // Before anything costly (and on every retry): where the request stands on chain.
  if (cp.step !== 'audit' && cp.tx === undefined) {
    const req = await registry.request(BigInt(cp.requestId));
    if (req === null) throw new PermanentJobError(`Access request #${cp.requestId} does not exist on this chain.`);
    checkSameRequest(req, row);
    if (req.status === wanted) {
      const found = await eventTx(registry, kind === 'approve' ? 'AccessGranted' : 'AccessDenied', cp.requestId, row.blockNumber);
      const adopted = { adopted: true, txHash: found?.hash ?? '', blockNumber: found?.blockNumber ?? 0 };
      // Approved on chain with a grant this computer prepared (a run that stopped after the
      // approval was mined): deliver it. Another grant id was delivered by whoever prepared it.
      const prepared = kind === 'approve' && req.grantId !== '' ? readPrepared(grantFile(deps.stagingDir, cp.network, cp.requestId, registry.address, row.recipient)) : null;
      if (kind === 'approve' && prepared?.id === req.grantId) save({ step: 'deliver', ...adopted, grantId: req.grantId, resume: prepared.resume }, 0.7);
      else save({ step: 'audit', ...adopted, ...(kind === 'approve' ? { grantId: req.grantId } : {}) }, 0.9);
    } else if (req.status !== 'pending') {
      throw new PermanentJobError(`Access request #${cp.requestId} was ${req.status} on chain already: it cannot be ${verb} now.`);
    } else {
      const owner = await registry.ownerOf(req.tokenId);
      if (owner?.toLowerCase() !== cp.owner.toLowerCase()) {
        // One of the token's approvers answers as the owner would (issue 17).
        if (owner === null || !(await isApprover(registry, req.tokenId, cp.owner))) {
          throw new PermanentJobError(`Asset token #${cp.tokenId} is owned by ${owner ?? 'nobody'}, and ${cp.owner} is neither its owner nor one of its approvers: only they can answer request #${cp.requestId}.`);
        }
        if (cp.approver !== true) save({ approver: true }, 0.05);
      } else if (cp.approver === true) {
        save({ approver: false }, 0.05);
      }
      if (kind === 'approve') await refuseIfTimedOut(deps, conn, req, cp.requestId);
    }
  }

  // 1. grant (approve only)
  if (kind === 'approve' && (cp.step === undefined || cp.step === 'grant')) {
    // An approver holds no version key: it approves with an empty grant id, and the owner's
    // Ativo delivers the grant once the approval is mined (issue 17).
    const prepared = cp.approver === true ? { id: '', resume: null } : await prepareGrant(ctx, cp, deps, registry, conn);
    save({ step: 'tx', grantId: prepared.id, resume: prepared.resume }, 0.3);
    faultPoint('access:after-grant');
  }
  if (kind === 'deny' && cp.step === undefined) save({ step: 'tx' }, 0.1);

  // 2. tx
  if (cp.step === 'tx') {
    const signer = (await deps.signer(cp.owner)).connect(conn.provider);
    if (cp.tx === undefined) {
      // Again right before signing (the grant step may have taken a while).
      const req = await registry.request(BigInt(cp.requestId));
      if (req === null) throw new PermanentJobError(`Access request #${cp.requestId} does not exist on this chain.`);
      checkSameRequest(req, row);
      if (req.status !== 'pending') throw new Error(`Request #${cp.requestId} is ${req.status} on chain now; looking again.`);
      if (kind === 'approve') await refuseIfTimedOut(deps, conn, req, cp.requestId);
      const call = kind === 'approve' ? registry.calls.approve(BigInt(cp.requestId), cp.grantId ?? '') : registry.calls.deny(BigInt(cp.requestId), cp.reason ?? '');
      // Prepared, saved and sent under the wallet's lock: no other job takes the same nonce.
      await withAccountLock(conn, cp.owner, async () => {
        const prepared = await registry.prepare(signer, call);
        // Saved before it leaves: after a crash we wait for this very transaction.
        save({ tx: { hash: prepared.hash, raw: prepared.raw } }, 0.6);
        faultPoint('access:after-tx-saved');
        await broadcastTx(conn, { raw: prepared.raw, hash: prepared.hash, action: kind }).catch(() => undefined); // its errors are handled below
      });
    }
    const tx = cp.tx;
    if (tx === undefined) throw new Error('unreachable: no transaction recorded');
    const afterTx = kind === 'approve' && (cp.grantId ?? '') !== '' ? 'deliver' : 'audit';
    ctx.progress(0.7, kind === 'approve' ? 'Approving on chain' : 'Denying on chain');
    try {
      await broadcastTx(conn, { raw: tx.raw, hash: tx.hash, action: kind });
    } catch (e) {
      if (isChainError(e) && e.code === 'NONCE') {
        // Our transaction can never be mined now (its nonce went to another one): look again.
        const req = await registry.request(BigInt(cp.requestId));
        if (req?.status === 'pending') {
          save({ tx: undefined }, 0.5);
          throw new Error(`The ${kind} transaction was replaced before it was mined; sending a new one.`, { cause: e });
        }
      } else {
        throw e;
      }
    }
    faultPoint('access:after-broadcast');
    try {
      const mined = await registry.resume(kind, tx.hash);
      save({ step: afterTx, txHash: tx.hash, blockNumber: mined.receipt.blockNumber }, 0.7);
    } catch (e) {
      const req = await registry.request(BigInt(cp.requestId)).catch(() => null);
      if (req?.status === wanted && (kind === 'deny' || req.grantId === (cp.grantId ?? ''))) {
        const found = await eventTx(registry, kind === 'approve' ? 'AccessGranted' : 'AccessDenied', cp.requestId, row.blockNumber);
        save({ step: afterTx, adopted: true, txHash: found?.hash ?? '', blockNumber: found?.blockNumber ?? 0 }, 0.7);
      } else if (isChainError(e) && e.code === 'TX_NOT_FOUND' && req?.status === 'pending') {
        // Dropped by the node: sign again (the next run sends a new transaction).
        save({ tx: undefined }, 0.5);
        throw e;
      } else {
        throw e;
      }
    }
  }

  // 3. deliver: the approval is mined (the payment credited); only now is the grant stored.
  if (cp.step === 'deliver') {
    faultPoint('access:before-deliver');
    await deliverGrant(ctx, cp, deps, registry.address, save);
    catalog.access.saveGrant(cp.rowId, cp.grantId ?? '', new Date().toISOString());
    save({ step: 'audit' }, 0.9);
  }

  // 4. audit
  if (cp.step === 'audit') {
    faultPoint('access:before-audit');
    const now = new Date().toISOString();
    const txHash = cp.txHash ?? '';
    catalog.transaction(() => {
      if (!catalog.audit.has(kind, cp.network, cp.requestId)) {
        catalog.audit.append({
          at: now,
          actor: cp.owner,
          action: kind,
          details: {
            network: cp.network,
            requestId: cp.requestId,
            tokenId: cp.tokenId,
            assetId: row.assetId,
            requester: row.requester,
            amountWei: row.amountWei,
            txHash,
            ...(kind === 'approve' ? { grantId: cp.grantId ?? '' } : { reason: cp.reason ?? '' }),
            auto: cp.auto === true,
            adopted: cp.adopted === true,
            decidedAs: cp.approver === true ? 'approver' : 'owner',
          },
        });
      }
      catalog.access.setState(cp.network, cp.requestId, wanted, cp.blockNumber ?? row.blockNumber, now, kind === 'approve' ? { grantId: cp.grantId ?? '' } : { reason: cp.reason ?? '' });
      if (kind === 'approve' && txHash !== '') catalog.access.saveGrantTx(cp.rowId, txHash);
      // This job's transaction decided it (an adopted decision is recorded by the indexer from Decided).
      if (cp.adopted !== true) catalog.approvers.setDecider(cp.network, cp.requestId, cp.owner);
    });
    const staged = grantFile(deps.stagingDir, cp.network, cp.requestId, registry.address, row.recipient);
    rmSync(staged, { force: true });
    rmSync(preparedFile(staged), { force: true });
    deps.onChanged?.(cp.rowId);
    return { requestId: cp.requestId, txHash, ...(kind === 'approve' ? { grantId: cp.grantId ?? '' } : {}), adopted: cp.adopted === true };
  }
  throw new PermanentJobError(`Unknown ${kind} step ${String(cp.step)}.`);
}

