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

/** The sizes every changed screen is looked at in (small laptop, common laptop, desktop). */
export const REVIEW_SIZES = [
  { width: 800, height: 600 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

/**
 * Screenshots of what is on screen at each REVIEW_SIZES size (`<name>-<w>x<h>.png`), attached to
 * the test results only (not the README's), then back to the viewport the test had.
 */
export async function screenshotSizes(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const before = page.viewportSize();
  await page.evaluate('document.activeElement && document.activeElement.blur()');
  await page.mouse.move(0, 0);
  for (const size of REVIEW_SIZES) {
    await page.setViewportSize(size);
    const path = testInfo.outputPath(`${name}-${size.width}x${size.height}.png`);
    await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
    await testInfo.attach(`${name}-${size.width}x${size.height}`, { path, contentType: 'image/png' });
  }
  if (before !== null) await page.setViewportSize(before);
}
