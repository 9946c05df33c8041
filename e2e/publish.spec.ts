/**
 * Publishing an asset through the UI, against a real `ativo serve` (real keychain under
 * .ci/with-keyring.sh, sandbox chain and storage node): the publish dialog (split validation,
 * Escape, axe), the Activity screen reaching "Certified", the publication card and the
 * downloaded certificate (split in basis points, the coreutils content root).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { audit, coreutilsContentRoot, tempDir, value, writeTree } from './helpers';

const PARTNER = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';

interface Certificate {
  asset: { contentRoot: string; name: string };
  split: { address: string; bps: number }[];
  owner: string;
}

test('publish with a 70/30 split: activity reaches Certified, the publication card and the certificate', async ({ page, server }) => {
  test.setTimeout(240_000);
  const owner = value<{ address: string }>(await server.call('wallet.create', {})).address;
  const folder = join(tempDir('ativo-e2e-publish-'), 'Songbirds');
  writeTree(folder, { 'calls.csv': 'species,count\nrobin,3\nwren,5\n', 'notes/readme.txt': 'Recorded at dawn.\n' });
  const asset = value<{ id: number; name: string }>(await server.call('assets.add', { path: folder }));
  value(await server.call('storage.fund', { ether: '0.01' }));

  await page.reload();
  await page.getByText('Songbirds', { exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'Songbirds', level: 1 })).toBeVisible();

  await test.step('Activity starts empty and says what appears there', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Activity/ }).click();
    await expect(page.getByRole('heading', { name: 'Activity', level: 1 })).toBeVisible();
    await expect(page.getByTestId('activity-empty')).toContainText('When you publish an asset');
    await page.goBack();
    await expect(page.getByRole('heading', { name: 'Songbirds', level: 1 })).toBeVisible();
  });

  // Hold the queue so the publication's first states can be seen, then resume it from Activity.
  value(await server.call('jobs.pauseAll', {}));

  const dialog = page.getByRole('dialog');
  await test.step('the dialog opens, and Escape closes it', async () => {
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect(dialog.getByLabel('Payee 1 address')).toHaveValue(owner);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  });

  await test.step('fill in the publication; a 90% split cannot be confirmed', async () => {
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect(dialog.getByLabel('Payee 1 address')).toHaveValue(owner);
    await expect(dialog.getByLabel('Payee 1 share (%)')).toHaveValue('100');
    await expect(dialog.getByTestId('split-total')).toHaveText('Total: 100%');
    await expect(dialog.getByTestId('storage-balance')).toBeVisible();
    await dialog.getByRole('button', { name: 'Add payee' }).click();
    await dialog.getByLabel('Payee 2 address').fill(PARTNER);
    await dialog.getByLabel('Payee 2 share (%)').fill('20');
    await dialog.getByLabel('Payee 1 share (%)').fill('70');
    await expect(dialog.getByTestId('split-total')).toContainText('Total: 90% — must be 100%');
    const confirm = dialog.getByRole('button', { name: 'Publish', exact: true });
    await expect(confirm).toBeDisabled();
    await audit(page, 'publish dialog');
    await dialog.getByLabel('Payee 2 share (%)').fill('30');
    await expect(dialog.getByTestId('split-total')).toHaveText('Total: 100%');
    await expect(confirm).toBeEnabled();
    await dialog.getByLabel('Price per access (ETH)').fill('0.01');
    // Who agrees to later changes of terms (issue 17): every payee, set on chain after the registration.
    await dialog.getByTestId('publish-consent').getByLabel('Every payee').check();
    await confirm.click();
    await expect(dialog).toBeHidden();
  });

  await test.step('while it runs, the asset shows the publication in progress', async () => {
    const live = page.getByTestId('publish-live');
    await expect(live).toBeVisible();
    await expect(live.getByTestId('publish-live-state')).toHaveText(/^(Queued|Paused|Waiting: .+)$/);
    await expect(page.getByRole('button', { name: 'Publish', exact: true })).toBeDisabled();
    await expect(page.getByTestId('activity-count')).toContainText(/\d+/);
  });

  await test.step('Activity shows the jobs until the publication is certified', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Activity/ }).click();
    await expect(page.getByRole('heading', { name: 'Activity', level: 1 })).toBeVisible();
    const publishRow = page.locator('[data-testid="job-row"][data-kind="publish"]');
    await expect(publishRow).toHaveCount(1);
    await expect(page.getByText('The queue is paused.')).toBeVisible();
    await page.getByRole('button', { name: 'Resume all' }).click();
    await expect(page.getByRole('button', { name: 'Pause all' })).toBeVisible();
    await expect(publishRow.getByTestId('job-state')).toHaveText('Certified', { timeout: 180_000 });
    // The file uploads ran as one batch (a card while they run, not a row per file): every one
    // is stored, so its card is gone and no upload has a row of its own.
    await expect(page.getByTestId('job-batch')).toHaveCount(0);
    await expect(page.locator('[data-testid="job-row"][data-kind="upload"]')).toHaveCount(0);
    const uploads = value<{ items: { state: string; batch: number | null }[]; total: number }>(
      await server.call('jobs.list', { kind: 'upload', assetId: asset.id, limit: 100 }),
    );
    expect(uploads.total).toBe(2);
    expect(uploads.items.map((j) => j.state)).toEqual(['done', 'done']);
    expect(uploads.items[0]?.batch).not.toBeNull();
    expect(new Set(uploads.items.map((j) => j.batch)).size).toBe(1);
    await expect(page.getByText('“Songbirds” is certified.')).toBeVisible();
    await audit(page, 'activity');
  });

  await test.step('the publication card, and its certificate', async () => {
    await page.locator('[data-testid="job-row"][data-kind="publish"]').getByRole('link', { name: 'Songbirds' }).click();
    const card = page.getByTestId('publication');
    await expect(card.getByRole('heading', { level: 2 })).toContainText(/Certified on Sandbox · token #\d+/);
    await expect(card.getByTestId('publication-tx')).toHaveText(/^0x[0-9a-f]{64}$/);
    await expect(card).toContainText('Proven');
    await expect(card).toContainText('Preserved');
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Download certificate' }).click()]);
    expect(download.suggestedFilename()).toBe('ativo-certificate.json');
    const path = await download.path();
    const cert = JSON.parse(readFileSync(path, 'utf8')) as Certificate;
    expect(cert.asset.contentRoot).toBe(coreutilsContentRoot(folder));
    const split = cert.split.map((s) => ({ address: s.address.toLowerCase(), bps: s.bps }));
    expect(split).toEqual(
      expect.arrayContaining([
        { address: owner.toLowerCase(), bps: 7000 },
        { address: PARTNER.toLowerCase(), bps: 3000 },
      ]),
    );
    expect(split).toHaveLength(2);
    expect(asset.name).toBe('Songbirds');
    // The rule chosen in the dialog is the token's on chain.
    expect(value<{ consentBps: number }>(await server.call('governance.state', { assetId: asset.id })).consentBps).toBe(10_000);
  });
});

test('the publish dialog: the quote says what publishing adds to storage, a custom license needs its terms, a bad price is refused inline', async ({ page, server }) => {
  const { wallets } = value<{ wallets: unknown[] }>(await server.call('wallet.list'));
  if (wallets.length === 0) value(await server.call('wallet.create', {}));
  const folder = join(tempDir('ativo-e2e-publish-'), 'Fieldnotes');
  writeTree(folder, { 'day1.txt': 'Heron at the pond.\n' });
  const fieldnotes = value<{ id: number }>(await server.call('assets.add', { path: folder }));

  await page.reload();
  await page.getByText('Fieldnotes', { exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'Fieldnotes', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('storage-balance')).toBeVisible();

  // The storage balance the first test funded covers this small folder: only the chain fee is paid.
  await expect(dialog.getByTestId('quote-summary')).toHaveText(/^Your storage balance covers the storage\. Your wallet pays the chain fee, about [\d.]+ ETH\.$/);
  await expect(dialog.getByRole('button', { name: 'Publish', exact: true })).toBeEnabled();

  await dialog.getByLabel('License', { exact: true }).selectOption('custom');
  await expect(dialog.getByLabel('License terms')).toBeVisible();
  await dialog.getByLabel('Price per access (ETH)').fill('abc');
  await expect(dialog.getByText('Enter an amount of ETH like 0.01 (0 for free).')).toBeVisible();
  await dialog.getByTestId('publish-consent').getByLabel('Payees holding a share').check();
  await dialog.getByLabel('Share of the split that must agree (%)').fill('150');
  await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(dialog.getByLabel('License terms')).toHaveAccessibleDescription('Write the terms of your license.');
  await expect(dialog.getByText('Enter a whole percent from 1 to 100.')).toBeVisible();
  await expect(dialog).toBeVisible();

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  // Nothing was queued.
  const jobs = value<{ items: { assetId: number | null }[] }>(await server.call('jobs.list', {}));
  expect(jobs.items.filter((j) => j.assetId === fieldnotes.id)).toEqual([]);
});

test('Activity: cancel a queued publication; pause and resume one; it is certified once the queue resumes', async ({ page, server }) => {
  test.setTimeout(180_000);
  const { wallets } = value<{ wallets: unknown[] }>(await server.call('wallet.list'));
  if (wallets.length === 0) value(await server.call('wallet.create', {}));
  value(await server.call('storage.fund', { ether: '0.01' }));
  const folder = join(tempDir('ativo-e2e-publish-'), 'Marsh sounds');
  writeTree(folder, { 'bittern.txt': 'Boom at dusk.\n' });
  const asset = value<{ id: number }>(await server.call('assets.add', { path: folder }));
  value(await server.call('jobs.pauseAll', {}));
  const first = value<{ jobId: number }>(await server.call('assets.publish', { id: asset.id })).jobId;

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Activity/ }).click();
  const row1 = page.locator(`[data-testid="job-row"][data-job-id="${String(first)}"]`);
  await expect(row1.getByTestId('job-state')).toHaveText('Queued');
  await row1.getByRole('button', { name: 'Cancel Publish of Marsh sounds' }).click();
  await expect(row1.getByTestId('job-state')).toHaveText('Cancelled');
  await expect(row1.getByRole('button')).toHaveCount(0);

  const second = value<{ jobId: number }>(await server.call('assets.publish', { id: asset.id })).jobId;
  const row2 = page.locator(`[data-testid="job-row"][data-job-id="${String(second)}"]`);
  await expect(row2.getByTestId('job-state')).toHaveText('Queued');
  await row2.getByRole('button', { name: 'Pause Publish of Marsh sounds' }).click();
  await expect(row2.getByTestId('job-state')).toHaveText('Paused');
  await row2.getByRole('button', { name: 'Resume Publish of Marsh sounds' }).click();
  await expect(row2.getByTestId('job-state')).toHaveText('Queued');
  await page.getByRole('button', { name: 'Resume all' }).click();
  await expect(row2.getByTestId('job-state')).toHaveText('Certified', { timeout: 120_000 });
  await expect(page.getByText('“Marsh sounds” is certified.')).toBeVisible();
});
