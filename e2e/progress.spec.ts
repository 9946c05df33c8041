/**
 * One source of truth for progress, against a real `ativo serve` (sandbox chain and storage
 * node): a publication whose uploads wait for storage funds shows the same counts and bytes on
 * the asset page, its Activity card and its publication row, with "waiting for funds" in place
 * of a time left. Then the event socket drops (Playwright's WebSocket route stands in for a
 * backend that cannot be reached; the page's own reconnect logic runs): the rows say "Last
 * known", greyed, and the network pill turns grey, until the socket is back.
 */
import { join } from 'node:path';
import type { WebSocketRoute } from '@playwright/test';
import { expect, test } from './fixtures';
import { audit, tempDir, value, writeTree } from './helpers';
import { REVIEW_SIZES } from './screenshots';

const FILES = 12;

test('the asset page and Activity agree on a publication waiting for funds; while Ativo reconnects the rows are last known and the pill grey', async ({ page, server }, testInfo) => {
  test.setTimeout(180_000);
  let down = false;
  const sockets: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/api\/events$/, (ws) => {
    if (down) {
      void ws.close();
      return;
    }
    ws.connectToServer();
    sockets.push(ws);
  });
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();

  const { wallets } = value<{ wallets: unknown[] }>(await server.call('wallet.list'));
  if (wallets.length === 0) value(await server.call('wallet.create', {}));
  const folder = join(tempDir('ativo-e2e-progress-'), 'Ferns');
  const files: Record<string, string> = {};
  for (let i = 1; i <= FILES; i++) files[`fern-${String(i).padStart(2, '0')}.txt`] = `fern ${i}\n${'x'.repeat(i * 1000)}\n`;
  writeTree(folder, files);
  const asset = value<{ id: number }>(await server.call('assets.add', { path: folder }));
  value(await server.call('assets.publish', { id: asset.id }));

  const waiting = `0 of ${String(FILES)} files stored · ${String(FILES)} waiting`;
  let bytes = '';
  await test.step('the asset page: the batch line says waiting for funds, no time left', async () => {
    await page.goto(`${server.url}#/assets/${String(asset.id)}`);
    const line = page.getByTestId('asset-batch');
    await expect(line.getByTestId('asset-batch-summary')).toHaveText(waiting, { timeout: 60_000 });
    await expect(line.getByTestId('asset-batch-bytes')).toHaveText(/^0 B of [\d.]+ KB · waiting for funds$/);
    bytes = (await line.getByTestId('asset-batch-bytes').textContent()) ?? '';
    await expect(page.getByTestId('publish-live-state')).toHaveText(`Uploading files: ${waiting}`);
  });

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Activity/ }).click();
  const card = page.locator(`[data-testid="job-batch"][data-asset-id="${String(asset.id)}"]`);
  const row = page.locator('[data-testid="job-row"][data-kind="publish"]');
  await test.step('Activity: the same counts and bytes on the card and on the publication row', async () => {
    await expect(card.getByTestId('batch-summary')).toHaveText(waiting);
    await expect(card.getByTestId('batch-bytes')).toHaveText(bytes);
    await expect(row.getByTestId('job-state')).toHaveText(`Uploading files: ${waiting}`);
    // The job's number is a detail, not the row's title.
    await expect(row.getByText(/Job #\d+/)).toBeHidden();
    await row.getByText('Details').click();
    await expect(row.getByText(/Job #\d+/)).toBeVisible();
  });

  await test.step('Activity at each review size: axe clean, nothing scrolls sideways', async () => {
    for (const size of REVIEW_SIZES) {
      await page.setViewportSize(size);
      await expect(card.getByTestId('batch-summary')).toBeVisible();
      const overflow = await page.evaluate('(() => { const d = document.scrollingElement || document.documentElement; return d.scrollWidth - d.clientWidth; })()');
      expect(overflow, `Activity at ${size.width}x${size.height}`).toBe(0);
      await audit(page, `Activity at ${size.width}x${size.height}`);
      const path = testInfo.outputPath(`activity-${size.width}x${size.height}.png`);
      await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
      await testInfo.attach(`activity-${size.width}x${size.height}`, { path, contentType: 'image/png' });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await test.step('the backend cannot be reached: last known progress, greyed, and a grey network pill', async () => {
    down = true;
    for (const s of sockets.splice(0)) await s.close();
    await expect(page.getByText('Connection lost, reconnecting…')).toBeVisible();
    await expect(page.getByTestId('activity-stale')).toContainText('Showing the last known progress.');
    await expect(card).toHaveAttribute('data-stale', 'true');
    await expect(card.getByTestId('batch-summary')).toHaveText(`Last known: ${waiting}`);
    await expect(row.getByTestId('job-state')).toHaveText(`Last known: Uploading files: ${waiting}`);
    await expect(page.getByTestId('network-pill')).toHaveAttribute('data-reachable', 'unknown');
    await expect(page.getByTestId('network-pill')).toHaveClass(/network-pill-unknown/);
  });

  await test.step('back: live again', async () => {
    down = false;
    await expect(page.getByText('Connection lost, reconnecting…')).toBeHidden({ timeout: 30_000 });
    await expect(card).not.toHaveAttribute('data-stale', 'true');
    await expect(card.getByTestId('batch-summary')).toHaveText(waiting);
    await expect(page.getByTestId('network-pill')).not.toHaveAttribute('data-reachable', 'unknown');
  });
});
