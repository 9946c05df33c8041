import { describe, expect, it } from 'vitest';
import { generateIdentity } from '../crypto/age';
import { AgeSealer } from '../crypto/stream';
import { ManifestError, encodeManifest, isEncryptedManifest, readManifest } from './manifest';

async function encrypt(bytes: Buffer, recipient: string): Promise<Buffer> {
  const s = await AgeSealer.create([recipient]);
  const out: Buffer[] = [];
  s.update(bytes, out);
  s.final(out);
  return Buffer.concat(out);
}

describe('path manifests', () => {
  it('a public manifest is the same bytes as before for the same paths and ids, sorted by UTF-8 bytes', async () => {
    const bytes = encodeManifest([
      { relPath: 'b.txt', id: 'B1' },
      { relPath: 'a/ü.txt', id: 'A2' },
      { relPath: 'a/z.txt', id: 'A1' },
    ]);
    expect(bytes.toString()).toBe('{"manifest":"arweave/paths","version":"0.2.0","paths":{"a/z.txt":{"id":"A1"},"a/ü.txt":{"id":"A2"},"b.txt":{"id":"B1"}}}');
    expect(isEncryptedManifest(bytes)).toBe(false);
    expect(await readManifest(bytes)).toEqual([
      { relPath: 'a/z.txt', id: 'A1' },
      { relPath: 'a/ü.txt', id: 'A2' },
      { relPath: 'b.txt', id: 'B1' },
    ]);
  });

  it('a private manifest opens only with its key, and carries the hashes and re-wrapped headers its tags do not', async () => {
    const key = await generateIdentity();
    const other = await generateIdentity();
    const sha = 'ab'.repeat(32);
    const plain = encodeManifest([{ relPath: 'secret/plan.pdf', id: 'X1', sha256: sha, header: 'aGVhZGVy' }]);
    const sealed = await encrypt(plain, key.recipient);
    expect(isEncryptedManifest(sealed)).toBe(true);
    expect(sealed.includes(Buffer.from('plan.pdf'))).toBe(false);
    expect(await readManifest(sealed, [key.identity])).toEqual([{ relPath: 'secret/plan.pdf', id: 'X1', sha256: sha, header: 'aGVhZGVy' }]);
    await expect(readManifest(sealed)).rejects.toMatchObject({ code: 'ENCRYPTED', message: 'The file list of this private asset is encrypted, and its key is not at hand.' });
    await expect(readManifest(sealed, [other.identity])).rejects.toBeInstanceOf(ManifestError);
    await expect(readManifest(sealed, [other.identity])).rejects.toMatchObject({ code: 'WRONG_KEY' });
    await expect(readManifest(Buffer.from('not json'))).rejects.toMatchObject({ code: 'INVALID', message: 'The file list is not a path manifest (not JSON).' });
    await expect(readManifest(Buffer.from('{"paths":{"a":{}}}'))).rejects.toMatchObject({ code: 'INVALID', message: 'The file list has no item id for "a".' });
  });
});
