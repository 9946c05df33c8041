/**
 * Keyed dedupe tags of private items (issue 12, attack 7). A public item carries the sha256 of
 * its bytes (Content-Sha256), which is how an earlier upload of the same bytes is found; on a
 * private item that hash (of the plaintext, or of the ciphertext) would let anyone check whether
 * it holds a known file, or the same bytes as another item. Private items carry instead
 *
 *   Ativo-Dedupe = hex(HMAC-SHA256(key, "<plaintext sha256 hex>\n<encryption>"))
 *   key          = HKDF-SHA256(ikm = the age identity's text, salt = empty, info = "ativo/dedupe/v1", 32 bytes)
 *
 * where the identity is the asset's (per version: the version's) age identity and `encryption`
 * the item's encryption marker ('age:<recipient>'). Only a holder of that identity can compute
 * it: the owner finds its earlier upload of the same bytes; a buyer of that version, who can
 * compute it too, learns nothing new (it can decrypt those items anyway).
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { parseIdentity } from './age';

export function dedupeKey(identity: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(parseIdentity(identity), 'utf8'), Buffer.alloc(0), 'ativo/dedupe/v1', 32));
}

/** The Ativo-Dedupe value of an item holding the plaintext with this sha256 (hex), encrypted as `encryption`. */
export function dedupeTag(key: Uint8Array, plaintextSha256: string, encryption: string): string {
  return createHmac('sha256', key).update(`${plaintextSha256.toLowerCase()}\n${encryption}`, 'utf8').digest('hex');
}
