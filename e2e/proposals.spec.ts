/**
 * Proposals between payees (issue 17) end to end, two wallets in one app (a wallet switch, as in
 * buyer.spec.ts), all real parts: the owner (70%) publishes with a partner (30%), sets the rule
 * "every payee" on the asset page and proposes a price change; submitting it at once is refused
 * in plain words; the partner's Inbox shows the proposal (stored on the storage node, found by
 * tags) and the partner signs; the owner's app submits it by itself; the price read from the
 * chain changes; the audit log records the proposal, the signature and the submission.
 * Then the owner proposes a new split and access period with the split editor, and the public
 * page says every payee must agree. Screenshots at the three review sizes, axe clean.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { AtivoServer } from './fixtures';
import { audit, tempDir, value, writeTree } from './helpers';
import { screenshotSizes } from './screenshots';

async function until<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 240_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function useWallet(server: AtivoServer, page: Page, address: string): Promise<void> {
  value(await server.call('wallet.use', { address }));
  await page.reload();
}

test('the owner proposes a new price; refused without the partner; the partner signs in the Inbox; the owner’s app submits; the chain changes', async ({ page, server }, testInfo) => {
  test.setTimeout(600_000);
  const folder = join(tempDir('ativo-e2e-proposals-'), 'Bird songs');
  writeTree(folder, { 'songs.csv': 'bird,seconds\nrobin,3\nwren,5\n', 'README.md': '# Bird songs\nRecorded at dawn.\n' });

  const partner = value<{ address: string }>(await server.call('wallet.create', { label: 'Partner' }));
  value(await server.call('wallet.use', { address: partner.address }));
  value(await server.call('storage.fund', { ether: '0.01' }));
  const owner = value<{ address: string }>(await server.call('wallet.create', { label: 'Owner' }));
  value(await server.call('wallet.use', { address: owner.address }));
  value(await server.call('storage.fund', { ether: '0.01' }));
  const asset = value<{ id: number }>(await server.call('assets.add', { path: folder }));
  const { jobId } = value<{ jobId: number | null }>(
    await server.call('assets.publish', { id: asset.id, visibility: 'public', priceEth: '0.01', split: [{ address: owner.address, percent: 70 }, { address: partner.address, percent: 30 }] }),
  );
  if (jobId === null) throw new Error('nothing to publish');
  await until('the publication', async () => {
    const j = value<{ items: { id: number; state: string; error: string | null }[] }>(await server.call('jobs.list', { limit: 1000 })).items.find((x) => x.id === jobId);
    if (j?.state === 'failed' || j?.state === 'cancelled') throw new Error(`publish ${j.state}: ${j.error ?? ''}`);
    return j?.state === 'done' ? true : undefined;
  });

  await test.step('the owner sets the rule "every payee" and proposes 0.02 ETH on the asset page', async () => {
    await page.goto(`${server.url}#/assets/${asset.id}`);
    const panel = page.getByTestId('governance-panel');
    await expect(panel.getByTestId('consent-rule')).toHaveText('The owner alone decides changes of terms.');
    await panel.getByLabel('Changes need').selectOption('all');
    await panel.getByRole('button', { name: 'Set rule' }).click();
    await expect(panel.getByTestId('consent-rule')).toHaveText('Every payee must agree to changes of terms.', { timeout: 60_000 });
    await panel.getByLabel('New price (ETH)').fill('0.02');
    await panel.getByRole('button', { name: 'Propose' }).click();
    const item = panel.getByTestId('proposal-item');
    await expect(item).toContainText('Price 0.01 ETH → 0.02 ETH', { timeout: 60_000 });
    await expect(item.getByTestId('proposal-agreed')).toContainText('Agreed: 70% of the split; 100% must agree.');
    // Submitting before the partner signed is refused, in plain words.
    await item.getByRole('button', { name: 'Submit change' }).click();
    await expect(item.getByRole('alert')).toContainText('Not yet: payees holding 70% of the split agreed, and this asset\'s rule needs 100%.');
    await audit(page, 'asset page, governance');
    const dismiss = page.getByRole('button', { name: 'Dismiss message' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    await panel.scrollIntoViewIfNeeded();
    await screenshotSizes(page, testInfo, 'asset-governance');
  });

  await test.step('the partner sees the proposal in the Inbox and signs it', async () => {
    await useWallet(server, page, partner.address);
    await page.goto(`${server.url}#/inbox`);
    const item = page.getByTestId('proposal-item');
    await expect(item).toContainText('Price 0.01 ETH → 0.02 ETH', { timeout: 120_000 });
    await expect(item).toContainText('Bird songs');
    await audit(page, 'inbox with a proposal');
    await screenshotSizes(page, testInfo, 'inbox-proposal');
    await item.getByRole('button', { name: 'Sign' }).click();
    await expect(item.getByTestId('proposal-agreed')).toContainText('You signed', { timeout: 60_000 });
  });

  await test.step('the owner’s app submits the change; the chain has the new price; the audit log has all three', async () => {
    await useWallet(server, page, owner.address);
    await until('the new price on chain', async () => {
      const t = value<{ priceWei: string }>(await server.call('assets.terms', { assetId: asset.id }));
      return t.priceWei === '20000000000000000' ? true : undefined;
    });
    const entries = value<{ items: { action: string; actor: string }[] }>(await server.call('audit.list', { offset: 0, limit: 100 })).items.map((e) => `${e.action} ${e.actor.toLowerCase()}`);
    expect(entries).toEqual(expect.arrayContaining([`proposal.made ${owner.address.toLowerCase()}`, `proposal.signed ${partner.address.toLowerCase()}`, `proposal.submitted ${owner.address.toLowerCase()}`]));
    await page.goto(`${server.url}#/assets/${asset.id}`);
    await expect(page.getByTestId('terms-price-now')).toHaveText('0.02 ETH', { timeout: 60_000 });
  });

  await test.step('the owner can propose a new split and access period; the public page says who must agree', async () => {
    const panel = page.getByTestId('governance-panel');
    // The accepted proposal says what its terms were (the chain holds them now).
    await expect(panel.getByTestId('proposal-item').filter({ hasText: 'Accepted' })).toContainText('New terms: 0.02 ETH, CC-BY-4.0, access with no end, split');
    await panel.getByLabel('Change who is paid (the split)').check();
    // The editor starts from the payees as they are.
    await expect(panel.getByTestId('split-row')).toHaveCount(2);
    await expect(panel.getByTestId('split-total')).toHaveText('Total: 100%');
    await panel.getByLabel('Payee 2 share (%)').fill('20');
    await panel.getByRole('button', { name: 'Propose' }).click();
    await expect(panel.getByTestId('split-total')).toContainText('must be 100% (10% left)');
    await panel.getByLabel('Payee 2 share (%)').fill('40');
    await panel.getByLabel('Payee 1 share (%)').fill('60');
    await panel.getByLabel('New access period (days)').fill('30');
    await audit(page, 'asset page, proposing a new split');
    await screenshotSizes(page, testInfo, 'asset-propose-split');
    await panel.getByRole('button', { name: 'Propose' }).click();
    await expect(panel.getByTestId('proposal-item').filter({ hasText: 'Access perpetual → 30 day(s)' })).toContainText('60%', { timeout: 60_000 });

    const st = value<{ chainId: number; registry: string | null }>(await server.call('chain.status', {}));
    const pub = value<{ publication: { tokenId: string | null } | null }>(await server.call('assets.get', { id: asset.id })).publication;
    await page.goto(`${server.url}#/asset/${st.chainId}/${st.registry ?? ''}/${pub?.tokenId ?? ''}`);
    await expect(page.getByTestId('public-consent')).toHaveText('Changes of terms need every payee’s agreement.', { timeout: 60_000 });
  });
});
