/**
 * A private publication end to end, against a real `ativo serve` (real keychain under
 * .ci/with-keyring.sh, sandbox chain and storage node): add a folder with the path picker,
 * publish it PRIVATE with a 2-way split, watch it reach Certified, download the certificate;
 * the real `ativo verify` (same data dir and keychain) passes on it, and names the file when
 * one byte changes. Then a failed publication of the next version is retried from the asset
 * screen and shows up in the version history.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { REPO_ROOT, expect, test } from './fixtures';
import type { AtivoServer } from './fixtures';
import { bytes, coreutilsContentRoot, tempDir, value, writeTree } from './helpers';
import { screenshotSizes } from './screenshots';

const PARTNER = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';

/** The real CLI on the server's data dir and keychain namespace. */
function ativo(server: AtivoServer, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['src/cli/ativo.js', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ATIVO_DATA_DIR: server.dataDir, ATIVO_KEYCHAIN_PREFIX: server.keychainPrefix, NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function addThroughPicker(page: Page, parent: string, folderName: string): Promise<void> {
  await page.getByRole('button', { name: 'Add folder' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Add a folder' });
  const pathInput = dialog.getByLabel('Folder path');
  await expect(pathInput).toBeFocused();
  await pathInput.fill(parent);
  await pathInput.press('Enter');
  await dialog.getByRole('button', { name: `Open folder ${folderName}` }).click();
  await expect(pathInput).toHaveValue(join(parent, folderName));
  await dialog.getByRole('button', { name: 'Add folder' }).click();
  await expect(dialog).toBeHidden();
}

interface Certificate {
  asset: { contentRoot: string; name: string };
  split: { address: string; bps: number }[];
  chain: { tokenId: string };
}
interface Verified {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

test('private publish with a 60/40 split: Certified, the certificate verifies with the CLI, one changed byte is named; a failed next version is retried', async ({ page, server }) => {
  test.setTimeout(300_000);
  const owner = value<{ address: string }>(await server.call('wallet.create', {})).address;
  value(await server.call('storage.fund', { ether: '0.01' }));
  const parent = tempDir('ativo-e2e-private-');
  const folder = join(parent, 'Vault weights');
  writeTree(folder, { 'model.bin': bytes(120_000, 7), 'card.md': '# Vault weights\nPrivate.\n', 'eval/scores.csv': 'task,score\nqa,0.91\n' });

  await page.reload();
  await addThroughPicker(page, parent, 'Vault weights');
  await page.getByText('Vault weights', { exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'Vault weights', level: 1 })).toBeVisible();
  await expect(page.getByTestId('content-root')).toHaveText(coreutilsContentRoot(folder));

  const dialog = page.getByRole('dialog');
  await test.step('publish it private with a 2-way split', async () => {
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect(dialog.getByLabel('Payee 1 address')).toHaveValue(owner);
    await dialog.getByRole('radio', { name: 'Private — encrypted' }).check();
    await dialog.getByRole('button', { name: 'Add payee' }).click();
    await dialog.getByLabel('Payee 2 address').fill(PARTNER);
    await dialog.getByLabel('Payee 1 share (%)').fill('60');
    await dialog.getByLabel('Payee 2 share (%)').fill('40');
    await expect(dialog.getByTestId('split-total')).toHaveText('Total: 100%');
    await dialog.getByLabel('Price per access (ETH)').fill('0.02');
    await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect(dialog).toBeHidden();
  });

  await test.step('progress reaches Certified', async () => {
    await expect(page.getByText('“Vault weights” is certified.')).toBeVisible({ timeout: 180_000 });
    const card = page.getByTestId('publication');
    await expect(card.getByRole('heading', { level: 2 })).toContainText(/Certified on Sandbox · token #\d+/);
    await expect(card).toContainText('Private — encrypted');
    const history = page.getByTestId('version-history');
    await expect(history.getByTestId('version-row')).toHaveCount(1);
    await expect(history.getByTestId('version-row').first()).toContainText('Version 1');
    await expect(history.getByTestId('version-root').first()).toHaveText(coreutilsContentRoot(folder));
  });

  const certFile = join(parent, 'ativo-certificate.json');
  let cert: Certificate;
  await test.step('open the certificate', async () => {
    const card = page.getByTestId('publication');
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Download certificate' }).click()]);
    copyFileSync(await download.path(), certFile);
    cert = JSON.parse(readFileSync(certFile, 'utf8')) as Certificate;
    expect(cert.asset.contentRoot).toBe(coreutilsContentRoot(folder));
    expect(cert.split.map((s) => ({ address: s.address.toLowerCase(), bps: s.bps }))).toEqual([
      { address: owner.toLowerCase(), bps: 6000 },
      { address: PARTNER.toLowerCase(), bps: 4000 },
    ]);
  });

  await test.step('`ativo verify` passes on the exported certificate; one changed byte fails it and names the file', () => {
    const ok = ativo(server, ['verify', certFile]);
    expect(ok.stdout).toMatch(/PASS {2}signature/);
    expect(ok.stdout).toMatch(/PASS {2}registration/);
    expect(ok.stdout).toMatch(/PASS {2}receipts/);
    expect(ok.stdout).toMatch(/PASS {2}files/);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    // From storage too: downloaded, decrypted with the key in the keychain, root recomputed.
    const stored = ativo(server, ['verify', certFile, '--from-storage']);
    expect(stored.stdout).toMatch(/PASS {2}files +3 file\(s\) \(\d+ bytes\) downloaded from storage and decrypted hash to the content root/);
    expect(stored.status, stored.stdout + stored.stderr).toBe(0);

    const csv = join(folder, 'eval/scores.csv');
    writeFileSync(csv, 'task,score\nqa,0.92\n');
    const bad = ativo(server, ['verify', certFile, '--folder', folder, '--json']);
    expect(bad.status).toBe(1);
    const files = (JSON.parse(bad.stdout) as Verified).checks.find((c) => c.name === 'files');
    expect(files).toMatchObject({ ok: false });
    expect(files?.detail).toContain('changed: eval/scores.csv');
  });

  await test.step('the Publish dialog for version 2 keeps every term of version 1 and lists what changed; public needs a confirmation', async () => {
    const id = value<{ items: { id: number; name: string }[] }>(await server.call('assets.list', {})).items.find((a) => a.name === 'Vault weights')?.id ?? 0;
    value(await server.call('assets.rescan', { id })); // eval/scores.csv changed in the step above
    await page.reload();
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    const v2 = page.getByRole('dialog', { name: 'Publish version 2 of “Vault weights”' });
    await expect(v2).toBeVisible();
    await expect(v2.getByTestId('publish-changes')).toContainText('Changed (1): eval/scores.csv');
    await expect(v2.getByRole('radio', { name: 'Private — encrypted' })).toBeChecked();
    await expect(v2.getByLabel('Price per access (ETH)')).toHaveValue('0.02');
    await expect(v2.getByLabel('Payee 1 share (%)')).toHaveValue('60');
    await expect(v2.getByLabel('Payee 2 address')).toHaveValue(PARTNER);
    await expect(v2.getByLabel('Payee 2 share (%)')).toHaveValue('40');
    // Switching to public asks for an explicit confirmation before anything is published.
    await v2.getByRole('radio', { name: 'Public' }).check();
    await expect(v2.getByTestId('confirm-public')).toContainText('Version 1 was private. Make every file of this version readable by anyone, for good.');
    await v2.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect(v2.getByText('Confirm that every file of this version becomes readable by anyone.')).toBeVisible();
    await v2.getByRole('radio', { name: 'Private — encrypted' }).check();
    await screenshotSizes(page, test.info(), 'publish-version-2');
    await v2.getByRole('button', { name: 'Cancel' }).click();
    await expect(v2).toBeHidden();
  });

  await test.step('a failed publication of the next version shows Retry on the asset screen, and retrying certifies version 2', async () => {
    // Publish the changed folder with the queue held, then change it again before it runs: the job fails.
    const id = value<{ items: { id: number; name: string }[] }>(await server.call('assets.list', {})).items.find((a) => a.name === 'Vault weights')?.id ?? 0;
    value(await server.call('jobs.pauseAll', {}));
    const job = value<{ jobId: number; version: number }>(await server.call('assets.publish', { id, visibility: 'private' }));
    expect(job.version).toBe(2);
    const csv = join(folder, 'eval/scores.csv');
    writeFileSync(csv, 'task,score\nqa,0.93\n');
    value(await server.call('assets.rescan', { id }));
    value(await server.call('jobs.resumeAll', {}));
    const failed = page.getByTestId('publish-failed');
    await expect(failed).toBeVisible({ timeout: 60_000 });
    await expect(failed).toContainText('changed since it was published');

    // Put the folder back as it was published, and retry from the asset screen.
    writeFileSync(csv, 'task,score\nqa,0.92\n');
    value(await server.call('assets.rescan', { id }));
    await failed.getByRole('button', { name: 'Retry publishing Vault weights' }).click();
    await expect(failed).toBeHidden();
    const history = page.getByTestId('version-history');
    await expect(history.getByTestId('version-row')).toHaveCount(2, { timeout: 180_000 });
    await expect(history.getByTestId('version-row').first()).toContainText(/Version 2.*Token #2 on Sandbox.*follows version 1/);
    await expect(history.getByTestId('version-root').first()).toHaveText(coreutilsContentRoot(folder));
    await expect(page.getByTestId('publication').getByRole('heading', { level: 2 })).toContainText('token #2');
    // Unchanged since version 2: nothing to publish, and the screen says why.
    await expect(page.getByRole('button', { name: 'Publish', exact: true })).toBeDisabled();
    await expect(page.getByText('Version 2 is certified and the folder has not changed since the last scan')).toBeVisible();
    const again = value<{ jobId: number | null; alreadyCertified: { version: number; tokenId: string } | null }>(await server.call('assets.publish', { id, visibility: 'private' }));
    expect(again).toMatchObject({ jobId: null, alreadyCertified: { version: 2, tokenId: '2' } });
  });
});
