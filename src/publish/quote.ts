/**
 * What a publication costs, and who pays what (issue 15: money as one step). Pure arithmetic:
 * src/api/publish-quote.ts reads the prices and balances and hands them here.
 *
 * A publication pays two things from the owner's wallet: the chain fee of its registration, and
 * whatever its storage balance lacks to store the new files (sent to the storage node, which
 * costs a transfer's fee too). The quote says what each costs, what the storage balance already
 * covers, the total the wallet pays, and what it is missing when it cannot.
 */

/** The age overhead of an encrypted file: its header (one X25519 recipient), and a tag per 64 KiB chunk. */
const AGE_HEADER = 256;
const AGE_CHUNK = 64 * 1024;
const AGE_TAG = 16;
/** A data item's bytes around its data (signature, owner, anchor, tags), generously. */
export const ITEM_OVERHEAD = 2048;
/** A path manifest line per file: its item id (43), the path, JSON punctuation. */
const MANIFEST_LINE = 64;

/** The bytes a file takes on the storage node: encrypted (private) files are a little larger. */
export function storedBytes(size: number, encrypted: boolean): number {
  if (!encrypted) return size;
  return size + AGE_HEADER + AGE_TAG * (Math.floor(size / AGE_CHUNK) + 1);
}

/**
 * The data bytes of the items a publication stores: the files not stored yet, and its path
 * manifest (an estimate from the paths). `count` is the number of items.
 */
export function itemsToStore(files: readonly { size: number; relPath: string }[], encrypted: boolean, allPaths: readonly string[]): { count: number; bytes: number } {
  let bytes = 0;
  for (const f of files) bytes += storedBytes(f.size, encrypted);
  let manifest = 256;
  for (const p of allPaths) manifest += MANIFEST_LINE + Buffer.byteLength(p, 'utf8');
  return { count: files.length + 1, bytes: bytes + storedBytes(manifest, encrypted) };
}

/**
 * Every version also stores its public description (src/publish/metadata.ts) and, for a dataset,
 * its Croissant document: two small items after the registration. Quoted at a generous size (a
 * description is at most 2,000 characters; contributors add a little), so a publication funded
 * with exactly its quote never waits for funds at that step.
 */
export const PUBLIC_METADATA = { count: 2, bytes: 2 * 32 * 1024 } as const;

/** The items of `itemsToStore` plus the version's public metadata. */
export const withPublicMetadata = (items: { count: number; bytes: number }): { count: number; bytes: number } => ({
  count: items.count + PUBLIC_METADATA.count,
  bytes: items.bytes + PUBLIC_METADATA.bytes,
});

/**
 * The storage price of `count` items holding `bytes` data bytes in all, from two prices of the
 * node: one item of all the bytes, and a one-byte item. For a price that is a base fee plus a
 * rate per byte or per started chunk (the sandbox's and Irys's), the sum of each item's price is
 * at most price(all bytes) + (count - 1) × price(1 byte): an upper bound, asked in two calls
 * whatever the number of files (a call per file takes minutes for 20,000 files).
 */
export function storageCost(count: number, priceOfAll: bigint, priceOfOne: bigint): bigint {
  if (count <= 0) return 0n;
  return priceOfAll + BigInt(count - 1) * priceOfOne;
}

export interface QuoteInputs {
  /** The owner's wallet balance on the chain. */
  walletWei: bigint;
  /** The registration's fee at the current fee cap (what the wallet must hold to send it). */
  chainFeeWei: bigint;
  /** The storage price of the new files and the file list. */
  storageCostWei: bigint;
  /** The owner's balance at the storage node. */
  storageBalanceWei: bigint;
  /** The fee of the transfer that funds the storage node. */
  transferFeeWei: bigint;
}

export interface QuoteFigures {
  chainFeeWei: bigint;
  storageCostWei: bigint;
  storageBalanceWei: bigint;
  /** What the storage balance covers of the storage cost. */
  coveredWei: bigint;
  /** What is added to the storage balance (0 when it covers the cost). */
  toFundWei: bigint;
  /** The transfer's fee when something is funded, else 0. */
  fundFeeWei: bigint;
  /** What the wallet pays in all: chain fee, plus the amount funded and its fee. */
  totalWei: bigint;
  walletWei: bigint;
  /** What the wallet lacks (0 when it can pay). */
  missingWei: bigint;
}

export function quoteFigures(i: QuoteInputs): QuoteFigures {
  const coveredWei = i.storageBalanceWei >= i.storageCostWei ? i.storageCostWei : i.storageBalanceWei;
  const toFundWei = i.storageCostWei - coveredWei;
  const fundFeeWei = toFundWei > 0n ? i.transferFeeWei : 0n;
  const totalWei = i.chainFeeWei + toFundWei + fundFeeWei;
  const missingWei = totalWei > i.walletWei ? totalWei - i.walletWei : 0n;
  return { chainFeeWei: i.chainFeeWei, storageCostWei: i.storageCostWei, storageBalanceWei: i.storageBalanceWei, coveredWei, toFundWei, fundFeeWei, totalWei, walletWei: i.walletWei, missingWei };
}
