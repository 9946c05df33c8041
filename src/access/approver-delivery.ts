/**
 * The owner's side of an approval decided by one of the token's approvers (issue 17).
 *
 * Key delivery decision: an approver cannot make the grant (it holds no version key), so it
 * approves with an empty grant id. This computer, which published the asset and holds its keys,
 * sees that approval in its access follower (decided by someone else than the owner) and runs
 * one `access.deliver` job per request: once the approval is MINED (no key before payment: the
 * job reads the request's state on chain before anything is made) it makes the grant for the
 * request's recipient and the version the token registered, signs it with the owner's wallet,
 * and stores it tagged with the request id, the token id and the registry
 * (src/access/delivered-grant.ts, where the buyer's fetch finds and checks it). Each step is in
 * the checkpoint: the prepared item is fixed once (its id does not change across runs), and a
 * stored grant is not paid for twice. A public version needs no grant: nothing is stored.
 */
import { rmSync } from 'node:fs';
import type { Catalog } from '../catalog/db';
import type { AccessRequestRecord } from '../catalog/access';
import type { JobQueue, JobRun, JsonObject } from '../jobs';
import { PermanentJobError } from '../jobs';
import { AccessActionCheckpoint } from './action-checkpoint';
import { deliveredGrantTags } from './delivered-grant';
import { deliverGrant, grantFile, preparedFile, prepareGrant } from './grant-delivery';
import type { AccessJobDeps } from './jobs';

export const DELIVER_JOB_KIND = 'access.deliver';
export const deliverKey = (network: string, requestId: string): string => `access-deliver:${network}:${requestId}`;

export function registerApproverDelivery(queue: JobQueue, deps: AccessJobDeps): void {
  const retry = { baseMs: 3_000, factor: 2, maxDelayMs: 5 * 60_000, maxAttempts: 10 };
  queue.register(DELIVER_JOB_KIND, {
    checkpoint: AccessActionCheckpoint,
    input: AccessActionCheckpoint,
    concurrency: 1,
    retry,
    run: (ctx) => runDelivery(ctx, deps),
    // The buyer has paid: the delivery of their key is not something to drop.
    cancelRefusal: (cp) => `The key of request #${(cp as Partial<AccessActionCheckpoint>).requestId ?? '?'} is owed to a buyer who has paid (one of your approvers approved it): it is delivered as soon as it can be.`,
  });
}

/**
 * Approvals this catalog's owner must deliver: approved on chain with an empty grant id, decided
 * by someone else than the token's owner, for an asset of this catalog owned by `owner`, and not
 * delivered yet. One live job per request.
 */
export function enqueueDeliveries(queue: JobQueue, catalog: Catalog, rows: readonly AccessRequestRecord[], owner: string): number {
  let n = 0;
  for (const r of rows) {
    if (r.state !== 'approved' || (r.grantId ?? '') !== '' || r.assetId === null || r.owner !== owner.toLowerCase()) continue;
    if (r.decidedBy === null || r.decidedBy === r.owner) continue;
    if (catalog.access.grant(r.id) !== undefined) continue; // delivered (or found public) already
    const cp: AccessActionCheckpoint = { rowId: r.id, network: r.network, requestId: r.requestId, tokenId: r.tokenId, owner };
    const res = queue.enqueue(DELIVER_JOB_KIND, { dedupeKey: deliverKey(r.network, r.requestId), checkpoint: JSON.parse(JSON.stringify(cp)) as JsonObject });
    if (res.created) n++;
  }
  return n;
}

async function runDelivery(ctx: JobRun<AccessActionCheckpoint>, deps: AccessJobDeps): Promise<JsonObject> {
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
  const registryAddress = registry.address;

  if (cp.step === undefined || cp.step === 'grant') {
    // No key before payment: the approval must be mined, for this very request.
    const req = await registry.request(BigInt(cp.requestId));
    if (req === null) throw new PermanentJobError(`Access request #${cp.requestId} does not exist on this chain.`);
    if (req.status !== 'approved') throw new PermanentJobError(`Access request #${cp.requestId} is ${req.status} on chain, not approved: no key is delivered.`);
    if (req.grantId !== '') throw new PermanentJobError(`Access request #${cp.requestId} was approved with its own grant ${req.grantId}: nothing to deliver from here.`);
    if (req.tokenId.toString() !== row.tokenId || req.recipient !== row.recipient || req.requester.toLowerCase() !== row.requester.toLowerCase()) {
      throw new PermanentJobError(`Request #${cp.requestId} on chain is not the request in your inbox: the network's chain or registry changed. Nothing was sent; check the network settings.`);
    }
    const owner = await registry.ownerOf(req.tokenId);
    if (owner?.toLowerCase() !== cp.owner.toLowerCase()) {
      throw new PermanentJobError(`Asset token #${cp.tokenId} is owned by ${owner ?? 'nobody'} now, not by ${cp.owner}: its key is delivered by its owner.`);
    }
    const prepared = await prepareGrant(ctx, cp, deps, registry, conn, deliveredGrantTags(cp.requestId, cp.tokenId, registryAddress));
    save({ step: prepared.id === '' ? 'audit' : 'deliver', grantId: prepared.id, resume: prepared.resume }, 0.4);
  }
  if (cp.step === 'deliver') {
    await deliverGrant(ctx, cp, deps, registryAddress, save);
    save({ step: 'audit' }, 0.9);
  }
  if (cp.step === 'audit') {
    const now = new Date().toISOString();
    catalog.transaction(() => {
      catalog.access.saveGrant(cp.rowId, cp.grantId ?? '', now);
      if (!catalog.audit.has('deliver', cp.network, cp.requestId)) {
        catalog.audit.append({
          at: now,
          actor: cp.owner,
          action: 'deliver',
          details: {
            network: cp.network,
            requestId: cp.requestId,
            tokenId: cp.tokenId,
            assetId: row.assetId,
            requester: row.requester,
            amountWei: row.amountWei,
            decidedBy: row.decidedBy ?? '',
            grantId: cp.grantId ?? '',
          },
        });
      }
    });
    const staged = grantFile(deps.stagingDir, cp.network, cp.requestId, registryAddress, row.recipient);
    rmSync(staged, { force: true });
    rmSync(preparedFile(staged), { force: true });
    deps.onChanged?.(cp.rowId);
    return { requestId: cp.requestId, grantId: cp.grantId ?? '', decidedBy: row.decidedBy ?? '' };
  }
  throw new PermanentJobError(`Unknown delivery step ${String(cp.step)}.`);
}
