/**
 * Networks that say where you are (issue 15), against a real `ativo serve`: the network dialog
 * refuses an RPC that does not answer (with the sentence, nothing saved); switching asks first
 * and says what changes; a network that went away after it was saved shows the red state on
 * the screens that need it and disables what cannot work, with the reason. Screenshots at
 * 800x600, 1280x800 and 1920x1080, and axe, on each.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures';
import { audit, tempDir, value, writeTree } from './helpers';
import { screenshotSizes } from './screenshots';
import { writeSavedProfile } from '../src/test-support/network-profile';

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => {
        res(port);
      });
    });
  });
}

test('the network dialog refuses an RPC that does not answer, and a dead network disables what needs it', async ({ page, server }, testInfo) => {
  test.setTimeout(240_000);
  const { wallets } = value<{ wallets: unknown[] }>(await server.call('wallet.list'));
  if (wallets.length === 0) value(await server.call('wallet.create', { label: 'Studio wallet' }));
  const folder = tempDir('ativo-e2e-net-');
  writeTree(folder, { 'a.txt': 'hello\n' });
  const asset = value<{ id: number }>(await server.call('assets.add', { path: folder, kind: 'dataset', name: 'Harbour soundings' }));

  // 1. Saving a profile whose RPC does not answer: refused with the sentence, nothing saved.
  await page.setViewportSize({ width: 800, height: 600 });
  await page.evaluate(`location.hash = '#/wallet'`);
  await page.getByRole('button', { name: 'Configure Testnet' }).click();
  const dialog = page.getByRole('dialog', { name: 'Testnet settings' });
  const port = await freePort();
  await dialog.getByLabel('RPC URL').fill(`http://127.0.0.1:${port}`);
  await dialog.getByLabel('Chain id').fill('84532');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(`Ativo could not reach http://127.0.0.1:${port}: check the RPC URL and your connection. The Testnet settings were not saved.`, { timeout: 60_000 });
  // On a small window the refusal, below the fields, is scrolled into view.
  await expect(dialog.getByRole('alert')).toBeInViewport();
  await audit(page, 'network dialog refusing a dead RPC');
  await screenshotSizes(page, testInfo, 'network-dialog-refused');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  const saved = value<{ profiles: { name: string; rpcUrl: string | null }[] }>(await server.call('network.list'));
  expect(saved.profiles.find((p) => p.name === 'testnet')?.rpcUrl).toBeNull();

  // 2. A chain that answers but has no registry: the dialog offers to deploy one, fee first. (The
  // sandbox's own chain plays that chain here; the wallet has its starter test ETH.)
  const sandbox = value<{ rpcUrl: string }>(await server.call('chain.status'));
  await page.getByRole('button', { name: 'Configure Testnet' }).click();
  await dialog.getByLabel('RPC URL').fill(sandbox.rpcUrl);
  await dialog.getByLabel('Chain id').fill('31337');
  await dialog.getByRole('button', { name: 'Save' }).click();
  const deploy = page.getByRole('dialog', { name: 'Deploy a registry on Testnet' });
  await expect(deploy.getByTestId('deploy-fee')).toHaveText(/^Up to [0-9.]+ ETH$/, { timeout: 60_000 });
  await audit(page, 'deploy a registry');
  await screenshotSizes(page, testInfo, 'network-deploy-registry');
  await deploy.getByRole('button', { name: /^Deploy for up to [0-9.]+ ETH$/ }).click();
  await expect(deploy).toHaveCount(0, { timeout: 120_000 });
  const deployed = value<{ profiles: { name: string; registry: string | null; missing: string[] }[] }>(await server.call('network.list'));
  expect(deployed.profiles.find((p) => p.name === 'testnet')).toMatchObject({ registry: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/), missing: [] });

  // 3. A testnet saved while it answered, gone now. Switching asks first, and says what changes.
  writeSavedProfile(server.dataDir, { name: 'testnet', rpcUrl: `http://127.0.0.1:${port}`, chainId: 84532, registry: '0x1111111111111111111111111111111111111111' });
  await page.reload();
  await page.getByRole('radio', { name: /^Testnet/ }).check();
  const ask = page.getByRole('dialog', { name: 'Switch to Testnet?' });
  await expect(ask).toContainText('the access requests in your Inbox on Testnet');
  await expect(ask).toContainText('your earnings and withdrawals on Testnet');
  await audit(page, 'switch confirmation');
  await screenshotSizes(page, testInfo, 'network-switch-confirm');
  await ask.getByRole('button', { name: 'Stay on Sandbox' }).click();
  expect(value<{ current: string }>(await server.call('network.list')).current).toBe('sandbox');
  await page.getByRole('radio', { name: /^Testnet/ }).check();
  await page.getByRole('dialog', { name: 'Switch to Testnet?' }).getByRole('button', { name: 'Switch to Testnet' }).click();
  await expect(page.getByTestId('network-pill')).toHaveAttribute('data-reachable', 'down', { timeout: 60_000 });

  const reason = 'Testnet cannot be reached, so this waits until it answers again: check your connection or the network settings.';
  // Wallet: Fund storage waits, with the reason as text.
  await expect(page.getByTestId('network-down-banner')).toContainText('Testnet cannot be reached');
  await expect(page.getByRole('button', { name: 'Fund storage' })).toHaveAttribute('aria-disabled', 'true');
  await expect(page.getByTestId('blocked-reason').first()).toHaveText(reason);
  await audit(page, 'wallet with the network down');
  await screenshotSizes(page, testInfo, 'network-down-wallet');

  // The asset page: Publish is disabled, its reason shown.
  await page.evaluate(`location.hash = '#/assets/${asset.id}'`);
  await expect(page.getByRole('heading', { name: 'Harbour soundings', level: 1 })).toBeVisible();
  await expect(page.getByTestId('network-down-banner')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();
  await expect(page.locator('#publish-blocked')).toHaveText(reason);
  await audit(page, 'asset page with the network down');
  await screenshotSizes(page, testInfo, 'network-down-asset');

  for (const [hash, name] of [['#/inbox', 'inbox'], ['#/earnings', 'earnings']] as const) {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await expect(page.getByTestId('network-down-banner')).toContainText('Testnet cannot be reached');
    if (name === 'inbox') await expect(page.getByTestId('inbox-empty')).toContainText('No requests known yet on Testnet');
    await audit(page, `${name} with the network down`);
    await screenshotSizes(page, testInfo, `network-down-${name}`);
  }

  value(await server.call('network.use', { name: 'sandbox' }));
  await expect(page.getByTestId('network-pill')).toHaveAttribute('data-reachable', 'ok', { timeout: 60_000 });
  await expect(page.getByTestId('network-down-banner')).toHaveCount(0);
});
