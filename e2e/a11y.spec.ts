/**
 * Accessibility: axe-core on every screen and its main dialogs; no serious or critical
 * violations allowed (moderate/minor ones are printed, not failed).
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { tempDir, writeTree } from './helpers';

async function audit(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of results.violations.filter((x) => !bad.includes(x))) console.log(`a11y (${label}, ${v.impact ?? 'n/a'}): ${v.id}: ${v.help}`);
  expect(
    bad.map((v) => `${v.impact ?? ''} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`),
    `serious/critical accessibility violations on ${label}`,
  ).toEqual([]);
}

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
});
