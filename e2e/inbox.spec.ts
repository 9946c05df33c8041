/**
 * The access-request inbox (issue 6) end to end, all real parts: `ativo serve` as the owner
 * (sandbox anvil + storage node, the OS keychain under .ci/with-keyring.sh), and a second
 * party — its own data dir, keychain namespace and wallet — driving the real `ativo` CLI
 * against the same chain and storage node (as a testnet profile pointing at them).
 *
 * - A CLI request shows in the inbox within 5 s with the unread badge and a notice; the owner
 *   opens it with the keyboard, approves it in the UI; `ativo access fetch` then writes files
 *   whose content root (computed with coreutils) equals the certificate's.
 * - A denial (with a reason) refunds the requester — checked on chain — and `fetch` fails
 *   with a clear message.
 * - On the sandbox: "Simulate a buyer", bulk deny, and the auto-approve rule.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { Contract, JsonRpcProvider } from 'ethers';
import { ATIVO_BIN } from '../src/test-support/run-cli';
import { expect, test } from './fixtures';
import { screenshot } from './screenshots';
import type { AtivoServer } from './fixtures';
import { coreutilsContentRoot, tempDir, value, writeTree } from './helpers';

async function until<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 180_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Certificate {
  asset: { name: string; contentRoot: string };
  chain: { tokenId: string; chainId: number; registry: string };
  license: { termsHash: string };
}

/** Publishes a new asset (private, priced) through the backend and waits until it is certified. */
async function publishAsset(server: AtivoServer, name: string, files: Record<string, string>, priceEth: string): Promise<{ id: number; folder: string; cert: Certificate }> {
  const { wallets } = value<{ wallets: unknown[] }>(await server.call('wallet.list'));
  if (wallets.length === 0) value(await server.call('wallet.create', { label: 'owner' }));
  const folder = join(tempDir('ativo-e2e-inbox-'), name);
  writeTree(folder, files);
  const asset = value<{ id: number }>(await server.call('assets.add', { path: folder }));
  value(await server.call('storage.fund', { ether: '0.01' }));
  const { jobId } = value<{ jobId: number | null }>(await server.call('assets.publish', { id: asset.id, visibility: 'private', priceEth }));
  if (jobId === null) throw new Error('nothing to publish');
  await until(`the publication of ${name}`, async () => {
    const j = value<{ items: { id: number; state: string; error: string | null }[] }>(await server.call('jobs.list', { limit: 1000 })).items.find((x) => x.id === jobId);
    if (j?.state === 'failed' || j?.state === 'cancelled') throw new Error(`publish ${j.state}: ${j.error ?? ''}`);
    return j?.state === 'done' ? true : undefined;
  });
  const { certificate } = value<{ certificate: Certificate }>(await server.call('assets.certificate', { id: asset.id }));
  return { id: asset.id, folder, cert: certificate };
}

/** A second party: its own data dir, keychain namespace and wallet, on the owner's chain and storage node. */
class Requester {
  readonly dir = tempDir('ativo-e2e-requester-');
  readonly env: NodeJS.ProcessEnv = { ATIVO_DATA_DIR: join(this.dir, 'data'), ATIVO_KEYCHAIN_PREFIX: `ativo-e2e-req-${randomBytes(5).toString('hex')}`, NO_COLOR: '1' };
  address = '';

  /**
   * Runs the real `ativo` CLI. Asynchronously: a blocking spawnSync would stall this worker's
   * event loop, and the HTTP client would then reuse keep-alive sockets the server already closed.
   */
  run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [ATIVO_BIN, ...args], { env: { ...process.env, ...this.env }, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ status: code, stdout, stderr });
      });
    });
  }

  async json<T>(args: string[]): Promise<T> {
    const r = await this.run([...args, '--json']);
    if (r.status !== 0) throw new Error(`ativo ${args.join(' ')} exited ${String(r.status)}: ${r.stderr}${r.stdout}`);
    return JSON.parse(r.stdout) as T;
  }

  async setUp(server: AtivoServer): Promise<void> {
    const st = value<{ rpcUrl: string; chainId: number; registry: string | null; storageUrl: string | null }>(await server.call('chain.status', {}));
    if (st.registry === null || st.storageUrl === null) throw new Error('the sandbox has no registry or storage node');
    await this.json(['network', 'set', 'testnet', '--rpc', st.rpcUrl, '--chain-id', String(st.chainId), '--registry', st.registry, '--storage', st.storageUrl]);
    await this.json(['network', 'use', 'testnet']);
    this.address = (await this.json<{ address: string }>(['wallet', 'create', '--label', 'requester'])).address;
    value(await server.call('sandbox.fund', { address: this.address, ether: '2' }));
  }

  request(cert: Certificate | string, message: string): Promise<{ requestId: string; amountWei: string; requester: string }> {
    // A certificate file holds the terms; with a token id the buyer names the terms hash it read.
    const args = typeof cert === 'string' ? [cert] : [cert.chain.tokenId, '--terms-hash', cert.license.termsHash];
    return this.json(['access', 'request', ...args, '--message', message]);
  }

  async tearDown(): Promise<void> {
    const list = await this.run(['wallet', 'list', '--json']);
    if (list.status === 0) for (const w of (JSON.parse(list.stdout) as { wallets: { address: string }[] }).wallets) await this.run(['wallet', 'remove', w.address]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const inboxLink = (page: Page) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inbox/ });
const rowFor = (page: Page, assetName: string) => page.getByTestId('request-row').filter({ hasText: assetName });

test.describe.configure({ mode: 'serial' });

test('a CLI request arrives within 5 s with a badge; approved in the UI, `access fetch` gets the certified files; a denial refunds and fetch says why', async ({
  page,
  server,
}, testInfo) => {
  test.setTimeout(420_000);
  const requester = new Requester();
  try {
    const files = { 'labels.csv': 'file,label\n0001.png,poppy\n', 'notes/readme.md': '# Wildflowers\nMeadow survey.\n', '.hidden': 'hidden files count\n' };
    const { folder, cert } = await publishAsset(server, 'Wildflowers', files, '0.01');
    expect(cert.asset.contentRoot).toBe(coreutilsContentRoot(folder));
    const certFile = join(requester.dir, 'ativo-certificate.json');
    writeFileSync(certFile, JSON.stringify(cert, null, 2));
    await requester.setUp(server);

    await test.step('the empty inbox says how requests arrive', async () => {
      await page.reload();
      await inboxLink(page).click();
      await expect(page.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
      await expect(page.getByTestId('inbox-empty')).toContainText('No access requests yet');
      await expect(page.getByTestId('inbox-empty')).toContainText('Simulate a buyer');
      await expect(page.getByTestId('inbox-unread')).toHaveCount(0);
    });

    let approvedId = '';
    await test.step('the request shows within 5 s, with the badge, the title count and a notice', async () => {
      const r = await requester.request(certFile, 'For a thesis on meadows.');
      approvedId = r.requestId;
      expect(r.amountWei).toBe('10000000000000000');
      const row = rowFor(page, 'Wildflowers');
      await expect(row).toHaveCount(1, { timeout: 5000 });
      await expect(page.getByTestId('inbox-unread')).toHaveText(/^1\s*unread$/, { timeout: 5000 });
      await expect(row.getByTestId('request-state')).toHaveText('Pending');
      await expect(row).toContainText('0.01 ETH');
      await expect(row).toContainText(`${requester.address.slice(0, 6)}…${requester.address.slice(-4)}`);
      await expect(row).toContainText(/just now|min ago/);
      await expect(page).toHaveTitle('(1) Inbox · Ativo');
      await expect(page.getByText(/New request: 0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} requests access to “Wildflowers” \(0\.01 ETH\)\./)).toBeVisible();
    });

    await test.step('opened with the keyboard: details, marked read', async () => {
      const open = rowFor(page, 'Wildflowers').getByRole('button', { name: /Wildflowers, from/ });
      await open.focus();
      await page.keyboard.press('Enter');
      const detail = page.getByTestId('request-detail');
      await expect(detail.getByTestId('request-message')).toHaveText('For a thesis on meadows.');
      await expect(detail.getByTestId('detail-requester')).toHaveText(requester.address);
      await expect(detail.getByTestId('detail-amount')).toHaveText('0.01 ETH');
      await expect(detail.getByTestId('detail-deadline')).toContainText('after that the requester can cancel and take the payment back');
      await expect(detail.getByTestId('detail-tx')).toHaveText(/^0x[0-9a-f]{64}$/);
      await expect(detail).toContainText('This is their first request to you.');
      await expect(page.getByTestId('inbox-unread')).toHaveCount(0);
      await expect(page).toHaveTitle('Inbox · Ativo');
      expect(page.url()).toMatch(/#\/inbox\/\d+$/);
    });

    await test.step('approve in the UI: a confirmation, then the job runs to Approved', async () => {
      const detail = page.getByTestId('request-detail');
      await detail.getByRole('button', { name: 'Approve', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Approve this request?' });
      await expect(dialog).toBeVisible();
      // Focus starts on Cancel and stays in the dialog.
      await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
      await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
      await expect(dialog).toBeHidden();
      await expect(detail.getByTestId('detail-state')).toHaveText('Approved', { timeout: 180_000 });
      await expect(detail.getByTestId('detail-grant')).toHaveText(/\S+/);
      await expect(rowFor(page, 'Wildflowers').getByTestId('request-state')).toHaveText('Approved');
      await screenshot(page, testInfo, 'inbox');
    });

    await test.step('`ativo access fetch` writes files whose content root is the certificate’s', async () => {
      const out = join(requester.dir, 'fetched');
      const f = await requester.json<{ contentRoot: string; files: number; verified: boolean }>(['access', 'fetch', approvedId, '--out', out]);
      expect(f.contentRoot).toBe(cert.asset.contentRoot);
      expect(f.verified).toBe(true);
      expect(coreutilsContentRoot(out)).toBe(cert.asset.contentRoot);
    });

    await test.step('a second request, denied with a reason: refunded on chain, fetch fails clearly', async () => {
      const st = value<{ rpcUrl: string; registry: string }>(await server.call('chain.status', {}));
      // Read the registry straight from the chain (not through Ativo): what the requester can withdraw.
      const provider = new JsonRpcProvider(st.rpcUrl, undefined, { staticNetwork: true });
      try {
        const registry = new Contract(st.registry, ['function withdrawable(address account) view returns (uint256)'], provider);
        const withdrawable = async (a: string): Promise<bigint> => (await registry.getFunction('withdrawable').staticCall(a)) as bigint;
        const before = await withdrawable(requester.address);
        const r = await requester.request(cert, 'Second try, for teaching.');
        const rows = rowFor(page, 'Wildflowers');
        await expect(rows).toHaveCount(2, { timeout: 5000 });
        const pending = rows.filter({ has: page.getByTestId('request-state').getByText('Pending', { exact: true }) });
        await pending.getByRole('button', { name: /Wildflowers, from/ }).click();
        const detail = page.getByTestId('request-detail');
        await expect(detail.getByTestId('request-message')).toHaveText('Second try, for teaching.');
        await expect(detail.getByTestId('request-history')).toContainText('Approved');
        await detail.getByRole('button', { name: 'Deny…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Deny this request?' });
        await expect(dialog.getByLabel(/Reason/)).toBeFocused();
        await page.keyboard.type('Not licensed for teaching.');
        await dialog.getByRole('button', { name: 'Deny and refund' }).click();
        await expect(dialog).toBeHidden();
        await expect(detail.getByTestId('detail-state')).toHaveText('Denied', { timeout: 120_000 });
        await page.screenshot({ path: testInfo.outputPath('inbox-denied.png') });
        await until('the refund on chain', async () => ((await withdrawable(requester.address)) - before === BigInt(r.amountWei) ? true : undefined), 30_000);

        const out = join(requester.dir, 'denied');
        const f = await requester.run(['access', 'fetch', r.requestId, '--out', out]);
        expect(f.status).toBe(1);
        expect(f.stderr).toMatch(/denied this request: Not licensed for teaching\./);
        expect(f.stderr).toMatch(/0\.01 ETH was credited back/);
        expect(existsSync(out)).toBe(false);
      } finally {
        provider.destroy();
      }
    });
  } finally {
    await requester.tearDown();
  }
});

test('sandbox: simulated buyers, keyboard list navigation, bulk deny and bulk approve, the auto-approve rule', async ({ page, server }, testInfo) => {
  test.setTimeout(300_000);
  const { id } = await publishAsset(server, 'Marsh sounds', { 'bittern.txt': 'Boom at dusk.\n' }, '0.002');
  await page.goto(`${server.url}#/assets/${id}`);
  await expect(page.getByRole('heading', { name: 'Marsh sounds', level: 1 })).toBeVisible();
  const card = page.getByTestId('publication');
  const simulate = card.getByRole('button', { name: 'Simulate a buyer' });

  await test.step('two simulated buyers', async () => {
    await simulate.click();
    await expect(page.getByText(/A simulated buyer \(0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}\) requested access/)).toBeVisible();
    await expect(simulate).toBeEnabled();
    await simulate.click();
    await inboxLink(page).click();
    await expect(rowFor(page, 'Marsh sounds')).toHaveCount(2, { timeout: 15_000 });
    // Each row starts the buyer's message, and names the asset in full on hover.
    const first = rowFor(page, 'Marsh sounds').first();
    await expect(first.getByTestId('request-preview')).toHaveText('Hello! I would like to use this for a research project.');
    await expect(first.getByRole('button', { name: /, from / })).toHaveAttribute('title', 'Marsh sounds');
    await page.screenshot({ path: testInfo.outputPath('inbox-two-pending.png') });
  });

  await test.step('arrow keys move between requests; Enter opens one', async () => {
    const buttons = page.getByTestId('request-row').getByRole('button', { name: /, from / });
    await buttons.first().focus();
    await page.keyboard.press('ArrowDown');
    await expect(buttons.nth(1)).toBeFocused();
    await page.keyboard.press('ArrowUp');
    await expect(buttons.first()).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('request-detail')).toBeVisible();
    // The list is one Tab stop: past the row's copy button, Tab reaches the request's actions.
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('request-row').first().getByRole('button', { name: /^Copy the address of/ })).toBeFocused();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('request-detail').getByRole('button', { name: 'Approve', exact: true })).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await expect(buttons.first()).toBeFocused();
  });

  await test.step('select all pending, deny them together with one reason', async () => {
    await page.getByRole('combobox', { name: 'Show' }).selectOption('pending');
    await expect(rowFor(page, 'Marsh sounds')).toHaveCount(2);
    await page.getByTestId('select-all').check();
    await expect(page.getByText('2 selected')).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath('inbox-selected.png') });
    await page.getByRole('button', { name: 'Deny selected…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deny 2 requests?' });
    await dialog.getByLabel(/Reason/).fill('Closed for now.');
    await dialog.getByRole('button', { name: 'Deny 2 and refund' }).click();
    await expect(dialog).toBeHidden();
    await page.getByRole('combobox', { name: 'Show' }).selectOption('denied');
    await expect(rowFor(page, 'Marsh sounds')).toHaveCount(2, { timeout: 120_000 });
    for (const chip of await rowFor(page, 'Marsh sounds').getByTestId('request-state').all()) await expect(chip).toHaveText('Denied');
  });

  await test.step('select all pending, approve them together', async () => {
    value(await server.call('access.simulateBuyer', { assetId: id }));
    value(await server.call('access.simulateBuyer', { assetId: id }));
    await page.getByRole('combobox', { name: 'Show' }).selectOption('pending');
    await expect(rowFor(page, 'Marsh sounds')).toHaveCount(2, { timeout: 15_000 });
    await page.getByTestId('select-all').check();
    await page.getByRole('button', { name: 'Approve selected' }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve 2 requests?' });
    await dialog.getByRole('button', { name: 'Approve 2' }).click();
    await expect(dialog).toBeHidden();
    await page.getByRole('combobox', { name: 'Show' }).selectOption('approved');
    await expect(rowFor(page, 'Marsh sounds')).toHaveCount(2, { timeout: 120_000 });
    // Deciding reads a request: nothing is left unread after approving (or denying) them together.
    await expect(page.getByText('Nothing unread.')).toBeVisible();
    await expect(page.getByTestId('inbox-unread')).toHaveCount(0);
  });

  await test.step('auto-approve: a request that pays the price is approved without the owner', async () => {
    await page.goto(`${server.url}#/assets/${id}`);
    const auto = card.getByTestId('auto-approve');
    await expect(auto).not.toBeChecked();
    await page.screenshot({ path: testInfo.outputPath('publication-access.png') });
    await auto.check();
    await expect(page.getByText('Requests for “Marsh sounds” that pay its price are now approved automatically.')).toBeVisible();
    await simulate.click();
    await inboxLink(page).click();
    await page.getByRole('combobox', { name: 'Show' }).selectOption('approved');
    await expect(rowFor(page, 'Marsh sounds')).toHaveCount(3, { timeout: 120_000 });
    // Approved by the rule, not by the owner: still news.
    await expect(page.getByTestId('inbox-unread-summary')).toHaveText('1 unread request.');
  });

  await test.step('a narrow window stacks list and request: opening one brings its details into view', async () => {
    await page.setViewportSize({ width: 800, height: 600 });
    await page.getByRole('combobox', { name: 'Show' }).selectOption('all');
    const rows = rowFor(page, 'Marsh sounds');
    await expect(rows).toHaveCount(5);
    await rows.nth(3).getByRole('button', { name: /, from / }).click();
    await expect(page.getByTestId('request-detail')).toBeInViewport();
    await expect(page.getByTestId('request-detail').getByRole('heading', { level: 2 })).toBeInViewport();
  });
});

test('browser shell: with permission granted, a new request raises a system notification; clicking it opens the request', async ({ page, server }) => {
  test.setTimeout(180_000);
  const { id } = await publishAsset(server, 'Night owls', { 'owl.txt': 'Hoo.\n' }, '0.001');
  await page.context().grantPermissions(['notifications'], { origin: new URL(server.url).origin });
  // Record the (real) notifications the page creates, to click the one it shows.
  await page.addInitScript(`
    const Real = window.Notification;
    const seen = [];
    window.__notes = seen;
    class Recorded extends Real {
      constructor(title, options) {
        super(title, options);
        seen.push(this);
      }
    }
    Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true, writable: true });
  `);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();

  value(await server.call('access.simulateBuyer', { assetId: id, message: 'Owl survey.' }));
  await expect
    .poll(() => page.evaluate<string[]>('window.__notes.map((n) => n.title + "|" + n.body)'), { timeout: 15_000 })
    .toEqual([expect.stringMatching(/^New access request\|0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} requests access to “Night owls” \(0\.001 ETH\)\.$/)]);
  // The system notification replaces the in-app notice.
  await expect(page.getByText(/New request: .*Night owls/)).toHaveCount(0);

  await page.evaluate("window.__notes[0].dispatchEvent(new Event('click'))");
  await expect(page.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
  await expect(page.getByTestId('request-detail').getByTestId('request-message')).toHaveText('Owl survey.');
  expect(page.url()).toMatch(/#\/inbox\/\d+$/);
});
