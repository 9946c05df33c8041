import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Wallet, parseEther } from 'ethers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../api/backend';
import { RegistryClient } from '../chain/client';
import { revertTo, snapshot } from '../chain/test-utils';
import { Catalog } from '../catalog/db';
import { startAnvil, type AnvilSandbox } from '../sandbox/anvil';
import { tempDir } from '../test-support/fs';
import { AtivoError } from '../util/errors';
import { Keychain } from '../vault/keychain';
import { requireKeychain } from '../vault/test-support';
import { expectedFromLogs, seedEarnings } from './testing';

// The earnings commands in-process (createBackend) against a sandbox anvil this test runs.
describe('earnings service', () => {
  let dir: { path: string; cleanup: () => void };
  let sb: AnvilSandbox;
  let backend: Backend;
  const dataDir = () => join(dir.path, 'data');

  beforeEach(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    dir = tempDir();
    sb = await startAnvil({ dataDir: join(dataDir(), 'sandbox') });
    backend = await createBackend({ dataDir: dataDir(), keychainPrefix: `ativo-test-earnsvc-${randomBytes(4).toString('hex')}`, runJobs: false, hashWorkers: 1 });
  });
  afterEach(async () => {
    const list = await backend.call('wallet.list', {}).catch(() => ({ wallets: [] }));
    for (const w of list.wallets) await backend.call('wallet.remove', { address: w.address });
    await backend.close();
    await sb.stop();
    dir.cleanup();
  });

  async function owner(): Promise<{ wallet: Wallet; registry: RegistryClient }> {
    const wallet = new Wallet(Wallet.createRandom().privateKey, sb.conn.provider);
    await backend.call('wallet.import', { privateKey: wallet.privateKey });
    await sb.fundAccount(wallet.address, parseEther('10'));
    const registry = await RegistryClient.open(sb.conn, sb.registry?.address ?? '');
    return { wallet, registry };
  }
  const payees = (): [string, string, string] => [Wallet.createRandom().address, Wallet.createRandom().address, Wallet.createRandom().address];
  const code = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (e) {
      if (e instanceof AtivoError) return e.code;
      throw e;
    }
    return 'ok';
  };

  it('says clearly what is missing: a wallet; then nothing to withdraw', async () => {
    expect(await code(backend.call('earnings.summary', {}))).toBe('NOT_CONFIGURED');
    await owner();
    const s = await backend.call('earnings.summary', {});
    expect(s).toMatchObject({ network: 'sandbox', currency: 'ETH', earnedWei: '0', withdrawableWei: '0', withdrawnWei: '0' });
    expect((await backend.call('earnings.payouts', {})).total).toBe(0);
    expect((await backend.call('earnings.assets', {})).items).toEqual([]);
    expect(await code(backend.call('earnings.withdraw', {}))).toBe('INVALID_INPUT');
  });

  it('pages payouts newest first, and Reconcile reports a cache that lost a row', async () => {
    const { wallet, registry } = await owner();
    await seedEarnings(registry, wallet, [sb.devSigner(1), sb.devSigner(2)], payees(), 7);
    const exp = await expectedFromLogs(sb.conn, registry.address, wallet.address);
    const all = await backend.call('earnings.payouts', { offset: 0, limit: 1000 });
    expect(all.total).toBe(exp.payouts);
    const blocks = all.items.map((p) => p.blockNumber);
    expect(blocks).toEqual([...blocks].sort((a, b) => b - a));
    const page = await backend.call('earnings.payouts', { offset: 2, limit: 2 });
    expect(page.items).toEqual(all.items.slice(2, 4));
    expect((await backend.call('earnings.reconcile', {})).agreed).toBe(true);

    // Lose one credit from the cache (the cursor stays): Reconcile re-reads the chain and says so.
    const other = Catalog.open(join(dataDir(), 'catalog.sqlite'));
    other.db.prepare(`DELETE FROM payouts WHERE id = (SELECT MAX(id) FROM payouts WHERE kind = 'credit' AND account = ?)`).run(wallet.address.toLowerCase());
    other.close();
    const r = await backend.call('earnings.reconcile', {});
    expect(r.agreed).toBe(false);
    expect(r.differences.some((d) => d.startsWith('earned (wei): cached'))).toBe(true);
    expect(r.differences.some((d) => d.startsWith('payouts: cached'))).toBe(true);
  });

  it('a reorg that drops approvals drops their payouts', async () => {
    const { wallet, registry } = await owner();
    await seedEarnings(registry, wallet, [sb.devSigner(1)], payees(), 3);
    const before = await backend.call('earnings.summary', {});
    const snap = await snapshot(sb.conn);
    // More approvals, indexed...
    const a = await registry.asset(1n);
    const req = await (await registry.requestAccess(sb.devSigner(2), 1n, 'age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq', { termsHash: a?.termsHash ?? '', price: a?.price ?? 0n })).wait();
    await (await registry.approve(wallet, req.result.requestId, 'g')).wait();
    await new Promise((r) => setTimeout(r, 1100)); // past the 1 s freshness window
    const more = await backend.call('earnings.summary', {});
    expect(BigInt(more.earnedWei)).toBeGreaterThan(BigInt(before.earnedWei));
    // ...then the chain goes back and grows past the cursor on another branch.
    await revertTo(sb.conn, snap);
    for (let i = 0; i < 4; i++) await sb.conn.provider.send('evm_mine', []);
    await new Promise((r) => setTimeout(r, 1100));
    const after = await backend.call('earnings.summary', {});
    expect(after.earnedWei).toBe(before.earnedWei);
    expect(after.withdrawableWei).toBe(before.withdrawableWei);
    expect((await backend.call('earnings.reconcile', {})).agreed).toBe(true);
  });
});
