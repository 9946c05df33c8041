/**
 * Screenshots for the README: written to resources/screenshots/ when they are missing or
 * when ATIVO_SCREENSHOTS=1; always attached to the test results.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { expect, REPO_ROOT } from './fixtures';

const SCREENSHOT_DIR = join(REPO_ROOT, 'resources', 'screenshots');

export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  // A calm picture: no toasts, no focus ring, no hover.
  const dismiss = page.getByRole('button', { name: 'Dismiss message' });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
  await expect(page.locator('.notice')).toHaveCount(0);
  await page.evaluate('document.activeElement && document.activeElement.blur()');
  await page.mouse.move(0, 0);
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  await testInfo.attach(name, { path, contentType: 'image/png' });
  const target = join(SCREENSHOT_DIR, `${name}.png`);
  if (process.env.ATIVO_SCREENSHOTS === '1' || !existsSync(target)) {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    copyFileSync(path, target);
  }
}
