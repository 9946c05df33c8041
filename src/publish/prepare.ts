/**
 * Preparing a publication's data items (issue 12, attack 5): every item's id is fixed here —
 * its file hashed (and, for a private asset, encrypted to a staged copy), its ANS-104 header
 * signed locally — and recorded in the catalog (prepared_items), with NOTHING sent to the
 * storage node. The path manifest is built from those ids and prepared the same way. Only once
 * the registration of the content root and manifest id is mined are the items uploaded
 * (src/storage/jobs.ts sends a prepared item exactly: expectedId, no dedupe).
 *
 * A content already stored on this network keeps its item: it is not prepared and not paid
 * again. Before the registration only the catalog is asked for public content (a search of the
 * node by Content-Sha256 would publish the hashes); a private content is also looked for on the
 * node by its keyed Ativo-Dedupe tag, which only the owner can compute.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Catalog } from '../catalog/db';
import type { PreparedItem } from '../catalog/prepared';
import { dedupeKey, dedupeTag } from '../crypto/dedupe';
import { rewrapHeader } from '../crypto/rewrap';
import { encryptFile } from '../crypto/files';
import { PermanentJobError } from '../jobs';
import type { ExistingItem, ResumeState, StorageClient } from '../storage/client';
import { isStorageError } from '../storage/errors';
import { DEDUPE_TAG, hashFile, type Tag } from '../storage/item';
import { contentKey, contentLocks, encryptionOf } from '../storage/jobs';
import type { KnownKey } from './keys';

export interface PrepareFilesInput {
  assetId: number;
  /** The asset's name, for messages. */
  name: string;
  rootPath: string;
  network: string;
  /** Private assets: the age recipients files are encrypted to. */
  encryptTo?: string[];
  /**
   * Private assets: this version's identity (it keys the items' Ativo-Dedupe tags), and the
   * asset's other keys: a file stored under one of them is reused, its header re-wrapped.
   */
  keys?: { identity: string; known: readonly KnownKey[] };
  signal: AbortSignal;
  /**
   * The content root is registered on chain already (a publication resumed, or restored after the
   * catalog was rebuilt): its public file list names these hashes anyway, so public files may be
   * looked up on the node by their hash and reused (never paid twice).
   */
  registered?: boolean;
  /** Files whose ids are known (stored or prepared) so far, of how many. */
  onProgress?: (ready: number, total: number) => void;
  /** Files prepared at once (default 3). */
  concurrency?: number;
}

/** Staged copies that must outlive the process: the bytes of prepared items not stored yet. */
export const preparedDir = (stagingDir: string): string => join(stagingDir, 'prepared');

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Fixes the id of every file of the asset that is neither stored nor prepared yet on this
 * network (with this encryption). Resumable: each file is recorded as it is prepared, so a
 * stopped run loses at most the files in flight.
 */
export async function prepareFiles(catalog: Catalog, client: StorageClient, stagingDir: string, input: PrepareFilesInput): Promise<void> {
  const encryption = encryptionOf(input.encryptTo);
  const todo = catalog.prepared.unprepared(input.assetId, input.network, encryption);
  const { total } = catalog.prepared.readyCount(input.assetId, input.network, encryption);
  let ready = total - todo.length;
  input.onProgress?.(ready, total);
  const unhashed = todo.find((f) => f.sha256 === null);
  if (unhashed) throw new PermanentJobError(`${unhashed.relPath} has no fingerprint yet: rescan ${input.name}.`);
  const locks = contentLocks(catalog);
  const ring = encryption === null || input.keys === undefined ? undefined : keyring(input.keys, encryption);
  // Public items are recorded in groups (one transaction per PUBLIC_GROUP files): a stop loses at
  // most the group in flight, whose files are prepared again (nothing was sent for them yet).
  const pending = new PublicItems(catalog);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const f = todo[next++];
      if (f === undefined) break;
      const sha256 = f.sha256 ?? '';
      await locks.run(contentKey(input.network, sha256, encryption), input.signal, () => prepareOne(catalog, client, stagingDir, input, ring, { relPath: f.relPath, sha256, size: f.size }, pending));
      ready++;
      input.onProgress?.(ready, total);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency ?? 3, todo.length)) }, worker));
  } finally {
    pending.flush();
  }
}

const PUBLIC_GROUP = 256;

/** Public prepared items not written yet (they have no staged copy: losing them costs only a signature). */
class PublicItems {
  private items: Parameters<Catalog['prepared']['addMany']>[0][number][] = [];
  private readonly shas = new Set<string>();
  constructor(private readonly catalog: Catalog) {}

  has(network: string, sha256: string): boolean {
    return this.shas.has(`${network}:${sha256}`);
  }

  add(p: { network: string; sha256: string; itemId: string; resume: ResumeState; assetId: number }): void {
    this.items.push({ ...p, encryption: null, dataPath: null, resume: p.resume as unknown as Record<string, unknown> });
    this.shas.add(`${p.network}:${p.sha256}`);
    if (this.items.length >= PUBLIC_GROUP) this.flush();
  }

  flush(): void {
    if (this.items.length === 0) return;
    this.catalog.prepared.addMany(this.items, new Date().toISOString());
    this.items = [];
    this.shas.clear();
  }
}

/** The keys of a private publication: this version's, and the asset's others with their encryption markers. */
interface Keyring {
  dedupeKey: Buffer;
  earlier: { identity: string; encryption: string; dedupeKey: Buffer }[];
}

function keyring(keys: NonNullable<PrepareFilesInput['keys']>, encryption: string): Keyring {
  return {
    dedupeKey: dedupeKey(keys.identity),
    earlier: keys.known.map((k) => ({ identity: k.identity, encryption: `age:${k.recipient}`, dedupeKey: dedupeKey(k.identity) })).filter((k) => k.encryption !== encryption),
  };
}

async function prepareOne(catalog: Catalog, client: StorageClient, stagingDir: string, input: PrepareFilesInput, ring: Keyring | undefined, f: { relPath: string; sha256: string; size: number }, pending: PublicItems): Promise<void> {
  const { network } = input;
  const encryption = encryptionOf(input.encryptTo);
  // Another file with the same bytes, or another publication, may have done it meanwhile.
  if ((encryption === null && pending.has(network, f.sha256)) || catalog.uploads.findReusable(network, f.sha256, encryption)?.storageId || catalog.rewrapped.get(network, f.sha256, encryption) || catalog.prepared.get(network, f.sha256, encryption)) return;
  const path = join(input.rootPath, f.relPath);
  const changed = (detail: string): PermanentJobError =>
    new PermanentJobError(`${f.relPath}: ${path} changed on disk since it was scanned (${detail}). Nothing was sent; rescan ${input.name} and publish again.`);
  try {
    if (encryption === null) {
      // Public: the node is NOT asked whether it holds these bytes (issue 12, attack 5): a search
      // by Content-Sha256 would tell whoever watches it the hashes of an unregistered
      // publication, which is what squatting needs. Only the catalog dedupes before the
      // registration; a content stored before but forgotten by the catalog is stored again,
      // unless the content root is registered already (then its hashes are public anyway).
      if (input.registered === true) {
        const existing = await client.findExisting(f.sha256);
        if (existing) {
          recordReused(catalog, input, f, existing, null);
          return;
        }
      }
      const p = await client.prepareFile(path, { expectedSha256: f.sha256, expectedSize: f.size, signal: input.signal });
      pending.add({ network, sha256: f.sha256, itemId: p.id, resume: p.resume, assetId: input.assetId });
      return;
    }
    // Private: no hash in the tags, a keyed one instead.
    if (ring === undefined) throw new PermanentJobError(`The key of the private asset ${input.name} is not at hand, so its files cannot be prepared.`);
    // Stored under an earlier key of this asset (an earlier version): the item is kept (not
    // encrypted nor paid again), and its age header is re-wrapped to this version's key.
    const now = new Date().toISOString();
    const rewrap = async (item: { id: string; dataSha256: string | null; header: Buffer }, identity: string): Promise<void> => {
      const header = await rewrapHeader(item.header, [identity], input.encryptTo ?? []);
      catalog.rewrapped.add({ network, sha256: f.sha256, encryption, storageId: item.id, ageHeader: header.toString('base64'), dataSha256: item.dataSha256 }, now);
    };
    const earlierEncryptions = ring.earlier.map((e) => e.encryption);
    const keyOf = (enc: string | null): Keyring['earlier'][number] | undefined => ring.earlier.find((e) => e.encryption === enc);
    // In the catalog: re-wrapped for an earlier version already (its header at hand), or stored.
    const rewrapped = catalog.rewrapped.findAny(network, f.sha256, earlierEncryptions)[0];
    const rewrappedKey = keyOf(rewrapped?.encryption ?? null);
    if (rewrapped && rewrappedKey) {
      await rewrap({ id: rewrapped.storageId, dataSha256: rewrapped.dataSha256, header: Buffer.from(rewrapped.ageHeader, 'base64') }, rewrappedKey.identity);
      return;
    }
    const before = catalog.uploads.findEncrypted(network, f.sha256, earlierEncryptions)[0];
    const beforeKey = keyOf(before?.encryption ?? null);
    if (before?.storageId && beforeKey) {
      await rewrap({ id: before.storageId, dataSha256: before.dataSha256, header: await client.readStart(before.storageId) }, beforeKey.identity);
      return;
    }
    // Stored before by this wallet (the catalog lost it): found on the node by its keyed tag.
    const dedupe = dedupeTag(ring.dedupeKey, f.sha256, encryption);
    const earlierTags = ring.earlier.map((e) => ({ value: dedupeTag(e.dedupeKey, f.sha256, e.encryption), key: e }));
    const existing = await client.findByDedupeTag([dedupe, ...earlierTags.map((t) => t.value)]);
    const earlierKey = earlierTags.find((t) => t.value === existing?.value)?.key;
    if (existing && earlierKey) {
      // Recorded as what it is (an item of the earlier version's encryption), then re-wrapped.
      recordReused(catalog, input, f, existing, earlierKey.encryption);
      await rewrap({ id: existing.id, dataSha256: null, header: await client.readStart(existing.id) }, earlierKey.identity);
      return;
    }
    if (existing) {
      recordReused(catalog, input, f, existing, encryption);
      return;
    }
    // The plaintext checked, then encrypted once to a staged copy whose item is signed.
    const checked = await hashFile(path, { signal: input.signal });
    if (checked.sha256 !== f.sha256 || checked.bytes !== f.size) throw changed(`sha256 ${checked.sha256}, the manifest says ${f.sha256}`);
    const dir = preparedDir(stagingDir);
    await mkdir(dir, { recursive: true });
    const staged = join(dir, `${f.sha256.slice(0, 16)}-${randomBytes(6).toString('hex')}.age`);
    try {
      const out = await encryptFile(path, staged, input.encryptTo ?? [], { signal: input.signal });
      const p = await client.prepareFile(staged, { expectedSha256: out.sha256, expectedSize: out.bytes, encryption, tags: [{ name: DEDUPE_TAG, value: dedupe }], signal: input.signal });
      const rec = record(catalog, { network, sha256: f.sha256, encryption, itemId: p.id, resume: p.resume, dataPath: staged, assetId: input.assetId });
      if (rec.dataPath !== staged) await rm(staged, { force: true });
    } catch (e) {
      await rm(staged, { force: true }).catch(() => undefined);
      throw e;
    }
  } catch (e) {
    if (input.signal.aborted || e instanceof PermanentJobError) throw e;
    if (isStorageError(e, 'FILE_CHANGED')) throw changed('its size or bytes differ');
    if (isStorageError(e, 'FILE_UNREADABLE')) throw new PermanentJobError(`${f.relPath}: ${message(e)} Nothing was sent; check the file and publish again.`, { cause: e });
    throw e;
  }
}

/** A content this wallet stored before (found on the node by its keyed tag): reused, not paid again. */
function recordReused(catalog: Catalog, input: PrepareFilesInput, f: { relPath: string; sha256: string; size: number }, existing: ExistingItem, encryption: string | null): void {
  catalog.uploads.record(
    {
      assetId: input.assetId,
      relPath: f.relPath,
      sha256: f.sha256,
      network: input.network,
      storageId: existing.id,
      receipt: existing.receipt,
      quotedAtomic: null,
      chargedAtomic: '0',
      bytes: f.size,
      itemBytes: null,
      dataSha256: null,
      encryption,
      source: 'reused',
      chargeWarning: null,
    },
    new Date().toISOString(),
  );
}

function record(catalog: Catalog, p: { network: string; sha256: string; encryption: string | null; itemId: string; resume: ResumeState; dataPath: string | null; assetId: number }): PreparedItem {
  return catalog.prepared.add({ ...p, resume: p.resume as unknown as Record<string, unknown> }, new Date().toISOString());
}

export interface PrepareManifestInput {
  network: string;
  assetId: number;
  /** The manifest's bytes (deterministic for the same ids and paths). */
  bytes: Buffer;
  contentType: string;
  tags: Tag[];
  signal: AbortSignal;
  /** Private assets: the manifest is encrypted to these recipients (see the publication). */
  encryptTo?: string[];
  /** Whether this item id is the manifest registered on chain for the publication's content root. */
  registered: (itemId: string) => Promise<boolean>;
}

/** The failure of a registered private manifest whose encrypted copy is gone (it cannot be made again). */
export const lostEncryptedManifest = (itemId: string): PermanentJobError =>
  new PermanentJobError(
    `The file list of this publication (item ${itemId}) is registered on chain, but its encrypted copy kept on this computer is gone, and it cannot be made again: encryption differs each time. Change the folder (add, edit or remove a file) and publish it again as a new version.`,
  );

/**
 * Makes sure a prepared manifest's staged bytes are at hand: kept, or, for a plaintext one,
 * written again from `bytes` (the same paths and ids give the same bytes; signed again with the
 * anchor and tags saved in its resume state, they give the same item id, so an id registered
 * on chain stays valid). false when they are gone for good (an encrypted copy) or `bytes` are
 * not its bytes.
 */
export async function restoreManifest(prepared: PreparedItem, bytes: Buffer | undefined): Promise<boolean> {
  if (prepared.dataPath === null) return false;
  if ((await stat(prepared.dataPath).catch(() => null))?.isFile() === true) return true;
  if (prepared.encryption !== null || bytes === undefined || createHash('sha256').update(bytes).digest('hex') !== prepared.sha256) return false;
  await mkdir(dirname(prepared.dataPath), { recursive: true });
  await writeFile(prepared.dataPath, bytes);
  return true;
}

/**
 * Fixes the id of a path manifest without sending it: the same bytes prepared before (a
 * resumed or repeated publication) keep their item, so an id already registered stays valid.
 */
export async function prepareManifest(catalog: Catalog, client: StorageClient, stagingDir: string, input: PrepareManifestInput): Promise<PreparedItem> {
  const sha256 = createHash('sha256').update(input.bytes).digest('hex');
  const encryption = encryptionOf(input.encryptTo);
  return contentLocks(catalog).run(contentKey(input.network, sha256, encryption), input.signal, async () => {
    const known = catalog.prepared.get(input.network, sha256, encryption);
    if (known && (await restoreManifest(known, input.bytes))) return known;
    if (known) {
      // Its staged bytes are gone and cannot be made again (encrypted). Registered, its id is
      // fixed on chain: another one would never match it, so say what to do instead.
      if (await input.registered(known.itemId)) throw lostEncryptedManifest(known.itemId);
      catalog.prepared.remove(known.id); // never registered: prepared again
    }
    const dir = preparedDir(stagingDir);
    await mkdir(dir, { recursive: true });
    const plain = join(dir, `manifest-${sha256.slice(0, 16)}-${randomBytes(6).toString('hex')}.json`);
    await writeFile(plain, input.bytes);
    let data = plain;
    try {
      if (encryption !== null) {
        data = `${plain}.age`;
        await encryptFile(plain, data, input.encryptTo ?? [], { signal: input.signal });
        await rm(plain, { force: true });
      }
      const dataHash = await hashFile(data, { signal: input.signal });
      const p = await client.prepareFile(data, { expectedSha256: dataHash.sha256, expectedSize: dataHash.bytes, contentType: input.contentType, tags: input.tags, encryption, signal: input.signal });
      const rec = record(catalog, { network: input.network, sha256, encryption, itemId: p.id, resume: p.resume, dataPath: data, assetId: input.assetId });
      if (rec.dataPath !== data) await rm(data, { force: true });
      return rec;
    } catch (e) {
      await rm(plain, { force: true }).catch(() => undefined);
      await rm(data, { force: true }).catch(() => undefined);
      throw e;
    }
  });
}
