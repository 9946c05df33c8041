/**
 * A newcomer (issue 15), against a real `ativo serve` from an empty data dir (real keychain,
 * sandbox chain and storage node): from the welcome to a certified asset using only what is on
 * screen (roles, labels, visible text; no test ids, no API calls but the folder made on disk):
 * welcome → wallet → backup → sandbox → add folder → publish (its storage funded inside the
 * publication) → Live. Each welcome step and the Publish dialog with its quote are looked at in
 * 800x600, 1280x800 and 1920x1080 (screenshots in the test results), axe clean at each.
 * Then a wallet with too little ETH: Publish is disabled, saying the amount missing (that test
 * sets the wallet's balance on the sandbox chain in its setup).
 */
import { join } from 'node:path';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { expect, test } from './fixtures';
import { audit, tempDir, value, writeTree } from './helpers';
import { REVIEW_SIZES } from './screenshots';

/** Screenshots at each review size, axe clean at each, and nothing scrolls sideways. */
async function lookAt(page: Page, testInfo: TestInfo, name: string, show?: Locator): Promise<void> {
  const before = page.viewportSize();
  // A calm picture: no toasts (those behind a dialog cannot be reached, and are dimmed anyway).
  const dismiss = page.getByRole('button', { name: 'Dismiss message' });
  while ((await page.getByRole('dialog').count()) === 0 && (await dismiss.count()) > 0) await dismiss.first().click();
  await page.evaluate('document.activeElement && document.activeElement.blur()');
  await page.mouse.move(0, 0);
  for (const size of REVIEW_SIZES) {
    await page.setViewportSize(size);
    const at = `${size.width}x${size.height}`;
    if (show !== undefined) await show.scrollIntoViewIfNeeded();
    const side = await page.evaluate<number>('(() => { const d = document.scrollingElement || document.documentElement; return d.scrollWidth - d.clientWidth; })()');
    expect(side, `${name} at ${at} scrolls sideways`).toBeLessThanOrEqual(0);
    await audit(page, `${name} at ${at}`);
    const path = testInfo.outputPath(`newcomer-${name}-${at}.png`);
    await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
    await testInfo.attach(`${name}-${at}`, { path, contentType: 'image/png' });
  }
  if (before !== null) await page.setViewportSize(before);
}

test.describe('a newcomer', () => {
  test.use({ firstRun: true });

  test('from an empty data dir to a certified asset, with only what is on screen', async ({ page }, testInfo) => {
    test.setTimeout(420_000);
    const parent = tempDir('ativo-e2e-newcomer-');
    writeTree(join(parent, 'Tide pools'), { 'counts.csv': 'species,count\nanemone,12\nstarfish,3\n', 'notes/readme.txt': 'Low tide, north beach.\n' });

    await test.step('the welcome says what Ativo does', async () => {
      await expect(page.getByRole('heading', { name: 'Welcome to Ativo', level: 1 })).toBeVisible();
      await expect(page.getByText(/Ativo turns a folder of data or a model into an asset you can sell/)).toBeVisible();
      await lookAt(page, testInfo, 'welcome');
      await page.getByRole('button', { name: 'Get started' }).click();
    });

    await test.step('create a wallet', async () => {
      await expect(page.getByRole('heading', { name: 'Your wallet', level: 1 })).toBeVisible();
      await lookAt(page, testInfo, 'wallet');
      await page.getByLabel('Label').fill('Studio');
      await page.getByRole('button', { name: 'Create wallet' }).click();
    });

    await test.step('back it up: the encrypted export', async () => {
      await expect(page.getByRole('heading', { name: 'Back up your wallet', level: 1 })).toBeVisible();
      await lookAt(page, testInfo, 'backup');
      await page.getByRole('button', { name: 'Save a backup' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Password', { exact: true }).fill('correct horse battery');
      await dialog.getByLabel('Password again').fill('correct horse battery');
      await dialog.getByRole('button', { name: 'Save backup' }).click();
      // Encrypting the keystore (scrypt) takes a while on a busy machine.
      await expect(dialog.getByRole('heading', { name: 'Backup saved' })).toBeVisible({ timeout: 120_000 });
      await dialog.getByRole('button', { name: 'Done' }).click();
      await expect(dialog).toBeHidden();
      await expect(page.getByText('Backup saved.')).toBeVisible();
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
    });

    await test.step('what the sandbox is, then the Library', async () => {
      await expect(page.getByRole('heading', { name: 'You are on the sandbox', level: 1 })).toBeVisible();
      await expect(page.getByText(/its money is test money/)).toBeVisible();
      await expect(page.getByText(/nothing leaves this computer/)).toBeVisible();
      await lookAt(page, testInfo, 'sandbox');
      await page.getByRole('button', { name: 'Go to the Library' }).click();
      await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
      await expect(page.getByRole('banner')).toContainText('Studio');
    });

    await test.step('add the folder', async () => {
      await page.getByRole('button', { name: 'Add folder' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Add a folder' });
      const path = dialog.getByLabel('Folder path');
      await path.fill(parent);
      await path.press('Enter');
      await dialog.getByRole('button', { name: 'Open folder Tide pools' }).click();
      await dialog.getByRole('button', { name: 'Add folder' }).click();
      await expect(dialog).toBeHidden();
      await page.getByText('Tide pools', { exact: true }).first().click();
      await expect(page.getByRole('heading', { name: 'Tide pools', level: 1 })).toBeVisible();
    });

    await test.step('publish: the quote says the storage is funded as part of it', async () => {
      await expect(page.getByRole('button', { name: 'Publish', exact: true })).toBeEnabled({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Publish', exact: true }).click();
      const dialog = page.getByRole('dialog');
      await expect(dialog.getByText(/^Publishing adds [\d.]+ ETH from your wallet to your storage balance \(test money\), then stores the files\./)).toBeVisible();
      await expect(dialog.getByText('0 ETH', { exact: true })).toBeVisible(); // the storage balance, before
      await lookAt(page, testInfo, 'publish-quote', dialog.getByRole('heading', { name: 'What it costs' }));
      await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
      await expect(dialog).toBeHidden();
      await expect(page.getByText(/^Added [\d.]+ ETH to your storage balance for “Tide pools”\.$/)).toBeVisible();
    });

    await test.step('Live', async () => {
      await expect(page.getByText(/^Live · free · /).first()).toBeVisible({ timeout: 180_000 });
      await expect(page.getByText(/Certified on Sandbox/).first()).toBeVisible();
    });
  });
});

test.describe('a wallet with too little ETH', () => {
  test('Publish is disabled, saying the amount missing', async ({ page, server }) => {
    test.setTimeout(120_000);
    // Setup (the one place this file calls the API): a wallet holding a tiny amount, set on the sandbox chain.
    const w = value<{ address: string }>(await server.call('wallet.create', { label: 'Nearly empty' }));
    value(await server.call('wallet.use', { address: w.address }));
    const { rpcUrl } = value<{ rpcUrl: string }>(await server.call('chain.status', {}));
    const rpc = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_setBalance', params: [w.address, '0x3e8'] }) });
    expect(rpc.ok).toBe(true);
    const folder = join(tempDir('ativo-e2e-newcomer-'), 'Kelp');
    writeTree(folder, { 'kelp.txt': 'Kelp forest, 4 m.\n' });
    const asset = value<{ id: number }>(await server.call('assets.add', { path: folder }));

    await page.goto(`${server.url}#/assets/${String(asset.id)}`);
    await expect(page.getByRole('heading', { name: 'Kelp', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByText(/^Publish is disabled: your wallet is missing [\d.]+ ETH\.$/)).toBeVisible();
    await expect(dialog.getByText(/^Your wallet has 0\.000000000000001 ETH, and publishing needs about [\d.]+ ETH \(the chain fee, about [\d.]+ ETH and [\d.]+ ETH to add to your storage balance\): [\d.]+ ETH is missing\. Nothing was sent\. Get test ETH on the Wallet screen, then publish\.$/)).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Publish', exact: true })).toBeDisabled();
    await audit(page, 'publish dialog, wallet short');
  });
});

test.describe('Publish without a wallet', () => {
  test('the wallet step opens inside the dialog and returns to the same filled form', async ({ page, server }) => {
    test.setTimeout(120_000);
    // Setup: no wallet at all (the tests before made some), and a folder in the catalog.
    const { wallets } = value<{ wallets: { address: string }[] }>(await server.call('wallet.list', {}));
    for (const w of wallets) value(await server.call('wallet.remove', { address: w.address }));
    const folder = join(tempDir('ativo-e2e-newcomer-'), 'Sea glass');
    writeTree(folder, { 'glass.txt': 'Green, blue, white.\n' });
    const asset = value<{ id: number }>(await server.call('assets.add', { path: folder }));

    await page.goto(`${server.url}#/assets/${String(asset.id)}`);
    await expect(page.getByRole('heading', { name: 'Sea glass', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish “Sea glass”' });
    await expect(dialog.getByText('No wallet yet.')).toBeVisible();
    await dialog.getByLabel('Price per access (ETH)').fill('0.02');
    await dialog.getByLabel('Access period (days)').fill('30');
    await dialog.getByRole('button', { name: 'Create a wallet' }).click();
    const create = page.getByRole('dialog', { name: 'Create a wallet' });
    await create.getByLabel('Label').fill('Beach');
    await create.getByRole('button', { name: 'Create wallet' }).click();
    await expect(create).toBeHidden();
    // Back in the same form, as filled, with the new wallet as its first payee, and the quote.
    await expect(dialog.getByText('No wallet yet.')).toBeHidden();
    await expect(dialog.getByLabel('Price per access (ETH)')).toHaveValue('0.02');
    await expect(dialog.getByLabel('Access period (days)')).toHaveValue('30');
    const { current } = value<{ current: string }>(await server.call('wallet.list', {}));
    await expect(dialog.getByLabel('Payee 1 address')).toHaveValue(current);
    await expect(dialog.getByText(/^Publishing adds [\d.]+ ETH from your wallet to your storage balance/)).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Publish', exact: true })).toBeEnabled();
    await audit(page, 'publish dialog after the wallet step');
  });
});
