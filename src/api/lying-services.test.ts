/**
 * Services that lie (issue 8), through the whole backend: an RPC endpoint whose chain id is not
 * the profile's, and a storage node whose receipts do not verify. A real anvil and storage node
 * play the remote network (a testnet profile points at them); the receipts are altered by the tampering
 * proxy of src/storage/testing.ts (a node stub, because a real node never sends a bad receipt).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from './backend';
import { tempDir } from '../test-support/fs';
import { writeSavedProfile } from '../test-support/network-profile';
import { connectChain } from '../chain/provider';
import { deployRegistry } from '../chain/client';
import { devPrivateKey, startStorageTestEnv, tamperingProxy, type StorageTestEnv } from '../storage/testing';

const DEAD = '0x000000000000000000000000000000000000dEaD';

describe('lying services', () => {
  let dir: { path: string; cleanup: () => void };
  let backend: Backend;
  let remote: StorageTestEnv;
  const prefix = `ativo-test-lying-${randomBytes(4).toString('hex')}`;
  beforeEach(async () => {
    dir = tempDir();
    remote = await startStorageTestEnv();
    backend = await createBackend({ dataDir: join(dir.path, 'data'), keychainPrefix: prefix, keystoreScryptN: 1024, runnerRetryMs: 200 });
  });
  afterEach(async () => {
    for (const w of (await backend.call('wallet.list', {})).wallets) await backend.call('wallet.remove', { address: w.address });
    await backend.close();
    await remote.stop();
    dir.cleanup();
  });

  it('refuses an RPC endpoint that reports another chain id than the profile says, naming both', async () => {
    // Saving it is refused (networks-setup.test.ts); an endpoint that serves another chain after it was saved is refused at use.
    expect(await backend.invoke('network.set', { name: 'testnet', rpcUrl: remote.anvil.rpcUrl, chainId: 84532, registry: DEAD, storageUrl: remote.node.url })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    writeSavedProfile(join(dir.path, 'data'), { name: 'testnet', rpcUrl: remote.anvil.rpcUrl, chainId: 84532, registry: DEAD, storageUrl: remote.node.url });
    await backend.call('network.use', { name: 'testnet' });
    const r = await backend.invoke('chain.status', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'CHAIN_ERROR' } });
    if (!r.ok) expect(r.error.message).toContain(`has chain id 31337, but 84532 was expected`);
    // A wallet balance on that profile is refused the same way (never read from the wrong chain).
    await backend.call('wallet.import', { privateKey: devPrivateKey(3) });
    const balance = await backend.invoke('wallet.balance', {});
    expect(balance).toMatchObject({ ok: false, error: { code: 'CHAIN_ERROR' } });
  });

  it('an upload whose receipt does not verify fails with the reason and records no storage id', async () => {
    await backend.call('wallet.import', { privateKey: devPrivateKey(3) });
    const conn = await connectChain(remote.anvil.rpcUrl);
    const registry = (await deployRegistry(conn, remote.anvil.wallet(0))).address;
    conn.provider.destroy();
    const proxy = await tamperingProxy(remote.node.url, (receipt) => ({ ...receipt, timestamp: Number(receipt.timestamp) + 1 }));
    try {
      await backend.call('network.set', { name: 'testnet', rpcUrl: remote.anvil.rpcUrl, chainId: 31337, registry, storageUrl: proxy.url });
      await backend.call('network.use', { name: 'testnet' });
      await backend.call('storage.fund', { ether: '0.01' });
      const folder = join(dir.path, 'data-folder');
      mkdirSync(folder);
      writeFileSync(join(folder, 'a.bin'), randomBytes(256 * 1024));
      const asset = await backend.call('assets.add', { path: folder, kind: 'dataset' });
      const { jobIds } = await backend.call('assets.upload', { id: asset.id });
      expect(jobIds).toHaveLength(1);
      const deadline = Date.now() + 60_000;
      let job = (await backend.call('jobs.list', { assetId: asset.id })).items[0];
      while (job?.state !== 'failed' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        job = (await backend.call('jobs.list', { assetId: asset.id })).items[0];
      }
      expect(job?.state).toBe('failed');
      expect(job?.error).toMatch(/receipt .* is not valid: .*signature does not verify/);
      const uploads = await backend.call('uploads.list', { assetId: asset.id });
      expect(uploads.items.filter((u) => u.storageId !== null)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
