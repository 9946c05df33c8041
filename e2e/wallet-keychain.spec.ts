/**
 * The Wallet screen when the OS keychain cannot be reached (here: `ativo serve` started with
 * a D-Bus session address that points to nothing). The keychain's own message, which says
 * what is missing and how to fix it, is shown in a callout instead of a generic error, and
 * the network settings still work.
 */
import { expect, test } from './fixtures';

test.use({ serverEnv: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/ativo-e2e-no-bus' } });

test('without a keychain, the Wallet screen explains how to fix it', async ({ page }) => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Wallet' })).toBeVisible();

  const callout = page.getByTestId('keychain-unavailable');
  await expect(callout).toBeVisible();
  await expect(callout).toHaveAttribute('role', 'alert');
  await expect(callout).toContainText('Your OS keychain is not available');
  await expect(callout).toContainText('No D-Bus session bus is reachable');
  await expect(callout).toContainText('never stores keys in plaintext');
  await expect(page.getByText('Your wallets could not be loaded.')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Create wallet' })).toHaveCount(0);

  // Trying again asks the keychain again (and still explains).
  await callout.getByRole('button', { name: 'Try again' }).click();
  await expect(callout).toContainText('No D-Bus session bus is reachable');

  // Networks do not need the keychain.
  await expect(page.getByRole('radio', { name: 'Sandbox' })).toBeChecked();
  await expect(page.getByTestId('chain-status').getByTestId('chain-id')).toHaveText('31337');
});
