import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from './backend';
import { tempDir } from '../test-support/fs';
import { requireKeychain } from '../vault/test-support';
import { Keychain } from '../vault/keychain';
import { findFreePort } from '../sandbox/anvil';
import { writeSavedProfile } from '../test-support/network-profile';

// Real anvil, real keychain (npm test runs under .ci/with-keyring.sh).
describe('chain through the backend (sandbox)', () => {
  let dir: { path: string; cleanup: () => void };
  const backends: Backend[] = [];
  const open = async (): Promise<Backend> => {
    const b = await createBackend({ dataDir: join(dir.path, 'data'), keychainPrefix: prefix, keystoreScryptN: 1024 });
    backends.push(b);
    return b;
  };
  let prefix: string;
  beforeEach(() => {
    dir = tempDir();
    prefix = `ativo-test-chain-${randomBytes(4).toString('hex')}`;
  });
  afterEach(async () => {
    const b = backends[0];
    if (b) for (const w of (await b.call('wallet.list', {})).wallets) await b.call('wallet.remove', { address: w.address });
    await Promise.all(backends.splice(0).map((x) => x.close()));
    dir.cleanup();
  });

  it('starts the sandbox on first use with the registry deployed, and shares it with a second process', async () => {
    const a = await open();
    const s = await a.call('chain.status', {});
    expect(s).toMatchObject({ network: 'sandbox', chainId: 31337, mode: 'sandbox-owned' });
    expect(s.registry).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(s.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.storageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const info = (await (await fetch(`${s.storageUrl ?? ''}/info`)).json()) as { addresses: Record<string, string> };
    expect(info.addresses.ethereum).toMatch(/^0x[0-9a-fA-F]{40}$/);

    const b = await open(); // e.g. the CLI while the app runs
    const shared = await b.call('chain.status', {});
    expect(shared).toMatchObject({ mode: 'sandbox-shared', rpcUrl: s.rpcUrl, registry: s.registry, storageUrl: s.storageUrl });
  });

  it('a new wallet gets sandbox ETH; more can be sent; balances are read from the chain', async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    const b = await open();
    const w = await b.call('wallet.create', { label: 'creator' });
    const bal = await b.call('wallet.balance', {});
    expect(bal).toMatchObject({ address: w.address, network: 'sandbox', chainId: 31337, ether: '100.0' });
    const other = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
    const before = BigInt((await b.call('wallet.balance', { address: other })).wei);
    const r = await b.call('sandbox.fund', { address: other, ether: '2.5' });
    expect(r.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(BigInt((await b.call('wallet.balance', { address: other })).wei) - before).toBe(2_500_000_000_000_000_000n);
    expect(await b.invoke('sandbox.fund', { ether: 'lots' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });

    // What the Publish dialog shows: owner, licenses, contributors from the folder, prices.
    const folder = join(dir.path, 'set');
    mkdirSync(folder);
    writeFileSync(join(folder, 'CONTRIBUTORS'), `Ada ${other} 40%\n`);
    writeFileSync(join(folder, 'data.bin'), Buffer.alloc(100_000, 1));
    const asset = await b.call('assets.add', { path: folder, kind: 'dataset' });
    const d = await b.call('assets.publishDefaults', { id: asset.id });
    expect(d.owner).toBe(w.address);
    expect(d.licenses.map((l) => l.id)).toEqual(['CC-BY-4.0', 'CC-BY-NC-4.0', 'CC0-1.0', 'ODC-By-1.0', 'OpenRAIL-M']);
    expect(d.contributors).toEqual([{ name: 'Ada', address: other, percent: 40, source: 'CONTRIBUTORS' }]);
    expect(BigInt(d.storageQuote?.atomic ?? '0')).toBeGreaterThan(0n);
    expect(BigInt(d.chainFee?.atomic ?? '0')).toBeGreaterThan(0n);
    expect(d.notes).toEqual([]);
  });

  it('a configured remote network that is down gives a clear CHAIN_ERROR, and switching back works', async () => {
    const b = await open();
    const deadPort = await findFreePort(); // nothing listens there
    // Saved while it answered (network.set refuses a dead RPC: networks-setup.test.ts); it is gone now.
    writeSavedProfile(join(dir.path, 'data'), { name: 'testnet', rpcUrl: `http://127.0.0.1:${deadPort}`, chainId: 84532, registry: '0x000000000000000000000000000000000000dEaD' });
    await b.call('network.use', { name: 'testnet' });
    const r = await b.invoke('chain.status', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'CHAIN_ERROR', message: expect.stringContaining(`Cannot reach the chain at http://127.0.0.1:${deadPort}`) as unknown } });
    await b.call('network.use', { name: 'sandbox' });
    expect((await b.call('chain.status', {})).network).toBe('sandbox');
  });
});
