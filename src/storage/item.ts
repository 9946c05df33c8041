/**
 * ANS-104 data items as the Irys client builds them for a chunked upload: the header (signature
 * type, signature, owner, target, anchor, tags) followed by the data. Helpers to hash a file in a
 * streaming pass, to size a header, and to compute an item's id without uploading it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { DataItem, createData, deepHash, stringToBuffer } from '@irys/bundles';
import { StorageError } from './errors';
import { NativeEthereumSigner } from './signer';

export interface Tag {
  name: string;
  value: string;
}

/** The signer interface the client uses for Ethereum keys (`irys.tokenConfig.getSigner()`). */
export type ItemSigner = Parameters<typeof createData>[1];

export const APP_NAME = 'Ativo';
/** Tag with the sha256 (hex) of the item's data: how an earlier upload of the same bytes is found (never pay twice). */
export const CONTENT_SHA256_TAG = 'Content-Sha256';
/** Tag set on age-encrypted items. */
export const ENCRYPTION_TAG = 'Ativo-Encryption';
/**
 * Tag of encrypted items instead of Content-Sha256: a keyed hash of the plaintext's sha256 and
 * the encryption (src/crypto/dedupe.ts), so the owner finds an earlier upload of the same bytes
 * (never pay twice) and nobody else can tell which items hold the same or known bytes.
 */
export const DEDUPE_TAG = 'Ativo-Dedupe';

const READ_BLOCK = 4 * 1024 * 1024;
/** The smallest read buffer (a file that grows after its stat is still read in blocks). */
const SMALL_BLOCK = 64 * 1024;

/**
 * A fresh anchor: 32 bytes, as the client makes them (32 random base64url characters: ANS-104
 * anchors are 32 bytes and the client passes them as a string). Chosen once per file upload and
 * persisted, so a resumed upload signs the same header and gets the same item id.
 */
export function newAnchor(): string {
  return randomBytes(24).toString('base64url');
}

export function isAnchor(s: unknown): s is string {
  return typeof s === 'string' && Buffer.byteLength(s) === 32;
}

/**
 * The tags Ativo puts on a file's item, in a fixed order (the order is part of the signed header).
 * An encrypted item carries no hash of its bytes (plaintext or ciphertext): nothing that lets
 * anyone correlate it with other items or known files (issue 12, attack 7); give it a DEDUPE_TAG
 * in `extra` instead.
 */
export function fileTags(dataSha256: string, opts: { contentType?: string; encryption?: string | null; extra?: readonly Tag[] } = {}): Tag[] {
  const tags: Tag[] = [
    { name: 'App-Name', value: APP_NAME },
    { name: 'Content-Type', value: opts.contentType ?? (opts.encryption ? 'application/age-encrypted' : 'application/octet-stream') },
  ];
  if (opts.encryption) tags.push({ name: ENCRYPTION_TAG, value: 'age' });
  else tags.push({ name: CONTENT_SHA256_TAG, value: dataSha256 });
  for (const t of opts.extra ?? []) {
    if (!tags.some((x) => x.name.toLowerCase() === t.name.toLowerCase())) tags.push({ name: t.name, value: t.value });
  }
  return tags;
}

/** Bytes of the unsigned/signed header for these tags and anchor (the signature has a fixed length). */
export function headerLength(signer: ItemSigner, tags: readonly Tag[], anchor: string): number {
  return createData('', signer, { tags: [...tags], anchor }).getRaw().length;
}

/** The id (base58, as `DataItem.id`) of an item whose raw bytes start with `header` (at least the signature). */
export function itemIdOf(rawStart: Uint8Array): string {
  return new DataItem(Buffer.from(rawStart.buffer, rawStart.byteOffset, rawStart.byteLength)).id;
}

export interface FileHash {
  sha256: string;
  bytes: number;
}

/**
 * sha256 of a file, streamed through one reused 4 MiB buffer (never the whole file in memory).
 * Throws StorageError FILE_UNREADABLE; the signal's reason when aborted.
 */
export async function hashFile(path: string, opts: { signal?: AbortSignal; onBytes?: (bytes: number) => void } = {}): Promise<FileHash> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw unreadable(path, e);
  }
  try {
    const hash = createHash('sha256');
    // No bigger than the file (+1 to see one that grew): small files must not cost 4 MiB each.
    const size = (await fh.stat().catch(() => undefined))?.size ?? READ_BLOCK;
    const buf = Buffer.allocUnsafe(Math.max(SMALL_BLOCK, Math.min(READ_BLOCK, size + 1)));
    let bytes = 0;
    for (;;) {
      opts.signal?.throwIfAborted();
      let n: number;
      try {
        n = (await fh.read(buf, 0, buf.length, bytes)).bytesRead;
      } catch (e) {
        throw unreadable(path, e);
      }
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      bytes += n;
      opts.onBytes?.(bytes);
    }
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    await fh.close();
  }
}

/** Files up to this size are read whole to be signed (one read, one buffer the size of the file). */
const READ_WHOLE = 1024 * 1024;

/**
 * The sha256 of a file about to be signed and, for a small file, its bytes: a small file is read
 * once, then checked and signed from that same buffer (no second read, no streaming buffers: a
 * 20,000-file publication is mostly small files). Larger files are hashed streaming (bytes null).
 */
export async function hashForSigning(path: string, signal?: AbortSignal): Promise<{ hashed: FileHash; bytes: Buffer | null }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw unreadable(path, e);
  }
  if (size <= READ_WHOLE) {
    signal?.throwIfAborted();
    let bytes: Buffer;
    try {
      bytes = await readFile(path, { signal });
    } catch (e) {
      if (signal?.aborted === true) throw signal.reason;
      throw unreadable(path, e);
    }
    return { hashed: { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length }, bytes };
  }
  return { hashed: await hashFile(path, { signal }), bytes: null };
}

export function unreadable(path: string, cause: unknown): StorageError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new StorageError('FILE_UNREADABLE', `Cannot read ${path}: ${why}`, { cause });
}

/**
 * Reads a file as an async iterable of buffers (for deepHash), at most 4 MiB at a time, each
 * buffer no bigger than what is left (+1 to see a file that grew): a 30-byte file must not cost
 * a 4 MiB allocation, which 20,000 small files turn into most of a publication's time in GC.
 */
async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    let pos = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.max(1, Math.min(READ_BLOCK, size - pos + 1)));
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Signs the item the client would build for this file, tags and anchor (streaming deep hash of
 * the data, as ChunkingUploader does): returns its id and its signed header (the item is the
 * header followed by the file's bytes). With the same key, data, tags and anchor the id is
 * always the same: Ethereum (secp256k1, RFC 6979) signatures are deterministic. `path` may be
 * the file's bytes already read (a small file: read once, checked and signed from one buffer).
 */
export async function signFileItem(path: string | Uint8Array, signer: ItemSigner | string, tags: readonly Tag[], anchor: string): Promise<{ id: string; header: Buffer }> {
  // EthereumSigner implements the Signer interface structurally (it does not extend a Signer class).
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  const s: ItemSigner = typeof signer === 'string' ? new NativeEthereumSigner(signer) : signer;
  const item = createData('', s, { tags: [...tags], anchor });
  const hash = await deepHash([
    stringToBuffer('dataitem'),
    stringToBuffer('1'),
    stringToBuffer(item.signatureType.toString()),
    item.rawOwner,
    item.rawTarget,
    item.rawAnchor,
    item.rawTags,
    typeof path === 'string' ? fileChunks(path) : path,
  ]);
  const sig = Buffer.from(await s.sign(hash));
  const raw = item.getRaw();
  raw.set(sig, 2);
  return { id: item.id, header: Buffer.from(raw) };
}

/** The id an upload of this file with these tags and anchor gets (used to know an upload's id in advance, and by `ativo verify`). */
export async function computeItemId(path: string | Uint8Array, signer: ItemSigner | string, tags: readonly Tag[], anchor: string): Promise<{ id: string; headerLength: number }> {
  const { id, header } = await signFileItem(path, signer, tags, anchor);
  return { id, headerLength: header.length };
}
