/**
 * Money as one step (issue 15), through the real backend (sandbox anvil, storage node over HTTP,
 * keychain wallet): the quote of a fresh wallet's first publication, the storage it lacks funded
 * by the publication itself (exactly that, no more), a confirmed amount that no longer covers it
 * refused, and a wallet that cannot pay refused with the amount missing, nothing sent.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonRpcProvider, toBeHex } from 'ethers';
import { describe, expect, it } from 'vitest';
import { useBackendSandbox, until } from '../test-support/backend-sandbox';
import { ethText } from '../util/format';

describe('the publish quote, and storage funded by the publication', () => {
  const sb = useBackendSandbox('publish-quote');

  it('a fresh sandbox wallet: the quote, a too-small confirmed amount refused, then the publication funds exactly what it lacks and is certified', { timeout: 240_000 }, async () => {
    const b = sb.backend();
    await b.call('wallet.create', { label: 'new' });
    const folder = join(sb.dir(), 'Moss');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.csv'), 'species,count\nmoss,3\n');
    writeFileSync(join(folder, 'b.txt'), 'x'.repeat(100_000));
    const id = await sb.add(folder);

    const q = await b.call('assets.publishQuote', { id });
    expect(q.network).toBe('sandbox');
    expect(q.fundsWithoutAsking).toBe(true);
    expect(q.storageBalance.atomic).toBe('0');
    expect(BigInt(q.storageCost.atomic)).toBeGreaterThan(0n);
    expect(q.toFund.atomic).toBe(q.storageCost.atomic);
    expect(BigInt(q.chainFee.atomic)).toBeGreaterThan(0n);
    expect(BigInt(q.total.atomic)).toBe(BigInt(q.chainFee.atomic) + BigInt(q.toFund.atomic) + BigInt(q.fundFee.atomic));
    expect(q).toMatchObject({ canPay: true, reason: null, missing: { atomic: '0' } });
    // The node's own prices for the items (2 files, the file list, the public metadata) stay within the quote.
    const node = (await b.call('storage.quote', { bytes: 100_000 })).price.atomic;
    expect(BigInt(q.storageCost.atomic)).toBeGreaterThan(BigInt(node));

    // A confirmed amount below what is needed: refused, nothing funded, nothing queued.
    const low = await b.invoke('assets.publish', { id, fundStorage: (BigInt(q.toFund.atomic) - 1n).toString() });
    expect(low.ok).toBe(false);
    expect(!low.ok && low.error.message).toBe(
      `Storing these files now needs ${q.toFund.formatted} more in your storage balance, more than the ${ethText(BigInt(q.toFund.atomic) - 1n, true)} you confirmed (the folder or the price changed). Nothing was sent: check the new amount and publish again.`,
    );
    expect((await b.call('storage.status', {})).balance.atomic).toBe('0');
    expect((await b.call('jobs.list', { kind: 'publish' })).total).toBe(0);

    const r = await b.call('assets.publish', { id, fundStorage: q.toFund.atomic });
    expect(r.storageFunded).toBe(q.toFund.atomic);
    expect((await b.call('storage.status', {})).balance.atomic).toBe(q.toFund.atomic);
    await until('the publication', async () => {
      const job = (await b.call('jobs.list', { kind: 'publish' })).items.find((j) => j.id === r.jobId);
      if (job?.state === 'failed') throw new Error(job.error ?? 'failed');
      return job?.state === 'done';
    });
    // Nothing waited for funds: every upload was paid from what the publication added.
    const uploads = (await b.call('jobs.list', { kind: 'upload', assetId: id, limit: 10 })).items;
    expect(uploads.map((j) => j.state)).toEqual(['done', 'done']);
    expect(uploads.every((j) => j.attempts <= 1)).toBe(true);
  });

  it('a wallet that cannot pay: the quote says the amount missing, and the publication is refused with it, nothing sent', { timeout: 120_000 }, async () => {
    const b = sb.backend();
    const w = await b.call('wallet.create', { label: 'poor' });
    await b.call('wallet.use', { address: w.address });
    const folder = join(sb.dir(), 'Lichen');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'c.txt'), 'lichen\n');
    const id = await sb.add(folder);
    const { rpcUrl } = await b.call('chain.status', {});
    const rpc = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
    try {
      // Half of what publishing needs (the sandbox's fees are small: from its own quote).
      const half = BigInt((await b.call('assets.publishQuote', { id })).total.atomic) / 2n;
      await rpc.send('anvil_setBalance', [w.address, toBeHex(half)]);
      const nonce = await rpc.getTransactionCount(w.address);
      const q = await b.call('assets.publishQuote', { id });
      expect(q.canPay).toBe(false);
      expect(q.wallet.formatted).toBe(ethText(half));
      expect(BigInt(q.missing.atomic)).toBeGreaterThanOrEqual(BigInt(q.total.atomic) - half);
      const sentence = `Your wallet has ${ethText(half)}, and publishing needs about ${q.total.formatted} (the chain fee, about ${q.chainFee.formatted} and ${ethText(BigInt(q.toFund.atomic) + BigInt(q.fundFee.atomic), true)} to add to your storage balance): ${q.missing.formatted} is missing. Nothing was sent.`;
      expect(q.reason).toBe(`${sentence} Get test ETH on the Wallet screen, then publish.`);

      const r = await b.invoke('assets.publish', { id, fundStorage: 'needed' });
      expect(r).toEqual({
        ok: false,
        error: { code: 'INVALID_INPUT', message: `${sentence} Get test ETH on the Wallet screen, then publish.`, cli: `${sentence} Get test ETH with ativo sandbox fund --ether 1, then publish again.` },
      });
      expect(await rpc.getTransactionCount(w.address)).toBe(nonce);
      expect(await rpc.getBalance(w.address)).toBe(half);
      expect((await b.call('storage.status', {})).balance.atomic).toBe('0');
      expect((await b.call('jobs.list', { kind: 'publish', assetId: id })).total).toBe(0);
    } finally {
      rpc.destroy();
    }
  });
});
