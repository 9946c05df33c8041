/**
 * Attack 3 (issue 12), one purchase opens every later version: with one age identity per
 * asset, a grant for version 1 decrypted version 2's new files. Now each version has its own
 * identity; a file version 2 reuses from version 1 stays stored once, and version 2's encrypted
 * manifest carries its age header re-wrapped to version 2's key.
 *
 * Real parts: the backend in this process (keychain, durable jobs, the access inbox), the
 * sandbox anvil and storage node over HTTP, the grant code, the buyer's fetch. Run under
 * `bash .ci/with-keyring.sh npx vitest run src/publish/version-keys.test.ts`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HDNodeWallet, Wallet, parseEther } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchAccess } from '../access/fetch';
import { Catalog } from '../catalog/db';
import { RegistryClient, connectChain } from '../chain/client';
import { generateIdentity } from '../crypto/age';
import { createGrant, openGrant } from '../crypto/grant';
import { replaceAgeHeader } from '../crypto/rewrap';
import { createDecryptStream } from '../crypto/stream';
import { SANDBOX_MNEMONIC } from '../sandbox/anvil';
import { rawItem, until, useBackendSandbox } from '../test-support/backend-sandbox';
import { coreutilsRoot } from '../test-support/fs';
import { Vault } from '../vault/vault';
import { VersionKeys, assetKeyName, versionKeyName } from './keys';
import { readManifest } from './manifest';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

process.env.ATIVO_ACCESS_POLL_MS = '200';
afterAll(() => {
  delete process.env.ATIVO_ACCESS_POLL_MS;
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function decrypt(item: Buffer, identity: string, header?: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      out.push(chunk);
      cb();
    },
  });
  if (header) await pipeline(Readable.from([item]), replaceAgeHeader(header), createDecryptStream([identity]), sink);
  else await pipeline(Readable.from([item]), createDecryptStream([identity]), sink);
  return Buffer.concat(out);
}

describe('one key per version of a private asset (sandbox backend, real keychain)', () => {
  const sb = useBackendSandbox('version-keys');

  it('a grant for version 1 opens neither version 2 nor its new file; version 2’s key opens every file of version 2, the reused one through its re-wrapped header', { timeout: 300_000 }, async () => {
    const b = sb.backend();
    const folder = join(sb.dir(), 'Kestrel');
    mkdirSync(folder, { recursive: true });
    const keep = randomBytes(120_000);
    writeFileSync(join(folder, 'keep.bin'), keep);
    writeFileSync(join(folder, 'old.txt'), 'only in version 1\n');
    await b.call('wallet.create', { label: 'owner' });
    const assetId = await sb.add(folder);
    await b.call('storage.fund', { ether: '0.01' });
    const v1 = await sb.publish(assetId, 'private');
    const root1 = coreutilsRoot(folder);
    const st = await b.call('chain.status', {});
    const url = st.storageUrl ?? '';

    const catalog = Catalog.open(b.catalogPath);
    const keys = new VersionKeys(catalog, new Vault({ servicePrefix: sb.prefix(), keystoreScryptN: 1024 }));
    try {
      // Version 1 is sold: its grant holds version 1's identity.
      const v1Identity = await keys.identity(assetId, root1);
      expect(v1Identity).toMatch(/^AGE-SECRET-KEY-1/);
      const buyer1 = await generateIdentity();
      const grant1 = await createGrant(v1Identity ?? '', buyer1.recipient, { assetId: v1.tokenId, contentRoot: root1 });
      const bought1 = await openGrant(grant1, buyer1.identity);
      const keepV1Id = catalog.uploads.forAsset(assetId).find((u) => u.relPath === 'keep.bin')?.storageId ?? '';

      // Version 2: one file kept (reused), one removed, one new.
      rmSync(join(folder, 'old.txt'));
      const fresh = randomBytes(50_000);
      writeFileSync(join(folder, 'new.bin'), fresh);
      const v2 = await sb.publish(assetId, 'private');
      const root2 = coreutilsRoot(folder);
      const cert2 = (await b.call('assets.certificate', { id: assetId })).certificate as { storage: { manifestId: string } };
      const manifest2 = await rawItem(url, cert2.storage.manifestId);
      const v2Identity = await keys.identity(assetId, root2);
      expect(v2Identity).toMatch(/^AGE-SECRET-KEY-1/);
      expect(v2Identity).not.toBe(v1Identity);
      expect(await keys.identity(assetId, root1)).toBe(v1Identity); // version 1's key is still there

      // The reused file was not uploaded again: version 2 names version 1's item, with a header.
      const entries = await readManifest(manifest2, [v2Identity ?? '']);
      const keepEntry = entries.find((e) => e.relPath === 'keep.bin');
      const newEntry = entries.find((e) => e.relPath === 'new.bin');
      expect(entries.map((e) => e.relPath).sort()).toEqual(['keep.bin', 'new.bin']);
      expect(keepEntry).toMatchObject({ id: keepV1Id, header: expect.any(String) as unknown });
      expect(newEntry?.header).toBeUndefined();
      const uploads = (await b.call('uploads.list', { assetId })).items;
      expect(uploads.filter((u) => u.source === 'uploaded').map((u) => u.relPath).sort()).toEqual(['keep.bin', 'new.bin', 'old.txt']);
      const keepItem = await rawItem(url, keepV1Id);
      const newItem = await rawItem(url, newEntry?.id ?? '');
      const header = Buffer.from(keepEntry?.header ?? '', 'base64');

      // With only version 1's key: version 2's file list and its new file stay closed.
      await expect(readManifest(manifest2, [bought1])).rejects.toMatchObject({ code: 'WRONG_KEY' });
      await expect(decrypt(newItem, bought1)).rejects.toMatchObject({ code: 'WRONG_KEY' });
      await expect(decrypt(keepItem, bought1, header)).rejects.toMatchObject({ code: 'WRONG_KEY' });
      // (keep.bin's own item is version 1's: the version 1 buyer has it already.)
      expect(sha256(await decrypt(keepItem, bought1))).toBe(sha256(keep));

      // With version 2's key: every file of version 2 opens and matches.
      expect(sha256(await decrypt(newItem, v2Identity ?? ''))).toBe(sha256(fresh));
      expect(sha256(await decrypt(keepItem, v2Identity ?? '', header))).toBe(sha256(keep));
      await expect(decrypt(keepItem, v2Identity ?? '')).rejects.toMatchObject({ code: 'WRONG_KEY' }); // not without the re-wrapped header

      // The owner's verify from storage opens version 2 with its key, reused file included.
      const verified = await b.call('certificates.verify', { certificate: cert2, assetId, fromStorage: true });
      expect(verified.checks.find((c) => c.name === 'files')).toMatchObject({ ok: true, detail: expect.stringContaining(`2 file(s)`) as unknown });
      expect(verified.ok).toBe(true);

      // A buyer of version 2, through the real approval and fetch: byte-equal files.
      const conn = await connectChain(st.rpcUrl);
      try {
        const registry = await RegistryClient.open(conn, st.registry ?? '');
        const buyer = new Wallet(HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, "m/44'/60'/0'/0/6").privateKey, conn.provider);
        const buyer2 = await generateIdentity();
        const terms = { termsHash: (await registry.asset(BigInt(v2.tokenId)))?.termsHash ?? '', price: parseEther('0.01') };
        const sent = await registry.requestAccess(buyer, BigInt(v2.tokenId), buyer2.recipient, terms, { message: 'version 2 please' });
        const requestId = (await sent.wait()).result.requestId;
        const row = await until('the request in the inbox', async () => (await b.call('access.list', { limit: 100 })).items.find((r) => r.requestId === requestId.toString()));
        await b.call('access.approve', { ids: [row.id] });
        await until('the approval', async () => {
          const d = await b.call('access.get', { id: row.id });
          return d.state === 'approved' && d.action?.state === 'done';
        });
        const out = join(sb.dir(), 'fetched-v2');
        const got = await fetchAccess(
          { chain: { conn, registry, chainId: st.chainId, network: 'sandbox' }, storageUrl: () => Promise.resolve(url), wallet: buyer.address, requesterIdentity: () => Promise.resolve(buyer2) },
          requestId,
          out,
        );
        expect(got).toMatchObject({ files: 2, contentRoot: root2, verified: true });
        expect(sha256(readFileSync(join(out, 'keep.bin')))).toBe(sha256(keep));
        expect(sha256(readFileSync(join(out, 'new.bin')))).toBe(sha256(fresh));

        // A buyer of version 1 after version 2 exists: the approval grants version 1's key (the
        // version its token registered), which opens version 1 and not version 2.
        const late = new Wallet(HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, "m/44'/60'/0'/0/7").privateKey, conn.provider);
        const lateKey = await generateIdentity();
        const terms1 = { termsHash: (await registry.asset(BigInt(v1.tokenId)))?.termsHash ?? '', price: parseEther('0.01') };
        const lateId = (await (await registry.requestAccess(late, BigInt(v1.tokenId), lateKey.recipient, terms1, { message: 'version 1 please' })).wait()).result.requestId;
        const lateRow = await until('the version 1 request in the inbox', async () => (await b.call('access.list', { limit: 100 })).items.find((r) => r.requestId === lateId.toString()));
        await b.call('access.approve', { ids: [lateRow.id] });
        await until('the version 1 approval', async () => {
          const d = await b.call('access.get', { id: lateRow.id });
          return d.state === 'approved' && d.action?.state === 'done';
        });
        const out1 = join(sb.dir(), 'fetched-v1');
        const got1 = await fetchAccess(
          { chain: { conn, registry, chainId: st.chainId, network: 'sandbox' }, storageUrl: () => Promise.resolve(url), wallet: late.address, requesterIdentity: () => Promise.resolve(lateKey) },
          lateId,
          out1,
        );
        expect(got1).toMatchObject({ files: 2, contentRoot: root1, verified: true });
        expect(readFileSync(join(out1, 'old.txt'), 'utf8')).toBe('only in version 1\n');
        const lateGrant = (await registry.request(lateId))?.grantId ?? '';
        const opened = await openGrant(await rawItem(url, lateGrant), lateKey.identity);
        expect(opened).toBe(v1Identity);
        await expect(readManifest(manifest2, [opened])).rejects.toMatchObject({ code: 'WRONG_KEY' });
      } finally {
        conn.close();
      }
    } finally {
      catalog.close();
    }
  });

  it('a version published before per-version keys stays open with the asset key; the next version reuses its files with its own key', { timeout: 300_000 }, async () => {
    const b = sb.backend();
    const folder = join(sb.dir(), 'Merlin');
    mkdirSync(folder, { recursive: true });
    const keep = randomBytes(70_000);
    writeFileSync(join(folder, 'keep.bin'), keep);
    const assetId = await sb.add(folder);
    await sb.publish(assetId, 'private');
    const root1 = coreutilsRoot(folder);
    const url = (await b.call('chain.status', {})).storageUrl ?? '';
    const catalog = Catalog.open(b.catalogPath);
    const vault = new Vault({ servicePrefix: sb.prefix(), keystoreScryptN: 1024 });
    const keys = new VersionKeys(catalog, vault);
    try {
      // Make version 1 what an earlier Ativo left: encrypted to the asset's own key, no version key.
      const asset = catalog.assets.get(assetId);
      if (!asset) throw new Error('no asset');
      const v1 = await vault.getAssetIdentity(versionKeyName(asset, root1));
      await vault.putAssetIdentity(assetKeyName(asset), v1 ?? '');
      await vault.removeAssetIdentity(versionKeyName(asset, root1));
      catalog.db.prepare('DELETE FROM version_keys WHERE asset_id = ?').run(assetId);
      expect(await keys.identity(assetId, root1)).toBe(v1);

      const fresh = randomBytes(20_000);
      writeFileSync(join(folder, 'new.bin'), fresh);
      await sb.publish(assetId, 'private');
      const root2 = coreutilsRoot(folder);
      const v2 = await keys.identity(assetId, root2);
      expect(v2).toMatch(/^AGE-SECRET-KEY-1/);
      expect(v2).not.toBe(v1);
      expect(await keys.identity(assetId, root1)).toBe(v1); // still readable
      const cert2 = (await b.call('assets.certificate', { id: assetId })).certificate as { storage: { manifestId: string } };
      const manifest2 = await rawItem(url, cert2.storage.manifestId);
      await expect(readManifest(manifest2, [v1 ?? ''])).rejects.toMatchObject({ code: 'WRONG_KEY' });
      const entries = await readManifest(manifest2, [v2 ?? '']);
      const keepEntry = entries.find((e) => e.relPath === 'keep.bin');
      const newEntry = entries.find((e) => e.relPath === 'new.bin');
      expect(keepEntry?.header).toEqual(expect.any(String));
      expect(sha256(await decrypt(await rawItem(url, keepEntry?.id ?? ''), v2 ?? '', Buffer.from(keepEntry?.header ?? '', 'base64')))).toBe(sha256(keep));
      expect(sha256(await decrypt(await rawItem(url, newEntry?.id ?? ''), v2 ?? ''))).toBe(sha256(fresh));
      await expect(decrypt(await rawItem(url, newEntry?.id ?? ''), v1 ?? '')).rejects.toMatchObject({ code: 'WRONG_KEY' });
      expect((await b.call('uploads.list', { assetId })).items.filter((u) => u.source === 'uploaded').map((u) => u.relPath).sort()).toEqual(['keep.bin', 'new.bin']);
    } finally {
      catalog.close();
    }
  });
});
