/**
 * `ativo access fetch`: what an approved request opens, downloaded, decrypted and verified.
 *
 *   1. the request must be the current wallet's own, and approved (clear errors otherwise);
 *   2. the grant (private assets) is downloaded and opened with the wallet's requester identity
 *      from the keychain; a grant made for another key is refused; its content root must be
 *      the one registered on chain;
 *   3. the path manifest named by the registration is downloaded (at most 64 MiB; a private
 *      asset's is encrypted: the grant's key opens it, and one in the clear is refused, as is a
 *      list in the clear naming encrypted items: nothing in it would be authenticated). Every
 *      file's size is known before anything is downloaded (from the manifest, else from the
 *      node), and their sum must fit the free space of --out's disk. Every file's item is streamed from the
 *      storage node, checked against its Content-Sha256 tag (a private item's hash is in the
 *      encrypted manifest), decrypted (private items) and hashed on its way to disk, into a temp
 *      folder beside --out. Each file is capped at its size from the manifest (an older manifest
 *      without sizes: the size the node gives for the item): the moment more bytes arrive the
 *      download is aborted and the partial file deleted; so is the whole download the moment
 *      more than the declared total arrives (a second guard: the per-file caps add up to it);
 *   4. only when the content root of what was written equals the on-chain root is the temp
 *      folder renamed to --out. On any failure the temp folder is removed: nothing half-written.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, rmdir, stat, statfs } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getAddress } from 'ethers';
import { createDecryptStream, encryptedSize } from '../crypto/stream';
import { replaceAgeHeader } from '../crypto/rewrap';
import { readGrant } from '../crypto/grant';
import { isCryptoError } from '../crypto/errors';
import { buildManifest, contentRoot as rootOf } from '../ingest/manifest';
import { ManifestError, isEncryptedManifest, readManifest as decodeManifest, type ManifestEntry } from '../publish/manifest';
import { ByteLimit, SizeLimitError, sizeWords } from '../storage/bounded';
import { GatewayHttpError, StorageGateway, type StoredItem } from '../storage/gateway';
import { AtivoError, errnoCode } from '../util/errors';
import { faultPoint } from '../util/fault';
import { mustGetRequest, notFetchable, stateOf, type RequesterChain } from './requester';
import { findDeliveredGrants } from './delivered-grant';

export interface FetchDeps {
  chain: RequesterChain;
  /** The storage node of the current network (asked only once the request is known to be fetchable). */
  storageUrl: () => Promise<string>;
  /** The current wallet (checksummed). */
  wallet: string;
  /** The wallet's requester identity from the keychain (null when this keychain has none). */
  requesterIdentity: () => Promise<{ identity: string; recipient: string } | null>;
  /** Parallel downloads (default 4). */
  concurrency?: number;
}

/** How a durable download (src/access/download-job.ts) runs a fetch. */
export interface FetchOptions {
  /**
   * The temporary folder beside --out to write into, named by the caller so a restarted run finds
   * what a killed one left: it is emptied first (a restart starts clean), removed on any failure.
   */
  tmp?: string;
  /** After each file is written and checked (and once with 0 before the first). */
  onFile?: (done: number, total: number) => void;
  /** Every file matched the registered content root: called just before the folder is renamed into place. */
  onVerified?: (contentRoot: string) => void;
  /** Stops between files (pause, cancel, shutdown); the temp folder is removed. */
  signal?: AbortSignal;
}

export interface FetchResult {
  out: string;
  files: number;
  bytes: number;
  contentRoot: string;
  verified: boolean;
}

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const MAX_GRANT_BYTES = 64 * 1024;
/** An encrypted item's header may name this many recipients (Ativo's name one): its ciphertext is capped for that many. */
const MAX_RECIPIENTS = 16;

const storageError = (message: string, cause?: unknown): AtivoError => new AtivoError('STORAGE_ERROR', message, cause === undefined ? undefined : { cause });
const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A download that failed with an HTTP status (the node answered). */
class HttpStatusError extends AtivoError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('STORAGE_ERROR', message);
  }
}

/** Starts downloading an item from the storage node (through the gateway), with this module's wording for failures. */
async function download(gw: StorageGateway, id: string, what: string, timeoutMs = 120_000): Promise<Response> {
  try {
    return await gw.open(id, AbortSignal.timeout(timeoutMs));
  } catch (e) {
    if (e instanceof GatewayHttpError) throw new HttpStatusError(e.status, `Could not download ${what}: the storage node answered HTTP ${e.status} for ${e.url}.`);
    throw storageError(`Could not download ${what} from ${gw.itemUrl(id)}: ${msg(e)}. Check that the storage node is reachable and try again.`, e);
  }
}

async function downloadSmall(gw: StorageGateway, id: string, what: string, max: number): Promise<Buffer> {
  const res = await download(gw, id, what);
  const chunks: Buffer[] = [];
  let n = 0;
  const body = res.body;
  if (body === null) return Buffer.alloc(0);
  for await (const c of body as unknown as AsyncIterable<Uint8Array>) {
    n += c.length;
    if (n > max) {
      await body.cancel().catch(() => undefined);
      throw storageError(`${what} is larger than ${max} bytes: it is not what Ativo stores there.`);
    }
    chunks.push(Buffer.from(c));
  }
  return Buffer.concat(chunks);
}

/** A manifest path that stays inside the output folder, or an error naming it. */
export function checkRelPath(p: string): string {
  const bad = (why: string): never => {
    throw storageError(`The asset's file list names an unsafe path ${JSON.stringify(p)} (${why}); nothing was written.`);
  };
  if (p.length === 0 || p.length > 4096) bad('empty or too long');
  if (p.includes('\0')) bad('it holds a NUL byte');
  if (p.startsWith('/')) bad('it is absolute');
  // On Windows `\` separates folders too and `C:` names a drive: either could leave the folder.
  if (process.platform === 'win32' && /[\\:]/.test(p)) bad('it holds "\\" or ":", which Windows reads as a folder or drive');
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') bad('it has an empty, "." or ".." part');
    if (Buffer.byteLength(seg) > 255) bad('a name is longer than 255 bytes');
  }
  return p;
}

interface ManifestItem {
  relPath: string;
  id: string;
  /** The file's size in bytes (plaintext) as the manifest states it; null in a manifest made before sizes were. */
  size: number | null;
}

interface ItemInfo extends ManifestItem {
  encrypted: boolean;
  /** sha256 of the stored bytes, from the item's signed tags (null when it has none). */
  dataSha256: string | null;
  /** A file reused from an earlier version: its age header re-wrapped to this version's key (from the encrypted manifest). */
  header: Buffer | null;
}

/** A private asset's file list that is not encrypted: not what its owner's Ativo published. */
const clearListOfPrivate = (manifestId: string): AtivoError =>
  storageError(
    `The file list ${manifestId} of this private asset came in the clear, but a private asset's file list is encrypted: the storage node is not serving what was published, so nothing was downloaded. Try again later, or ask the owner.`,
  );

/**
 * The file list named by the registration; a private asset's is encrypted: `identity` (the
 * grant's) opens it. For a private asset (`private`: its access came with a grant) a file list
 * in the clear is refused: nothing in it (paths, sizes, hashes, headers) is authenticated.
 */
async function readManifest(gw: StorageGateway, manifestId: string, identity: () => Promise<string>, private_: boolean): Promise<{ entries: ManifestEntry[]; encrypted: boolean }> {
  const raw = await downloadSmall(gw, manifestId, `the file list (manifest ${manifestId})`, MAX_MANIFEST_BYTES);
  const encrypted = isEncryptedManifest(raw);
  if (private_ && !encrypted) throw clearListOfPrivate(manifestId);
  let entries: ManifestEntry[];
  try {
    entries = await decodeManifest(raw, encrypted ? [await identity()] : null);
  } catch (e) {
    if (e instanceof ManifestError && e.code === 'WRONG_KEY') throw new AtivoError('INVALID_INPUT', `The file list of this asset cannot be decrypted with the key the grant holds: the grant does not open this asset. Nothing was downloaded.`, { cause: e });
    if (e instanceof ManifestError) throw storageError(`The file list ${manifestId} cannot be read: ${e.message}`, e);
    throw e;
  }
  const seen = new Set<string>();
  for (const { relPath, id } of entries) {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(id)) throw storageError(`The file list ${manifestId} has no valid item id for ${JSON.stringify(relPath)}.`);
    checkRelPath(relPath);
    // Two paths that differ only after NFC normalisation would collide on some file systems.
    const key = relPath.normalize('NFC');
    if (seen.has(key)) throw storageError(`The file list ${manifestId} names ${JSON.stringify(relPath)} twice.`);
    seen.add(key);
  }
  return { entries, encrypted };
}

/** Each item's encryption marker and Content-Sha256 tag (a private item's hash is in the encrypted manifest instead), from the node's GraphQL index. */
async function itemTags(gw: StorageGateway, entries: ManifestEntry[]): Promise<ItemInfo[]> {
  let items: Map<string, StoredItem>;
  try {
    items = await gw.items(entries.map((e) => e.id));
  } catch (e) {
    throw storageError(`Could not look up the asset's stored files at ${gw.url}: ${msg(e)}.`, e);
  }
  return entries.map((e) => {
    const t = items.get(e.id);
    if (t === undefined) throw storageError(`${e.relPath} (item ${e.id}) is not on the storage node ${gw.url}.`);
    const sha = t.sha256 ?? e.sha256 ?? null;
    return { relPath: e.relPath, id: e.id, size: e.size ?? null, encrypted: t.encrypted, dataSha256: sha !== null && /^[0-9a-f]{64}$/.test(sha) ? sha : null, header: e.header === undefined ? null : Buffer.from(e.header, 'base64') };
  });
}

/**
 * The size of a file whose manifest entry states none (made before manifests held sizes): the
 * data size the storage node gives for its item (`GET /tx/{id}`), plaintext for a public item.
 * For an encrypted item that is the ciphertext, so the plaintext is capped at it too.
 */
async function sizeFromNode(gw: StorageGateway, item: ItemInfo): Promise<number> {
  const size = await gw.dataSize(item.id, `the description of ${item.relPath}`);
  if (size === null) {
    throw storageError(
      `The file list of this asset does not give the size of ${item.relPath}, and the storage node does not either, so it cannot be downloaded with a limit: ask the owner to publish the asset again with this version of Ativo. Nothing was kept.`,
    );
  }
  return size;
}

/** A pass-through that hashes and counts what flows through it. */
class HashTap extends Transform {
  private readonly h = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.h.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  digest(): string {
    return this.h.digest('hex');
  }
}

/**
 * The whole download's cap: the sum of the files' sizes. Each file's tap counts into one total,
 * and the download stops the moment more arrives than the file list declared for all files.
 */
class TotalLimit {
  bytes = 0;
  constructor(readonly max: number) {}
  tap(): Transform {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const total = this;
    return new Transform({
      transform(chunk: Buffer, _enc, cb): void {
        total.bytes += chunk.length;
        if (total.bytes > total.max) {
          cb(new SizeLimitError(`The asset is larger than the ${sizeWords(total.max)} its file list declares for all its files: the storage node sent more, so the download was stopped there`, total.max));
          return;
        }
        cb(null, chunk);
      },
    });
  }
}

/** Refuses a download whose declared total does not fit on the disk holding `dir` (nothing is downloaded). */
async function checkRoom(dir: string, bytes: number): Promise<void> {
  const fs = await statfs(dir).catch(() => null);
  if (fs === null) return;
  const free = fs.bavail * fs.bsize;
  if (bytes > free) {
    throw new AtivoError(
      'INVALID_INPUT',
      `The asset's file list adds up to ${sizeWords(bytes)}, more than the ${sizeWords(free)} free on the disk of ${dir}: free some space or choose another folder to fetch into. Nothing was downloaded.`,
    );
  }
}

/** --out must be absent or an empty folder; its parent must exist. */
export async function checkOut(out: string): Promise<{ exists: boolean }> {
  const parent = dirname(out);
  const ps = await stat(parent).catch(() => null);
  if (ps === null || !ps.isDirectory()) throw new AtivoError('NOT_A_DIRECTORY', `${parent} does not exist (or is not a folder): create it, or choose another --out.`);
  const st = await stat(out).catch((e: unknown) => {
    if (errnoCode(e) === 'ENOENT') return null;
    throw e;
  });
  if (st === null) return { exists: false };
  if (!st.isDirectory()) throw new AtivoError('INVALID_INPUT', `${out} is a file: choose a new or empty folder for --out.`);
  if ((await readdir(out)).length > 0) throw new AtivoError('INVALID_INPUT', `${out} is not empty: choose a new or empty folder for --out (nothing was written).`);
  return { exists: true };
}

async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bad) throw bad.reason;
}

/**
 * An approval with an access period lasts until its expiry (the chain's clock decides): after it,
 * nothing more is downloaded through Ativo (files fetched before stay with the buyer).
 */
async function refuseIfExpired(chain: RequesterChain, r: { requestId: bigint; tokenId: bigint; expiresAt: number }): Promise<void> {
  if (r.expiresAt === 0) return;
  const block = await chain.conn.provider.getBlock('latest');
  const now = block?.timestamp ?? Math.floor(Date.now() / 1000);
  if (now < r.expiresAt) return;
  throw new AtivoError(
    'INVALID_INPUT',
    `Your access to asset #${r.tokenId} (request #${r.requestId}) ended on ${new Date(r.expiresAt * 1000).toISOString().replace('.000Z', 'Z')}, as its terms set: nothing was downloaded. Files you fetched before are yours to keep; to download again, request access again.`,
  );
}

export async function fetchAccess(deps: FetchDeps, requestId: bigint, outArg: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const { chain } = deps;
  const out = resolve(outArg);
  const r = await mustGetRequest(chain, requestId);
  if (getAddress(r.requester) !== getAddress(deps.wallet)) {
    throw new AtivoError(
      'INVALID_INPUT',
      `Request #${requestId} was made by ${r.requester}, not by the current wallet ${deps.wallet}: only its requester can fetch it (switch to that wallet if it is yours).`,
      { cli: `Request #${requestId} was made by ${r.requester}, not by the current wallet ${deps.wallet}: only its requester can fetch it (switch with ativo wallet use ${r.requester} if that wallet is yours).` },
    );
  }
  const refusal = await notFetchable(chain, r, await stateOf(chain, r));
  if (refusal) throw refusal;
  await refuseIfExpired(chain, r);
  await checkOut(out);

  const asset = await chain.registry.asset(r.tokenId);
  if (asset === null) throw new AtivoError('NOT_FOUND', `Asset #${r.tokenId} of request #${requestId} is no longer registered on ${chain.network}.`);
  const root = asset.contentRoot.replace(/^0x/i, '').toLowerCase();
  const gw = new StorageGateway(await deps.storageUrl());

  // The grant: only private assets need it (their file list and files are encrypted).
  const openGrant = async (): Promise<string> => {
    const mine = await deps.requesterIdentity();
    if (mine === null) {
      throw new AtivoError('NOT_FOUND', `This keychain holds no requester key for ${deps.wallet}: request #${requestId} was made from another computer (or the key was removed), and only that key opens its grant.`);
    }
    if (mine.recipient !== r.recipient) {
      throw new AtivoError('INVALID_INPUT', `Request #${requestId} asked for a grant to the key ${r.recipient}, but this keychain's requester key for ${deps.wallet} is ${mine.recipient}: fetch from the computer that made the request.`);
    }
    // Approved by one of the token's approvers (no grant id on chain): the owner's Ativo delivers it (issue 17).
    if (r.grantId === '') return openDelivered(mine);
    const grant = await downloadSmall(gw, r.grantId, `the grant ${r.grantId}`, MAX_GRANT_BYTES).catch((e: unknown) => {
      // The owner's Ativo stores the grant only once the approval is mined (no key before the
      // payment): a moment after the approval, it may not be there yet.
      if (e instanceof HttpStatusError && e.status === 404) {
        throw new AtivoError('BUSY', `Request #${requestId} is approved, and the owner's Ativo is still delivering your key (the grant ${r.grantId} is not on the storage node yet). Try again in a few minutes; nothing was downloaded.`);
      }
      throw e;
    });
    let env;
    try {
      env = await readGrant(new Uint8Array(grant), mine.identity);
    } catch (e) {
      if (isCryptoError(e, 'GRANT_WRONG_KEY')) {
        throw new AtivoError(
          'INVALID_INPUT',
          `The grant ${r.grantId} of request #${requestId} was not made for this wallet: it is encrypted to another key than ${deps.wallet}'s (${r.recipient}). The owner's approval points at the wrong grant; nothing was downloaded.`,
          { cause: e },
        );
      }
      if (isCryptoError(e)) throw new AtivoError('INVALID_INPUT', `The grant ${r.grantId} of request #${requestId} cannot be used: ${e.message} Nothing was downloaded.`, { cause: e });
      throw e;
    }
    if (env.contentRoot !== undefined && env.contentRoot.replace(/^0x/i, '').toLowerCase() !== root) {
      throw new AtivoError('INVALID_INPUT', `The grant ${r.grantId} of request #${requestId} is for other content (root ${env.contentRoot.slice(0, 12)}…) than asset #${r.tokenId} (root ${root.slice(0, 12)}…); nothing was downloaded.`);
    }
    return env.identity;
  };
  /**
   * The grant the token's owner delivered for this request (src/access/delivered-grant.ts): only
   * one signed by the owner, tagged for this request, token and registry, that opens with this
   * wallet's requester key and is for the token's content root.
   */
  const openDelivered = async (mine: { identity: string; recipient: string }): Promise<string> => {
    const found = await findDeliveredGrants(gw, { requestId, tokenId: r.tokenId, registry: chain.registry.address, owner: asset.owner }, MAX_GRANT_BYTES).catch((e: unknown) => {
      throw storageError(`Could not look for the key of request #${requestId} on the storage node ${gw.url}: ${msg(e)}. Try again later.`, e);
    });
    for (const g of found.grants) {
      try {
        const env = await readGrant(g.bytes, mine.identity);
        if (env.contentRoot?.replace(/^0x/i, '').toLowerCase() !== root) continue;
        return env.identity;
      } catch (e) {
        if (isCryptoError(e)) continue; // not for this key, or damaged: keep looking
        throw e;
      }
    }
    throw new AtivoError(
      'BUSY',
      `Request #${requestId} was approved by one of the owner's approvers; the owner's Ativo is still delivering your key (it is not on the storage node yet). Try again in a few minutes; nothing was downloaded.`,
    );
  };
  let granted: Promise<string> | undefined;
  const grantIdentity = (): Promise<string> => (granted ??= openGrant());
  const manifest = await readManifest(gw, asset.manifestId, grantIdentity, r.grantId !== '');
  const items = await itemTags(gw, manifest.entries);
  // Encrypted files under a file list in the clear: the list is not the owner's.
  if (!manifest.encrypted && items.some((i) => i.encrypted)) throw clearListOfPrivate(asset.manifestId);
  const assetIdentity = items.some((i) => i.encrypted) ? await grantIdentity() : null;
  // Every file's size before any is downloaded, and their sum within the free space of --out's disk.
  const sizes = new Map<ItemInfo, number>();
  for (const item of items) sizes.set(item, item.size ?? (await sizeFromNode(gw, item)));
  const declared = [...sizes.values()].reduce((n, b) => n + b, 0);
  await checkRoom(dirname(out), declared);
  const budget = new TotalLimit(declared);

  const parent = dirname(out);
  let tmp: string;
  if (opts.tmp !== undefined) {
    tmp = resolve(opts.tmp);
    if (dirname(tmp) !== parent) throw new Error('unreachable: the temp folder must be beside --out');
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
  } else {
    tmp = await mkdtemp(join(parent, `.${basename(out)}.ativo-fetch-`));
  }
  try {
    const written: { relPath: string; sha256: string; size: number }[] = [];
    opts.onFile?.(0, items.length);
    await runLimited(items, deps.concurrency ?? 4, async (item) => {
      opts.signal?.throwIfAborted();
      const dest = join(tmp, item.relPath);
      if (!resolve(dest).startsWith(resolve(tmp) + sep)) throw storageError(`The asset's file list names an unsafe path ${JSON.stringify(item.relPath)}; nothing was kept.`);
      const stored = new HashTap();
      const plain = new HashTap();
      try {
        await mkdir(dirname(dest), { recursive: true });
        // At most its size: stated by the manifest (exactly that many bytes), else by the node.
        const size = sizes.get(item) ?? 0;
        const exact = item.size !== null;
        const storedMax = item.encrypted && exact ? encryptedSize(size, MAX_RECIPIENTS) : size;
        const res = await download(gw, item.id, item.relPath, 30 * 60_000);
        if (res.body === null) throw storageError(`The storage node sent no data for ${item.relPath}.`);
        const source = Readable.fromWeb(res.body);
        const sink = createWriteStream(dest, { flags: 'wx', mode: item.encrypted ? 0o600 : 0o644 });
        if (item.encrypted) {
          if (assetIdentity === null) throw new Error('unreachable: a private item without a grant');
          // A file reused from an earlier version opens with this version's key through its re-wrapped header.
          if (item.header !== null) {
            await pipeline(source, new ByteLimit(storedMax, item.relPath), stored, replaceAgeHeader(item.header), createDecryptStream([assetIdentity]), new ByteLimit(size, item.relPath, exact), budget.tap(), plain, sink);
          } else {
            await pipeline(source, new ByteLimit(storedMax, item.relPath), stored, createDecryptStream([assetIdentity]), new ByteLimit(size, item.relPath, exact), budget.tap(), plain, sink);
          }
        } else {
          await pipeline(source, new ByteLimit(size, item.relPath, exact), budget.tap(), stored, plain, sink);
        }
      } catch (e) {
        // Nothing of a refused file stays on disk, not even until the temp folder is removed.
        await rm(dest, { force: true }).catch(() => undefined);
        if (e instanceof SizeLimitError) throw storageError(`${e.message}. Nothing was kept.`, e);
        if (e instanceof AtivoError) throw e;
        if (isCryptoError(e, 'WRONG_KEY')) throw new AtivoError('INVALID_INPUT', `${item.relPath} cannot be decrypted with the key the grant holds: the grant does not open this asset. Nothing was kept.`, { cause: e });
        if (isCryptoError(e)) throw storageError(`${item.relPath} as stored (item ${item.id}) could not be decrypted: ${e.message} Nothing was kept.`, e);
        if (errnoCode(e) === 'ENOSPC') throw new AtivoError('INTERNAL', `The disk is full while writing ${item.relPath}: free some space and fetch again. Nothing was kept.`, { cause: e });
        const code = errnoCode(e);
        if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') throw storageError(`The asset's file list names ${JSON.stringify(item.relPath)} both as a file and as a folder; nothing was kept.`, e);
        throw storageError(`Downloading ${item.relPath} (item ${item.id}) failed: ${msg(e)}. Nothing was kept; try again.`, e);
      }
      const storedSha = stored.digest();
      if (item.dataSha256 !== null && storedSha !== item.dataSha256) {
        throw storageError(`${item.relPath} arrived damaged: its bytes hash to ${storedSha.slice(0, 12)}…, its stored item says ${item.dataSha256.slice(0, 12)}…. Nothing was kept; try again.`);
      }
      written.push({ relPath: item.relPath, sha256: plain.digest(), size: plain.bytes });
      opts.onFile?.(written.length, items.length);
      if (written.length === 1) faultPoint('fetch:after-first-file');
    });
    const got = rootOf(buildManifest(written));
    if (got !== root) {
      throw new AtivoError('INVALID_INPUT', `The files of asset #${r.tokenId} hash to the content root ${got}, not the registered ${root}: they were not kept.`);
    }
    const bytes = written.reduce((n, f) => n + f.size, 0);
    opts.signal?.throwIfAborted();
    opts.onVerified?.(got);
    // --out is still absent or empty (checked again: nothing of the user's is replaced).
    const { exists } = await checkOut(out);
    if (exists) await rmdir(out);
    await rename(tmp, out);
    return { out, files: written.length, bytes, contentRoot: got, verified: true };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

