/**
 * Accessibility: axe-core on every screen and its main dialogs; no serious or critical
 * violations allowed (moderate/minor ones are printed, not failed).
 */
import { join } from 'node:path';
import { expect, test } from './fixtures';
import type { ApiResult } from './fixtures';
import { audit, tempDir, writeTree } from './helpers';

test('every screen passes axe with no serious or critical violations', async ({ page, server }) => {
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
  await audit(page, 'empty library');

  await page.getByRole('button', { name: 'Add folder' }).first().click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await audit(page, 'add-folder dialog');
  await page.keyboard.press('Escape');

  const folder = join(tempDir('ativo-e2e-a11y-'), 'Birds');
  writeTree(folder, { 'a.csv': 'x,y\n1,2\n', 'img/b.png': 'not really a png' });
  const added = await server.call('assets.add', { path: folder });
  expect(added.ok).toBe(true);
  await page.reload();
  await expect(page.getByText('Birds', { exact: true }).first()).toBeVisible();
  await audit(page, 'library with an asset');

  await page.getByText('Birds', { exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'Birds', level: 1 })).toBeVisible();
  await audit(page, 'asset detail');

  await page.getByRole('link', { name: 'Wallet' }).click();
  await expect(page.getByRole('heading', { name: 'Wallet', level: 1 })).toBeVisible();
  await audit(page, 'wallet (empty or keychain callout)');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inbox/ }).click();
  await expect(page.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
  await expect(page.getByTestId('inbox-empty')).toBeVisible();
  await audit(page, 'inbox (empty)');
});

test('the inbox with requests, a request’s detail and its dialogs pass axe', async ({ page, server }) => {
  test.setTimeout(240_000);
  const ok = (r: ApiResult): unknown => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  };
  const { wallets } = ok(await server.call('wallet.list')) as { wallets: unknown[] };
  if (wallets.length === 0) ok(await server.call('wallet.create', {}));
  const folder = join(tempDir('ativo-e2e-a11y-'), 'Heron calls');
  writeTree(folder, { 'heron.txt': 'Kraak.\n' });
  const asset = ok(await server.call('assets.add', { path: folder })) as { id: number };
  ok(await server.call('storage.fund', { ether: '0.01' }));
  const { jobId } = ok(await server.call('assets.publish', { id: asset.id, priceEth: '0.001' })) as { jobId: number | null };
  await expect
    .poll(async () => ((ok(await server.call('jobs.list', { limit: 1000 })) as { items: { id: number; state: string }[] }).items.find((j) => j.id === jobId)?.state), {
      timeout: 180_000,
    })
    .toBe('done');
  ok(await server.call('access.simulateBuyer', { assetId: asset.id, message: 'For a birdsong field guide.' }));
  ok(await server.call('access.simulateBuyer', { assetId: asset.id }));

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inbox/ }).click();
  await expect(page.getByTestId('request-row')).toHaveCount(2, { timeout: 30_000 });
  await audit(page, 'inbox with requests');

  await page.getByTestId('request-row').first().getByRole('button', { name: /Heron calls, from/ }).click();
  await expect(page.getByTestId('request-detail')).toBeVisible();
  await expect(page.getByTestId('request-detail').getByTestId('detail-tx')).toBeVisible();
  await audit(page, 'request detail');

  await page.getByTestId('request-detail').getByRole('button', { name: 'Deny…' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await audit(page, 'deny dialog');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toBeHidden();

  await page.getByTestId('request-detail').getByRole('button', { name: 'Approve', exact: true }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await audit(page, 'approve dialog');
  await page.keyboard.press('Escape');

  await page.getByTestId('select-all').check();
  await page.getByRole('button', { name: 'Deny selected…' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await audit(page, 'bulk deny dialog');
  await page.keyboard.press('Escape');
});
