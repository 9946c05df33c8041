/**
 * A small stored item read from a storage node that may lie, checked against its own signature:
 * the node's description (`GET /tx/{id}`: signature type, signature, owner key, target, anchor,
 * tags) and its bytes (`GET /{id}`) are put back together as the ANS-104 item, whose signature
 * must verify (@irys/bundles' DataItem.verify) and whose id must be the one asked for. Only then
 * are its signer (an Ethereum address from the owner key), tags and bytes trusted. Used for
 * grants delivered by an asset owner's Ativo after one of its approvers approved (issue 17).
 */
import { DataItem, SignatureConfig, Signer, createData } from '@irys/bundles';
import { computeAddress, getAddress } from 'ethers';
import { readCapped } from './bounded';
import type { ItemTag } from './bounded';
import type { StorageGateway } from './gateway';

export interface VerifiedItem {
  id: string;
  /** The checksummed Ethereum address whose key signed the item. */
  signer: string;
  tags: ItemTag[];
  data: Buffer;
}

const ETH_SIG_LENGTH = 65;
const ETH_OWNER_LENGTH = 65;

/** A signer that only carries an owner key: createData lays the item out; the signature is the one stored. */
class KeyOnly extends Signer {
  override readonly signatureType = SignatureConfig.ETHEREUM;
  override readonly signatureLength = ETH_SIG_LENGTH;
  override readonly ownerLength = ETH_OWNER_LENGTH;
  constructor(override readonly publicKey: Buffer) {
    super();
  }
  sign(): Uint8Array {
    return new Uint8Array(ETH_SIG_LENGTH);
  }
}

/** Why an item was not accepted (a sentence), or the item. */
export type VerifyOutcome = { ok: true; item: VerifiedItem } | { ok: false; why: string };

const b64 = (v: unknown): Buffer | null => (typeof v === 'string' ? Buffer.from(v, 'base64url') : null);

/**
 * Downloads item `id` (at most `maxBytes` of data) and checks it is signed as it says, by an
 * Ethereum key. Network failures throw (an Error whose message is a sentence); an item that does
 * not verify is `{ ok: false, why }`.
 */
export async function fetchVerifiedItem(gw: StorageGateway, id: string, maxBytes: number, what: string): Promise<VerifyOutcome> {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse((await readCapped(`${gw.url}/tx/${encodeURIComponent(id)}`, 256 * 1024, `the description of ${what}`, 60_000)).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof SyntaxError) return { ok: false, why: `the storage node described ${what} with something that is not JSON` };
    throw e;
  }
  const data = await gw.bytes(id, maxBytes, what);
  return verifyItem(id, doc, data);
}

/** The check itself, on a node's description of an item and its bytes. */
export function verifyItem(id: string, doc: Record<string, unknown>, data: Buffer): Promise<VerifyOutcome> {
  return verifyParts(id, doc, data).catch((e: unknown) => ({ ok: false as const, why: `it could not be checked (${e instanceof Error ? e.message : String(e)})` }));
}

async function verifyParts(id: string, doc: Record<string, unknown>, data: Buffer): Promise<VerifyOutcome> {
  if (doc.signatureType !== SignatureConfig.ETHEREUM) return { ok: false, why: 'it is not signed with an Ethereum key' };
  const signature = b64(doc.signature);
  const owner = b64(doc.owner);
  if (signature?.length !== ETH_SIG_LENGTH || owner?.length !== ETH_OWNER_LENGTH) return { ok: false, why: 'its signature or signer key has the wrong length' };
  const tags = Array.isArray(doc.tags) ? (doc.tags as unknown[]).filter((t): t is ItemTag => typeof (t as ItemTag | null)?.name === 'string' && typeof (t as ItemTag).value === 'string') : [];
  const anchor = b64(doc.anchor) ?? Buffer.alloc(0);
  // The client's anchors are 32 ASCII characters (storage/item.ts newAnchor); createData takes them as text.
  if (anchor.length !== 0 && (anchor.length !== 32 || anchor.some((c) => c > 0x7f))) return { ok: false, why: 'its anchor is not one Ativo makes' };
  const target = typeof doc.target === 'string' && doc.target !== '' ? doc.target : undefined;
  const shell = new KeyOnly(owner);
  const item = createData(data, shell, { tags, ...(anchor.length > 0 ? { anchor: anchor.toString('latin1') } : {}), ...(target !== undefined ? { target } : {}) });
  const raw = item.getRaw();
  raw.set(signature, 2);
  const rebuilt = new DataItem(raw);
  if (rebuilt.id !== id) return { ok: false, why: `its signature belongs to another item (${rebuilt.id})` };
  if (!(await DataItem.verify(raw))) return { ok: false, why: 'its signature does not match its contents (a forged or altered item)' };
  return { ok: true, item: { id, signer: getAddress(computeAddress(`0x${owner.toString('hex')}`)), tags, data } };
}
