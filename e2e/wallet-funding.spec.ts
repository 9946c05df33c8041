/**
 * Funding storage from the Wallet screen, in the browser shell against a real `ativo serve`
 * (keychain wallet, sandbox anvil, storage node over HTTP): the storage balance with what it is
 * for, an amount the form refuses, a custom amount funded, and a wallet that cannot pay hearing
 * what it has and needs, in a sentence without a CLI command.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { value } from './helpers';

async function openWallet(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Wallet' })).toBeVisible();
}

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
}

test.afterEach(async ({ server }) => {
  const { wallets } = value<{ wallets: { address: string }[] }>(await server.call('wallet.list'));
  for (const w of wallets) value(await server.call('wallet.remove', { address: w.address }));
});

test('the Wallet screen funds storage with any amount, and says plainly when the wallet cannot pay', async ({ page, server }) => {
  const { address } = value<{ address: string }>(await server.call('wallet.create', { label: 'Studio' }));
  await openWallet(page);
  const card = page.getByRole('region', { name: 'Storage balance' });
  const shown = card.getByTestId('storage-balance');
  const amount = card.getByRole('textbox', { name: 'Amount to add (ETH)' });
  const fund = card.getByRole('button', { name: 'Fund storage' });

  await test.step('the card says what the storage balance is for, and shows it', async () => {
    await expect(card).toContainText('each file Ativo uploads for you is paid from this balance');
    await expect(shown).toHaveText('0 ETH');
    await expect(card).toContainText(/Storing 100 MB costs [0-9.]+ ETH on this network\./);
  });

  await test.step('an amount that is not one is refused in the form, naming what to enter', async () => {
    await amount.fill('abc');
    await fund.click();
    await expect(card.getByText('Enter an amount of ETH like 0.01 (digits, and a point for decimals).')).toBeVisible();
    await expect(amount).toHaveAttribute('aria-invalid', 'true');
    await amount.fill('0');
    await fund.click();
    await expect(card.getByText('Enter an amount more than 0.')).toBeVisible();
    await expect(shown).toHaveText('0 ETH');
  });

  await test.step('a custom amount is funded and the balance shows it', async () => {
    await amount.fill('0.0123');
    await fund.click();
    await expect(page.getByRole('status').getByText('Added 0.0123 ETH to your storage balance.')).toBeVisible({ timeout: 60_000 });
    await expect(shown).toHaveText('0.0123 ETH');
    const status = value<{ balance: { atomic: string } }>(await server.call('storage.status'));
    expect(status.balance.atomic).toBe('12300000000000000');
  });

  await test.step('a wallet with 0.0001 ETH hears what it has and needs, and nothing is sent', async () => {
    const { rpcUrl } = value<{ rpcUrl: string }>(await server.call('chain.status'));
    await rpc(rpcUrl, 'anvil_setBalance', [address, '0x5af3107a4000']); // 0.0001 ETH
    await amount.fill('0.01');
    await fund.click();
    const alert = card.getByRole('alert');
    await expect(alert).toHaveText(
      /^\s*Your wallet has 0\.0001 ETH, but adding 0\.01 ETH to your storage balance needs about 0\.01\d{0,4} ETH \(the amount plus the network fee\)\. Nothing was sent\. Get test ETH on the Wallet screen, or fund a smaller amount\.$/,
      { timeout: 60_000 },
    );
    await expect(alert).not.toContainText('ativo ');
    await expect(alert).not.toContainText('`');
    await expect(alert).not.toContainText('INSUFFICIENT_FUNDS');
    await expect(shown).toHaveText('0.0123 ETH');
  });
});
