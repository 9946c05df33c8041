/**
 * ANS-104 data items: header parsing and signature verification, done with `@irys/bundles`
 * (DataItem / FileDataItem verify, deepHash, signer classes). Items are checked from a file on
 * disk so a multi-gigabyte item never has to sit in memory.
 */
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { DataItem, SIG_CONFIG, SignatureConfig, deserializeTags } from '@irys/bundles';
import { FileDataItem } from '@irys/bundles/file';
import { computeAddress, encodeBase58, hexlify } from 'ethers';

export interface Tag {
  name: string;
  value: string;
}

/** Everything the node keeps about an item besides its bytes. */
export interface ItemHeader {
  /** base58(sha256(signature)), as `DataItem.id`. */
  id: string;
  signatureType: number;
  /** base64url */
  signature: string;
  /** base64url of the raw owner (public key). */
  owner: string;
  /** The owner's address for the token (0x-lowercase for Ethereum keys). */
  address: string;
  /** base64url, '' when absent. */
  target: string;
  /** base64url, '' when absent. */
  anchor: string;
  tags: Tag[];
  /** Byte offset of the data in the raw item. */
  dataStart: number;
  /** Total raw item size in bytes. */
  size: number;
}

export class InvalidItemError extends Error {
  override readonly name = 'InvalidItemError';
}

/** Enough for the largest header of any signature type (sig + owner + target + anchor + 4096 B of tags). */
const HEADER_READ_BYTES = 16 * 1024;
const MIN_ITEM_BYTES = 80;
const MAX_TAG_BYTES = 4096;
/** Items up to this size are verified from memory with DataItem.verify, larger ones streamed with FileDataItem.verify. */
const IN_MEMORY_VERIFY_BYTES = 32 * 1024 * 1024;

const readLong = (b: Buffer, at: number): number => {
  // 8-byte little-endian, as @irys/bundles' byteArrayToLong
  let value = 0;
  for (let i = 7; i >= 0; i--) value = value * 256 + (b[at + i] ?? 0);
  return value;
};

/** The address that pays for / owns an item signed with `signatureType` by `owner`. */
export function ownerToAddress(signatureType: number, owner: Buffer): string {
  if (signatureType === (SignatureConfig.ETHEREUM as number)) return computeAddress(hexlify(owner)).toLowerCase();
  if (signatureType === (SignatureConfig.TYPEDETHEREUM as number)) return owner.toString('utf8').toLowerCase();
  return createHash('sha256').update(owner).digest('base64url');
}

function addressOf(sigType: number, owner: Buffer): string {
  try {
    return ownerToAddress(sigType, owner);
  } catch {
    throw new InvalidItemError('The item owner is not a valid public key.');
  }
}

/**
 * Parses and checks the header of a data item (first bytes of the raw item), without verifying
 * the signature. Throws InvalidItemError with a plain reason.
 */
export function parseItemHeader(head: Buffer, totalSize: number): ItemHeader {
  if (totalSize < MIN_ITEM_BYTES) throw new InvalidItemError(`A data item is at least ${MIN_ITEM_BYTES} bytes; got ${totalSize}.`);
  const sigType = head.readUInt16LE(0);
  const cfg = (SIG_CONFIG as Partial<Record<number, { sigLength: number; pubLength: number }>>)[sigType];
  if (cfg === undefined) throw new InvalidItemError(`Unknown signature type ${sigType}.`);
  let at = 2;
  const signature = head.subarray(at, at + cfg.sigLength);
  at += cfg.sigLength;
  const owner = head.subarray(at, at + cfg.pubLength);
  at += cfg.pubLength;
  const flag = (name: string): boolean => {
    const f = head[at];
    if (f !== 0 && f !== 1) throw new InvalidItemError(`Malformed ${name} flag in the item header.`);
    return f === 1;
  };
  const hasTarget = flag('target');
  const target = hasTarget ? head.subarray(at + 1, at + 33) : Buffer.alloc(0);
  at += hasTarget ? 33 : 1;
  const hasAnchor = flag('anchor');
  const anchor = hasAnchor ? head.subarray(at + 1, at + 33) : Buffer.alloc(0);
  at += hasAnchor ? 33 : 1;
  if (at + 16 > head.length) throw new InvalidItemError('The item header is truncated.');
  const tagCount = readLong(head, at);
  const tagBytes = readLong(head, at + 8);
  at += 16;
  if (tagBytes > MAX_TAG_BYTES) throw new InvalidItemError(`The item's tags take ${tagBytes} bytes; at most ${MAX_TAG_BYTES} are allowed.`);
  if (at + tagBytes > head.length || at + tagBytes > totalSize) throw new InvalidItemError('The item header is truncated (tags).');
  let tags: Tag[] = [];
  if (tagCount > 0 || tagBytes > 0) {
    try {
      tags = deserializeTags(Buffer.from(head.subarray(at, at + tagBytes)));
    } catch {
      throw new InvalidItemError('The item tags are not valid ANS-104 (Avro) tags.');
    }
    if (tags.length !== tagCount) throw new InvalidItemError(`The item header says ${tagCount} tags but holds ${tags.length}.`);
    for (const t of tags) {
      if (typeof t.name !== 'string' || typeof t.value !== 'string' || t.name === '') throw new InvalidItemError('The item has a tag without a name.');
    }
  }
  at += tagBytes;
  const sigBuf = Buffer.from(signature);
  return {
    id: encodeBase58(createHash('sha256').update(sigBuf).digest()),
    signatureType: sigType,
    signature: sigBuf.toString('base64url'),
    owner: Buffer.from(owner).toString('base64url'),
    address: addressOf(sigType, Buffer.from(owner)),
    target: Buffer.from(target).toString('base64url'),
    anchor: Buffer.from(anchor).toString('base64url'),
    tags: tags.map((t) => ({ name: t.name, value: t.value })),
    dataStart: at,
    size: totalSize,
  };
}

/**
 * Parses the header of the item in `path` and verifies its signature over all its bytes.
 * Items up to `inMemoryMax` bytes are verified from memory, larger ones streamed from the file.
 */
export async function readAndVerifyItemFile(path: string, inMemoryMax = IN_MEMORY_VERIFY_BYTES): Promise<ItemHeader> {
  const fh = await open(path, 'r');
  let head: Buffer;
  let size: number;
  try {
    size = (await fh.stat()).size;
    const buf = Buffer.alloc(Math.min(size, HEADER_READ_BYTES));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const header = parseItemHeader(head, size);
  let valid: boolean;
  try {
    valid = size <= inMemoryMax ? await DataItem.verify(await readFile(path)) : await FileDataItem.verify(path);
  } catch {
    valid = false;
  }
  if (!valid) throw new InvalidItemError(`The signature of data item ${header.id} does not match its bytes (corrupt or forged item).`);
  return header;
}

export const tagValue = (tags: readonly Tag[], name: string): string | undefined =>
  tags.find((t) => t.name.toLowerCase() === name.toLowerCase())?.value;
