/**
 * Discover → an asset's public page, end to end (issue 16), against a real `ativo serve` (real
 * keychain, sandbox chain and storage node): a dataset published with a description and a
 * CITATION.cff is found in Discover by a word of its description; its page shows the license in
 * plain words, the price, the contributors, the split and its public record. Screenshots at the
 * three review sizes; axe clean.
 */
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { audit, tempDir, value, writeTree } from './helpers';
import { screenshotSizes } from './screenshots';

test('find an asset in Discover by a word of its description and open its public page', async ({ page, server }, testInfo) => {
  test.setTimeout(300_000);
  value(await server.call('wallet.create', {}));
  value(await server.call('storage.fund', { ether: '0.01' }));
  const base = server.openUrl.split('#')[0] ?? '';

  await test.step('before anything is published: an empty state says what to do', async () => {
    await page.goto(`${base}#/discover`);
    await page.reload();
    await expect(page.getByTestId('discover-empty')).toContainText('Nothing is registered on this network yet', { timeout: 30_000 });
  });

  const folder = join(tempDir('ativo-e2e-discover-'), 'Kelp forest survey');
  writeTree(folder, {
    'README.md': '# Kelp\n\nUnderwater transects of kelp forests off the Algarve coast.\n',
    'CITATION.cff': 'cff-version: 1.2.0\nmessage: cite\ntitle: Kelp\nauthors:\n  - given-names: Rachel\n    family-names: Carson\n    orcid: https://orcid.org/0000-0002-1825-0097\n',
    'transects.csv': 'site,depth\n1,12\n',
  });
  const id = value<{ id: number }>(await server.call('assets.add', { path: folder })).id;
  await expect.poll(async () => value<{ state: string }>(await server.call('assets.get', { id })).state).toBe('ready');
  value(await server.call('assets.publish', { id, priceEth: '0.01', visibility: 'private' }));
  await expect
    .poll(async () => value<{ publication: { tokenId: string | null } | null }>(await server.call('assets.get', { id })).publication?.tokenId ?? null, { timeout: 180_000 })
    .not.toBeNull();

  await test.step('Discover lists it (own asset marked) and finds it by a word of its description', async () => {
    await page.getByRole('link', { name: 'Discover' }).click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const rows = page.getByTestId('discover-row');
    await expect(rows).toHaveCount(1, { timeout: 60_000 });
    await expect(rows.first()).toContainText('Kelp forest survey', { timeout: 60_000 });
    await expect(rows.first()).toContainText('Yours');
    await page.getByRole('searchbox', { name: 'Search by name, description or contributor' }).fill('algarve');
    await expect(rows).toHaveCount(1);
    await page.getByRole('searchbox', { name: 'Search by name, description or contributor' }).fill('mangrove');
    await expect(page.getByTestId('discover-no-match')).toBeVisible();
    await page.getByRole('searchbox', { name: 'Search by name, description or contributor' }).fill('carson');
    await expect(rows).toHaveCount(1);
    await page.getByLabel('Kind').selectOption('model');
    await expect(page.getByTestId('discover-no-match')).toBeVisible();
    await page.getByLabel('Kind').selectOption('dataset');
    await expect(rows).toHaveCount(1);
    await audit(page, 'Discover');
    await screenshotSizes(page, testInfo, 'discover');
  });

  await test.step('its public page: license in plain words, price, contributors, split, public record', async () => {
    await page.getByTestId('discover-row').first().click();
    await expect(page.getByTestId('public-name')).toContainText('Kelp forest survey');
    await expect(page.getByTestId('public-description')).toHaveText('Underwater transects of kelp forests off the Algarve coast.');
    await expect(page.getByTestId('public-license')).toContainText('CC-BY-4.0');
    await expect(page.getByText('You may use, share and adapt it for any purpose')).toBeVisible();
    await expect(page.getByTestId('public-price')).toHaveText('0.01 ETH');
    await expect(page.getByTestId('public-contributors')).toContainText('Rachel Carson');
    await expect(page.getByTestId('public-split')).toContainText('100%');
    await expect(page.getByTestId('public-consent')).toHaveText('Changes of terms: the owner alone decides them.');
    await expect(page.getByTestId('record-requests')).toHaveText('0');
    await expect(page.getByTestId('record-rate')).toHaveText('No decision yet');
    await audit(page, 'the public page');
    await screenshotSizes(page, testInfo, 'public-page');
  });

  await test.step('the owner sees the same record on the asset page', async () => {
    await page.goto(`${base}#/assets/${id}`);
    await expect(page.getByTestId('public-record')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('record-requests')).toHaveText('0');
  });
});
