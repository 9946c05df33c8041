/**
 * `ativo verify`: re-derives every claim of a certificate independently and reports each check.
 *   signature      the owner's EIP-712 signature over everything else
 *   registration   the certificate's registry is one Ativo trusts (a known network profile's, or
 *                  one given explicitly with --registry: anyone can deploy a registry and register
 *                  a copy of someone else's files there), it holds this token with the same
 *                  content root, manifest id and terms hash, owned by the owner, and no trusted
 *                  registry on that chain holds the content root under another owner
 *   receipts       every storage receipt is signed by the storage node of the certificate's
 *                  network (its key pinned, or read from the node), never just by the key the
 *                  receipt carries
 *   files          with a folder: the folder's content root equals the certificate's; when it
 *                  does not, the files whose bytes differ from what was certified are named.
 *                  From storage (no folder): every file of the manifest is downloaded (streamed,
 *                  nothing written to disk), decrypted when it is a private asset whose key is
 *                  at hand, and the content root recomputed from those bytes
 *   stored         (from storage) every stored item's bytes hash to its Content-Sha256 tag (a
 *                  private asset's: to its hash in the encrypted file list) and has a receipt in
 *                  the certificate. A private asset without its key: the certificate's items are
 *                  on the node, encrypted (the `files` check is then skipped, saying why)
 *
 * The storage node may be hostile: the path manifest is read with a hard cap (computed from the
 * certificate's file count) and every file is cut off the moment more bytes arrive than its size
 * (from the manifest, else what is left of the certificate's total) allows.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { formatEther, getAddress } from 'ethers';
import { RegistryClient, type ChainConnection } from '../chain/client';
import { createDecryptStream, encryptedSize } from '../crypto/stream';
import { replaceAgeHeader } from '../crypto/rewrap';
import { buildManifest, contentRoot as rootOf } from '../ingest/manifest';
import { verifyCertificateSignature, type Certificate } from '../chain/certificate';
import type { HashPool } from '../ingest/hash-pool';
import { fingerprintFolder } from '../ingest/fingerprint';
import { ByteLimit, readCapped, tagsOfItems } from '../storage/bounded';
import { verifyReceiptFrom } from '../storage/receipts';
import { ManifestError, isEncryptedManifest, readManifest } from './manifest';
import { supersededBy } from './superseded';

export interface Check {
  name: 'signature' | 'registration' | 'receipts' | 'files' | 'stored';
  ok: boolean;
  detail: string;
  /** The check could not be made (e.g. the files of a private asset without its key); `detail` says why. */
  skipped?: boolean;
}

/** Where the `files` check gets the bytes: a local folder, or the storage network. */
export type FilesSource =
  | { kind: 'folder'; folder: string; note?: string }
  | {
      kind: 'storage';
      /** The age identities of the asset (private assets), or null with the reason they are not at hand. */
      identities: string[] | null;
      noIdentity?: string;
    };

/** The registry of a network profile Ativo knows. */
export interface KnownRegistry {
  /** The profile's name (sandbox, testnet, mainnet). */
  network: string;
  chainId: number;
  registry: string;
}

export interface VerifyDeps {
  /** A connection to the certificate's chain (the caller checks the chain id). */
  conn: ChainConnection | null;
  /** The registries Ativo trusts: those of its network profiles (on any chain). */
  known: readonly KnownRegistry[];
  /** A registry given explicitly (--registry), trusted on the certificate's chain and said so. */
  givenRegistry?: string | undefined;
  /** The storage node of the certificate's network, to learn each stored file's hash. */
  storageUrl: string | null;
  /**
   * The receipt key of the storage node of the certificate's network (pinned, or read from the
   * node); it throws an Error whose message says why it is not at hand. Null: not this network.
   */
  storageKey: (() => Promise<string>) | null;
  /** The network whose storage node that key is (for messages; default: the one the certificate names). */
  storageNetwork?: string;
  pool: HashPool;
  /** The per-file hashes the certificate was made with (relPath → sha256), when this catalog knows them. */
  certifiedHashes?: Map<string, string>;
}

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
async function readPathManifest(storageUrl: string, manifestId: string, files: number, identities: string[] | null = null): Promise<{ raw: Buffer; entries: ManifestEntry[] }> {
  const raw = await readCapped(`${storageUrl}/${encodeURIComponent(manifestId)}`, manifestCap(files), `the stored file list ${manifestId}`);
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

/** Parses manifest text (GNU sha256sum format, with its escaping) into relPath → sha256. */
export function parseManifestText(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const escaped = line.startsWith('\\');
    const body = escaped ? line.slice(1) : line;
    const sha = body.slice(0, 64);
    let path = body.slice(66);
    if (escaped) path = path.replace(/\\(\\|n|r)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
    out.set(path, sha);
  }
  return out;
}

const shortErr = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The Content-Sha256 tag of each stored item of the path manifest: relPath → sha256. */
async function storedHashes(storageUrl: string, manifestId: string, files: number): Promise<Map<string, string>> {
  const { entries } = await readPathManifest(storageUrl, manifestId, files);
  const byId = new Map<string, string>();
  for (const e of entries) byId.set(e.id, e.relPath);
  const out = new Map<string, string>();
  for (const [id, tags] of await tagsOfItems(storageUrl, [...byId.keys()], 30_000)) {
    if (tags.some((t) => t.name === 'Ativo-Encryption')) continue; // the ciphertext's hash, not the file's
    const sha = tags.find((t) => t.name === 'Content-Sha256')?.value;
    const path = byId.get(id);
    if (sha !== undefined && path !== undefined) out.set(path, sha);
  }
  return out;
}

const strip0x = (h: string): string => h.replace(/^0x/i, '').toLowerCase();
const sameAddress = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const short = (h: string): string => `${h.slice(0, 12)}…`;

/** Which registry the certificate is checked against, and why it is trusted; or why it is not. */
export function anchorOf(cert: Pick<Certificate, 'chain' | 'storage'>, known: readonly KnownRegistry[], given?: string): { ok: true; registry: string; trustedAs: string } | { ok: false; detail: string } {
  const named = cert.chain.registry;
  const onChain = known.filter((k) => k.chainId === cert.chain.chainId);
  const knownHere = onChain.find((k) => sameAddress(k.registry, named));
  if (given !== undefined) {
    if (!sameAddress(given, named)) {
      return { ok: false, detail: `the certificate names the registry ${named}, not the one given with --registry (${given}): check the address you gave` };
    }
    if (knownHere !== undefined) return { ok: true, registry: getAddress(named), trustedAs: `the ${knownHere.network} network's registry` };
    return { ok: true, registry: getAddress(named), trustedAs: "registry given on the command line, not a known network's" };
  }
  if (knownHere !== undefined) return { ok: true, registry: getAddress(named), trustedAs: `the ${knownHere.network} network's registry` };
  const knownWords = onChain.length === 0 ? `Ativo knows no registry on chain ${cert.chain.chainId}` : onChain.map((k) => `the ${k.network} network's is ${k.registry}`).join(', ');
  return {
    ok: false,
    detail: `the certificate names the registry ${named} on chain ${cert.chain.chainId}, which is not the registry of any network Ativo knows (${knownWords}). Anyone can deploy a registry and register a copy of someone else's files there, so it proves nothing. If you trust that registry, verify again with --registry ${named}`,
  };
}

async function registrationCheck(cert: Certificate, deps: VerifyDeps): Promise<Check> {
  const anchor = anchorOf(cert, deps.known, deps.givenRegistry);
  const problems: string[] = anchor.ok ? [] : [anchor.detail];
  if (deps.conn === null) {
    // Not on that chain, and no profile names a registry there: nothing says it is unknown, only unreachable.
    if (deps.givenRegistry === undefined && !deps.known.some((k) => k.chainId === cert.chain.chainId)) problems.length = 0;
    problems.push(`there is no connection to chain ${cert.chain.chainId}: switch Ativo to the network the certificate names (${cert.storage.network})`);
    return { name: 'registration', ok: false, detail: problems.join('; ') };
  }
  const conn = deps.conn;
  const root = strip0x(cert.asset.contentRoot);
  let follows = '';
  let superseded = '';
  try {
    // Every registry Ativo trusts on this chain: the content root registers once in each, and
    // the one that holds it under another owner names the real owner.
    const trusted = new Map<string, string>();
    for (const k of deps.known) if (BigInt(k.chainId) === conn.chainId) trusted.set(k.registry.toLowerCase(), `the ${k.network} network's registry`);
    if (anchor.ok) trusted.set(anchor.registry.toLowerCase(), anchor.trustedAs);
    for (const [address, words] of trusted) {
      const registry = await RegistryClient.open(conn, address).catch(() => null);
      if (registry === null) continue; // not deployed (yet) on this chain: it holds nothing
      const token = await registry.tokenOfContentRoot(`0x${root}`);
      if (token === null) continue;
      const holder = await registry.ownerOf(token);
      const isCertsToken = sameAddress(address, cert.chain.registry) && token.toString() === cert.chain.tokenId;
      if (holder !== null && !sameAddress(holder, cert.owner)) {
        problems.push(`${words} (${registry.address}) holds this content root as token #${token}, owned by ${holder}, not by the certificate's owner ${cert.owner}`);
      } else if (!isCertsToken && sameAddress(address, cert.chain.registry)) {
        problems.push(`${words} holds this content root as token #${token}, not as token #${cert.chain.tokenId}`);
      }
    }
    if (anchor.ok) {
      const registry = await RegistryClient.open(conn, anchor.registry);
      const a = await registry.asset(BigInt(cert.chain.tokenId));
      if (a === null) problems.push(`token #${cert.chain.tokenId} does not exist in ${anchor.trustedAs}`);
      else {
        if (strip0x(a.contentRoot) !== root) problems.push(`token #${cert.chain.tokenId} holds content root ${short(strip0x(a.contentRoot))}, not ${short(root)}`);
        if (a.manifestId !== cert.storage.manifestId) problems.push('the manifest id differs');
        const certPrice = /^\d{1,78}$/.test(cert.license.price) ? BigInt(cert.license.price) : -1n;
        const termsDiffer = strip0x(a.termsHash) !== strip0x(cert.license.termsHash);
        if (termsDiffer || a.price !== certPrice) {
          // Terms the owner replaced later (updateTerms): the certificate was true until then.
          const by = certPrice < 0n ? null : await supersededBy(registry, BigInt(cert.chain.tokenId), cert.license.termsHash, certPrice, cert.chain.blockNumber);
          if (by === null) problems.push(termsDiffer ? 'the license terms hash differs' : `the price differs (the registry says ${formatEther(a.price)} ETH)`);
          else superseded = `; superseded by the terms of ${new Date(by.at * 1000).toISOString().replace('.000Z', 'Z')} (now ${formatEther(by.price)} ETH): these terms were in force until then, and the owner's current certificate has the new ones`;
        }
        if (!sameAddress(a.owner, cert.owner)) problems.push(`the token now belongs to ${a.owner}`);
      }
      // A later version names the one before it (storage.previous, signed with the storage section).
      const prev = (cert.storage as { previous?: { contentRoot?: unknown; tokenId?: unknown } }).previous;
      if (prev !== undefined && typeof prev.tokenId === 'string' && /^\d+$/.test(prev.tokenId)) {
        const p = await registry.asset(BigInt(prev.tokenId));
        if (p === null) problems.push(`the previous version's token #${prev.tokenId} does not exist`);
        else if (typeof prev.contentRoot !== 'string' || strip0x(p.contentRoot) !== strip0x(prev.contentRoot)) problems.push(`the previous version's token #${prev.tokenId} holds another content root`);
        else follows = `, the next version after token #${prev.tokenId}`;
      }
    }
  } catch (e) {
    problems.push(shortErr(e));
  }
  if (problems.length > 0 || !anchor.ok) {
    const against = anchor.ok ? ` (checked against ${anchor.registry}, ${anchor.trustedAs})` : '';
    return { name: 'registration', ok: false, detail: `${[...new Set(problems)].join('; ')}${against}` };
  }
  return { name: 'registration', ok: true, detail: `token #${cert.chain.tokenId} on chain ${cert.chain.chainId} at ${anchor.registry} (${anchor.trustedAs})${follows}${superseded}` };
}

async function receiptsCheck(cert: Certificate, deps: VerifyDeps): Promise<Check> {
  const receipts = cert.storage.receipts;
  const network = deps.storageNetwork ?? cert.storage.network;
  if (receipts.length === 0) return { name: 'receipts', ok: false, detail: 'the certificate holds no storage receipts' };
  if (deps.storageKey === null) {
    return { name: 'receipts', ok: false, detail: `the key of the ${network} storage node is not known here, so its receipts cannot be checked: switch Ativo to the network the certificate names (${cert.storage.network})` };
  }
  let key: string;
  try {
    key = await deps.storageKey();
  } catch (e) {
    return { name: 'receipts', ok: false, detail: `the receipts cannot be checked: ${shortErr(e)}` };
  }
  const bad: string[] = [];
  for (const r of receipts) {
    const v = await verifyReceiptFrom(r, key);
    if (!v.ok) {
      const id = typeof r === 'object' && r !== null && typeof (r as { id?: unknown }).id === 'string' ? (r as { id: string }).id : '?';
      bad.push(`the receipt for ${id}: ${v.why}`);
    }
  }
  if (bad.length === 0) return { name: 'receipts', ok: true, detail: `${receipts.length} receipt(s) signed by the ${network} storage node's key` };
  return { name: 'receipts', ok: false, detail: `${bad.length} of ${receipts.length} receipt(s) were not signed by the ${network} storage node (${bad.slice(0, 3).join('; ')}${bad.length > 3 ? '; …' : ''})` };
}

export async function verifyCertificate(cert: Certificate, deps: VerifyDeps, source?: FilesSource | string): Promise<Check[]> {
  const from: FilesSource | undefined = typeof source === 'string' ? { kind: 'folder', folder: source } : source;
  const folder = from?.kind === 'folder' ? from.folder : undefined;
  const checks: Check[] = [];

  const sig = verifyCertificateSignature(cert);
  checks.push({ name: 'signature', ok: sig.ok, detail: sig.ok ? `signed by the owner ${cert.owner}` : sig.reason });
  checks.push(await registrationCheck(cert, deps));
  checks.push(await receiptsCheck(cert, deps));

  if (folder !== undefined) {
    try {
      const fp = await fingerprintFolder(folder, deps.pool);
      if (fp.contentRoot === strip0x(cert.asset.contentRoot)) {
        checks.push({ name: 'files', ok: true, detail: `${fp.files.length} file(s) hash to the content root ${fp.contentRoot}` });
      } else {
        let named = '';
        if (deps.certifiedHashes !== undefined || deps.storageUrl !== null) {
          try {
            const stored = deps.certifiedHashes ?? (await storedHashes(deps.storageUrl ?? '', cert.storage.manifestId, cert.asset.files));
            const local = new Map(fp.files.map((f) => [f.relPath, f.sha256]));
            const changed = [...stored].filter(([p, h]) => local.has(p) && local.get(p) !== h).map(([p]) => p);
            const missing = [...stored.keys()].filter((p) => !local.has(p));
            const extra = [...local.keys()].filter((p) => !stored.has(p));
            const parts = [
              changed.length ? `changed: ${changed.slice(0, 10).join(', ')}` : '',
              missing.length ? `missing: ${missing.slice(0, 10).join(', ')}` : '',
              extra.length ? `not in the certificate: ${extra.slice(0, 10).join(', ')}` : '',
            ].filter(Boolean);
            if (parts.length) named = ` (${parts.join('; ')})`;
          } catch (e) {
            named = ` (the stored file list could not be read: ${shortErr(e)})`;
          }
        }
        checks.push({ name: 'files', ok: false, detail: `the folder's content root is ${fp.contentRoot}, not ${cert.asset.contentRoot}${named}` });
      }
    } catch (e) {
      checks.push({ name: 'files', ok: false, detail: shortErr(e) });
    }
  } else if (from?.kind === 'storage') {
    if (deps.storageUrl === null) {
      checks.push({ name: 'files', ok: false, detail: `the files cannot be downloaded: switch Ativo to the network the certificate names (${cert.storage.network}), or give the folder with --folder` });
    } else {
      checks.push(...(await verifyFromStorage(cert, deps.storageUrl, from, deps.certifiedHashes)));
    }
  }
  if (from?.kind === 'folder' && from.note !== undefined) {
    const files = checks.find((c) => c.name === 'files');
    if (files) files.detail = `${from.note}: ${files.detail}`;
  }
  return checks;
}

interface ItemTags {
  sha256: string | null;
  encrypted: boolean;
}

async function tagsOf(storageUrl: string, ids: string[]): Promise<Map<string, ItemTags>> {
  const out = new Map<string, ItemTags>();
  for (const [id, tags] of await tagsOfItems(storageUrl, ids)) {
    out.set(id, { sha256: tags.find((t) => t.name === 'Content-Sha256')?.value ?? null, encrypted: tags.some((t) => t.name === 'Ativo-Encryption') });
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
async function hashItem(storageUrl: string, id: string, what: string, identities: string[] | null, limits: ItemLimits, header?: Buffer): Promise<{ stored: string; plain: string; bytes: number }> {
  const abort = new AbortController();
  const timer = setTimeout(() => {
    abort.abort(new Error('no end to the download within 30 minutes'));
  }, 30 * 60_000);
  try {
    const res = await fetch(`${storageUrl}/${encodeURIComponent(id)}`, { signal: abort.signal });
    if (!res.ok || res.body === null) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(`item ${id} could not be downloaded (HTTP ${res.status})`);
    }
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
async function privateWithoutKey(cert: Certificate, storageUrl: string, from: Extract<FilesSource, { kind: 'storage' }>): Promise<Check[]> {
  const ids = [...new Set((cert.storage.receipts as { id?: unknown }[]).flatMap((r) => (typeof r.id === 'string' ? [r.id] : [])))];
  const why = from.noIdentity ?? 'no key for it in this keychain';
  let stored: Check;
  try {
    const tags = await tagsOf(storageUrl, ids);
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
async function verifyFromStorage(cert: Certificate, storageUrl: string, from: Extract<FilesSource, { kind: 'storage' }>, certified?: Map<string, string>): Promise<Check[]> {
  const manifestId = cert.storage.manifestId;
  let paths: ManifestEntry[];
  let tags: Map<string, ItemTags>;
  /** Private manifests hold each stored item's hash (their items' tags do not). */
  let listed: Map<string, string | undefined>;
  /** Files reused from an earlier version: their headers re-wrapped to this version's key. */
  let headers: Map<string, Buffer>;
  let privateList: boolean;
  const problems: string[] = [];
  try {
    let m: { raw: Buffer; entries: ManifestEntry[] };
    try {
      m = await readPathManifest(storageUrl, manifestId, cert.asset.files, from.identities);
    } catch (e) {
      if (e instanceof ManifestError && e.code === 'ENCRYPTED') return await privateWithoutKey(cert, storageUrl, from);
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
    tags = await tagsOf(storageUrl, [manifestId, ...paths.map((e) => e.id)]);
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
      const h = await hashItem(storageUrl, id, path, t.encrypted && decrypt ? from.identities : null, limits, headers.get(path));
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
