/**
 * Issue 5: "The renderer stays responsive while publishing a 20,000-file folder: a Playwright
 * check records no long task over 100 ms in the renderer (PerformanceObserver 'longtask') during
 * ingest+publish; the lists stay virtualized."
 *
 * A real `ativo serve` (sandbox chain and storage node) and Debian's Chromium: a folder of 20,000
 * small files is added (the Library open, its live scan progress on screen), then published with
 * the Activity screen open while the uploads run, then the asset's screen is opened with its
 * 20,000-row file table. The renderer's long tasks are recorded from after the app's own start
 * (loading the bundle is not part of ingest or publish) to the end.
 *
 * The publish is watched for PUBLISH_WATCH_MS, not to the end: storing 20,000 files takes
 * minutes, and this file runs in CI (`npm run bench publish` follows one to its certificate and
 * prints the upload rate). The watch covers the costly moments for the renderer: the 20,000
 * uploads queued at once, then uploads finishing at full speed. This file runs in its own
 * Playwright project after the others (see playwright.config.ts), alone on the machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { tempDir, value } from './helpers';
import { screenshot } from './screenshots';

const FILES = 20_000;
const PUBLISH_WATCH_MS = 90_000;
const LONG_TASK_LIMIT_MS = 100;

// Waits inside the recorded window use locator.waitFor(), not expect(locator): while an element
// is missing, Playwright's expect (1.65) builds an ARIA snapshot of the whole page at every poll
// for its failure message, on the page's main thread: with 20,000 rows around, those are long
// tasks of the test's own making (seen in a renderer CPU profile), not the app's.
const RECORDER = `window.__longtasks = []; new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longtasks.push(Math.round(e.duration)); }).observe({ type: 'longtask' });`;

test('a 20,000-file folder: ingest and publish with no renderer task over 100 ms; lists stay virtualized', async ({ page, server }) => {
  test.setTimeout(6 * 60_000);
  const folder = join(tempDir('ativo-e2e-20k-'), 'Twenty thousand');
  for (let d = 0; d < FILES / 500; d++) {
    const sub = join(folder, `part-${String(d).padStart(2, '0')}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 500; f++) writeFileSync(join(sub, `row-${String(f).padStart(3, '0')}.csv`), `id,value\n${String(d * 500 + f)},${String(Math.sin(f))}\n`);
  }
  value(await server.call('wallet.create', {}));
  value(await server.call('storage.fund', { ether: '1' }));

  await page.evaluate(RECORDER);
  const longTasks = async (): Promise<number[]> => page.evaluate<number[]>('window.__longtasks.slice()');

  await test.step('ingest: the Library shows the scan live, then the asset', async () => {
    const added = server.call('assets.add', { path: folder });
    await page.getByText(/Twenty thousand/).first().waitFor({ timeout: 60_000 });
    const asset = value<{ id: number; fileCount: number }>(await added);
    expect(asset.fileCount).toBe(FILES);
    await page.getByRole('link', { name: /Twenty thousand/ }).first().waitFor({ timeout: 30_000 });
  });

  const assetId = value<{ items: { id: number }[] }>(await server.call('assets.list', {})).items[0]?.id ?? -1;
  await test.step('publish: Activity shows one batch card whose count moves, not 20,000 rows', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Activity/ }).click();
    await page.getByRole('heading', { name: 'Activity', level: 1 }).waitFor();
    value(await server.call('assets.publish', { id: assetId, visibility: 'public', priceEth: '0', approval: 'manual' }));
    const card = page.locator(`[data-testid="job-batch"][data-asset-id="${String(assetId)}"]`);
    // The uploads are queued once every file's item is prepared (hashed and signed) and the
    // content registered: 20,000 signatures first, so this waits longer than a click would.
    await card.getByTestId('batch-summary').filter({ hasText: `of ${FILES.toLocaleString('en-US')} files stored` }).waitFor({ timeout: 150_000 });
    const storedNow = async (): Promise<number> => Number(((await card.getByTestId('batch-summary').textContent()) ?? '').split(' of ')[0]?.replace(/,/g, '') ?? 0);
    const first = await storedNow();
    const started = Date.now();
    while (Date.now() - started < PUBLISH_WATCH_MS) await page.waitForTimeout(5_000);
    const later = await storedNow();
    expect(later, 'uploads progress while watched').toBeGreaterThan(first);
    // No row per upload: the card stands for the 20,000 jobs.
    expect(await page.locator('[data-testid="job-row"][data-kind="upload"]').count()).toBe(0);
    expect(await page.locator('[data-testid="job-batch"]').count()).toBe(1);
    await screenshot(page, test.info(), 'activity');
  });

  await test.step('the asset screen: the file table renders a window of rows, not 20,000', async () => {
    // In the app (a hash change, as a click does): a reload would drop the recorded tasks.
    await page.evaluate(`window.location.hash = '#/assets/${String(assetId)}'`);
    await page.getByRole('heading', { name: 'Twenty thousand', level: 1 }).waitFor();
    await page.getByText('part-00/row-000.csv').waitFor({ timeout: 30_000 });
    const rows = await page.getByRole('row').count();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(300);
  });

  const tasks = await longTasks();
  const worst = tasks.length ? Math.max(...tasks) : 0;
  test.info().annotations.push({ type: 'long tasks', description: `${String(tasks.length)} over 50 ms, longest ${String(worst)} ms` });
  expect(tasks.filter((t) => t > LONG_TASK_LIMIT_MS), `renderer long tasks over ${String(LONG_TASK_LIMIT_MS)} ms (all: ${tasks.join(', ')})`).toEqual([]);
  value(await server.call('jobs.pauseAll', {}));
});
