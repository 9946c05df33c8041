/** What the node's disk state holds (see store.ts): the records' shapes, checked when read back. */
import { z } from 'zod';
import { decodeBase58, encodeBase58, toBeHex } from 'ethers';
import type { ItemHeader } from './items';
import type { Receipt } from './receipts';

export interface StoredItem extends ItemHeader {
  /** Acceptance order, for GraphQL ordering and cursors. */
  seq: number;
  token: string;
  contentType: string;
  /** Wei charged. */
  price: string;
  /** Address whose balance paid. */
  paidBy: string;
  receipt: Receipt;
  /** For an item that arrived inside a bundle: the bundle's id (the inner item carries the bundle's receipt and price 0). */
  bundledIn?: string;
  /** For a bundle: the ids of its inner items. */
  bundledItems?: string[];
}

export interface FundingRecord {
  txId: string;
  token: string;
  from: string;
  to: string;
  /** wei */
  value: string;
  blockNumber: number | null;
  at: number;
}

export interface ChunkInfo {
  offset: number;
  size: number;
}

export const ItemRecord = z.object({
  id: z.string(),
  signatureType: z.number(),
  signature: z.string(),
  owner: z.string(),
  address: z.string(),
  target: z.string(),
  anchor: z.string(),
  tags: z.array(z.object({ name: z.string(), value: z.string() })),
  dataStart: z.number(),
  size: z.number(),
  seq: z.number(),
  token: z.string(),
  contentType: z.string(),
  price: z.string(),
  paidBy: z.string(),
  receipt: z.object({
    id: z.string(),
    timestamp: z.number(),
    version: z.literal('1.0.0'),
    public: z.string(),
    signature: z.string(),
    deadlineHeight: z.number(),
    validatorSignatures: z.array(z.object({ address: z.string(), signature: z.string() })),
  }),
  bundledIn: z.string().optional(),
  bundledItems: z.array(z.string()).optional(),
});

export const Funding = z.object({
  txId: z.string(),
  token: z.string(),
  from: z.string(),
  to: z.string(),
  value: z.string(),
  blockNumber: z.number().nullable(),
  at: z.number(),
});

export const UploadRecord = z.object({ id: z.string(), token: z.string(), createdAt: z.number() });
export type UploadRecord = z.infer<typeof UploadRecord>;

/** The 32 raw id bytes as hex (file names must not depend on case: base58 does). */
export function idToHex(id: string): string | undefined {
  let n: bigint;
  try {
    n = decodeBase58(id); // ethers' base58 (Bitcoin alphabet, as @irys/bundles); throws on other letters
  } catch {
    return undefined;
  }
  if (n >= 1n << 256n) return undefined;
  const hex = toBeHex(n, 32);
  // A number drops leading '1's (zero bytes): only the one text of these 32 bytes names them.
  return encodeBase58(hex) === id ? hex.slice(2) : undefined;
}

export const tagKey = (name: string, value: string) => `${name}\u0000${value}`;
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isUploadId = (s: string): boolean => UPLOAD_ID.test(s);
