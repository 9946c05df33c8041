/**
 * The grant of an approval (src/access/jobs.ts): made and its storage item signed before the
 * approval is sent (prepareGrant), kept staged beside its prepared item, and stored only once
 * the approval is mined (deliverGrant).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainConnection, RegistryClient } from '../chain/client';
import { CryptoError } from '../crypto/errors';
import { createGrant } from '../crypto/grant';
import type { JobRun } from '../jobs';
import { PermanentJobError } from '../jobs';
import { GrantKeyError, type GrantKey } from '../publish/keys';
import type { ResumeState } from '../storage/client';
import { isStorageError } from '../storage/errors';
import type { AccessActionCheckpoint } from './action-checkpoint';
import type { AccessJobDeps } from './jobs';
import { writeFileAtomic } from '../util/atomic-write';

/**
 * Where a grant is staged before upload. The name carries a hash of the registry and of the
 * recipient: a file left behind by a request with the same id on another registry (a redeployed
 * sandbox, an edited profile) or for another recipient is never uploaded for this one.
 */
export function grantFile(stagingDir: string, network: string, requestId: string, registry: string, recipient: string): string {
  const bind = createHash('sha256').update(`${registry.toLowerCase()}\n${recipient}`).digest('hex').slice(0, 16);
  return join(stagingDir, `grant-${network}-${requestId}-${bind}.age`);
}

/** The prepared storage item of a staged grant (its id, anchor and tags), kept beside it. */
export const preparedFile = (grant: string): string => `${grant}.item.json`;

export function readPrepared(grant: string): { id: string; resume: ResumeState } | null {
  try {
    const v = JSON.parse(readFileSync(preparedFile(grant), 'utf8')) as { id?: unknown; resume?: unknown };
    if (typeof v.id !== 'string' || typeof v.resume !== 'object' || v.resume === null) return null;
    if (!existsSync(grant)) return null;
    return { id: v.id, resume: v.resume as ResumeState };
  } catch {
    return null;
  }
}

/** The id of the grant this computer prepared for a request (kept until it is delivered), or null. */
export function preparedGrantId(stagingDir: string, network: string, requestId: string, registry: string, recipient: string): string | null {
  return readPrepared(grantFile(stagingDir, network, requestId, registry, recipient))?.id ?? null;
}

/**
 * Makes the grant and fixes its storage id without sending anything: the staged bytes and the
 * prepared item are written once per request (registry and recipient), so every later run, and
 * a new job for the same request, names the same grant.
 */
export async function prepareGrant(
  ctx: JobRun<unknown>,
  cp: AccessActionCheckpoint,
  deps: AccessJobDeps,
  registry: RegistryClient,
  conn: ChainConnection,
  tags: { name: string; value: string }[] = grantTags(cp),
): Promise<{ id: string; resume: ResumeState | null }> {
  if (cp.grantId !== undefined && (cp.grantId === '' || cp.resume)) return { id: cp.grantId, resume: cp.resume ?? null };
  const { catalog } = deps;
  const row = catalog.access.get(cp.rowId);
  if (!row) throw new PermanentJobError(`Access request #${cp.requestId} is no longer in the catalog.`);
  if (row.assetId === null) {
    throw new PermanentJobError(`Asset token #${cp.tokenId} is not an asset of this catalog: approve request #${cp.requestId} from the Ativo that published it.`);
  }
  const asset = catalog.assets.get(row.assetId);
  if (!asset) throw new PermanentJobError(`Asset ${row.assetId} is no longer in the catalog: request #${cp.requestId} cannot be approved from here.`);

  const file = grantFile(deps.stagingDir, cp.network, cp.requestId, registry.address, row.recipient);
  const earlier = readPrepared(file);
  if (earlier) return earlier;
  // The version the request paid for: the content root its token registered (the asset may have
  // newer versions, each with its own key, and another visibility than that version had).
  const token = await registry.asset(BigInt(cp.tokenId));
  if (token === null) throw new PermanentJobError(`Asset token #${cp.tokenId} is not registered on this chain: request #${cp.requestId} cannot be approved.`);
  const contentRoot = token.contentRoot.replace(/^0x/i, '').toLowerCase();
  const cert = catalog.certificates.byToken(Number(conn.chainId), registry.address, cp.tokenId);
  let key: GrantKey;
  try {
    key = await deps.grantKey(asset.id, contentRoot, cert);
  } catch (e) {
    if (e instanceof GrantKeyError) throw new PermanentJobError(`Request #${cp.requestId}: ${e.message}`, { cause: e });
    throw e;
  }
  if (key.kind === 'public') return { id: '', resume: null }; // a public version: nothing to decrypt
  const identity = key.identity;
  ctx.progress(0.1, 'Making the grant');
  let bytes: Uint8Array;
  try {
    // The access period the request was made under travels with the key (issue 14).
    const period = (await registry.request(BigInt(cp.requestId)))?.accessPeriod ?? 0;
    bytes = await createGrant(identity, row.recipient, { assetId: cp.tokenId, contentRoot, accessPeriod: String(period) });
  } catch (e) {
    if (e instanceof CryptoError) {
      throw new PermanentJobError(`The requester's key "${row.recipient.slice(0, 80)}" cannot receive a grant (${e.message}): deny request #${cp.requestId} instead (the payment goes back to them).`);
    }
    throw e;
  }
  mkdirSync(deps.stagingDir, { recursive: true });
  await writeFileAtomic(file, bytes);
  ctx.progress(0.2, 'Signing the grant');
  const storage = await deps.storage(cp.network, cp.owner);
  const prepared = await storage.prepareFile(file, { contentType: 'application/octet-stream', encryption: `age:${row.recipient}`, tags, owner: cp.owner });
  // Written once: from here on this request's grant is this item, whatever run delivers it.
  // Synced before it counts: a crash must not leave an empty record of an id the chain may name.
  await writeFileAtomic(preparedFile(file), JSON.stringify(prepared));
  return prepared;
}

const grantTags = (cp: AccessActionCheckpoint): { name: string; value: string }[] => [
  { name: 'Type', value: 'grant' },
  { name: 'Request-Id', value: cp.requestId },
  { name: 'Token-Id', value: cp.tokenId },
];

/** Stores exactly the prepared grant (its id is on chain already); retried until stored. */
export async function deliverGrant(ctx: JobRun<unknown>, cp: AccessActionCheckpoint, deps: AccessJobDeps, registryAddress: string, save: (p: Partial<AccessActionCheckpoint>, progress: number) => void): Promise<void> {
  const row = deps.catalog.access.get(cp.rowId);
  if (!row) throw new PermanentJobError(`Access request #${cp.requestId} is no longer in the catalog.`);
  const grantId = cp.grantId ?? '';
  const storage = await deps.storage(cp.network, cp.owner);
  if ((await storage.findById(grantId).catch(() => undefined)) !== undefined) return; // stored by an earlier run
  const file = grantFile(deps.stagingDir, cp.network, cp.requestId, registryAddress, row.recipient);
  if (!existsSync(file) || !cp.resume) {
    throw new PermanentJobError(`Request #${cp.requestId} is approved on chain, but the key prepared for the buyer is no longer on this computer (the staging folder was cleared), so it could not be delivered. Contact the buyer.`);
  }
  ctx.progress(0.75, 'Delivering the grant');
  try {
    await storage.uploadFile(file, {
      resume: cp.resume,
      expectedId: grantId,
      owner: cp.owner,
      onResumeState: (s) => { save({ resume: s }, 0.8); },
      signal: ctx.signal,
    });
  } catch (e) {
    // The buyer has paid (the approval is mined): a short storage balance is waited out, never a
    // reason to give up delivering the key.
    if (isStorageError(e, 'INSUFFICIENT_BALANCE')) {
      const short = e.shortfall ? e.shortfall.shortBy.formatted : 'an unknown amount';
      ctx.wait(`Request #${cp.requestId} is approved and paid, but your storage balance is short by ${short} to deliver the buyer's key: fund your storage balance and it is delivered.`, 10 * 60_000);
    }
    throw e;
  }
}
