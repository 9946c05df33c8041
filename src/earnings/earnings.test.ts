import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Wallet, parseEther } from 'ethers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient, balanceOf } from '../chain/client';
import { registryInterface } from '../chain/abi';
import type { EarningsReport } from '../cli/earnings';
import { startAnvil, type AnvilSandbox } from '../sandbox/anvil';
import { tempDir } from '../test-support/fs';
import { ativo } from '../test-support/run-cli';
import { Keychain } from '../vault/keychain';
import { requireKeychain } from '../vault/test-support';
import { expectedFromLogs, seedEarnings } from './testing';

// The real `ativo` CLI against a sandbox anvil this test runs (the CLI attaches to it): approvals
// across 3 assets with 2- and 3-way splits, then every figure of `ativo earnings --json` is
// checked against sums computed here straight from eth_getLogs.
describe('earnings from real approvals on anvil', () => {
  let dir: { path: string; cleanup: () => void } | undefined;
  let env: NodeJS.ProcessEnv = {};
  let sb: AnvilSandbox | undefined;
  const cli = (args: string[], input = '', extra: NodeJS.ProcessEnv = {}) => ativo(args, { env: { ...env, ...extra }, input });
  const must = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('not set up');
    return v;
  };

  beforeEach(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    dir = tempDir();
    env = { ATIVO_DATA_DIR: join(dir.path, 'data'), ATIVO_KEYCHAIN_PREFIX: `ativo-test-earn-${randomBytes(4).toString('hex')}` };
    sb = await startAnvil({ dataDir: join(dir.path, 'data', 'sandbox') });
  });
  afterEach(async () => {
    const list = cli(['wallet', 'list', '--json']);
    if (list.status === 0) for (const w of (JSON.parse(list.stdout) as { wallets: { address: string }[] }).wallets) cli(['wallet', 'remove', w.address]);
    await sb?.stop();
    dir?.cleanup();
  });

  /** An owner wallet imported into the CLI's keychain (and the same key here, to act on chain), funded. */
  async function setup(n: number) {
    const chain = must(sb);
    const owner = new Wallet(Wallet.createRandom().privateKey, chain.conn.provider);
    const imported = cli(['wallet', 'import', '--json'], owner.privateKey);
    expect(imported.status, imported.stderr).toBe(0);
    await chain.fundAccount(owner.address, parseEther('10'));
    const registry = await RegistryClient.open(chain.conn, must(chain.registry ?? undefined).address);
    const payees = [Wallet.createRandom().address, Wallet.createRandom().address, Wallet.createRandom().address] as [string, string, string];
    const seeded = await seedEarnings(registry, owner, [chain.devSigner(1), chain.devSigner(2), chain.devSigner(3)], payees, n);
    return { chain, owner, registry, seeded };
  }

  const report = (): EarningsReport => {
    const r = cli(['earnings', '--json']);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as EarningsReport;
  };

  it('every figure of `ativo earnings --json` equals the sums from raw eth_getLogs; reconcile agrees; a withdrawal pays out the balance minus gas', async () => {
    const { chain, owner, registry, seeded } = await setup(16);
    expect(seeded.approved).toBeGreaterThan(10);
    const exp = await expectedFromLogs(chain.conn, registry.address, owner.address);
    expect(Object.keys(exp.assets)).toHaveLength(3);
    expect(BigInt(exp.earnedWei)).toBeGreaterThan(0n);

    const r = report();
    expect(r.summary.account).toBe(owner.address);
    expect(r.summary.network).toBe('sandbox');
    expect(r.summary.earnedWei).toBe(exp.earnedWei);
    expect(r.summary.withdrawnWei).toBe('0');
    const onChain = await registry.withdrawable(owner.address);
    expect(r.summary.withdrawableWei).toBe(onChain.toString());
    expect(onChain).toBe(BigInt(exp.earnedWei) + BigInt(exp.refundsWei) - BigInt(exp.withdrawnWei));
    expect(Object.fromEntries(r.assets.map((a) => [a.tokenId, { requests: a.requests, approvals: a.approvals, revenueWei: a.revenueWei }]))).toEqual(exp.assets);
    expect(Object.fromEntries(r.contributors.map((c) => [`${c.tokenId}:${c.payee.toLowerCase()}`, c.earnedWei]))).toEqual(exp.contributors);
    for (const c of r.contributors) {
      expect(c.isYou).toBe(c.payee === owner.address);
      const split = seeded.assets.find((a) => a.tokenId === c.tokenId)?.split.find((s) => s.payee === c.payee);
      expect(c.bps).toBe(split?.bps);
    }
    expect(Object.fromEntries(r.series.day.filter((p) => p.amountWei !== '0').map((p) => [p.start, p.amountWei]))).toEqual(exp.daily);
    const total = (pts: { amountWei: string }[]) => pts.reduce((s, p) => s + BigInt(p.amountWei), 0n).toString();
    expect(total(r.series.week)).toBe(exp.earnedWei);
    expect(total(r.series.month)).toBe(exp.earnedWei);
    expect(r.payouts.total).toBe(exp.payouts);
    expect(r.payouts.items).toHaveLength(exp.payouts);

    const csv = cli(['earnings', '--csv']);
    expect(csv.status, csv.stderr).toBe(0);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('kind,token_id,asset,request_id,account,amount_wei,amount_eth,block,time_utc,tx_hash');
    expect(lines).toHaveLength(exp.payouts + 1);
    expect(lines.slice(1).reduce((s, l) => s + BigInt(l.split(',')[5] ?? '0'), 0n).toString()).toBe(exp.earnedWei);

    const rec = cli(['earnings', 'reconcile', '--json']);
    expect(rec.status, rec.stdout + rec.stderr).toBe(0);
    expect(JSON.parse(rec.stdout)).toMatchObject({ agreed: true, differences: [] });

    const before = await balanceOf(chain.conn, owner.address);
    const w = cli(['earnings', 'withdraw', '--wait', '--json']);
    expect(w.status, w.stderr).toBe(0);
    const out = JSON.parse(w.stdout) as { txHash: string; amountWei: string };
    expect(out.amountWei).toBe(onChain.toString());
    const receipt = await chain.conn.provider.getTransactionReceipt(out.txHash);
    if (receipt === null) throw new Error('no receipt');
    const gas = receipt.gasUsed * receipt.gasPrice;
    expect(await balanceOf(chain.conn, owner.address)).toBe(before + onChain - gas);
    expect(await registry.withdrawable(owner.address)).toBe(0n);

    const after = report();
    const exp2 = await expectedFromLogs(chain.conn, registry.address, owner.address);
    expect(after.summary.withdrawableWei).toBe('0');
    expect(after.summary.withdrawnWei).toBe(onChain.toString());
    expect(after.summary.withdrawnWei).toBe(exp2.withdrawnWei);
    expect(after.payouts.total).toBe(exp2.payouts);
    expect(after.payouts.items[0]).toMatchObject({ kind: 'withdrawal', txHash: out.txHash, amountWei: onChain.toString() });
    expect(JSON.parse(cli(['earnings', 'reconcile', '--json']).stdout)).toMatchObject({ agreed: true });

    const again = cli(['earnings', 'withdraw']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('Nothing to withdraw');
  });

  for (const point of ['withdraw:after-tx-saved', 'withdraw:after-broadcast']) {
    it(`killed at ${point}, the restart finishes with exactly one withdrawal transaction`, async () => {
      const { chain, owner, registry } = await setup(4);
      const balance = await registry.withdrawable(owner.address);
      expect(balance).toBeGreaterThan(0n);
      const nonce = await chain.conn.provider.getTransactionCount(owner.address, 'latest');

      const killed = cli(['earnings', 'withdraw', '--wait'], '', { ATIVO_FAULT: point });
      expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');

      const done = cli(['earnings', 'withdraw', '--wait', '--json']);
      expect(done.status, done.stderr).toBe(0);
      expect(await registry.withdrawable(owner.address)).toBe(0n);
      // One transaction from the owner since, and it is the one withdrawal.
      expect(await chain.conn.provider.getTransactionCount(owner.address, 'latest')).toBe(nonce + 1);
      const withdrawn = (await registry.events(0)).filter((e) => e.name === 'Withdrawn' && e.account === owner.address);
      expect(withdrawn).toHaveLength(1);
      expect(withdrawn[0]?.transactionHash).toBe((JSON.parse(done.stdout) as { txHash: string }).txHash);
      const tx = await chain.conn.provider.getTransaction(withdrawn[0]?.transactionHash ?? '');
      expect(tx?.data.slice(0, 10)).toBe(registryInterface.getFunction('withdraw()')?.selector);
      expect(report().summary).toMatchObject({ withdrawableWei: '0', withdrawnWei: balance.toString() });
    });
  }
});
