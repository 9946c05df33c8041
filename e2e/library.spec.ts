/**
 * The Library in the browser shell, against a real `ativo serve` (see fixtures.ts):
 * empty state, the path picker, listing with file count and content root (checked against
 * coreutils), search, the detail view with files and hashes, live scan progress, and
 * removal from the catalog (files on disk untouched).
 *
 * Screenshots for the README: see screenshots.ts.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { bytes, coreutilsContentRoot, sha256, tempDir, writeTree } from './helpers';
import { screenshot } from './screenshots';

/** Adds `folder` through the browser shell's path picker: type the parent, open the folder, confirm. */
async function addThroughPicker(page: Page, parent: string, folderName: string, opts: { kind?: 'Dataset' | 'Model' } = {}): Promise<void> {
  await page.getByRole('button', { name: 'Add folder' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Add a folder' });
  await expect(dialog).toBeVisible();
  const pathInput = dialog.getByLabel('Folder path');
  await expect(pathInput).toBeFocused();
  await expect(pathInput).not.toHaveValue('');
  await pathInput.fill(parent);
  await pathInput.press('Enter');
  await dialog.getByRole('button', { name: `Open folder ${folderName}` }).click();
  await expect(pathInput).toHaveValue(join(parent, folderName));
  if (opts.kind) await dialog.getByRole('radio', { name: opts.kind }).check();
  await dialog.getByRole('button', { name: 'Add folder' }).click();
  await expect(dialog).toBeHidden();
}

const rowFor = (page: Page, name: string) => page.getByTestId('asset-row').filter({ has: page.locator('.asset-name', { hasText: name }) });

test('an empty library says what to do, and a drop in the browser explains the path picker', async ({ page }) => {
  await expect(page.getByRole('banner')).toContainText('Ativo');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' })).toHaveAttribute('aria-current', 'page');
  const dropzone = page.getByTestId('dropzone');
  await expect(dropzone).toContainText('Drop a folder to add it');
  await expect(dropzone).toContainText(
    'Drop a folder here or click Add folder: Ativo fingerprints every file and the folder as a whole, so anyone can verify it.',
  );

  // Drag a file over the library and drop it: the browser cannot tell us its path.
  const dataTransfer = await page.evaluateHandle('(() => { const dt = new DataTransfer(); dt.items.add(new File(["x"], "my-folder")); return dt; })()');
  await dropzone.dispatchEvent('dragenter', { dataTransfer });
  await dropzone.dispatchEvent('dragover', { dataTransfer });
  await dropzone.dispatchEvent('drop', { dataTransfer });
  await expect(dropzone).toContainText('In the browser, use Add folder to choose a folder by path');
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/(#\/)?$/);
});

test('the path picker is keyboard friendly: focus stays inside, errors are shown, Escape closes', async ({ page }) => {
  const base = tempDir('ativo-e2e-picker-');
  try {
    writeTree(base, { 'not-a-folder.txt': 'hello' });
    const addButton = page.getByRole('button', { name: 'Add folder' }).first();
    await addButton.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add a folder' });
    await expect(dialog).toBeVisible();
    const pathInput = dialog.getByLabel('Folder path');
    await expect(pathInput).toBeFocused();

    // Tab and Shift+Tab cycle inside the dialog.
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab');
      await expect(dialog.locator(':focus')).toHaveCount(1);
    }
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Shift+Tab');
      await expect(dialog.locator(':focus')).toHaveCount(1);
    }

    // A path that is not a folder: a clear error, and nothing is added.
    await pathInput.fill(join(base, 'not-a-folder.txt'));
    await pathInput.press('Enter');
    await expect(dialog.getByRole('alert')).toContainText('is a file, not a folder');
    await pathInput.fill(join(base, 'missing'));
    await dialog.getByRole('button', { name: 'Add folder' }).click();
    await expect(dialog.getByRole('alert')).toContainText('There is no folder at');
    await expect(dialog).toBeVisible();

    // Going up from a typed folder.
    await pathInput.fill(base);
    await pathInput.press('Enter');
    await expect(pathInput).toHaveValue(base);
    await dialog.getByRole('button', { name: 'Go to parent folder' }).click();
    await expect(pathInput).toHaveValue(join(base, '..'));

    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(addButton).toBeFocused();
    await expect(page.getByTestId('asset-row')).toHaveCount(0);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('add a folder, see its content root, search, open its files, remove it (files stay on disk)', async ({ page, context }, testInfo) => {
  const base = tempDir('ativo-e2e-lib-');
  const folderName = 'Wildflowers v2';
  const folder = join(base, folderName);
  const files: Record<string, string | Buffer> = {
    'README.md': '# Wildflowers v2\n\nField photos of wildflowers with species labels.\n',
    'labels.csv': 'file,species\nimages/0001.png,Bellis perennis\nimages/0002.png,Papaver rhoeas\n',
    'read me first.txt': 'A name with spaces.\n',
    'données/été ☀ 01.jpg': bytes(4096, 7),
    'images/0001.png': bytes(24_000, 1),
    'images/0002.png': bytes(31_000, 2),
    '.meta': 'hidden files count too\n',
  };
  try {
    writeTree(folder, files, { latest: 'images' });
    const expectedRoot = coreutilsContentRoot(folder);
    const fileCount = Object.keys(files).length;

    await test.step('add it through the path picker', async () => {
      await addThroughPicker(page, base, folderName);
      await expect(page.getByRole('status').filter({ hasText: `Added “${folderName}”` })).toBeVisible();
    });

    const row = rowFor(page, folderName);
    await test.step('it is listed with its file count and content root', async () => {
      await expect(row).toHaveCount(1);
      await expect(row.getByTestId('asset-files')).toHaveText(`${fileCount} files`);
      await expect(row.getByTestId('asset-status')).toHaveText('Not published');
      await expect(row).toContainText('Dataset');
      const root = row.getByTestId('asset-root');
      await expect(root).toHaveText(expectedRoot.slice(0, 12));
      await expect(root).toHaveAttribute('title', expectedRoot);
      await expect(page.getByRole('region', { name: 'Scans in progress' })).toBeHidden();
      await screenshot(page, testInfo, 'library');
    });

    await test.step('search by name, and a search that finds nothing', async () => {
      const search = page.getByRole('searchbox', { name: 'Search assets' });
      await search.fill('wildflowers');
      await expect(row).toHaveCount(1);
      await search.fill('zz-no-such-asset-42');
      await expect(page.getByText('No assets match “zz-no-such-asset-42”.')).toBeVisible();
      await expect(page.getByTestId('asset-row')).toHaveCount(0);
      await page.getByRole('button', { name: 'Clear search' }).click();
      await expect(search).toHaveValue('');
      await expect(row).toHaveCount(1);
      // File names are searchable too.
      await search.fill('été');
      await expect(row).toHaveCount(1);
      await search.fill('');
    });

    await test.step('open the detail from the keyboard', async () => {
      await row.focus();
      await page.keyboard.press('Enter');
      await expect(page).toHaveURL(/#\/assets\/\d+$/);
      await expect(page.getByRole('heading', { level: 1, name: folderName })).toBeVisible();
    });

    await test.step('the detail shows the root, the folder, the files and their hashes', async () => {
      await expect(page.getByTestId('content-root')).toHaveText(expectedRoot);
      await expect(page.getByTestId('asset-folder')).toHaveText(folder);
      await expect(page.getByTestId('detail-files')).toHaveText(String(fileCount));
      const rows = page.getByTestId('file-row');
      await expect(rows).toHaveCount(fileCount);
      for (const [rel, content] of Object.entries(files)) {
        const fileRow = rows.filter({ has: page.locator('.fcell-path', { hasText: rel }) });
        await expect(fileRow).toHaveCount(1);
        const hash = fileRow.locator('.hash');
        await expect(hash).toHaveText(sha256(content).slice(0, 12));
        await expect(hash).toHaveAttribute('title', sha256(content));
      }
      // The symlink is skipped, with a reason.
      await expect(page.getByTestId('skipped-list')).toContainText('latest');
      await screenshot(page, testInfo, 'detail');

      // Copy the content root.
      await context.grantPermissions(['clipboard-read', 'clipboard-write']);
      await page.getByRole('button', { name: 'Copy fingerprint' }).click();
      await expect(page.getByText('Copied', { exact: true })).toBeVisible();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(expectedRoot);

      // Filtering the file table.
      await page.getByRole('searchbox', { name: 'Filter files' }).fill('images/');
      await expect(rows).toHaveCount(2);
      await page.getByRole('searchbox', { name: 'Filter files' }).fill('');
      await expect(rows).toHaveCount(fileCount);
    });

    await test.step('remove it from the catalog; the files stay on disk', async () => {
      await page.getByRole('button', { name: 'Remove from catalog' }).click();
      const confirm = page.getByRole('dialog', { name: `Remove “${folderName}” from the catalog?` });
      await expect(confirm).toBeVisible();
      await expect(confirm).toContainText('The files on disk are not touched');
      await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
      await confirm.getByRole('button', { name: 'Remove from catalog' }).click();
      await expect(confirm).toBeHidden();
      await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeVisible();
      await expect(page.getByRole('status').filter({ hasText: `Removed “${folderName}” from the catalog` })).toBeVisible();
      await expect(row).toHaveCount(0);
      for (const [rel, content] of Object.entries(files)) {
        expect(readFileSync(join(folder, rel)).equals(Buffer.from(content)), `${rel} is unchanged`).toBe(true);
      }
      expect(coreutilsContentRoot(folder)).toBe(expectedRoot);
    });
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a scan shows live progress (files n/N, bytes) and the asset becomes ready', async ({ page }) => {
  const base = tempDir('ativo-e2e-big-');
  const folder = join(base, 'big model');
  try {
    writeTree(folder, { 'config.json': '{"layers": 12}\n' });
    // Sparse files: real bytes to hash (zeros), no disk space used.
    for (const name of ['weights-00001.bin', 'weights-00002.bin']) {
      const fd = openSync(join(folder, name), 'w');
      ftruncateSync(fd, 200 * 1024 * 1024);
      closeSync(fd);
    }
    await addThroughPicker(page, base, 'big model', { kind: 'Model' });
    const activity = page.getByRole('region', { name: 'Scans in progress' });
    await expect(activity.getByRole('progressbar').first()).toBeVisible();
    await expect(activity).toContainText(/\d+ \/ 3 files/);
    await expect(activity).toContainText('/ 419 MB');
    const row = rowFor(page, 'big model');
    await expect(row.getByTestId('asset-status')).toHaveText('Not published', { timeout: 60_000 });
    await expect(row).toContainText('Model');
    await expect(row.getByTestId('asset-files')).toHaveText('3 files');
    await expect(activity).toBeHidden();
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
