/**
 * Terms after publishing, listing and expiring access through the real backend (issue 14):
 * sandbox anvil + storage node, keychain wallets, durable jobs.
 * Run under `bash .ci/with-keyring.sh npx vitest run src/terms/terms.test.ts`.
 */
import { appendFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HDNodeWallet, Wallet, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../api/backend';
import { RegistryClient, connectChain, type ChainConnection } from '../chain/client';
import { increaseTime } from '../chain/test-utils';
import { generateIdentity } from '../crypto/age';
import { fetchAccess, type FetchDeps } from '../access/fetch';
import { requestAccess, requestStatus, type RequesterChain } from '../access/requester';
import { readGrant } from '../crypto/grant';
import { SANDBOX_MNEMONIC } from '../sandbox/anvil';
import { until, useBackendSandbox } from '../test-support/backend-sandbox';

const DAY = 24 * 60 * 60;
const buyer = new Wallet(HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, `m/44'/60'/0'/0/6`).privateKey);

describe('terms after publishing, listing and expiring access (sandbox backend, real keychain)', () => {
  const sb = useBackendSandbox('terms');
  let backend: Backend;
  let conn: ChainConnection;
  let registry: RegistryClient;
  let rc: RequesterChain;
  let assetId: number;
  let tokenId: bigint;
  let folder: string;
  let storageUrl: string;
  const requester = { identity: '', recipient: '' };

  const jobDone = async (kind: string, jobId: number): Promise<void> => {
    await until(`job ${jobId}`, async () => {
      const j = (await backend.call('jobs.list', { kind, limit: 100 })).items.find((x) => x.id === jobId);
      if (j?.state === 'failed' || j?.state === 'cancelled') throw new Error(`job ${jobId} ${j.state}: ${j.error ?? ''}`);
      return j?.state === 'done';
    });
  };
  const fetchDeps = (): FetchDeps => ({ chain: rc, storageUrl: () => Promise.resolve(storageUrl), wallet: buyer.address, requesterIdentity: () => Promise.resolve(requester) });

  beforeAll(async () => {
    process.env.ATIVO_ACCESS_POLL_MS = '200';
    backend = sb.backend();
    await backend.call('wallet.create', { label: 'owner' });
    folder = join(sb.dir(), 'Birds');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.csv'), 'species,count\nrobin,3\n');
    assetId = await sb.add(folder);
    await backend.call('storage.fund', { ether: '0.01' });
    const { jobId } = await backend.call('assets.publish', { id: assetId, visibility: 'private', priceEth: '0.01', license: 'CC-BY-NC-4.0', accessDays: 1 });
    await jobDone('publish', jobId ?? 0);
    tokenId = BigInt((await backend.call('assets.get', { id: assetId })).publication?.tokenId ?? '0');
    const st = await backend.call('chain.status', {});
    conn = await connectChain(st.rpcUrl);
    registry = await RegistryClient.open(conn, st.registry ?? '');
    rc = { conn, registry, chainId: st.chainId, network: 'sandbox' };
    storageUrl = st.storageUrl ?? '';
    Object.assign(requester, await generateIdentity());
  }, 240_000);
  afterAll(() => {
    conn.close();
    delete process.env.ATIVO_ACCESS_POLL_MS;
  });

  it('an access period of 1 day: recorded on chain and in the terms; an approval lasts a day; after it fetching is refused and the owner sees the buyer as expired', { timeout: 240_000 }, async () => {
    const token = await registry.asset(tokenId);
    expect(token).toMatchObject({ accessPeriod: DAY, forSale: true, price: parseEther('0.01') });
    const { certificate } = await backend.call('assets.certificate', { id: assetId });
    expect((certificate as { license: { terms: string } }).license.terms).toMatch(/Access period: 1 day from the approval of each request\./);

    const r = await requestAccess(rc, buyer.connect(conn.provider), requester.recipient, tokenId, { termsHash: token?.termsHash ?? '', price: token?.price ?? 0n }, 'for a paper');
    const row = await until('the request in the inbox', async () => (await backend.call('access.list', { limit: 100 })).items.find((x) => x.requestId === r.requestId));
    await backend.call('access.approve', { ids: [row.id] });
    await until('the approval', async () => (await backend.call('access.get', { id: row.id })).action?.state === 'done');
    const approved = await registry.request(BigInt(r.requestId));
    expect(approved?.expiresAt).toBeGreaterThan(0);
    // The buyer's status says when it ends, and the grant carries the period it was made under.
    expect((await requestStatus(rc, BigInt(r.requestId))).expiresAt).toBe(new Date((approved?.expiresAt ?? 0) * 1000).toISOString());
    const grant = new Uint8Array(await (await fetch(`${storageUrl}/${approved?.grantId ?? ''}`)).arrayBuffer());
    expect((await readGrant(grant, requester.identity)).accessPeriod).toBe(String(DAY));

    // Before the end: the buyer downloads, and the owner sees an active buyer until then.
    const got = await fetchAccess(fetchDeps(), BigInt(r.requestId), join(sb.dir(), 'fetched'));
    expect(got.files).toBe(1);
    const active = await backend.call('assets.buyers', { assetId });
    expect(active.accessDays).toBe(1);
    expect(active.items).toEqual([expect.objectContaining({ requestId: r.requestId, requester: buyer.address, state: 'active', expiresAt: new Date((approved?.expiresAt ?? 0) * 1000).toISOString() })]);

    // A day and a bit later (the chain's clock): refused, nothing written; the owner sees it expired.
    await increaseTime(conn, DAY + 60);
    const out = join(sb.dir(), 'again');
    await expect(fetchAccess(fetchDeps(), BigInt(r.requestId), out)).rejects.toThrow(/Your access to asset #\d+ \(request #\d+\) ended on .*, as its terms set: nothing was downloaded\. Files you fetched before are yours to keep/);
    expect(() => readdirSync(out)).toThrow();
    expect(readdirSync(join(sb.dir(), 'fetched'))).toEqual(['a.csv']); // what was fetched before stays
    const expired = await backend.call('assets.buyers', { assetId });
    expect(expired.items).toEqual([expect.objectContaining({ requestId: r.requestId, state: 'expired' })]);
  });

  it('changing the price re-issues the certificate (the old one superseded, verify says so); a request at the old price is refused; off sale a request is refused, back on sale it works', { timeout: 240_000 }, async () => {
    const before = (await backend.call('assets.certificate', { id: assetId })).certificate;
    const oldTerms = await registry.asset(tokenId);
    const change = await backend.call('assets.updateTerms', { assetId, priceEth: '0.02' });
    expect(change).toMatchObject({ created: true, tokenId: tokenId.toString(), priceWei: parseEther('0.02').toString() });
    await jobDone('terms.update', change.jobId);
    expect((await registry.asset(tokenId))?.price).toBe(parseEther('0.02'));

    const state = await backend.call('assets.terms', { assetId });
    expect(state).toMatchObject({ published: true, priceWei: parseEther('0.02').toString(), license: 'CC-BY-NC-4.0', accessDays: 1, forSale: true, isOwner: true });
    expect(state.certificates.map((c) => [c.priceWei, c.supersededAt === null])).toEqual([
      [parseEther('0.02').toString(), true],
      [parseEther('0.01').toString(), false],
    ]);
    const after = (await backend.call('assets.certificate', { id: assetId })).certificate as { license: { price: string }; chain: { tokenId: string } };
    expect(after.license.price).toBe(parseEther('0.02').toString());
    expect(after.chain.tokenId).toBe(tokenId.toString());
    const current = await backend.call('certificates.verify', { certificate: after, assetId });
    expect(current.ok).toBe(true);
    const old = await backend.call('certificates.verify', { certificate: before, assetId });
    expect(old.checks.find((c) => c.name === 'registration')?.detail).toMatch(/superseded by the terms of \d{4}-\d\d-\d\dT.* \(now 0\.02 ETH\)/);

    // The same change again: nothing to do, said plainly.
    await expect(backend.call('assets.updateTerms', { assetId, priceEth: '0.02' })).rejects.toThrow(/already offered at 0\.02 ETH under CC-BY-NC-4\.0: there is nothing to change/);

    // A buyer who read the old price: refused before anything is sent.
    const ether = await conn.provider.getBalance(buyer.address);
    await expect(requestAccess(rc, buyer.connect(conn.provider), requester.recipient, tokenId, { termsHash: oldTerms?.termsHash ?? '', price: parseEther('0.01') }, '')).rejects.toThrow(
      /has changed its price from 0\.01 ETH to 0\.02 ETH since you read it, so nothing was sent or paid/,
    );
    expect(await conn.provider.getBalance(buyer.address)).toBe(ether);

    const off = await backend.call('assets.setForSale', { assetId, forSale: false });
    await jobDone('terms.sale', off.jobId);
    expect((await registry.asset(tokenId))?.forSale).toBe(false);
    expect((await backend.call('assets.terms', { assetId })).forSale).toBe(false);
    const now = await registry.asset(tokenId);
    const offer = { termsHash: now?.termsHash ?? '', price: now?.price ?? 0n };
    await expect(requestAccess(rc, buyer.connect(conn.provider), requester.recipient, tokenId, offer, '')).rejects.toThrow(/taken asset #\d+ off sale, so nothing was sent or paid/);
    await expect(backend.call('assets.setForSale', { assetId, forSale: false })).rejects.toThrow(/already off sale/);
    const on = await backend.call('assets.setForSale', { assetId, forSale: true });
    await jobDone('terms.sale', on.jobId);
    const ok = await requestAccess(rc, buyer.connect(conn.provider), requester.recipient, tokenId, offer, '');
    expect(ok.amountWei).toBe(parseEther('0.02').toString());
  });

  it('another wallet of this computer cannot change the terms or the listing: refused with a sentence, nothing sent', { timeout: 120_000 }, async () => {
    const owner = (await backend.call('wallet.list', {})).current ?? '';
    const other = (await backend.call('wallet.create', { label: 'not the owner' })).address;
    await backend.call('wallet.use', { address: other });
    try {
      const before = await registry.asset(tokenId);
      await expect(backend.call('assets.updateTerms', { assetId, priceEth: '5' })).rejects.toThrow(`This asset belongs to the wallet ${owner}, and the wallet in use is ${other}: switch to the owner's wallet to change it.`);
      await expect(backend.call('assets.setForSale', { assetId, forSale: false })).rejects.toThrow(/belongs to the wallet .* switch to the owner's wallet to change it/);
      expect((await backend.call('assets.terms', { assetId })).isOwner).toBe(false);
      expect(await registry.asset(tokenId)).toEqual(before);
    } finally {
      await backend.call('wallet.use', { address: owner });
    }
  });

  it('a new version inherits the access period and the changed price', { timeout: 240_000 }, async () => {
    appendFileSync(join(folder, 'a.csv'), 'wren,1\n');
    const defaults = await backend.call('assets.publishDefaults', { id: assetId });
    expect(defaults.previous).toMatchObject({ accessDays: 1, priceWei: parseEther('0.02').toString(), license: 'CC-BY-NC-4.0' });
    const { jobId } = await backend.call('assets.publish', { id: assetId });
    await jobDone('publish', jobId ?? 0);
    const v2 = BigInt((await backend.call('assets.get', { id: assetId })).publication?.tokenId ?? '0');
    expect(v2).not.toBe(tokenId);
    expect(await registry.asset(v2)).toMatchObject({ accessPeriod: DAY, price: parseEther('0.02'), forSale: true });
  });
});
