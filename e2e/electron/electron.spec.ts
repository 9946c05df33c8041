/**
 * The real Electron app, driven with Playwright's `_electron`, where an Electron binary is
 * installed (`require('electron')` resolves to an existing file). Elsewhere it skips and
 * says why. Needs `npm run build` (out/main, out/preload, out/renderer).
 */
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import type { ElectronApplication, Page } from '@playwright/test';
import { REPO_ROOT } from '../fixtures';
import { coreutilsContentRoot, tempDir, writeTree } from '../helpers';

function electronBinary(): { path: string } | { reason: string } {
  let resolved: unknown;
  try {
    resolved = createRequire(join(REPO_ROOT, 'package.json'))('electron');
  } catch (e) {
    return { reason: `require('electron') failed: ${e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e)}` };
  }
  if (typeof resolved !== 'string' || !existsSync(resolved)) return { reason: `require('electron') gave ${String(resolved)}, which does not exist` };
  return { path: resolved };
}

const found = electronBinary();
const skipReason = 'reason' in found ? `No Electron binary installed: ${found.reason}` : null;
if (skipReason !== null) console.log(`e2e/electron: skipped. ${skipReason}`);

test.describe('Electron shell', () => {
  test.skip(skipReason !== null, skipReason ?? '');

  let app: ElectronApplication | undefined;
  let page: Page;
  let dataDir: string | undefined;
  const problems: string[] = [];

  test.beforeAll(async () => {
    if (!('path' in found)) return;
    if (!existsSync(join(REPO_ROOT, 'out/main/index.js'))) throw new Error('out/ is missing: run `npm run build` first.');
    dataDir = tempDir('ativo-e2e-electron-');
    app = await electron.launch({
      executablePath: found.path,
      args: ['--no-sandbox', REPO_ROOT],
      cwd: REPO_ROOT,
      env: { ...process.env, ATIVO_DATA_DIR: dataDir, ELECTRON_ENABLE_LOGGING: '1' },
    });
    page = await app.firstWindow();
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console.${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => {
      problems.push(`page error: ${err.message}`);
    });
  });

  test.afterAll(async () => {
    await app?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  test('opens the library with the preload bridge', async () => {
    // No wallet yet: the first run opens on the welcome; skipping it leads to the Library.
    await expect(page.getByRole('heading', { level: 1, name: 'Welcome to Ativo' })).toBeVisible();
    await page.getByRole('button', { name: 'Skip for now' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeVisible();
    expect(await page.evaluate('window.ativo.shell')).toBe('electron');
    await expect(page.getByTestId('dropzone')).toContainText('Drop a folder to add it');
    await expect(page.getByText('Desktop app')).toBeVisible();
    expect(problems).toEqual([]);
  });

  test('Add folder uses the native folder dialog, then lists the asset with its content root', async () => {
    const base = tempDir('ativo-e2e-electron-folder-');
    const folder = join(base, 'tiny set');
    try {
      writeTree(folder, { 'a.txt': 'a\n', 'sub dir/b.txt': 'b\n' });
      const root = coreutilsContentRoot(folder);
      // Answer the native dialog in the main process.
      await app!.evaluate(({ dialog }, path) => {
        dialog.showOpenDialog = () => Promise.resolve({ canceled: false, filePaths: [path] });
      }, folder);
      await page.getByRole('button', { name: 'Add folder' }).first().click();
      const confirm = page.getByRole('dialog', { name: 'Add a folder' });
      await expect(confirm).toContainText(folder);
      await confirm.getByRole('button', { name: 'Add folder' }).click();
      const row = page.getByTestId('asset-row').filter({ hasText: 'tiny set' });
      await expect(row.getByTestId('asset-files')).toHaveText('2 files');
      await expect(row.getByTestId('asset-root')).toHaveAttribute('title', root);
      expect(problems).toEqual([]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  test('the backend runs in its own process; killed, it restarts and the window carries on with the same data', async () => {
    /** The backend host's pid (a utilityProcess, serviceName 'Ativo backend'); main runs no backend. */
    const hostPids = (): Promise<number[]> =>
      app!.evaluate(({ app: a }) => a.getAppMetrics().filter((m) => m.type === 'Utility' && m.serviceName === 'Ativo backend').map((m) => m.pid));
    await expect.poll(hostPids, { timeout: 30_000 }).toHaveLength(1);
    const [first] = await hostPids();
    expect(first).not.toBe(app!.process().pid);
    const rows = await page.getByTestId('asset-row').count();
    process.kill(first!, 'SIGKILL');
    // A new host (backoff 0.5 s at first), then the window's commands work again with the same catalog.
    await expect.poll(async () => (await hostPids()).filter((p) => p !== first), { timeout: 60_000 }).toHaveLength(1);
    await expect(page.getByText('Connection lost, reconnecting…')).toHaveCount(0, { timeout: 60_000 });
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeVisible();
    await expect(page.getByTestId('asset-row')).toHaveCount(rows);
    expect(await page.evaluate('window.ativo.commands["app.info"]({}).then((r) => r.ok)')).toBe(true);
  });
});
