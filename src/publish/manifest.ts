/**
 * The path manifest of a publication (relPath → data item id): written by the publish pipeline,
 * read by `ativo access fetch` and `ativo verify --from-storage`. One encoder, one reader.
 *
 * Public assets: the Irys/Arweave path manifest, plaintext JSON, byte-for-byte what earlier
 * versions wrote for the same paths and ids:
 *   {"manifest":"arweave/paths","version":"0.2.0","paths":{"<relPath>":{"id":"<item id>","size":<bytes>},…}}
 * (size: the file's plaintext bytes, so downloaders stop at it; absent in older manifests)
 *
 * Private assets (issue 12, attack 7): the same JSON, age-encrypted to the version's recipient,
 * so file names are not public; each entry also carries what the item's tags no longer show:
 *   sha256  the sha256 of the stored bytes (the ciphertext), to check a download against
 *   header  for a file reused from an earlier version (stored encrypted to that version's key):
 *           its age header re-wrapped to this version's key, base64 (src/crypto/rewrap.ts)
 * Manifests written before this change are plaintext JSON for private assets too: still read.
 */
import { AgeOpener } from '../crypto/stream';
import { isCryptoError } from '../crypto/errors';
import { codedError } from '../util/errors';

export interface ManifestEntry {
  relPath: string;
  id: string;
  /** The file's size in bytes (plaintext), so a download stops at it; absent in manifests made before sizes were. */
  size?: number;
  /** sha256 (hex) of the stored bytes: in private manifests only (public items carry it as a tag). */
  sha256?: string;
  /** Private manifests: the file's age header re-wrapped to this version's key (base64), for a file stored by an earlier version. */
  header?: string;
}

export type ManifestErrorCode = 'ENCRYPTED' | 'WRONG_KEY' | 'INVALID';

/** A manifest that cannot be read; `message` is a sentence for a person. */
export class ManifestError extends codedError<'manifest', ManifestErrorCode>('manifest', 'ManifestError') {}

const AGE_BINARY = Buffer.from('age-encryption.org/v1\n', 'latin1');
const AGE_ARMOR = Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----', 'latin1');

/** Whether these manifest bytes are age-encrypted (a private asset's). */
export function isEncryptedManifest(bytes: Uint8Array): boolean {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = b.subarray(0, 64).toString('latin1').trimStart();
  return b.subarray(0, AGE_BINARY.length).equals(AGE_BINARY) || start.startsWith(AGE_ARMOR.toString('latin1'));
}

/** The manifest's plaintext bytes (paths sorted by their UTF-8 bytes: the same entries give the same bytes). */
export function encodeManifest(entries: readonly ManifestEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.relPath), Buffer.from(b.relPath)));
  const paths: Record<string, { id: string; size?: number; sha256?: string; header?: string }> = {};
  for (const e of sorted) {
    paths[e.relPath] = { id: e.id, ...(e.size !== undefined ? { size: e.size } : {}), ...(e.sha256 !== undefined ? { sha256: e.sha256 } : {}), ...(e.header !== undefined ? { header: e.header } : {}) };
  }
  return Buffer.from(JSON.stringify({ manifest: 'arweave/paths', version: '0.2.0', paths }));
}

async function decrypt(bytes: Uint8Array, identities: readonly string[]): Promise<Buffer> {
  const opener = new AgeOpener(identities);
  const out: Buffer[] = [];
  await opener.update(Buffer.from(bytes), out);
  await opener.final(out);
  return Buffer.concat(out);
}

/**
 * The entries of a manifest (in its order). An encrypted one is decrypted with `identities`;
 * without them, or with keys that do not open it, ManifestError ENCRYPTED / WRONG_KEY. Entry
 * fields are type-checked only: callers check the paths they write to and the ids they fetch.
 */
export async function readManifest(bytes: Uint8Array, identities?: readonly string[] | null): Promise<ManifestEntry[]> {
  let text: string;
  if (isEncryptedManifest(bytes)) {
    if (identities === undefined || identities === null || identities.length === 0) {
      throw new ManifestError('ENCRYPTED', 'The file list of this private asset is encrypted, and its key is not at hand.');
    }
    try {
      text = (await decrypt(bytes, identities)).toString('utf8');
    } catch (e) {
      if (isCryptoError(e, 'WRONG_KEY')) throw new ManifestError('WRONG_KEY', 'The file list of this private asset is encrypted to another key than the one at hand: that key does not open this version.', { cause: e });
      throw new ManifestError('INVALID', `The file list of this private asset could not be decrypted: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  } else {
    text = Buffer.from(bytes).toString('utf8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ManifestError('INVALID', 'The file list is not a path manifest (not JSON).', { cause: e });
  }
  const paths = typeof doc === 'object' && doc !== null ? (doc as { paths?: unknown }).paths : undefined;
  if (typeof paths !== 'object' || paths === null || Array.isArray(paths)) throw new ManifestError('INVALID', 'The file list is not a path manifest (it has no paths).');
  const out: ManifestEntry[] = [];
  for (const [relPath, v] of Object.entries(paths as Record<string, unknown>)) {
    const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    if (typeof o.id !== 'string') throw new ManifestError('INVALID', `The file list has no item id for ${JSON.stringify(relPath)}.`);
    const e: ManifestEntry = { relPath, id: o.id };
    if (o.size !== undefined) {
      if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) throw new ManifestError('INVALID', `The file list gives ${JSON.stringify(relPath)} a size that is not a whole number of bytes.`);
      e.size = o.size;
    }
    if (typeof o.sha256 === 'string' && /^[0-9a-f]{64}$/.test(o.sha256)) e.sha256 = o.sha256;
    if (typeof o.header === 'string' && o.header.length > 0) e.header = o.header;
    out.push(e);
  }
  return out;
}
