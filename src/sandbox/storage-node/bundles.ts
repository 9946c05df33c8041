/**
 * Nested ANS-104 bundles: a data item tagged `Bundle-Format: binary` + `Bundle-Version: 2.0.0`
 * whose data is a bundle (32-byte item count, then per item a 32-byte size and 32-byte id, then
 * the items' raw bytes back to back), as Irys and Turbo accept.
 *
 * The node unpacks such an item, verifies every inner item's signature and stores each inner item
 * like a top-level one (see Store.commitBundle). One invalid inner item refuses the whole bundle.
 */
import { open } from 'node:fs/promises';
import { DataItem } from '@irys/bundles';
import { encodeBase58 } from 'ethers';
import { InvalidItemError, parseItemHeader, tagValue, type ItemHeader, type Tag } from './items';

/** Bundles larger than this are not unpacked in memory (the single-POST limit is the usual cap). */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024;

export interface InnerItem {
  header: ItemHeader;
  raw: Buffer;
}

export const isBundleItem = (tags: readonly Tag[]): boolean =>
  tagValue(tags, 'Bundle-Format') === 'binary' && tagValue(tags, 'Bundle-Version') === '2.0.0';

/** A 32-byte little-endian integer that must fit in a safe JS number. */
function readLong32(b: Buffer, at: number): number {
  for (let i = 7; i < 32; i++) if (b[at + i] !== 0) throw new InvalidItemError('The bundle header holds a number too large to be a size.');
  let v = 0;
  for (let i = 6; i >= 0; i--) v = v * 256 + (b[at + i] ?? 0);
  return v;
}

/** Parses the bundle in `data` and verifies every inner item. Throws InvalidItemError naming the first bad item. */
export async function unpackBundle(data: Buffer): Promise<InnerItem[]> {
  if (data.length < 32) throw new InvalidItemError('The bundle is shorter than its 32-byte header.');
  const count = readLong32(data, 0);
  const headerEnd = 32 + count * 64;
  if (count === 0) throw new InvalidItemError('The bundle holds no items.');
  if (headerEnd > data.length) throw new InvalidItemError(`The bundle says it holds ${count} items but is too short for their headers.`);
  const items: InnerItem[] = [];
  const seen = new Set<string>();
  let at = headerEnd;
  for (let i = 0; i < count; i++) {
    const size = readLong32(data, 32 + i * 64);
    const declaredId = encodeBase58(data.subarray(32 + i * 64 + 32, 32 + i * 64 + 64));
    if (at + size > data.length) throw new InvalidItemError(`Item ${i + 1} of the bundle runs past its end.`);
    const raw = Buffer.from(data.subarray(at, at + size));
    at += size;
    const header = parseItemHeader(raw.subarray(0, Math.min(raw.length, 16 * 1024)), size);
    if (header.id !== declaredId) throw new InvalidItemError(`Item ${i + 1} of the bundle is listed as ${declaredId} but its signature gives ${header.id}.`);
    let valid: boolean;
    try {
      valid = await DataItem.verify(raw);
    } catch {
      valid = false;
    }
    if (!valid) throw new InvalidItemError(`The signature of item ${header.id} (item ${i + 1} of the bundle) does not match its bytes (corrupt or forged item); nothing in the bundle was stored.`);
    if (seen.has(header.id)) throw new InvalidItemError(`The bundle holds item ${header.id} twice.`);
    seen.add(header.id);
    items.push({ header, raw });
  }
  if (at !== data.length) throw new InvalidItemError('The bundle has bytes after its last item.');
  return items;
}

/** Reads the data of the (verified) bundle item in `path` and unpacks it. */
export async function unpackBundleFile(path: string, header: ItemHeader): Promise<InnerItem[]> {
  const len = header.size - header.dataStart;
  if (len > MAX_BUNDLE_BYTES) throw new InvalidItemError(`Bundles are at most ${MAX_BUNDLE_BYTES} bytes; this one holds ${len}.`);
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(len);
    const { bytesRead } = await fh.read(buf, 0, len, header.dataStart);
    if (bytesRead !== len) throw new InvalidItemError('The bundle item is truncated.');
    return await unpackBundle(buf);
  } finally {
    await fh.close();
  }
}
