/**
 * The publish flow with the keyboard only (issue 8): from the Library to a certified
 * publication without a single click. Each control is reached with Tab (proving it is in the
 * tab order), radio choices with the arrow keys, buttons with Enter or Space.
 */
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { ApiResult } from './fixtures';
import { tempDir, writeTree } from './helpers';

const PARTNER = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';

function ok(r: ApiResult): unknown {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Presses Tab until `target` has the focus (at most `max` times): fails if it is not in the tab order. */
async function tabTo(page: Page, target: Locator, max = 80): Promise<void> {
  await expect(target).toBeAttached();
  for (let i = 0; i < max; i++) {
    // (e2e code has no DOM typings: the element is typed by what is used of it.)
    if (await target.evaluate((el: { ownerDocument: { activeElement: unknown } }) => el === el.ownerDocument.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`tabTo: ${String(target)} was not reached with ${max} Tab presses`);
}

test('publish privately with a 60/40 split using only the keyboard', async ({ page, server }) => {
  test.setTimeout(240_000);
  ok(await server.call('wallet.create', {}));
  const folder = join(tempDir('ativo-e2e-keyboard-'), 'Keyboard Birds');
  writeTree(folder, { 'calls.csv': 'species,count\nrobin,3\n', 'notes.txt': 'dawn\n' });
  ok(await server.call('assets.add', { path: folder }));
  ok(await server.call('storage.fund', { ether: '0.01' }));
  await page.reload();

  await test.step('open the asset from the Library', async () => {
    const link = page.getByRole('link', { name: /Keyboard Birds/ }).first();
    await tabTo(page, link);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Keyboard Birds', level: 1 })).toBeVisible();
  });

  const dialog = page.getByRole('dialog');
  await test.step('open the publish dialog', async () => {
    await tabTo(page, page.getByRole('button', { name: 'Publish', exact: true }));
    await page.keyboard.press('Enter');
    await expect(dialog.getByLabel('Payee 1 share (%)')).toHaveValue('100');
  });

  await test.step('choose Private with the arrow keys', async () => {
    await tabTo(page, dialog.getByRole('radio', { name: 'Public' }));
    await page.keyboard.press('ArrowRight');
    await expect(dialog.getByRole('radio', { name: /Private/ })).toBeChecked();
  });

  await test.step('set a price, add a payee and split 60/40', async () => {
    await tabTo(page, dialog.getByLabel('Price per access (ETH)'));
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('0.002');
    await tabTo(page, dialog.getByRole('button', { name: 'Add payee' }));
    await page.keyboard.press('Enter');
    await tabTo(page, dialog.getByLabel('Payee 2 address'));
    await page.keyboard.type(PARTNER);
    await tabTo(page, dialog.getByLabel('Payee 2 share (%)'));
    await page.keyboard.type('40');
    // Tab wraps inside the dialog (focus is trapped), so going round reaches payee 1 again.
    await tabTo(page, dialog.getByLabel('Payee 1 share (%)'));
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('60');
    await expect(dialog.getByTestId('split-total')).toHaveText('Total: 100%');
  });

  await test.step('confirm with the keyboard; the publication is certified', async () => {
    const confirm = dialog.getByRole('button', { name: /^Publish/ }).last();
    await tabTo(page, confirm);
    await page.keyboard.press('Enter');
    await expect(dialog).toBeHidden();
    const card = page.getByTestId('publication');
    await expect(card.getByRole('heading', { level: 2 })).toContainText(/Certified on Sandbox · token #\d+/, { timeout: 180_000 });
    // Focus never got lost in a closed dialog: it is back on the page.
    expect(await page.evaluate<boolean>('document.activeElement !== null && document.activeElement !== document.body && document.body.contains(document.activeElement)')).toBe(true);
  });

  const r = ok(await server.call('assets.list', {})) as { items: { id: number }[] };
  const detail = ok(await server.call('assets.get', { id: r.items[0]?.id ?? 0 })) as { visibility: string; publication: { priceWei: string } | null };
  expect(detail.visibility).toBe('private');
  expect(detail.publication?.priceWei).toBe('2000000000000000');
});
