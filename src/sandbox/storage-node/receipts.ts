/**
 * Upload receipts, signed exactly as the Irys client verifies them
 * (`Utils.verifyReceipt` in @irys/upload-core):
 *
 *   hash      = deepHash([ "Bundlr", version, id, String(deadlineHeight), String(timestamp) ])
 *   signature = RSA-PSS-SHA256(node's Arweave-style RSA key, hash), base64url
 *   public    = the key's modulus `n` (base64url), also served as text by GET /public
 *
 * and the node's identity: that RSA key plus an Ethereum key whose address receives funding,
 * generated on first start and kept in `<dataDir>/node-key.json` (mode 0600).
 */
import { constants, createPrivateKey, generateKeyPair as generateKeyPairCb, sign as signCb, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Wallet } from 'ethers';
import { z } from 'zod';
import { receiptHash, verifyReceipt, type ReceiptData } from '../../storage/receipts';
import { writeFileAtomic } from '../../util/atomic-write';

/** The check itself lives with the storage code (production verifies receipts without the sandbox). */
export { verifyReceipt };

export const RECEIPT_VERSION = '1.0.0';

/** The receipt the node signs: the fields a receipt check reads (src/storage/receipts.ts), and validator signatures. */
export interface Receipt extends ReceiptData {
  version: typeof RECEIPT_VERSION;
  validatorSignatures: { address: string; signature: string }[];
}

const RsaJwk = z.object({
  kty: z.literal('RSA'),
  n: z.string().min(1),
  e: z.string().min(1),
  d: z.string().min(1),
  p: z.string().min(1),
  q: z.string().min(1),
  dp: z.string().min(1),
  dq: z.string().min(1),
  qi: z.string().min(1),
});
export type RsaJwk = z.infer<typeof RsaJwk>;

const KeyFile = z.object({
  version: z.literal(1),
  receipts: RsaJwk,
  funding: z.object({ privateKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/) }),
});
type KeyFile = z.infer<typeof KeyFile>;

export interface NodeIdentity {
  jwk: RsaJwk;
  /** = jwk.n */
  publicKey: string;
  /** Funding address (checksummed). */
  address: string;
  /** True if this start created the key file. */
  created: boolean;
}

const generateKeyPair = promisify(generateKeyPairCb);

async function newRsaJwk(bits: number): Promise<RsaJwk> {
  const { privateKey } = await generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return RsaJwk.parse(privateKey.export({ format: 'jwk' }));
}

/** Loads the identity from `path`, or creates and persists a new one if the file does not exist. */
export async function loadOrCreateIdentity(path: string, rsaBits = 4096): Promise<NodeIdentity> {
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (!(typeof e === 'object' && e !== null && 'code' in e && e.code === 'ENOENT')) throw e;
  }
  if (text !== undefined) {
    let parsed: KeyFile;
    try {
      parsed = KeyFile.parse(JSON.parse(text));
    } catch (e) {
      throw new Error(`The storage node's key file ${path} is damaged; move it aside to start with a new identity (earlier receipts stay verifiable with the old public key).`, { cause: e });
    }
    return { jwk: parsed.receipts, publicKey: parsed.receipts.n, address: new Wallet(parsed.funding.privateKey).address, created: false };
  }
  const jwk = await newRsaJwk(rsaBits);
  const wallet = Wallet.createRandom();
  const file: KeyFile = { version: 1, receipts: jwk, funding: { privateKey: wallet.privateKey } };
  await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, exclusive: true });
  return { jwk, publicKey: jwk.n, address: wallet.address, created: true };
}

/** Imported signing keys, per JWK (importing a 4096-bit key is costly: once per identity). */
const keyObjects = new WeakMap<RsaJwk, KeyObject>();

/**
 * RSA-PSS-SHA256 with the largest salt, as the Arweave crypto driver signs (its verify accepts
 * any salt length), but with Node's asynchronous sign: the 4096-bit private-key operation runs
 * on the thread pool, not on the event loop the node and the app share.
 */
function rsaPssSign(jwk: RsaJwk, data: Uint8Array): Promise<Buffer> {
  let key = keyObjects.get(jwk);
  if (key === undefined) {
    key = createPrivateKey({ key: jwk, format: 'jwk' });
    keyObjects.set(jwk, key);
  }
  const k = key;
  return new Promise((resolve, reject) => {
    signCb('sha256', data, { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN }, (err, sig) => {
      if (err) reject(err);
      else resolve(sig);
    });
  });
}

export async function signReceipt(identity: Pick<NodeIdentity, 'jwk' | 'publicKey'>, fields: { id: string; timestamp: number; deadlineHeight: number }): Promise<Receipt> {
  const base = { id: fields.id, timestamp: fields.timestamp, version: RECEIPT_VERSION, deadlineHeight: fields.deadlineHeight } as const;
  const sig = await rsaPssSign(identity.jwk, await receiptHash(base));
  return { ...base, public: identity.publicKey, signature: Buffer.from(sig).toString('base64url'), validatorSignatures: [] };
}

/**
 * The receipt key of the identity kept in `path`, or null when there is none (nothing is
 * created): the sandbox network's pinned storage key, read without asking the node.
 */
export async function readIdentityPublicKey(path: string): Promise<string | null> {
  try {
    return KeyFile.parse(JSON.parse(await readFile(path, 'utf8'))).receipts.n;
  } catch {
    return null;
  }
}

/**
 * A stand-in for the Arweave block height the real network signs into receipts: there is no
 * Arweave here, so it is derived from the clock (one "block" per 2 minutes since the epoch).
 */
export const pseudoHeight = (nowMs: number): number => Math.floor(nowMs / 120_000);
/** How far past the current (pseudo) height the deadline is set, as on the real network. */
export const DEADLINE_BLOCKS = 200;
