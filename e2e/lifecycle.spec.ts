/**
 * The life of an asset after its first publish (issue 14), against a real `ativo serve` (sandbox
 * chain, storage node, keychain): the Library and the asset header say "Not published", then
 * "Live · 0.01 ETH", then "Changed since version 1" once a file is added; the asset page shows
 * the owner wallet, the current terms and the split's payees named from the folder's
 * CONTRIBUTORS file; version 2 keeps every term of version 1 (private, 0.01 ETH, CC-BY-NC-4.0,
 * 70/30) and its certificate has the same price, terms hash and split; the owner note offers to
 * switch back when another wallet is in use. Screenshots at 800x600, 1280x800 and 1920x1080, axe.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { audit, tempDir, value, writeTree } from './helpers';
import { REVIEW_SIZES, screenshotSizes } from './screenshots';

const PARTNER = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
const NAME = 'Soil survey';

interface Certificate {
  license: { terms: string; termsHash: string; price: string };
  split: { address: string; bps: number }[];
  chain: { tokenId: string };
}

const rowFor = (page: Page): Locator => page.getByTestId('asset-row').filter({ hasText: NAME });

async function openLibrary(page: Page): Promise<Locator> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
  return rowFor(page);
}

async function openAsset(page: Page): Promise<void> {
  await rowFor(page).click();
  await expect(page.getByRole('heading', { name: NAME, level: 1 })).toBeVisible();
}

test('status reads Live · 0.01 ETH, then Changed since version 1; version 2 keeps every term; owner, terms and named payees', async ({ page, server }) => {
  test.setTimeout(420_000);
  const owner = value<{ address: string }>(await server.call('wallet.create', { label: 'Soil lab' })).address;
  value(await server.call('storage.fund', { ether: '0.01' }));
  const folder = join(tempDir('ativo-e2e-life-'), NAME);
  writeTree(folder, { 'a.csv': 'site,ph\n1,6.5\n', CONTRIBUTORS: `Ada Soil ${owner}\nBo Field ${PARTNER} 30%\n` });
  const id = value<{ id: number }>(await server.call('assets.add', { path: folder })).id;
  await page.reload();

  await test.step('a never-published asset reads Not published (not Ready)', async () => {
    const row = rowFor(page);
    await expect(row.getByTestId('asset-status')).toHaveText('Not published');
    await expect(row.getByTestId('asset-price')).toHaveText('—');
  });

  let cert1: Certificate | undefined;
  await test.step('publish private, 0.01 ETH, 70/30, CC-BY-NC-4.0', async () => {
    await openAsset(page);
    await expect(page.getByTestId('asset-status')).toHaveText('Not published');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Publish “${NAME}”` });
    await dialog.getByRole('radio', { name: 'Private — encrypted' }).check();
    await dialog.getByLabel('License', { exact: true }).selectOption('CC-BY-NC-4.0');
    await dialog.getByLabel('Price per access (ETH)').fill('0.01');
    // Pre-filled from CONTRIBUTORS: the owner (no share given) and the partner at 30%.
    await expect(dialog.getByLabel('Payee 1 address')).toHaveValue(owner);
    await expect(dialog.getByLabel('Payee 2 address')).toHaveValue(PARTNER);
    await expect(dialog.getByLabel('Payee 2 share (%)')).toHaveValue('30');
    await dialog.getByLabel('Payee 1 share (%)').fill('70');
    await expect(dialog.getByTestId('split-total')).toHaveText('Total: 100%');
    await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText(`“${NAME}” is certified.`)).toBeVisible({ timeout: 240_000 });
    cert1 = value<{ certificate: Certificate }>(await server.call('assets.certificate', { id })).certificate;
  });

  await test.step('the asset header says Live · 0.01 ETH; the page shows owner, terms and named payees', async () => {
    await expect(page.getByTestId('asset-status')).toHaveText('Live · 0.01 ETH · manual approval');
    const card = page.getByTestId('owner-terms');
    await expect(card.getByTestId('owner-address')).toHaveText(owner);
    await expect(card.getByTestId('terms-price')).toHaveText('0.01 ETH');
    await expect(card.getByTestId('terms-license')).toHaveText('CC-BY-NC-4.0');
    await expect(card.getByTestId('terms-approval')).toHaveText('You approve each request');
    await expect(card.getByTestId('terms-visibility')).toHaveText('Private — encrypted');
    await expect(card.getByTestId('payee')).toHaveText([/^70%Ada Soil \(owner\)0x/, /^30%Bo Field0x90F79bf6EB2c4f870365E785982E1f101E93b906$/]);
    await expect(card.getByTestId('owner-note')).toHaveCount(0);
    await expect(page.getByTestId('version-terms').first()).toHaveText(/^0\.01 ETH · CC-BY-NC-4\.0 · split 70% 0x\w{4}…\w{4}, 30% 0x90F7…b906$/);
    await audit(page, 'asset page of a live asset');
  });

  await test.step('the Library shows status, price, pending requests and earned; usable at 800x600', async () => {
    const row = await openLibrary(page);
    await expect(row.getByTestId('asset-status')).toHaveText('Live · 0.01 ETH · manual approval');
    await expect(row.getByTestId('asset-price')).toHaveText('0.01 ETH');
    await expect(row.getByTestId('asset-pending')).toHaveText('0');
    await expect(row.getByTestId('asset-earned')).toHaveText('0 ETH');
    await audit(page, 'library with a live asset');
    await screenshotSizes(page, test.info(), 'library-lifecycle');
    for (const size of REVIEW_SIZES) {
      await page.setViewportSize(size);
      // The name and the status never collapse; columns hide by priority instead.
      const name = await row.locator('.asset-name').boundingBox();
      const status = await row.getByTestId('asset-status').boundingBox();
      expect(name?.width ?? 0, `name width at ${size.width}x${size.height}`).toBeGreaterThan(100);
      expect(status?.width ?? 0, `status width at ${size.width}x${size.height}`).toBeGreaterThan(100);
      const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow, `horizontal overflow at ${size.width}x${size.height}`).toBeLessThanOrEqual(0);
    }
    await page.setViewportSize({ width: 800, height: 600 });
    await expect(row.getByTestId('asset-status')).toBeVisible();
    await expect(row.getByTestId('asset-root')).toBeHidden();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await expect(row.getByTestId('asset-root')).toBeVisible();
    await expect(row.getByTestId('asset-earned')).toBeVisible();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await test.step('a file added to the folder: Changed since version 1, in the header and the Library', async () => {
    writeFileSync(join(folder, 'b.csv'), 'site,ph\n2,7.1\n');
    await openAsset(page);
    await page.getByRole('button', { name: 'Rescan' }).click();
    await expect(page.getByTestId('asset-status')).toHaveText('Changed since version 1', { timeout: 60_000 });
    const row = await openLibrary(page);
    await expect(row.getByTestId('asset-status')).toHaveText('Changed since version 1');
    await expect(row.getByTestId('asset-price')).toHaveText('0.01 ETH');
    await screenshotSizes(page, test.info(), 'library-changed');
  });

  await test.step('the Publish dialog says version 2, lists the added file and keeps every term; publish it', async () => {
    await openAsset(page);
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    const v2 = page.getByRole('dialog', { name: `Publish version 2 of “${NAME}”` });
    await expect(v2).toBeVisible();
    await expect(v2.getByTestId('publish-changes')).toContainText('Added (1): b.csv');
    await expect(v2.getByRole('radio', { name: 'Private — encrypted' })).toBeChecked();
    await expect(v2.getByLabel('License', { exact: true })).toHaveValue('CC-BY-NC-4.0');
    await expect(v2.getByLabel('Price per access (ETH)')).toHaveValue('0.01');
    await expect(v2.getByLabel('Payee 1 address')).toHaveValue(owner);
    await expect(v2.getByLabel('Payee 1 share (%)')).toHaveValue('70');
    await expect(v2.getByLabel('Payee 2 address')).toHaveValue(PARTNER);
    await expect(v2.getByLabel('Payee 2 share (%)')).toHaveValue('30');
    await v2.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect(v2).toBeHidden();
    await expect(page.getByTestId('version-history').getByTestId('version-row')).toHaveCount(2, { timeout: 240_000 });
    await expect(page.getByTestId('asset-status')).toHaveText('Live · 0.01 ETH · manual approval');
  });

  await test.step('the certificate of version 2 has the same price, terms hash and split', async () => {
    const cert2 = value<{ certificate: Certificate }>(await server.call('assets.certificate', { id })).certificate;
    expect(cert1).toBeDefined();
    expect(cert2.chain.tokenId).not.toBe(cert1?.chain.tokenId);
    expect(cert2.license.price).toBe('10000000000000000');
    expect(cert2.license.price).toBe(cert1?.license.price);
    expect(cert2.license.termsHash).toBe(cert1?.license.termsHash);
    expect(cert2.split).toEqual(cert1?.split);
    expect(cert2.split.map((s) => ({ address: s.address.toLowerCase(), bps: s.bps }))).toEqual([
      { address: owner.toLowerCase(), bps: 7000 },
      { address: PARTNER.toLowerCase(), bps: 3000 },
    ]);
    await expect(page.getByTestId('version-terms')).toHaveText([/^0\.01 ETH · CC-BY-NC-4\.0 · split 70%/, /^0\.01 ETH · CC-BY-NC-4\.0 · split 70%/]);
  });

  await test.step('with another wallet in use, the page says so and switches back to the owner', async () => {
    const other = value<{ address: string }>(await server.call('wallet.create', { label: 'Spare' })).address;
    value(await server.call('wallet.use', { address: other }));
    const note = page.getByTestId('owner-note');
    await expect(note).toContainText('This is not the wallet in use', { timeout: 30_000 });
    await audit(page, 'asset page with another wallet in use');
    const dismiss = page.getByRole('button', { name: 'Dismiss message' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    for (const size of REVIEW_SIZES) {
      await page.setViewportSize(size);
      await page.getByTestId('owner-terms').scrollIntoViewIfNeeded();
      const path = test.info().outputPath(`asset-owner-terms-${size.width}x${size.height}.png`);
      await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
      await test.info().attach(`asset-owner-terms-${size.width}x${size.height}`, { path, contentType: 'image/png' });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await note.getByRole('button', { name: 'Use Soil lab' }).click();
    await expect(note).toBeHidden();
    expect(value<{ current: string }>(await server.call('wallet.list', {})).current.toLowerCase()).toBe(owner.toLowerCase());
  });
});
