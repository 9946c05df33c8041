/**
 * Approvers (issue 17) end to end, three wallets in one app (wallet switches), all real parts:
 * the owner publishes a private dataset and names an approver on the asset page; a buyer requests
 * access; the approver, who owns nothing, approves it from its Inbox; the owner's Ativo delivers
 * the key; the buyer downloads from My access into a folder whose coreutils content root is the
 * certificate's; the inbox says who approved. Screenshots of the new parts at the three review
 * sizes, axe clean.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { AtivoServer } from './fixtures';
import { audit, coreutilsContentRoot, tempDir, value, writeTree } from './helpers';
import { screenshotSizes } from './screenshots';

interface Certificate {
  asset: { name: string; contentRoot: string };
  chain: { tokenId: string; chainId: number; registry: string };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 240_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function useWallet(server: AtivoServer, page: Page, address: string): Promise<void> {
  value(await server.call('wallet.use', { address }));
  await page.reload();
}

const nav = (page: Page, name: RegExp) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
const short = (a: string): string => `${a.slice(0, 6)}…${a.slice(-4)}`;

test('an approver approves a request for an asset it does not own; the owner’s app delivers the key; the buyer downloads; the inbox says who approved', async ({ page, server }, testInfo) => {
  test.setTimeout(600_000);
  const work = tempDir('ativo-e2e-approver-');
  const folder = join(work, 'Lake samples');
  writeTree(folder, { 'samples.csv': 'sample,ph\nL1,7.1\nL2,6.8\n', 'README.md': '# Lake samples\nWater samples from two lakes.\n' });

  const owner = value<{ address: string }>(await server.call('wallet.create', { label: 'Owner' }));
  const approver = value<{ address: string }>(await server.call('wallet.create', { label: 'Lab member' }));
  const buyer = value<{ address: string }>(await server.call('wallet.create', { label: 'Buyer' }));
  value(await server.call('sandbox.fund', { address: approver.address, ether: '1' }));
  value(await server.call('sandbox.fund', { address: buyer.address, ether: '1' }));
  value(await server.call('wallet.use', { address: owner.address }));
  const asset = value<{ id: number }>(await server.call('assets.add', { path: folder }));
  value(await server.call('storage.fund', { ether: '0.01' }));
  const { jobId } = value<{ jobId: number | null }>(await server.call('assets.publish', { id: asset.id, visibility: 'private', priceEth: '0.01' }));
  if (jobId === null) throw new Error('nothing to publish');
  await until('the publication', async () => {
    const j = value<{ items: { id: number; state: string; error: string | null }[] }>(await server.call('jobs.list', { limit: 1000 })).items.find((x) => x.id === jobId);
    if (j?.state === 'failed' || j?.state === 'cancelled') throw new Error(`publish ${j.state}: ${j.error ?? ''}`);
    return j?.state === 'done' ? true : undefined;
  });
  const { certificate: cert } = value<{ certificate: Certificate }>(await server.call('assets.certificate', { id: asset.id }));
  const route = `#/asset/${cert.chain.chainId}/${cert.chain.registry.toLowerCase()}/${cert.chain.tokenId}`;

  await test.step('the owner names an approver on the asset page (a wrong address gets a sentence)', async () => {
    await page.goto(`${server.url}#/assets/${asset.id}`);
    const panel = page.getByTestId('approvers-panel');
    await expect(panel.getByTestId('approvers-empty')).toContainText('only you answer requests', { timeout: 60_000 });
    await panel.getByTestId('approver-address').fill('0x1234');
    await panel.getByTestId('approver-add').click();
    await expect(panel.getByRole('alert')).toHaveText('A wallet address has 40 letters and digits after 0x; this one has 4.');
    await panel.getByTestId('approver-address').fill(owner.address);
    await panel.getByTestId('approver-add').click();
    await expect(panel.getByRole('alert')).toContainText('That is your own wallet');
    await panel.getByTestId('approver-address').fill(approver.address);
    await panel.getByTestId('approver-add').click();
    const row = panel.getByTestId('approver-row');
    await expect(row).toHaveCount(1, { timeout: 60_000 });
    await expect(row.locator('code')).toHaveText(short(approver.address));
    await expect(row.locator('code')).toHaveAttribute('title', approver.address);
    await panel.scrollIntoViewIfNeeded();
    await audit(page, 'asset page, approvers');
    await screenshotSizes(page, testInfo, 'asset-approvers');
  });

  await test.step('the buyer requests access', async () => {
    await useWallet(server, page, buyer.address);
    await page.goto(`${server.url}${route}`);
    await page.getByTestId('request-access').click();
    const dialog = page.getByRole('dialog', { name: 'Request access to Lake samples' });
    await dialog.getByTestId('request-confirm').click();
    await expect(dialog).toBeHidden({ timeout: 120_000 });
    await expect(page.getByTestId('my-request')).toHaveCount(1, { timeout: 60_000 });
  });

  await test.step('the approver, who owns nothing, approves it from its Inbox', async () => {
    await useWallet(server, page, approver.address);
    await nav(page, /Inbox/).click();
    const open = page.getByTestId('request-row').filter({ hasText: 'Lake samples' }).getByRole('button', { name: /Lake samples, from/ });
    await expect(open).toHaveCount(1, { timeout: 120_000 });
    await open.click();
    const detail = page.getByTestId('request-detail');
    await expect(detail.getByTestId('detail-approver-note')).toContainText('one of the owner’s approvers');
    await detail.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.getByRole('dialog', { name: 'Approve this request?' }).getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(detail.getByTestId('detail-state')).toHaveText('Approved', { timeout: 240_000 });
    await expect(detail.getByTestId('detail-decision')).toHaveText('Approved by you', { timeout: 60_000 });
    await audit(page, 'Inbox, approved by an approver');
    await screenshotSizes(page, testInfo, 'inbox-approver');
  });

  await test.step('the owner’s app delivers the key; the buyer downloads: the coreutils content root is the certificate’s', async () => {
    await until('the key delivery', async () => {
      const j = value<{ items: { kind: string; state: string; error: string | null }[] }>(await server.call('jobs.list', { limit: 1000 })).items.find((x) => x.kind === 'access.deliver');
      if (j?.state === 'failed' || j?.state === 'cancelled') throw new Error(`delivery ${j.state}: ${j.error ?? ''}`);
      return j?.state === 'done' ? true : undefined;
    });
    await useWallet(server, page, buyer.address);
    await nav(page, /My access/).click();
    const row = page.getByTestId('my-request');
    await expect(row.getByTestId('my-request-state')).toHaveText('Approved', { timeout: 60_000 });
    const out = join(work, 'downloaded');
    await row.getByTestId('download-path').fill(out);
    await row.getByTestId('download-button').click();
    await expect(row.getByTestId('download-done')).toContainText(cert.asset.contentRoot, { timeout: 240_000 });
    expect(coreutilsContentRoot(out)).toBe(cert.asset.contentRoot);
  });

  await test.step('the owner’s inbox says who approved', async () => {
    await useWallet(server, page, owner.address);
    await nav(page, /Inbox/).click();
    const row = page.getByTestId('request-row').filter({ hasText: 'Lake samples' });
    await expect(row.getByTestId('request-decision')).toHaveText(`Approved by ${short(approver.address)} (approver)`, { timeout: 60_000 });
    await expect(row.getByTestId('request-decision')).toHaveAttribute('title', approver.address);
  });
});
