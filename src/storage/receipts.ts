/**
 * Storage receipts, checked as the Irys client checks them (`Utils.verifyReceipt` in
 * @irys/upload-core):
 *
 *   hash      = deepHash([ "Bundlr", version, id, String(deadlineHeight), String(timestamp) ])
 *   signature = RSA-PSS-SHA256(node's Arweave-style RSA key, hash), base64url
 *   public    = the key's modulus `n` (base64url)
 *
 * A receipt carries its own public key, so a receipt signed by any RSA key passes the client's
 * check. `verifyReceiptFrom` checks it against the key of the storage node that must have
 * signed it (`nodeReceiptKey`: the node's `/info`, or `/public`), never against the key inside.
 *
 * The sandbox's storage node signs receipts with the same hash (it imports `receiptHash`);
 * production code depends on this module, never on the sandbox.
 */
import { deepHash, getCryptoDriver, stringToBuffer } from '@irys/bundles';
import { readCapped } from './bounded';

/** The fields a receipt check reads. */
export interface ReceiptData {
  id: string;
  /** Milliseconds since the epoch when the node accepted the item. */
  timestamp: number;
  version: string;
  /** The signer's public key (RSA modulus, base64url). */
  public: string;
  /** base64url RSA-PSS signature over the deep hash above. */
  signature: string;
  deadlineHeight: number;
}

export function receiptHash(r: Pick<ReceiptData, 'id' | 'version' | 'deadlineHeight' | 'timestamp'>): Promise<Uint8Array> {
  return deepHash([
    stringToBuffer('Bundlr'),
    stringToBuffer(r.version),
    stringToBuffer(r.id),
    stringToBuffer(r.deadlineHeight.toString()),
    stringToBuffer(r.timestamp.toString()),
  ]);
}

/** Whether `r`'s signature verifies with `publicKey` (RSA modulus, base64url). Never throws. */
async function signedBy(r: ReceiptData, publicKey: string): Promise<boolean> {
  try {
    return await getCryptoDriver().verify(publicKey, await receiptHash(r), Buffer.from(r.signature, 'base64url'));
  } catch {
    return false;
  }
}

/**
 * The Irys client's own check: the signature verifies with the key the receipt carries. It says
 * nothing about WHO signed: use `verifyReceiptFrom` to trust a receipt.
 */
export function verifyReceipt(r: ReceiptData): Promise<boolean> {
  return signedBy(r, r.public);
}

export type ReceiptVerdict = { ok: true } | { ok: false; why: string };

const isReceipt = (r: unknown): r is ReceiptData => {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  return (
    typeof o.id === 'string' &&
    typeof o.version === 'string' &&
    typeof o.public === 'string' &&
    typeof o.signature === 'string' &&
    typeof o.timestamp === 'number' &&
    Number.isSafeInteger(o.timestamp) &&
    typeof o.deadlineHeight === 'number' &&
    Number.isSafeInteger(o.deadlineHeight)
  );
};

/**
 * A receipt the storage node whose key is `nodeKey` signed: the key it names is that node's,
 * and the signature verifies with `nodeKey` itself.
 */
export async function verifyReceiptFrom(r: unknown, nodeKey: string): Promise<ReceiptVerdict> {
  if (!isReceipt(r)) return { ok: false, why: 'it is not a storage receipt (a field is missing)' };
  if (r.public !== nodeKey) return { ok: false, why: 'it is signed by another key than the storage node’s' };
  if (!(await signedBy(r, nodeKey))) return { ok: false, why: 'its signature does not verify with the storage node’s key' };
  return { ok: true };
}

/** The receipt key is an RSA modulus in base64url: a few hundred characters. */
const KEY_PATTERN = /^[A-Za-z0-9_-]{100,1400}$/;

/**
 * The receipt-signing key of the storage node at `url`: the `public` field of its `/info`, or
 * else the text of its `/public`. Throws an Error whose message is a sentence.
 */
export async function nodeReceiptKey(url: string, timeoutMs = 15_000): Promise<string> {
  const base = url.replace(/\/+$/, '');
  let info: unknown;
  try {
    info = JSON.parse((await readCapped(`${base}/info`, 64 * 1024, 'the storage node’s /info', timeoutMs)).toString('utf8'));
  } catch {
    info = undefined;
  }
  const fromInfo = typeof info === 'object' && info !== null ? (info as { public?: unknown }).public : undefined;
  if (typeof fromInfo === 'string' && KEY_PATTERN.test(fromInfo)) return fromInfo;
  let text: string;
  try {
    text = (await readCapped(`${base}/public`, 16 * 1024, 'the storage node’s public key', timeoutMs)).toString('utf8').trim();
  } catch (e) {
    throw new Error(`the storage node at ${base} did not give its receipt key (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  if (!KEY_PATTERN.test(text)) throw new Error(`the storage node at ${base} did not give a receipt key it could sign with`);
  return text;
}
