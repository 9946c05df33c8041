/**
 * The Wallet screen in the browser shell, against a real `ativo serve` with a real
 * keychain (gnome-keyring under .ci/with-keyring.sh; this server's own namespace, see
 * fixtures.ts) and the real sandbox chain (anvil): the empty state, creating a wallet (100
 * test ETH on the sandbox) and getting 10 more, importing a private key or a recovery phrase
 * and switching to it, a bad key (inline error, never echoed), an encrypted backup file (written
 * by Ativo into its exports folder, never sent to the page, never over an existing file),
 * removing a wallet, and the network switcher with testnet settings and an unreachable RPC.
 *
 * Every test starts with no wallets on the sandbox: afterEach removes what it created.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { audit, value } from './helpers';
import type { AtivoServer } from './fixtures';
import { screenshot, screenshotSizes } from './screenshots';
import { writeSavedProfile } from '../src/test-support/network-profile';

/** Hardhat / anvil dev account #1 (public test key). */
const DEV_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const DEV_ADDRESS = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
/** The public test mnemonic; m/44'/60'/0'/0/2 is dev account #2. */
const TEST_MNEMONIC = 'test test test test test test test test test test test junk';
const DEV2_ADDRESS = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const REGISTRY = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

const short = (a: string): string => `${a.slice(0, 6)}…${a.slice(-4)}`;

/** The value of a successful command (typed by the caller), or a thrown error. */
async function createWallet(server: AtivoServer, label: string): Promise<string> {
  return value<{ address: string }>(await server.call('wallet.create', { label })).address;
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => { resolve(); }));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

async function openWallet(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet' }).click();
  await expect(page).toHaveURL(/#\/wallet$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Wallet' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet' })).toHaveAttribute('aria-current', 'page');
}

const balance = (page: Page) => page.getByTestId('current-wallet').getByTestId('balance');

test.afterEach(async ({ server }) => {
  value(await server.call('network.use', { name: 'sandbox' }));
  const { wallets } = value<{ wallets: { address: string }[] }>(await server.call('wallet.list'));
  for (const w of wallets) value(await server.call('wallet.remove', { address: w.address }));
});

test('no wallet yet: the screen says what a wallet is for; create one, get 100 test ETH, then 10 more', async ({ page, server, context }) => {
  await openWallet(page);
  await expect(page).toHaveTitle('Wallet · Ativo');

  await test.step('the empty state explains the wallet', async () => {
    const empty = page.getByTestId('wallet-empty');
    await expect(empty.getByRole('heading', { name: 'No wallet yet' })).toBeVisible();
    await expect(empty).toContainText('owns the assets you certify');
    await expect(empty).toContainText('receives the payments');
    await expect(empty).toContainText('Its key stays in your OS keychain');
    await expect(empty.getByRole('button', { name: 'Create wallet' })).toBeVisible();
    await expect(empty.getByRole('button', { name: 'Import wallet' })).toBeVisible();
    // The sandbox is described, is in use, and its chain answers.
    const sandbox = page.getByTestId('network-sandbox');
    await expect(sandbox).toContainText('A local chain and storage node on this computer: works offline; test ETH is free.');
    await expect(page.getByRole('radio', { name: 'Sandbox' })).toBeChecked();
    await expect(page.getByTestId('network-pill')).toHaveText('Network: Sandbox');
  });

  let address = '';
  await test.step('create a wallet: its address and 100 test ETH', async () => {
    await page.getByRole('button', { name: 'Create wallet' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a wallet' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Label').fill('Studio');
    await dialog.getByRole('button', { name: 'Create wallet' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('wallet-label')).toHaveText('Studio');
    // The empty state (and the button that opened the dialog) is gone: focus lands on the new card.
    await expect(page.getByRole('heading', { name: 'Wallet in use' })).toBeFocused();

    const state = value<{ current: string }>(await server.call('wallet.list'));
    address = state.current;
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const shown = page.getByTestId('current-wallet').getByTestId('wallet-address');
    await expect(shown).toHaveAttribute('title', address);
    await expect(shown).toContainText(short(address));
    await expect(balance(page)).toHaveText('100.0 ETH');
    await expect(page.getByTestId('wallet-empty')).toHaveCount(0);
  });

  await test.step('copy the full address', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Copy address' }).click();
    await expect(page.getByText('Copied', { exact: true })).toBeVisible();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(address);
  });

  await test.step('get 10 test ETH: the balance says 110.0 (in a live region)', async () => {
    await expect(balance(page).locator('xpath=ancestor::*[@aria-live="polite"]')).toHaveCount(1);
    await page.getByRole('button', { name: 'Get 10 test ETH' }).click();
    await expect(balance(page)).toHaveText('110.0 ETH');
    await page.getByRole('button', { name: 'Refresh balance' }).click();
    await expect(balance(page)).toHaveText('110.0 ETH');
  });
});

test('import: a bad key is refused inline and never shown; a private key and a recovery phrase import; switch wallets', async ({ page, server }, testInfo) => {
  const studio = await createWallet(server, 'Studio');
  await openWallet(page);
  await expect(page.getByTestId('wallet-label')).toHaveText('Studio');

  const importButton = page.getByRole('button', { name: 'Import wallet' });
  const dialog = page.getByRole('dialog', { name: 'Import a wallet' });
  const keyInput = dialog.getByRole('textbox', { name: 'Private key' });

  await test.step('the dialog is keyboard friendly: focus starts on the key, stays inside, Escape closes', async () => {
    await importButton.focus();
    await page.keyboard.press('Enter');
    await expect(dialog).toBeVisible();
    await expect(keyInput).toBeFocused();
    await expect(keyInput).toHaveAttribute('type', 'password');
    await expect(keyInput).toHaveAttribute('autocomplete', 'off');
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      await expect(dialog.locator(':focus')).toHaveCount(1);
    }
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Shift+Tab');
      await expect(dialog.locator(':focus')).toHaveCount(1);
    }
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(importButton).toBeFocused();
  });

  await test.step('a bad key: an inline error, the field emptied, the key nowhere on the page', async () => {
    const badKey = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a84-not-a-key';
    await importButton.click();
    await keyInput.fill(badKey);
    await keyInput.press('Enter');
    const alert = dialog.getByRole('alert');
    await expect(alert).toContainText('That is not a valid private key');
    await expect(keyInput).toHaveValue('');
    await expect(keyInput).toHaveAttribute('aria-invalid', 'true');
    await expect(keyInput).toBeFocused();
    await expect(page.locator('body')).not.toContainText(badKey);
    expect(await page.content()).not.toContain(badKey.slice(2, 30));
    expect(value<{ wallets: unknown[] }>(await server.call('wallet.list')).wallets).toHaveLength(1);
  });

  await test.step('the dev key imports (without becoming the wallet in use)', async () => {
    await keyInput.fill(DEV_KEY);
    await dialog.getByLabel('Label').fill('Dev account');
    await dialog.getByRole('button', { name: 'Import wallet' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: `Imported “Dev account” (${short(DEV_ADDRESS)})` })).toBeVisible();
    const row = page.getByTestId('other-wallet').filter({ hasText: 'Dev account' });
    await expect(row.getByTestId('wallet-address')).toHaveAttribute('title', DEV_ADDRESS);
    await expect(row).toContainText('Imported from a private key');
    await expect(page.getByTestId('wallet-label')).toHaveText('Studio');
    expect(await page.content()).not.toContain(DEV_KEY.slice(2));
  });

  await test.step('a recovery phrase with a derivation path (Advanced)', async () => {
    await importButton.click();
    await dialog.getByRole('radio', { name: 'Recovery phrase' }).check();
    const phrase = dialog.getByRole('textbox', { name: 'Recovery phrase' });
    await expect(phrase).toHaveAttribute('type', 'password');
    await expect(phrase).toHaveAttribute('autocomplete', 'off');
    await phrase.fill(TEST_MNEMONIC);
    await dialog.getByText('Advanced').click();
    await dialog.getByLabel('Derivation path').fill("m/44'/60'/0'/0/2");
    await dialog.getByLabel('Label').fill('Phrase account');
    await dialog.getByRole('button', { name: 'Import wallet' }).click();
    await expect(dialog).toBeHidden();
    const row = page.getByTestId('other-wallet').filter({ hasText: 'Phrase account' });
    await expect(row.getByTestId('wallet-address')).toHaveAttribute('title', DEV2_ADDRESS);
    await expect(row).toContainText('Imported from a recovery phrase');
    await expect(page.locator('body')).not.toContainText('test test test');
  });

  await test.step('screenshot: the wallet in use, other wallets, the network', async () => {
    await expect(balance(page)).toHaveText('100.0 ETH');
    await expect(page.getByTestId('chain-status').getByTestId('chain-id')).toHaveText('31337');
    // Tall enough for both cards (the main area scrolls on its own).
    await page.setViewportSize({ width: 1280, height: 1140 });
    await screenshot(page, testInfo, 'wallet');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await test.step('switch to the dev account', async () => {
    await page.getByRole('button', { name: 'Use Dev account' }).click();
    await expect(page.getByTestId('wallet-label')).toHaveText('Dev account');
    await expect(page.getByTestId('current-wallet').getByTestId('wallet-address')).toHaveAttribute('title', DEV_ADDRESS);
    await expect(balance(page)).toHaveText(/^[\d,]+\.\d+ ETH$/);
    await expect(page.getByTestId('other-wallet').filter({ hasText: 'Studio' }).getByTestId('wallet-address')).toHaveAttribute('title', studio);
    expect(value<{ current: string }>(await server.call('wallet.list')).current).toBe(DEV_ADDRESS);
  });
});

test('export a backup (an encrypted keystore file Ativo writes, never sent to the page), then remove the wallet', async ({ page, server }, testInfo) => {
  test.setTimeout(120_000);
  const address = await createWallet(server, 'Backup me');
  await openWallet(page);
  await expect(page.getByTestId('wallet-label')).toHaveText('Backup me');
  const exportsDir = join(server.dataDir, 'exports');
  const suggested = `ativo-wallet-${address.slice(0, 10)}-${new Date().toISOString().slice(0, 10)}.json`;

  const dialog = page.getByRole('dialog', { name: 'Export a backup of “Backup me”' });
  const password = dialog.getByLabel('Password', { exact: true });
  const again = dialog.getByLabel('Password again');
  const fileName = dialog.getByLabel('File name');
  const save = dialog.getByRole('button', { name: 'Save backup' });
  await test.step('the passwords are checked: 8 characters at least, typed twice the same', async () => {
    await page.getByRole('button', { name: 'Export backup' }).click();
    await expect(dialog).toBeVisible();
    await expect(password).toHaveAttribute('type', 'password');
    await password.fill('short');
    await again.fill('short');
    await save.click();
    await expect(dialog.getByRole('alert')).toHaveText(/at least 8 characters/);
    await expect(password).toBeFocused();
    await password.fill('correct horse battery');
    await again.fill('correct horse battery!');
    await save.click();
    await expect(dialog.getByRole('alert')).toHaveText(/do not match/);
    await expect(again).toHaveValue('');
    await again.fill('correct horse battery');
  });

  await test.step('where it goes: the exports folder on the computer running Ativo, under a name one may change', async () => {
    await expect(fileName).toHaveValue(suggested);
    await expect(dialog.getByTestId('exports-dir')).toHaveText(exportsDir);
    await expect(dialog).toContainText('Saved on the computer running Ativo, in its exports folder');
    await expect(dialog).toContainText('Ativo never replaces an existing file.');
    await fileName.fill('../outside.json');
    await save.click();
    await expect(dialog.getByRole('alert')).toHaveText('Type a file name only, without a folder, for example ativo-wallet.json.');
    await expect(fileName).toBeFocused();
    await expect(fileName).toHaveAttribute('aria-invalid', 'true');
    await fileName.fill(suggested);
    await expect(dialog.getByRole('alert')).toHaveCount(0);
    await expect(fileName).toHaveAttribute('aria-invalid', 'false');
    await audit(page, 'export backup dialog');
    await screenshotSizes(page, testInfo, 'wallet-export');
  });

  const saved = join(exportsDir, suggested);
  await test.step('saved: the dialog shows the full path; the file is 0600 and ethers opens it with the password', async () => {
    await save.click();
    await expect(dialog.getByTestId('backup-saved')).toBeVisible({ timeout: 60_000 });
    await expect(dialog.getByRole('heading', { name: 'Backup saved' })).toBeVisible();
    await expect(dialog.getByTestId('backup-path')).toHaveText(saved);
    await expect(dialog.getByRole('button', { name: 'Done' })).toBeFocused();
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    const keystore = readFileSync(saved, 'utf8');
    expect((await Wallet.fromEncryptedJson(keystore, 'correct horse battery')).address).toBe(address);
    // The page never saw the keystore: not its ciphertext, not its fields.
    const parsed = JSON.parse(keystore) as { crypto?: { ciphertext: string }; Crypto?: { ciphertext: string } };
    const ciphertext = (parsed.crypto ?? parsed.Crypto)?.ciphertext ?? '';
    expect(ciphertext.length).toBeGreaterThan(0);
    const html = await page.content();
    expect(html).not.toContain(ciphertext);
    expect(html).not.toContain('kdfparams');
    await audit(page, 'backup saved');
    await screenshotSizes(page, testInfo, 'wallet-export-saved');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(dialog).toBeHidden();
  });

  await test.step('the same name again is refused: the file stays as it was', async () => {
    const before = readFileSync(saved, 'utf8');
    await page.getByRole('button', { name: 'Export backup' }).click();
    await password.fill('another good password');
    await again.fill('another good password');
    await save.click();
    await expect(dialog.getByRole('alert')).toHaveText(`A file already exists at ${saved}. Ativo never replaces a file: choose another name. Then type the password twice again.`);
    await expect(fileName).toBeFocused();
    await expect(fileName).toHaveAttribute('aria-invalid', 'true');
    await expect(password).toHaveValue('');
    expect(readFileSync(saved, 'utf8')).toBe(before);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  });

  await test.step('over the API: the answer is a path, never key material; a path of the caller\'s choosing is refused', async () => {
    const r = await server.call('wallet.export', { address, password: 'correct horse battery', fileName: 'from-the-api.json' });
    expect(r).toEqual({ ok: true, value: { address, path: join(exportsDir, 'from-the-api.json') } });
    const outside = join(server.dataDir, 'outside.json');
    const refused = await server.call('wallet.export', { address, password: 'correct horse battery', path: outside });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/exports folder: give a file name/) as unknown } });
    expect(existsSync(outside)).toBe(false);
  });

  await test.step('remove it: a confirmation that the key leaves the keychain, then the empty state', async () => {
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove “Backup me”?' });
    await expect(confirm).toContainText('deletes this wallet’s key from your OS keychain');
    await expect(confirm.getByRole('button', { name: 'Export backup first' })).toBeVisible();
    await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(confirm).toBeHidden();
    await expect(page.getByTestId('wallet-label')).toHaveText('Backup me');

    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await confirm.getByRole('button', { name: 'Remove wallet' }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByTestId('wallet-empty')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'No wallet yet' })).toBeFocused();
    expect(value<{ wallets: unknown[] }>(await server.call('wallet.list')).wallets).toEqual([]);
  });
});

test('networks: testnet needs settings first; an unreachable RPC is reported clearly; back to the sandbox', async ({ page, server }) => {
  await createWallet(server, 'Studio');
  await openWallet(page);
  const status = page.getByTestId('chain-status');
  const testnet = page.getByRole('radio', { name: 'Testnet' });

  await test.step('the sandbox chain answers', async () => {
    await expect(status.getByTestId('chain-id')).toHaveText('31337');
    await expect(status.getByTestId('chain-registry')).toHaveText(/^0x[0-9a-fA-F]{40}$/);
    await expect(status.getByTestId('chain-rpc')).toHaveText(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(status.getByTestId('chain-block')).toHaveText(/^\d[\d,]*$/);
    await expect(balance(page)).toHaveText('100.0 ETH');
  });

  await test.step('testnet cannot be chosen until it is configured, and says what it needs', async () => {
    await expect(testnet).toBeDisabled();
    await expect(page.getByRole('radio', { name: 'Mainnet' })).toBeDisabled();
    await expect(page.getByTestId('network-testnet')).toContainText('Needs an RPC URL, the chain id and the AtivoRegistry address on that chain');
  });

  const port = await closedPort();
  const rpc = `http://127.0.0.1:${port}`;
  await test.step('configure testnet (the form checks its fields)', async () => {
    await page.getByRole('button', { name: 'Configure Testnet' }).click();
    const dialog = page.getByRole('dialog', { name: 'Testnet settings' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel('Storage node URL')).toHaveValue('https://devnet.irys.xyz');
    await dialog.getByLabel('RPC URL').fill('not a url');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByLabel('RPC URL')).toBeFocused();
    await expect(dialog).toContainText('Enter an http:// or https:// URL.');
    await expect(dialog).toContainText('Enter the chain id.');
    await dialog.getByLabel('RPC URL').fill(rpc);
    await dialog.getByLabel('Chain id').fill('84532');
    await dialog.getByLabel('Registry address').fill(REGISTRY);
    await dialog.getByRole('button', { name: 'Save' }).click();
    // Saving checks the chain: nothing answers there, so nothing is saved.
    await expect(dialog.getByRole('alert')).toHaveText(`Ativo could not reach ${rpc}: check the RPC URL and your connection. The Testnet settings were not saved.`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await expect(testnet).toBeDisabled();
    // As if it had answered when it was saved, and went away since.
    writeSavedProfile(server.dataDir, { name: 'testnet', rpcUrl: rpc, chainId: 84532, registry: REGISTRY });
    await page.reload();
    await expect(testnet).toBeEnabled();
    await expect(page.getByTestId('network-testnet')).toContainText(`${rpc} · chain 84532`);
  });

  await test.step('switch to testnet: "Cannot reach the chain", for the status and the balance', async () => {
    await testnet.check();
    await page.getByRole('dialog', { name: 'Switch to Testnet?' }).getByRole('button', { name: 'Switch to Testnet' }).click();
    await expect(page.getByTestId('network-pill')).toHaveText('Network: Testnet');
    await expect(testnet).toBeChecked();
    const error = status.getByTestId('chain-error');
    await expect(error).toContainText('Cannot reach the testnet chain');
    await expect(error).toContainText(`Cannot reach the chain at ${rpc}`);
    await expect(page.getByTestId('current-wallet').getByRole('alert')).toContainText(`Cannot reach the chain at ${rpc}`);
    await expect(page.getByText('Balance on Testnet', { exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Get 10 test ETH' })).toHaveCount(0);
    expect(value<{ current: string }>(await server.call('network.list')).current).toBe('testnet');
  });

  await test.step('back to the sandbox, from the keyboard', async () => {
    await testnet.focus();
    await page.keyboard.press('ArrowUp');
    // Switching asks first; "Stay on Testnet" has the focus, the next button switches.
    const ask = page.getByRole('dialog', { name: 'Switch to Sandbox?' });
    await expect(ask.getByRole('button', { name: 'Stay on Testnet' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(ask.getByRole('button', { name: 'Switch to Sandbox' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(ask).toBeHidden();
    await expect(page.getByRole('radio', { name: 'Sandbox' })).toBeChecked();
    await expect(page.getByTestId('network-pill')).toHaveText('Network: Sandbox');
    await expect(status.getByTestId('chain-id')).toHaveText('31337');
    await expect(balance(page)).toHaveText('100.0 ETH');
    await expect(page.getByRole('button', { name: 'Get 10 test ETH' })).toBeVisible();
  });
});
