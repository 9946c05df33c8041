/**
 * Attack 7 (issue 12), private assets in the clear: a private asset must publish nothing on
 * the storage node but ciphertext — no file name (the path manifest is encrypted), no per-file
 * sha256 of the plaintext or of the ciphertext, no content root, in any tag of any item or in
 * any item's bytes — and publishing the same bytes again must still pay nothing (found by the
 * owner's keyed Ativo-Dedupe tag, even when the catalog has forgotten its uploads).
 *
 * Real parts: the backend in this process (keychain, durable jobs), the sandbox anvil and
 * storage node over HTTP, the catalog file. Run under
 * `bash .ci/with-keyring.sh npx vitest run src/publish/private-leak.test.ts`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { allStoredItems, rawItem, useBackendSandbox, type StoredNode } from '../test-support/backend-sandbox';
import { coreutilsRoot } from '../test-support/fs';
import { isEncryptedManifest } from './manifest';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** The spellings a 32-byte hash could take in a tag or a document. */
const spellings = (hex: string): string[] => {
  const b = Buffer.from(hex, 'hex');
  return [hex, hex.toUpperCase(), b.toString('base64'), b.toString('base64url')];
};

/** Every forbidden string found in the node's tags and bytes, with where. */
async function leaks(url: string, items: StoredNode[], secrets: Map<string, string>): Promise<string[]> {
  const found: string[] = [];
  const raws = new Map<string, Buffer>();
  for (const n of items) raws.set(n.id, await rawItem(url, n.id));
  // The ciphertext's own hash must not be published either (in a tag, or in another item).
  const all = new Map(secrets);
  for (const [id, raw] of raws) all.set(sha256(raw), `the sha256 of item ${id}'s bytes`);
  for (const n of items) {
    const meta = await (await fetch(`${url}/tx/${n.id}`)).text(); // the node's item metadata (tags, owner, …)
    const tagText = n.tags.map((t) => `${t.name}=${t.value}`).join('\n');
    const raw = raws.get(n.id) ?? Buffer.alloc(0);
    for (const [secret, what] of all) {
      for (const s of what.startsWith('the name') ? [secret] : spellings(secret)) {
        if (tagText.includes(s) || meta.includes(s)) found.push(`${what} in the tags of item ${n.id}`);
        if (raw.includes(Buffer.from(s, 'utf8')) && !(what === `the sha256 of item ${n.id}'s bytes`)) found.push(`${what} in the bytes of item ${n.id}`);
      }
    }
    for (const name of ['Content-Sha256', 'Ativo-Content-Root', 'Ativo-Previous-Root']) if (n.tags.some((t) => t.name === name)) found.push(`a ${name} tag on item ${n.id}`);
  }
  return found;
}

describe('a private asset on the storage node (sandbox backend, real keychain)', () => {
  const sb = useBackendSandbox('private-leak');

  it('shows no file name, no per-file hash and no content root in any tag or item; publishing the same bytes again pays nothing', { timeout: 300_000 }, async () => {
    const b = sb.backend();
    const folder = join(sb.dir(), 'Falcon wing');
    mkdirSync(join(folder, 'cad-drawings'), { recursive: true });
    const files: Record<string, Buffer> = {
      'cad-drawings/falcon-wing-spar.step': randomBytes(90_000),
      'falcon-test-notes.txt': Buffer.from(`wind tunnel run ${randomBytes(6).toString('hex')}\n`),
    };
    for (const [rel, bytes] of Object.entries(files)) writeFileSync(join(folder, rel), bytes);
    await b.call('wallet.create', { label: 'owner' });
    const assetId = await sb.add(folder);
    await b.call('storage.fund', { ether: '0.01' });
    const v1 = await sb.publish(assetId, 'private');
    const url = (await b.call('chain.status', {})).storageUrl ?? '';

    const root1 = coreutilsRoot(folder);
    const secrets = new Map<string, string>([[root1, 'the content root']]);
    for (const [rel, bytes] of Object.entries(files)) {
      secrets.set(sha256(bytes), `the sha256 of ${rel}`);
      for (const part of [rel, ...rel.split('/'), rel.split('/').at(-1)?.replace(/\.[a-z]+$/, '') ?? '']) secrets.set(part, `the name ${part}`);
    }
    let all = await allStoredItems(url);
    // The public metadata (issue 16) is public by design and names the content root (public on
    // chain already): checked apart, for the files' names and hashes only.
    const isMetadata = (n: StoredNode): boolean => n.tags.some((t) => t.name === 'Ativo-Metadata-Root');
    const filesOnly = (m: Map<string, string>): Map<string, string> => new Map([...m].filter(([, what]) => !what.startsWith('the content root')));
    let items = all.filter((n) => !isMetadata(n));
    expect(items).toHaveLength(3); // two files and the file list
    expect(all.filter(isMetadata)).toHaveLength(2); // its metadata and Croissant document
    expect(await leaks(url, items, secrets)).toEqual([]);
    expect((await leaks(url, all.filter(isMetadata), filesOnly(secrets))).filter((l) => !/Ativo-Metadata-Root|sha256 of item|a Content-Sha256 tag/.test(l))).toEqual([]);
    const cert1 = (await b.call('assets.certificate', { id: assetId })).certificate as { storage: { manifestId: string } };
    const manifest = await rawItem(url, cert1.storage.manifestId);
    expect(isEncryptedManifest(manifest)).toBe(true);
    expect(items.find((n) => n.id === cert1.storage.manifestId)?.tags).toEqual([
      { name: 'App-Name', value: 'Ativo' },
      { name: 'Content-Type', value: 'application/age-encrypted' },
      { name: 'Ativo-Encryption', value: 'age' },
      { name: 'Type', value: 'manifest' },
      { name: 'Ativo-Version', value: '1' },
    ]);
    for (const n of items.filter((i) => i.id !== cert1.storage.manifestId)) expect(n.tags.map((t) => t.name)).toEqual(['App-Name', 'Content-Type', 'Ativo-Encryption', 'Ativo-Dedupe']);

    // The owner, who holds the key, reads it all back: verify opens the file list and the files.
    const verified = await b.call('certificates.verify', { certificate: cert1, assetId, fromStorage: true });
    expect(verified.checks.find((c) => c.name === 'files')).toMatchObject({ ok: true, detail: expect.stringContaining('2 file(s)') as unknown });
    expect(verified.checks.find((c) => c.name === 'stored')).toMatchObject({ ok: true, detail: expect.stringContaining('the hashes in the encrypted file list') as unknown });
    expect(verified.ok).toBe(true);

    // The catalog forgets its uploads (as after a rebuild); one file is added. Publishing again
    // pays only for the new file and the new file list: the earlier items are found on the node
    // by their keyed tag.
    const catalog = Catalog.open(join(sb.dir(), 'data', 'catalog.sqlite'));
    try {
      catalog.db.prepare('DELETE FROM uploads WHERE asset_id = ?').run(assetId);
    } finally {
      catalog.close();
    }
    writeFileSync(join(folder, 'falcon-v2-addendum.txt'), `addendum ${randomBytes(6).toString('hex')}\n`);
    const v2 = await sb.publish(assetId, 'private');
    expect(v2.tokenId).not.toBe(v1.tokenId);
    const uploads = (await b.call('uploads.list', { assetId })).items;
    expect(uploads.filter((u) => u.source === 'uploaded').map((u) => u.relPath)).toEqual(['falcon-v2-addendum.txt']);
    expect(uploads.filter((u) => u.source === 'reused').map((u) => [u.relPath, u.charged]).sort()).toEqual([
      ['cad-drawings/falcon-wing-spar.step', '0'],
      ['falcon-test-notes.txt', '0'],
    ]);
    all = await allStoredItems(url);
    items = all.filter((n) => !isMetadata(n));
    expect(items).toHaveLength(5); // + the new file and the new file list

    const root2 = coreutilsRoot(folder);
    secrets.set(root2, 'the content root of version 2');
    const added = readFileSync(join(folder, 'falcon-v2-addendum.txt'));
    secrets.set(sha256(added), 'the sha256 of falcon-v2-addendum.txt');
    for (const part of ['falcon-v2-addendum.txt', 'falcon-v2-addendum']) secrets.set(part, `the name ${part}`);
    expect(await leaks(url, items, secrets)).toEqual([]);
    expect((await leaks(url, all.filter(isMetadata), filesOnly(secrets))).filter((l) => !/Ativo-Metadata-Root|sha256 of item|a Content-Sha256 tag/.test(l))).toEqual([]);
  });
});
