/**
 * The `stored` and `files` checks of `ativo verify --from-storage` (see verify.ts), from the bytes
 * on the storage node, read through the storage gateway (src/storage/gateway.ts). The node may be
 * hostile: the path manifest is read with a hard cap (computed from the certificate's file count)
 * and every file is cut off the moment more bytes arrive than its size (from the manifest, else
 * what is left of the certificate's total) allows.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Certificate } from '../chain/certificate';
import { createDecryptStream, encryptedSize } from '../crypto/stream';
import { replaceAgeHeader } from '../crypto/rewrap';
import { buildManifest, contentRoot as rootOf } from '../ingest/manifest';
import { ByteLimit } from '../storage/bounded';
import { GatewayHttpError, StorageGateway, type StoredItem } from '../storage/gateway';
import { ManifestError, isEncryptedManifest, readManifest } from './manifest';
import type { Check, FilesSource } from './verify';

export const shortErr = (e: unknown): string => (e instanceof Error ? e.message : String(e));
export const strip0x = (h: string): string => h.replace(/^0x/i, '').toLowerCase();

/** An encrypted item's header may name this many recipients (Ativo's name one): its ciphertext is capped for that many. */
export const MAX_RECIPIENTS = 16;

/** The largest path manifest Ativo reads, whatever the file count. */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
/** One manifest entry at most: a 4,096-byte path, JSON-escaped (up to 6 characters a byte), its id and size. */
const MAX_ENTRY_BYTES = 6 * 4096 + 256;

/** The most bytes a path manifest for `files` files can legitimately take. */
export function manifestCap(files: number): number {
  return Math.min(MAX_MANIFEST_BYTES, 64 * 1024 + Math.max(0, files) * MAX_ENTRY_BYTES);
}

export interface ManifestEntry {
  relPath: string;
  id: string;
  /** The file's size in bytes (plaintext), when the manifest states it. */
  size: number | null;
  /** Private manifests: the stored bytes' sha256 (their items carry no Content-Sha256 tag). */
  sha256?: string;
  /** Private manifests: the age header of a file reused from an earlier version, re-wrapped to this version's key (base64). */
  header?: string;
}

/**
 * Parses a path manifest (`{ manifest: 'arweave/paths', paths: { relPath: { id, size? } } }`).
 * Throws an Error whose message is a sentence.
 */
export function parsePathManifest(raw: Buffer, manifestId: string): ManifestEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new Error(`the stored file list ${manifestId} is not a path manifest (it is not JSON)`);
  }
  const paths = typeof doc === 'object' && doc !== null ? (doc as { paths?: unknown }).paths : undefined;
  if (typeof paths !== 'object' || paths === null || Array.isArray(paths)) throw new Error(`the stored file list ${manifestId} is not a path manifest (it lists no paths)`);
  const out: ManifestEntry[] = [];
  for (const [relPath, v] of Object.entries(paths as Record<string, unknown>)) {
    const e = typeof v === 'object' && v !== null ? (v as { id?: unknown; size?: unknown }) : {};
    if (typeof e.id !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(e.id)) throw new Error(`the stored file list ${manifestId} has no valid item id for ${JSON.stringify(relPath.slice(0, 200))}`);
    if (e.size !== undefined && (typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0)) {
      throw new Error(`the stored file list ${manifestId} gives ${JSON.stringify(relPath.slice(0, 200))} a size that is not a whole number of bytes`);
    }
    out.push({ relPath, id: e.id, size: typeof e.size === 'number' ? e.size : null });
  }
  return out;
}

/**
 * Downloads and reads the path manifest, refusing one larger than a manifest for `files` files can
 * be. A private asset's is encrypted: opened with `identities` (ManifestError ENCRYPTED without).
 */
async function readPathManifest(gw: StorageGateway, manifestId: string, files: number, identities: string[] | null = null): Promise<{ raw: Buffer; entries: ManifestEntry[] }> {
  const raw = await gw.bytes(manifestId, manifestCap(files), `the stored file list ${manifestId}`);
  if (!isEncryptedManifest(raw)) return { raw, entries: parsePathManifest(raw, manifestId) };
  let entries;
  try {
    entries = await readManifest(raw, identities);
  } catch (e) {
    if (e instanceof ManifestError && e.code === 'ENCRYPTED') throw e;
    throw new Error(`the stored file list ${manifestId} cannot be read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const out: ManifestEntry[] = [];
  for (const e of entries) {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(e.id)) throw new Error(`the stored file list ${manifestId} has no valid item id for ${JSON.stringify(e.relPath.slice(0, 200))}`);
    out.push({ relPath: e.relPath, id: e.id, size: e.size ?? null, ...(e.sha256 !== undefined ? { sha256: e.sha256 } : {}), ...(e.header !== undefined ? { header: e.header } : {}) });
  }
  return { raw, entries: out };
}



/** The Content-Sha256 tag of each stored item of the path manifest: relPath → sha256. */
export async function storedHashes(storageUrl: string, manifestId: string, files: number): Promise<Map<string, string>> {
  const gw = new StorageGateway(storageUrl);
  const { entries } = await readPathManifest(gw, manifestId, files);
  const byId = new Map<string, string>();
  for (const e of entries) byId.set(e.id, e.relPath);
  const out = new Map<string, string>();
  for (const [id, item] of await gw.items([...byId.keys()], 30_000)) {
    if (item.encrypted) continue; // the ciphertext's hash, not the file's
    const path = byId.get(id);
    if (item.sha256 !== null && path !== undefined) out.set(path, item.sha256);
  }
  return out;
}

interface ItemLimits {
  /** The item is encrypted (its stored bytes are ciphertext). */
  encrypted: boolean;
  /** The most stored bytes the item may have (its ciphertext, when encrypted). */
  stored: number;
  /** The most plaintext bytes, and whether it must be exactly that many (the manifest says so). */
  plain: number;
  exact: boolean;
}

/**
 * Streams one stored item: the sha256 of its bytes and, decrypted when `identities` are given,
 * of its plaintext (a file reused from an earlier version: through `header`, its age header
 * re-wrapped to this version's key). The download is aborted the moment more bytes arrive than
 * `limits` allow.
 */
async function hashItem(gw: StorageGateway, id: string, what: string, identities: string[] | null, limits: ItemLimits, header?: Buffer): Promise<{ stored: string; plain: string; bytes: number }> {
  const abort = new AbortController();
  const timer = setTimeout(() => {
    abort.abort(new Error('no end to the download within 30 minutes'));
  }, 30 * 60_000);
  try {
    let res: Response;
    try {
      res = await gw.open(id, abort.signal);
    } catch (e) {
      if (e instanceof GatewayHttpError) throw new Error(`item ${id} could not be downloaded (HTTP ${e.status})`, { cause: e });
      throw e;
    }
    if (res.body === null) throw new Error(`item ${id} could not be downloaded (HTTP ${res.status})`);
    const stored = createHash('sha256');
    const plain = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        stored.update(chunk);
        cb(null, chunk);
      },
    });
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        plain.update(chunk);
        bytes += chunk.length;
        cb();
      },
    });
    const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    try {
      if (identities !== null && header !== undefined) await pipeline(body, new ByteLimit(limits.stored, what), tap, replaceAgeHeader(header), createDecryptStream(identities), new ByteLimit(limits.plain, what, limits.exact), sink);
      else if (identities !== null) await pipeline(body, new ByteLimit(limits.stored, what), tap, createDecryptStream(identities), new ByteLimit(limits.plain, what, limits.exact), sink);
      else if (limits.encrypted) await pipeline(body, new ByteLimit(limits.stored, what), tap, sink);
      else await pipeline(body, new ByteLimit(limits.plain, what, limits.exact), tap, sink);
    } finally {
      abort.abort(); // a refused download stops here, whatever the node still sends
    }
    return { stored: stored.digest('hex'), plain: plain.digest('hex'), bytes };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A private asset whose file list is encrypted, without its key: what can be checked is that the
 * items of the certificate's receipts (its files and its file list) are on the node, encrypted.
 */
async function privateWithoutKey(cert: Certificate, gw: StorageGateway, from: Extract<FilesSource, { kind: 'storage' }>): Promise<Check[]> {
  const ids = [...new Set((cert.storage.receipts as { id?: unknown }[]).flatMap((r) => (typeof r.id === 'string' ? [r.id] : [])))];
  const why = from.noIdentity ?? 'no key for it in this keychain';
  let stored: Check;
  try {
    const tags = await gw.items(ids);
    const missing = ids.filter((id) => tags.get(id) === undefined);
    const plain = ids.filter((id) => tags.get(id)?.encrypted === false);
    const problems = [missing.length ? `${missing.length} of the certificate's ${ids.length} stored item(s) are not on the storage node` : '', plain.length ? `${plain.length} item(s) are not encrypted` : ''].filter(Boolean);
    stored = {
      name: 'stored',
      ok: problems.length === 0 && ids.includes(cert.storage.manifestId),
      detail: problems.length === 0 ? `the certificate's ${ids.length} stored item(s) (files and file list) are on the storage node, encrypted; the file list itself is encrypted, so they were not matched to files` : problems.join('; '),
    };
  } catch (e) {
    stored = { name: 'stored', ok: false, detail: `the storage node could not be searched: ${shortErr(e)}` };
  }
  return [
    stored,
    { name: 'files', ok: false, skipped: true, detail: `not checked: this is a private asset and its key is not available here (${why}), so its encrypted file list and files cannot be opened to recompute the content root` },
  ];
}

/** The `stored` and `files` checks from the bytes on the storage network (no folder). */
export async function verifyFromStorage(cert: Certificate, storageUrl: string, from: Extract<FilesSource, { kind: 'storage' }>, certified?: Map<string, string>): Promise<Check[]> {
  const gw = new StorageGateway(storageUrl);
  const manifestId = cert.storage.manifestId;
  let paths: ManifestEntry[];
  let tags: Map<string, StoredItem>;
  /** Private manifests hold each stored item's hash (their items' tags do not). */
  let listed: Map<string, string | undefined>;
  /** Files reused from an earlier version: their headers re-wrapped to this version's key. */
  let headers: Map<string, Buffer>;
  let privateList: boolean;
  const problems: string[] = [];
  try {
    let m: { raw: Buffer; entries: ManifestEntry[] };
    try {
      m = await readPathManifest(gw, manifestId, cert.asset.files, from.identities);
    } catch (e) {
      if (e instanceof ManifestError && e.code === 'ENCRYPTED') return await privateWithoutKey(cert, gw, from);
      throw e;
    }
    privateList = isEncryptedManifest(m.raw);
    paths = m.entries;
    if (paths.length !== cert.asset.files) throw new Error(`it lists ${paths.length} file(s), but the certificate has ${cert.asset.files}`);
    const declared = paths.reduce((n, e) => n + (e.size ?? 0), 0);
    if (paths.every((e) => e.size !== null) && declared !== cert.asset.bytes) throw new Error(`its files add up to ${declared} bytes, but the certificate has ${cert.asset.bytes}`);
    if (declared > cert.asset.bytes) throw new Error(`its files add up to more than the ${cert.asset.bytes} bytes of the certificate`);
    listed = new Map(paths.map((e) => [e.relPath, e.sha256]));
    headers = new Map(paths.flatMap((e) => (e.header === undefined ? [] : [[e.relPath, Buffer.from(e.header, 'base64')] as const])));
    tags = await gw.items([manifestId, ...paths.map((e) => e.id)]);
    const mt = tags.get(manifestId);
    const mSha = createHash('sha256').update(m.raw).digest('hex');
    if (!privateList && mt?.sha256 !== mSha) problems.push(`the manifest's bytes do not match its Content-Sha256 tag`);
  } catch (e) {
    const detail = `the stored manifest ${manifestId} cannot be used: ${shortErr(e)}`;
    return [{ name: 'stored', ok: false, detail }, { name: 'files', ok: false, detail }];
  }
  const receiptIds = new Set((cert.storage.receipts as { id?: unknown }[]).map((r) => (typeof r.id === 'string' ? r.id : '')));
  const encrypted = paths.some((e) => tags.get(e.id)?.encrypted === true);
  const decrypt = encrypted && from.identities !== null;
  const plain = new Map<string, string>();
  let bytes = 0;
  // What the files of unstated size may still take: the certificate's total, less the stated sizes and what came.
  let budget = cert.asset.bytes - paths.reduce((n, e) => n + (e.size ?? 0), 0);
  for (const { relPath: path, id, size } of paths) {
    const t = tags.get(id);
    if (t === undefined) {
      problems.push(`${path}: item ${id} is not on the storage node`);
      continue;
    }
    if (!receiptIds.has(id)) problems.push(`${path}: item ${id} has no receipt in the certificate`);
    const plainMax = size ?? Math.max(0, budget);
    const limits: ItemLimits = { encrypted: t.encrypted, plain: plainMax, exact: size !== null, stored: t.encrypted ? encryptedSize(plainMax, MAX_RECIPIENTS) : plainMax };
    try {
      const h = await hashItem(gw, id, path, t.encrypted && decrypt ? from.identities : null, limits, headers.get(path));
      if (size === null && (!t.encrypted || decrypt)) budget -= h.bytes; // plaintext bytes only
      const want = t.sha256 ?? listed.get(path);
      if (want !== undefined && h.stored !== want) problems.push(`${path}: the stored bytes do not match ${t.sha256 !== null ? 'their Content-Sha256 tag' : 'their hash in the file list'}`);
      if (!t.encrypted || decrypt) {
        plain.set(path, h.plain);
        bytes += h.bytes;
      }
    } catch (e) {
      problems.push(`${path}: ${shortErr(e)}`);
    }
  }
  if (!receiptIds.has(manifestId)) problems.push(`the manifest ${manifestId} has no receipt in the certificate`);
  const checks: Check[] = [
    {
      name: 'stored',
      ok: problems.length === 0,
      detail:
        problems.length === 0
          ? `${paths.length} stored file item(s) and the manifest downloaded: their bytes${encrypted ? ' (encrypted)' : ''} match ${privateList ? 'the hashes in the encrypted file list' : 'their Content-Sha256 tags'} and the certificate's receipts`
          : problems.slice(0, 10).join('; ') + (problems.length > 10 ? `; … ${problems.length - 10} more` : ''),
    },
  ];
  if (encrypted && !decrypt) {
    checks.push({
      name: 'files',
      ok: false,
      skipped: true,
      detail: `not checked: this is a private asset and its key is not available here (${from.noIdentity ?? 'no key for it in this keychain'}), so the content root cannot be recomputed from the encrypted files; only the stored ciphertext was checked (see "stored")`,
    });
    return checks;
  }
  if (plain.size !== paths.length) {
    checks.push({ name: 'files', ok: false, detail: `${paths.length - plain.size} of ${paths.length} file(s) could not be downloaded${decrypt ? ' and decrypted' : ''} (see "stored")` });
    return checks;
  }
  const root = rootOf(buildManifest([...plain].map(([relPath, sha256]) => ({ relPath, sha256 }))));
  const how = `${plain.size} file(s) (${bytes} bytes) downloaded from storage${decrypt ? ' and decrypted' : ''}`;
  if (root === strip0x(cert.asset.contentRoot)) {
    checks.push({ name: 'files', ok: true, detail: `${how} hash to the content root ${root}` });
  } else {
    const changed = certified ? [...plain].filter(([p, h]) => certified.get(p) !== h).map(([p]) => p) : [];
    checks.push({ name: 'files', ok: false, detail: `${how} hash to the content root ${root}, not ${cert.asset.contentRoot}${changed.length ? ` (differ: ${changed.slice(0, 10).join(', ')})` : ''}` });
  }
  return checks;
}

