import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../test-support/cli-sandbox';
import { RegistryClient } from '../chain/client';
import { startAnvil } from '../sandbox/anvil';
import { startStorageNode } from '../sandbox/storage-node';
import { verifyCertificateSignature, type Certificate } from '../chain/certificate';
import { coreutilsRoot } from '../test-support/fs';

interface Shown {
  publication: { tokenId: string; version: number | null } | null;
  versions: { number: number; contentRoot: string; previous: number | null; tokenId: string | null; manifestId: string | null; certifiedAt: string | null }[];
}
interface Verified {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string; skipped?: boolean }[];
}
const check = (v: Verified, name: string) => v.checks.find((c) => c.name === name);

// Dataset versions and verification from storage, through the real CLI: keychain wallet,
// sandbox anvil + storage node, durable jobs.
describe('versions and verify from storage (sandbox, real keychain)', () => {
  const { run, dir, dataDir } = useCliSandbox('versions');

  // About 20 CLI runs, each starting the sandbox: generous room on a busy machine.
  it('a changed folder becomes version 2 (new registration, linked to version 1, only the changed file uploaded); an unchanged one is already certified', { timeout: 480_000 }, async () => {
    const folder = join(dir(), 'Birds');
    mkdirSync(join(folder, 'img'), { recursive: true });
    writeFileSync(join(folder, 'labels.csv'), 'file,label\n1.png,owl\n');
    writeFileSync(join(folder, 'img', '1.png'), randomBytes(30_000));
    writeFileSync(join(folder, 'README'), 'Birds.\n');
    const wallet = JSON.parse(run(['wallet', 'create', '--json']).stdout) as { address: string };
    const asset = JSON.parse(run(['add', folder, '--json']).stdout) as { id: number };
    expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);
    const id = String(asset.id);

    const first = run(['publish', id, '--wait', '--json']);
    expect(first.stderr).toBe('');
    const cert1 = JSON.parse(first.stdout) as Certificate;
    const root1 = coreutilsRoot(folder);
    expect(cert1.asset.contentRoot).toBe(root1);
    expect((cert1.storage as { previous?: unknown }).previous).toBeUndefined();
    let shown = JSON.parse(run(['show', id, '--json']).stdout) as Shown;
    expect(shown.versions).toEqual([{ number: 1, contentRoot: root1, previous: null, network: 'sandbox', tokenId: cert1.chain.tokenId, manifestId: cert1.storage.manifestId, certifiedAt: expect.any(String) as unknown, terms: { priceWei: '0', license: 'CC-BY-4.0', split: [{ address: wallet.address, bps: 10_000 }] } }]);
    expect(shown.publication?.version).toBe(1);

    // Unchanged: says so, publishes nothing.
    const same = run(['publish', id, '--wait']);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/Already certified: .*unchanged since version 1 \(token #1\)/);
    const sameJson = JSON.parse(run(['publish', id, '--json']).stdout) as { alreadyCertified: { version: number; tokenId: string } };
    expect(sameJson.alreadyCertified).toMatchObject({ version: 1, tokenId: '1' });

    // One byte changed (no explicit rescan: publish rescans first).
    writeFileSync(join(folder, 'labels.csv'), 'file,label\n1.png,own\n');
    const second = run(['publish', id, '--wait', '--json']);
    expect(second.stderr).toBe('');
    const cert2 = JSON.parse(second.stdout) as Certificate;
    const root2 = coreutilsRoot(folder);
    expect(root2).not.toBe(root1);
    expect(cert2.asset.contentRoot).toBe(root2);
    expect(cert2.chain.tokenId).toBe('2');
    expect(cert2.storage).toMatchObject({ previous: { contentRoot: root1, manifestId: cert1.storage.manifestId, tokenId: '1' } });
    expect(verifyCertificateSignature(cert2)).toEqual({ ok: true });
    // The link is signed: changing it breaks the signature.
    const forged = { ...cert2, storage: { ...cert2.storage, previous: { contentRoot: root2, manifestId: 'x', tokenId: '9' } } };
    expect(verifyCertificateSignature(forged).ok).toBe(false);

    shown = JSON.parse(run(['show', id, '--json']).stdout) as Shown;
    expect(shown.versions.map((v) => [v.number, v.contentRoot, v.previous, v.tokenId])).toEqual([
      [2, root2, 1, '2'],
      [1, root1, null, '1'],
    ]);
    expect(run(['show', id]).stdout).toMatch(/versions +2\n +v2 +[0-9a-f]{16}… +token #2 on sandbox +certified .* \(after v1\)\n +free, CC-BY-4\.0, split 0x[0-9a-fA-F]{40} 100%\n +v1 /);

    // Only the changed file was uploaded again: the catalog's uploads…
    const uploads = JSON.parse(run(['uploads', id, '--json']).stdout) as { items: { relPath: string | null; source: string; storageId: string }[] };
    const uploaded = uploads.items.filter((u) => u.source === 'uploaded').map((u) => u.relPath).sort();
    expect(uploaded).toEqual(['README', 'img/1.png', 'labels.csv', 'labels.csv']);

    // …and the storage node's stored items: 3 files + manifest, then 1 file + manifest.
    const sb = await startAnvil({ dataDir: join(dataDir(), 'sandbox') });
    const node = await startStorageNode({ dataDir: join(dataDir(), 'sandbox', 'storage'), rpcUrl: sb.rpcUrl });
    try {
      const query = 'query { transactions(tags: [{ name: "App-Name", values: ["Ativo"] }], limit: 100) { edges { node { id tags { name value } } } } }';
      const res = (await (await fetch(`${node.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json()) as {
        data: { transactions: { edges: { node: { id: string; tags: { name: string; value: string }[] } }[] } };
      };
      // Each version also stores its public metadata and Croissant document (issue 16): counted apart.
      const isMetadata = (n: { tags: { name: string }[] }): boolean => n.tags.some((t) => t.name === 'Ativo-Metadata-Root');
      const all = res.data.transactions.edges.map((e) => e.node);
      expect(all.filter(isMetadata)).toHaveLength(4);
      const items = all.filter((n) => !isMetadata(n));
      expect(items).toHaveLength(6);
      const manifest2 = items.find((i) => i.id === cert2.storage.manifestId);
      const tag = (n: string): string | undefined => manifest2?.tags.find((t) => t.name === n)?.value;
      expect(tag('Ativo-Version')).toBe('2');
      expect(tag('Ativo-Previous-Root')).toBe(root1);
      expect(tag('Ativo-Previous-Manifest')).toBe(cert1.storage.manifestId);
      expect(tag('Ativo-Previous-Token')).toBe('1');
      const registry = await RegistryClient.open(sb.conn, cert2.chain.registry);
      expect(await registry.tokenCount()).toBe(2n);
      expect((await registry.asset(2n))?.contentRoot).toBe(`0x${root2}`);
      expect(await registry.ownerOf(2n)).toBe(wallet.address);
    } finally {
      await node.stop();
      await sb.stop();
    }

    // Version 1's certificate: the local folder (now version 2) fails it and names the file…
    const cert1File = join(dir(), 'v1.json');
    writeFileSync(cert1File, JSON.stringify(cert1));
    const local = run(['verify', cert1File, '--json']);
    expect(local.status).toBe(1);
    expect(check(JSON.parse(local.stdout) as Verified, 'files')).toMatchObject({ ok: false, detail: expect.stringMatching(/^the local folder .*changed: labels\.csv/) as unknown });
    // …while the bytes in storage still hold it.
    const stored = run(['verify', cert1File, '--from-storage', '--json']);
    const v1 = JSON.parse(stored.stdout) as Verified;
    expect(v1.ok, stored.stdout).toBe(true);
    expect(check(v1, 'files')).toMatchObject({ ok: true, detail: expect.stringContaining(`3 file(s)`) as unknown });
    expect(check(v1, 'stored')?.ok).toBe(true);
    const latest = run(['verify', id, '--from-storage']).stdout;
    expect(latest).toMatch(/PASS {2}files +3 file\(s\) \(\d+ bytes\) downloaded from storage hash to the content root/);
    expect(latest).toMatch(/PASS {2}registration +token #2 on chain 31337 at 0x[0-9a-fA-F]{40} \(the sandbox network's registry\), the next version after token #1\n/);
    expect(run(['verify', id, '--from-storage', '--folder', folder]).status).toBe(2);
  });

  it('a private asset: verify downloads and decrypts with the key in the keychain; without the key it checks the stored ciphertext and says so', { timeout: 300_000 }, () => {
    const folder = join(dir(), 'Secret');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'weights.bin'), randomBytes(70_000));
    writeFileSync(join(folder, 'notes.txt'), 'private notes\n');
    expect(run(['wallet', 'create']).status).toBe(0);
    const asset = JSON.parse(run(['add', folder, '--json']).stdout) as { id: number };
    expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);
    const id = String(asset.id);
    const pub = run(['publish', id, '--private', '--wait', '--json']);
    expect(pub.stderr).toBe('');
    const cert = JSON.parse(pub.stdout) as Certificate;
    const certFile = join(dir(), 'secret.json');
    writeFileSync(certFile, JSON.stringify(cert));

    const fromStorage = run(['verify', id, '--from-storage', '--json']);
    const r = JSON.parse(fromStorage.stdout) as Verified;
    expect(r.ok, fromStorage.stdout).toBe(true);
    expect(check(r, 'files')).toMatchObject({ ok: true, detail: expect.stringContaining('downloaded from storage and decrypted hash to the content root') as unknown });
    expect(check(r, 'stored')).toMatchObject({ ok: true, detail: expect.stringContaining('(encrypted) match the hashes in the encrypted file list') as unknown });

    // A changed byte in the folder is named (the certified per-file hashes come from the catalog's version).
    writeFileSync(join(folder, 'notes.txt'), 'private notez\n');
    const changed = JSON.parse(run(['verify', certFile, '--folder', folder, '--json']).stdout) as Verified;
    expect(check(changed, 'files')).toMatchObject({ ok: false, detail: expect.stringMatching(/changed: notes\.txt\)$/) as unknown });

    // Without the asset in the catalog (so without its key): the ciphertext is checked, the files are skipped.
    expect(run(['remove', id]).status).toBe(0);
    const noKey = run(['verify', certFile]);
    // (Its file list is encrypted too: the certificate's items are found on the node, encrypted.)
    expect(noKey.stdout).toMatch(/PASS {2}stored +the certificate's 3 stored item\(s\) \(files and file list\) are on the storage node, encrypted/);
    expect(noKey.stdout).toMatch(/SKIP {2}files +not checked: this is a private asset and its key is not available here \(this asset is not in this catalog/);
    expect(noKey.stdout).toMatch(/The certificate holds \(not checked: files\)\./);
    expect(noKey.status).toBe(0);
  });
});
