/**
 * Earnings through the UI, against a real `ativo serve` (sandbox anvil, real keychain under
 * .ci/with-keyring.sh): the empty state, then real approvals across 3 assets with 2- and 3-way
 * splits; every figure on the screen (totals, per asset, per contributor, payouts, chart) equals
 * the sums computed here from raw eth_getLogs; CSV download, Reconcile, and a Withdraw job whose
 * state and transaction show on the screen (the wallet receives the balance minus gas). Axe-clean.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { JsonRpcProvider, Wallet } from 'ethers';
import type { ExpectedEarnings } from '../src/earnings/testing';
import { expect, test } from './fixtures';
import { screenshot } from './screenshots';
import { value, audit } from './helpers';
import { REPO_ROOT } from './fixtures';

interface ChainState {
  account: string;
  balanceWei: string;
  withdrawableWei: string;
  expected: ExpectedEarnings;
}

/** Seeds approvals / reads the chain in a child process (src/earnings/seed.child.ts). */
function chainTool(args: string[]): ChainState {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/earnings/seed.child.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 });
  return JSON.parse(out.trim().split('\n').pop() ?? '') as ChainState;
}

test('earnings: empty state, then every figure equals the chain’s logs; CSV, Reconcile and Withdraw', async ({ page, server }, testInfo) => {
  test.setTimeout(240_000);
  const owner = Wallet.createRandom();
  value(await server.call('wallet.import', { privateKey: owner.privateKey }));
  value(await server.call('sandbox.fund', { address: owner.address, ether: '10' }));
  const status = value<{ rpcUrl: string; registry: string | null }>(await server.call('chain.status', {}));
  if (status.registry === null) throw new Error('the sandbox has no registry');
  const provider = new JsonRpcProvider(status.rpcUrl, undefined, { staticNetwork: true });
  const registryAddress = status.registry;

  await page.reload();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: /Earnings/ }).click();
  await expect(page.getByRole('heading', { name: 'Earnings', level: 1 })).toBeVisible();

  await test.step('a wallet with nothing yet sees how earnings arrive', async () => {
    await expect(page.getByTestId('earnings-empty')).toContainText('Earnings arrive when someone pays for access');
    await audit(page, 'earnings (empty)');
  });

  const seeded = chainTool(['seed', status.rpcUrl, registryAddress, owner.privateKey, '11']);
  const exp = seeded.expected;
  const withdrawable = BigInt(seeded.withdrawableWei);

  await test.step('totals, per asset, per contributor, payouts and chart equal the sums from eth_getLogs', async () => {
    // earnings.changed from the indexer refreshes the screen by itself.
    await expect(page.getByTestId('total-earned')).toHaveAttribute('data-wei', exp.earnedWei, { timeout: 30_000 });
    await expect(page.getByTestId('total-withdrawable')).toHaveAttribute('data-wei', withdrawable.toString());
    await expect(page.getByTestId('total-withdrawn')).toHaveAttribute('data-wei', '0');
    await expect(page.getByTestId('total-fiat')).toBeVisible();

    const assetRows = page.getByTestId('earnings-assets').locator('tbody tr');
    await expect(assetRows).toHaveCount(Object.keys(exp.assets).length);
    for (const [tokenId, a] of Object.entries(exp.assets)) {
      const row = page.getByTestId('earnings-assets').locator(`tr[data-token="${tokenId}"]`);
      await expect(row.locator('[data-field="requests"]')).toHaveText(String(a.requests));
      await expect(row.locator('[data-field="approvals"]')).toHaveText(String(a.approvals));
      await expect(row.locator('[data-field="revenue"] [data-wei]')).toHaveAttribute('data-wei', a.revenueWei);
    }

    const contribRows = page.getByTestId('earnings-contributors').locator('tbody tr');
    await expect(contribRows).toHaveCount(Object.keys(exp.contributors).length);
    const shown: Record<string, string> = {};
    for (const row of await contribRows.all()) {
      const key = `${(await row.getAttribute('data-token')) ?? ''}:${((await row.getAttribute('data-payee')) ?? '').toLowerCase()}`;
      shown[key] = (await row.locator('[data-field="earned"] [data-wei]').getAttribute('data-wei')) ?? '';
    }
    expect(shown).toEqual(exp.contributors);
    await expect(page.getByTestId('earnings-contributors').locator(`tr[data-payee="${owner.address}"]`).first()).toContainText('You');

    await expect(page.getByTestId('payouts-count')).toHaveText(String(exp.payouts));
    await expect(page.getByTestId('payout-row').first()).toBeVisible();
    await expect(page.getByTestId('earnings-chart')).toHaveAttribute('data-points', String(Object.keys(exp.daily).length));
    await expect(page.getByTestId('earnings-chart').locator('canvas')).toBeVisible();
    await page.getByText('Week', { exact: true }).click();
    await expect(page.getByTestId('earnings-chart')).toHaveAttribute('aria-label', /Payouts per week/);
    await audit(page, 'earnings with payouts');
    await screenshot(page, testInfo, 'earnings');
  });

  await test.step('the CSV holds every payout', async () => {
    const download = page.waitForEvent('download');
    await page.getByTestId('csv-button').click();
    const file = await (await download).path();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('kind,token_id,asset,request_id,account,amount_wei,amount_eth,block,time_utc,tx_hash');
    expect(lines).toHaveLength(exp.payouts + 1);
    expect(lines.slice(1).reduce((s, l) => s + BigInt(l.split(',')[5] ?? '0'), 0n).toString()).toBe(exp.earnedWei);
  });

  await test.step('Reconcile re-reads the chain from block 0 and agrees', async () => {
    await page.getByTestId('reconcile-button').click();
    await expect(page.getByTestId('reconcile-result')).toHaveAttribute('data-agreed', 'true', { timeout: 30_000 });
  });

  await test.step('Withdraw (from the keyboard): the job’s state and transaction show; the wallet gets the balance minus gas', async () => {
    const before = BigInt(chainTool(['state', status.rpcUrl, registryAddress, owner.address]).balanceWei);
    await page.getByTestId('withdraw-button').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('withdraw-state')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
    await expect(page.getByTestId('total-withdrawable')).toHaveAttribute('data-wei', '0');
    await expect(page.getByTestId('total-withdrawn')).toHaveAttribute('data-wei', withdrawable.toString());
    await expect(page.getByTestId('withdraw-button')).toBeDisabled();
    const tx = page.getByTestId('withdraw-tx').locator('code');
    await expect(tx).toHaveText(/^0x[0-9a-f]{64}$/);
    const receipt = await provider.getTransactionReceipt((await tx.textContent()) ?? '');
    if (receipt === null) throw new Error('no receipt for the withdrawal shown');
    const after = chainTool(['state', status.rpcUrl, registryAddress, owner.address]);
    expect(BigInt(after.balanceWei)).toBe(before + withdrawable - receipt.gasUsed * receipt.gasPrice);
    expect(after.withdrawableWei).toBe('0');
    expect(after.expected.withdrawnWei).toBe(withdrawable.toString());
    await expect(page.getByTestId('payouts-count')).toHaveText(String(exp.payouts + 1));

    await nav.getByRole('link', { name: /Activity/ }).click();
    await expect(page.locator('[data-testid="job-row"][data-kind="withdraw"]')).toBeVisible();
  });
  provider.destroy();
});
