/**
 * A publication's file uploads on the Activity screen as ONE batch card (not a row per file),
 * against a real `ativo serve` (sandbox chain and storage node, real keychain): the card's
 * count, progress bar and the jobs that need a person; the storage-short callout driven by the
 * batch's waiting uploads; Pause and Resume of the batch; Cancel remaining (with its confirmation); Retry failed after files
 * changed on disk; and the Activity badge counting a batch as one.
 *
 * The tests of this file share one server and run in order: the first two start with no
 * storage balance (the sandbox node's balance starts at zero), which holds uploads waiting.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { AtivoServer } from './fixtures';
import { audit, tempDir, value, writeTree } from './helpers';

const FILES = 30;

/** `count` small files with distinct contents (so none is stored twice under the same fingerprint). */
function specimenFiles(prefix: string, count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= count; i++) files[`specimens/${prefix}-${String(i).padStart(2, '0')}.txt`] = `${prefix} specimen ${i}\n${'x'.repeat(i * 7)}\n`;
  return files;
}

async function ensureWallet(server: AtivoServer): Promise<void> {
  const { wallets } = value<{ wallets: unknown[] }>(await server.call('wallet.list'));
  if (wallets.length === 0) value(await server.call('wallet.create', {}));
}

async function openActivity(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Activity/ }).click();
  await expect(page.getByRole('heading', { name: 'Activity', level: 1 })).toBeVisible();
}

interface JobList {
  items: { id: number; state: string; batch: number | null; kind: string }[];
  total: number;
}

test('uploads waiting for storage funds are one card; Pause and Resume it; Cancel remaining asks first, then cancels them', async ({ page, server }) => {
  test.setTimeout(120_000);
  await ensureWallet(server);
  const folder = join(tempDir('ativo-e2e-batches-'), 'Ferns');
  writeTree(folder, specimenFiles('fern', FILES));
  const asset = value<{ id: number }>(await server.call('assets.add', { path: folder }));
  value(await server.call('assets.publish', { id: asset.id }));

  await openActivity(page);
  const card = page.locator(`[data-testid="job-batch"][data-asset-id="${String(asset.id)}"]`);
  await test.step('one card for the 30 uploads, waiting for funds, with the storage callout', async () => {
    await expect(card.getByRole('heading', { level: 2 })).toHaveText('Uploading files · Ferns');
    await expect(card.getByRole('link', { name: 'Ferns' })).toHaveAttribute('href', `#/assets/${String(asset.id)}`);
    await expect(card.getByTestId('batch-summary')).toContainText(`0 of ${String(FILES)} files stored`, { timeout: 30_000 });
    await expect(card.getByTestId('batch-summary')).toContainText('waiting');
    await expect(card.getByRole('progressbar', { name: 'Uploading files of Ferns' })).toHaveAttribute('aria-valuenow', '0');
    // Every upload waits for the same reason: a few say it, the rest are counted.
    await expect(card.getByTestId('batch-summary')).toHaveText(`0 of ${String(FILES)} files stored · ${String(FILES)} waiting`, { timeout: 30_000 });
    await expect(card.getByTestId('batch-attention')).toHaveCount(3);
    await expect(card.getByTestId('batch-attention').first()).toContainText(/specimens\/fern-\d\d\.txt\s*Waiting: Your storage balance is short/);
    await expect(card.getByTestId('batch-more')).toHaveText(`…and ${String(FILES - 3)} more waiting.`);
    await expect(page.getByTestId('storage-short')).toBeVisible();
    // No row per file: the upload jobs are summarized by the card.
    await expect(page.locator('[data-testid="job-row"][data-kind="upload"]')).toHaveCount(0);
    await expect(page.locator('[data-testid="job-row"][data-kind="publish"]')).toHaveCount(1);
    // The publication and its batch of uploads: two things in progress, not 31.
    await expect(page.getByTestId('activity-count')).toHaveText(/^2\b/);
    await audit(page, 'activity with a batch');
  });

  await test.step('Pause stops the whole batch; Resume queues it again', async () => {
    await card.getByRole('button', { name: 'Pause uploads of Ferns' }).click();
    await expect(card.getByTestId('batch-summary')).toHaveText(`0 of ${String(FILES)} files stored · ${String(FILES)} paused`);
    await expect(card.getByRole('button', { name: 'Pause uploads of Ferns' })).toHaveCount(0);
    const paused = value<JobList>(await server.call('jobs.list', { kind: 'upload', assetId: asset.id, batched: true, limit: 100 }));
    expect(paused.items.every((j) => j.state === 'paused')).toBe(true);
    await card.getByRole('button', { name: 'Resume uploads of Ferns' }).click();
    // Back to waiting for funds.
    await expect(card.getByTestId('batch-summary')).toHaveText(`0 of ${String(FILES)} files stored · ${String(FILES)} waiting`, { timeout: 30_000 });
  });

  await test.step('Cancel remaining asks first; Cancel in the dialog keeps the uploads', async () => {
    await card.getByRole('button', { name: 'Cancel remaining uploads of Ferns' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel the remaining uploads of Ferns?' });
    await expect(dialog).toContainText(`${String(FILES)} files not stored yet will not be uploaded`);
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(card).toBeVisible();

    await card.getByRole('button', { name: 'Cancel remaining uploads of Ferns' }).click();
    await dialog.getByRole('button', { name: 'Cancel remaining' }).click();
    await expect(page.getByText(`Cancelled ${String(FILES)} files of “Ferns”.`)).toBeVisible();
    // Nothing left to run and nothing failed: the card goes.
    await expect(card).toBeHidden();
    const uploads = value<JobList>(await server.call('jobs.list', { kind: 'upload', assetId: asset.id, batched: true, limit: 100 }));
    expect(uploads.total).toBe(FILES);
    expect(uploads.items.every((j) => j.state === 'cancelled')).toBe(true);
  });

  await test.step('the publication then fails, saying its uploads were cancelled', async () => {
    const row = page.locator('[data-testid="job-row"][data-kind="publish"]');
    await expect(row.getByTestId('job-state')).toHaveText(/^Failed: .*were not uploaded/, { timeout: 30_000 });
    await expect(page.getByText('Publishing “Ferns” failed:')).toBeVisible();
    await expect(page.getByTestId('activity-count')).toBeHidden();
  });
});

test('a 30-file publication short of storage funds: the asset and Activity show 0 of 30, Fund storage lets it finish, certified', async ({ page, server }) => {
  test.setTimeout(180_000);
  await ensureWallet(server);
  const folder = join(tempDir('ativo-e2e-batches-'), 'Lichens');
  writeTree(folder, specimenFiles('lichen', FILES));
  const asset = value<{ id: number }>(await server.call('assets.add', { path: folder }));

  // Published without funding its storage (the Publish dialog would fund it as it publishes):
  // its uploads wait for funds.
  value(await server.call('assets.publish', { id: asset.id }));
  await page.reload();
  await page.getByText('Lichens', { exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'Lichens', level: 1 })).toBeVisible();

  await test.step('the asset shows the files stored so far under the publishing status', async () => {
    await expect(page.getByTestId('publish-live')).toBeVisible();
    const line = page.getByTestId('asset-batch');
    await expect(line).toContainText(`0 of ${String(FILES)} files stored`, { timeout: 30_000 });
    await expect(line.getByRole('progressbar', { name: 'Uploading files of Lichens' })).toBeVisible();
  });

  await openActivity(page);
  const card = page.locator(`[data-testid="job-batch"][data-asset-id="${String(asset.id)}"]`);
  await expect(card.getByTestId('batch-summary')).toContainText(`of ${String(FILES)} files stored`);
  const callout = page.getByTestId('storage-short');
  await expect(callout).toBeVisible();

  await test.step('Fund storage: the uploads continue by themselves, and the card goes when all are stored', async () => {
    await callout.getByRole('button', { name: 'Fund storage (0.01 test ETH)' }).click();
    await expect(page.getByText(/Added 0\.01 ETH to your storage balance/)).toBeVisible();
    await expect(callout).toBeHidden({ timeout: 30_000 });
    await expect(card).toBeHidden({ timeout: 120_000 });
    const uploads = value<JobList>(await server.call('jobs.list', { kind: 'upload', assetId: asset.id, batched: true, limit: 100 }));
    expect(uploads.total).toBe(FILES);
    expect(uploads.items.filter((j) => j.state !== 'done')).toEqual([]);
    expect(new Set(uploads.items.map((j) => j.batch)).size).toBe(1);
  });

  await test.step('the publication is certified', async () => {
    const row = page.locator('[data-testid="job-row"][data-kind="publish"]').filter({ has: page.getByRole('link', { name: 'Lichens' }) });
    await expect(row.getByTestId('job-state')).toHaveText('Certified', { timeout: 120_000 });
    await expect(page.getByText('“Lichens” is certified.')).toBeVisible();
    await expect(page.getByTestId('activity-count')).toBeHidden();
    await row.getByRole('link', { name: 'Lichens' }).click();
    await expect(page.getByTestId('publication').getByRole('heading', { level: 2 })).toContainText(/Certified on Sandbox · token #\d+/);
    await expect(page.getByTestId('asset-batch')).toBeHidden();
  });
});

test('a file changed on disk after the scan stops the publication before anything is sent, naming it; Retry publishes once it is back', async ({ page, server }) => {
  test.setTimeout(240_000);
  await ensureWallet(server);
  value(await server.call('storage.fund', { ether: '0.01' }));
  const folder = join(tempDir('ativo-e2e-batches-'), 'Mosses');
  const files = specimenFiles('moss', FILES);
  writeTree(folder, files);
  const asset = value<{ id: number }>(await server.call('assets.add', { path: folder }));
  // Publishing rescans the folder: hold the queue, publish, and only then change two files
  // (same size, other bytes). A publication signs every file before registering anything, so it
  // finds them changed since the scan and stops there: nothing registered, stored or paid.
  value(await server.call('jobs.pauseAll', {}));
  value(await server.call('assets.publish', { id: asset.id }));
  const changed = ['specimens/moss-03.txt', 'specimens/moss-17.txt'];
  for (const rel of changed) writeFileSync(join(folder, rel), (files[rel] ?? '').toUpperCase());
  value(await server.call('jobs.resumeAll', {}));

  await openActivity(page);
  const card = page.locator(`[data-testid="job-batch"][data-asset-id="${String(asset.id)}"]`);
  const publishRow = page.locator('[data-testid="job-row"][data-kind="publish"]').filter({ has: page.getByRole('link', { name: 'Mosses' }) });

  await test.step('the publication fails naming a changed file and saying nothing was sent; no upload started', async () => {
    await expect(publishRow.getByTestId('job-state')).toHaveText(/^Failed: specimens\/moss-(03|17)\.txt: .*changed on disk since it was scanned .*Nothing was sent/, { timeout: 120_000 });
    await expect(card).toHaveCount(0);
    const uploads = value<JobList>(await server.call('jobs.list', { kind: 'upload', assetId: asset.id, limit: 100 }));
    expect(uploads.items).toEqual([]);
    await audit(page, 'activity with a failed publication');
  });

  await test.step('the files are put back; Retry publishes, and the publication goes on to certified', async () => {
    for (const rel of changed) writeFileSync(join(folder, rel), files[rel] ?? '');
    await publishRow.getByRole('button', { name: 'Retry Publish of Mosses' }).click();
    await expect(publishRow.getByTestId('job-state')).toHaveText('Certified', { timeout: 120_000 });
    await expect(page.getByText('“Mosses” is certified.')).toBeVisible();
    const uploads = value<JobList>(await server.call('jobs.list', { kind: 'upload', assetId: asset.id, batched: true, limit: 100 }));
    expect(uploads.items.filter((j) => j.state !== 'done')).toEqual([]);
  });
});

