/**
 * `ativo verify`: re-derives every claim of a certificate independently and reports each check.
 *   signature      the owner's EIP-712 signature over everything else
 *   registration   the registry on the certificate's chain holds this token with the same content
 *                  root, manifest id and terms hash, owned by the owner
 *   receipts       every storage receipt's signature (the Irys receipt scheme)
 *   files          with a folder: the folder's content root equals the certificate's; when it
 *                  does not, the files whose bytes differ from what was certified are named.
 *                  From storage (no folder): every file of the manifest is downloaded (streamed,
 *                  nothing written to disk), decrypted when it is a private asset whose key is
 *                  at hand, and the content root recomputed from those bytes
 *   stored         (from storage) every stored item's bytes hash to its Content-Sha256 tag (a
 *                  private asset's: to its hash in the encrypted file list) and has a receipt in
 *                  the certificate. A private asset without its key: the certificate's items are
 *                  on the node, encrypted (the `files` check is then skipped, saying why)
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { RegistryClient, type ChainConnection } from '../chain/client';
import { createDecryptStream } from '../crypto/stream';
import { replaceAgeHeader } from '../crypto/rewrap';
import { buildManifest, contentRoot as rootOf } from '../ingest/manifest';
import { verifyCertificateSignature, type Certificate } from '../chain/certificate';
import type { HashPool } from '../ingest/hash-pool';
import { fingerprintFolder } from '../ingest/fingerprint';
import { ManifestError, isEncryptedManifest, readManifest } from './manifest';
import { verifyReceipt, type ReceiptData } from '../sandbox/storage-node/receipts';

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

export interface VerifyDeps {
  /** A connection to the certificate's chain (the caller checks the chain id). */
  conn: ChainConnection | null;
  /** The storage node of the certificate's network, to learn each stored file's hash. */
  storageUrl: string | null;
  pool: HashPool;
  /** The per-file hashes the certificate was made with (relPath → sha256), when this catalog knows them. */
  certifiedHashes?: Map<string, string>;
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
async function storedHashes(storageUrl: string, manifestId: string): Promise<Map<string, string>> {
  const res = await fetch(`${storageUrl}/${manifestId}`, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`the manifest ${manifestId} could not be downloaded (HTTP ${res.status})`);
  const byId = new Map<string, string>();
  for (const e of await readManifest(new Uint8Array(await res.arrayBuffer()))) byId.set(e.id, e.relPath);
  const out = new Map<string, string>();
  const ids = [...byId.keys()];
  for (let i = 0; i < ids.length; i += 100) {
    const page = ids.slice(i, i + 100);
    const query = `query { transactions(ids: ${JSON.stringify(page)}, first: 100) { edges { node { id tags { name value } } } } }`;
    const r = await fetch(`${storageUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }), signal: AbortSignal.timeout(30_000) });
    const body = (await r.json()) as { data?: { transactions?: { edges?: { node: { id: string; tags: { name: string; value: string }[] } }[] } } };
    for (const e of body.data?.transactions?.edges ?? []) {
      const sha = e.node.tags.find((t) => t.name === 'Content-Sha256')?.value;
      if (e.node.tags.some((t) => t.name === 'Ativo-Encryption')) continue; // the ciphertext's hash, not the file's
      const path = byId.get(e.node.id);
      if (sha !== undefined && path !== undefined) out.set(path, sha);
    }
  }
  return out;
}

export async function verifyCertificate(cert: Certificate, deps: VerifyDeps, source?: FilesSource | string): Promise<Check[]> {
  const from: FilesSource | undefined = typeof source === 'string' ? { kind: 'folder', folder: source } : source;
  const folder = from?.kind === 'folder' ? from.folder : undefined;
  const checks: Check[] = [];

  const sig = verifyCertificateSignature(cert);
  checks.push({ name: 'signature', ok: sig.ok, detail: sig.ok ? `signed by the owner ${cert.owner}` : sig.reason });

  if (deps.conn === null) {
    checks.push({ name: 'registration', ok: false, detail: `no connection to chain ${cert.chain.chainId}: switch Ativo to the network the certificate names (${cert.storage.network})` });
  } else {
    try {
      const registry = await RegistryClient.open(deps.conn, cert.chain.registry);
      const a = await registry.asset(BigInt(cert.chain.tokenId));
      const problems: string[] = [];
      if (a === null) problems.push(`token #${cert.chain.tokenId} does not exist`);
      else {
        if (a.contentRoot.toLowerCase() !== `0x${cert.asset.contentRoot}`.toLowerCase()) problems.push(`the chain holds content root ${a.contentRoot.slice(2, 14)}…`);
        if (a.manifestId !== cert.storage.manifestId) problems.push('the manifest id differs');
        if (a.termsHash.toLowerCase() !== cert.license.termsHash.toLowerCase()) problems.push('the license terms hash differs');
        if (a.owner.toLowerCase() !== cert.owner.toLowerCase()) problems.push(`the token now belongs to ${a.owner}`);
      }
      // A later version names the one before it (storage.previous, signed with the storage section).
      const prev = (cert.storage as { previous?: { contentRoot?: unknown; tokenId?: unknown } }).previous;
      let follows = '';
      if (prev !== undefined && typeof prev.tokenId === 'string' && /^\d+$/.test(prev.tokenId)) {
        const p = await registry.asset(BigInt(prev.tokenId));
        if (p === null) problems.push(`the previous version's token #${prev.tokenId} does not exist`);
        else if (typeof prev.contentRoot !== 'string' || p.contentRoot.toLowerCase() !== `0x${prev.contentRoot}`.toLowerCase()) problems.push(`the previous version's token #${prev.tokenId} holds another content root`);
        else follows = `, the next version after token #${prev.tokenId}`;
      }
      checks.push({ name: 'registration', ok: problems.length === 0, detail: problems.length === 0 ? `token #${cert.chain.tokenId} on chain ${cert.chain.chainId} at ${registry.address}${follows}` : problems.join('; ') });
    } catch (e) {
      checks.push({ name: 'registration', ok: false, detail: shortErr(e) });
    }
  }

  const receipts = cert.storage.receipts as ReceiptData[];
  let bad = 0;
  for (const r of receipts) if (!(await verifyReceipt(r).catch(() => false))) bad++;
  checks.push({ name: 'receipts', ok: bad === 0 && receipts.length > 0, detail: bad === 0 ? `${receipts.length} receipt signature(s) valid` : `${bad} of ${receipts.length} receipt signature(s) do not verify` });

  if (folder !== undefined) {
    try {
      const fp = await fingerprintFolder(folder, deps.pool);
      if (fp.contentRoot === cert.asset.contentRoot) {
        checks.push({ name: 'files', ok: true, detail: `${fp.files.length} file(s) hash to the content root ${fp.contentRoot}` });
      } else {
        let named = '';
        if (deps.certifiedHashes !== undefined || deps.storageUrl !== null) {
          try {
            const stored = deps.certifiedHashes ?? (await storedHashes(deps.storageUrl ?? '', cert.storage.manifestId));
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
  for (let i = 0; i < ids.length; i += 100) {
    const page = ids.slice(i, i + 100);
    const query = `query { transactions(ids: ${JSON.stringify(page)}, first: 100) { edges { node { id tags { name value } } } } }`;
    const r = await fetch(`${storageUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }), signal: AbortSignal.timeout(30_000) });
    if (!r.ok) throw new Error(`the storage node refused a search (HTTP ${r.status})`);
    const body = (await r.json()) as { data?: { transactions?: { edges?: { node: { id: string; tags: { name: string; value: string }[] } }[] } } };
    for (const e of body.data?.transactions?.edges ?? []) {
      out.set(e.node.id, { sha256: e.node.tags.find((t) => t.name === 'Content-Sha256')?.value ?? null, encrypted: e.node.tags.some((t) => t.name === 'Ativo-Encryption') });
    }
  }
  return out;
}

/** Streams one stored item: the sha256 of its bytes and, decrypted when `identities` are given, of its plaintext. */
async function hashItem(storageUrl: string, id: string, identities: string[] | null, header?: Buffer): Promise<{ stored: string; plain: string; bytes: number }> {
  const res = await fetch(`${storageUrl}/${id}`, { signal: AbortSignal.timeout(30 * 60_000) });
  if (!res.ok || res.body === null) throw new Error(`item ${id} could not be downloaded (HTTP ${res.status})`);
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
  if (identities !== null && header !== undefined) await pipeline(body, tap, replaceAgeHeader(header), createDecryptStream(identities), sink);
  else if (identities !== null) await pipeline(body, tap, createDecryptStream(identities), sink);
  else await pipeline(body, tap, sink);
  return { stored: stored.digest('hex'), plain: plain.digest('hex'), bytes };
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
  let paths: [string, string][];
  let tags: Map<string, ItemTags>;
  /** Private manifests hold each stored item's hash (their items' tags do not). */
  let listed: Map<string, string | undefined>;
  /** Files reused from an earlier version: their headers re-wrapped to this version's key. */
  let headers: Map<string, Buffer>;
  let privateList: boolean;
  const problems: string[] = [];
  try {
    const res = await fetch(`${storageUrl}/${manifestId}`, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new Error(`the manifest ${manifestId} could not be downloaded (HTTP ${res.status})`);
    const raw = Buffer.from(await res.arrayBuffer());
    privateList = isEncryptedManifest(raw);
    let entries;
    try {
      entries = await readManifest(raw, from.identities);
    } catch (e) {
      if (e instanceof ManifestError && e.code === 'ENCRYPTED') return await privateWithoutKey(cert, storageUrl, from);
      throw e;
    }
    paths = entries.map((e) => [e.relPath, e.id]);
    listed = new Map(entries.map((e) => [e.relPath, e.sha256]));
    headers = new Map(entries.flatMap((e) => (e.header === undefined ? [] : [[e.relPath, Buffer.from(e.header, 'base64')] as const])));
    tags = await tagsOf(storageUrl, [manifestId, ...paths.map(([, id]) => id)]);
    const mt = tags.get(manifestId);
    const mSha = createHash('sha256').update(raw).digest('hex');
    if (!privateList && mt?.sha256 !== mSha) problems.push(`the manifest's bytes do not match its Content-Sha256 tag`);
  } catch (e) {
    const detail = `the stored manifest ${manifestId} cannot be read: ${shortErr(e)}`;
    return [{ name: 'stored', ok: false, detail }, { name: 'files', ok: false, detail }];
  }
  const receiptIds = new Set((cert.storage.receipts as { id?: unknown }[]).map((r) => (typeof r.id === 'string' ? r.id : '')));
  const encrypted = paths.some(([, id]) => tags.get(id)?.encrypted === true);
  const decrypt = encrypted && from.identities !== null;
  const plain = new Map<string, string>();
  let bytes = 0;
  for (const [path, id] of paths) {
    const t = tags.get(id);
    if (t === undefined) {
      problems.push(`${path}: item ${id} is not on the storage node`);
      continue;
    }
    if (!receiptIds.has(id)) problems.push(`${path}: item ${id} has no receipt in the certificate`);
    try {
      const h = await hashItem(storageUrl, id, t.encrypted && decrypt ? from.identities : null, headers.get(path));
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
  if (root === cert.asset.contentRoot) {
    checks.push({ name: 'files', ok: true, detail: `${how} hash to the content root ${root}` });
  } else {
    const changed = certified ? [...plain].filter(([p, h]) => certified.get(p) !== h).map(([p]) => p) : [];
    checks.push({ name: 'files', ok: false, detail: `${how} hash to the content root ${root}, not ${cert.asset.contentRoot}${changed.length ? ` (differ: ${changed.slice(0, 10).join(', ')})` : ''}` });
  }
  return checks;
}
