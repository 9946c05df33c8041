/**
 * Listing and access periods on the registry (issue 14): `setForSale` (owner only) stops and
 * resumes new requests, with pending ones still answerable; each approval records its expiry
 * from the access period its request pinned. Every new revert, on a real anvil and registry.
 */
import type { Wallet } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestAccess as requestAsBuyer, type RequesterChain } from '../access/requester';
import { balanceOf, registryInterface } from './client';
import { AGE_RECIPIENT, chainFailure, hex32, increaseTime, revertTo, snapshot, startTestChain, type TestChain } from './test-utils';

const PRICE = 10n ** 16n;
const DAY = 24 * 3600;
const TERMS = hex32('terms: research only');

let chain: TestChain;
let owner: Wallet, buyer: Wallet, stranger: Wallet;
let tokenId: bigint;
let snap: string;

beforeAll(async () => {
  chain = await startTestChain();
  [, owner, buyer, stranger] = chain.signers as [Wallet, Wallet, Wallet, Wallet];
  const reg = await chain.registry.register(owner, { contentRoot: hex32('listed-root'), manifestId: 'm', termsHash: TERMS, price: PRICE, split: [{ payee: owner.address, bps: 10_000 }], accessPeriodSeconds: DAY });
  tokenId = (await reg.wait()).result.tokenId;
});
afterAll(async () => {
  await chain.close();
});
beforeEach(async () => {
  snap = await snapshot(chain.conn);
});
afterEach(async () => {
  await chain.conn.provider.send('evm_setAutomine', [true]);
  await revertTo(chain.conn, snap);
});

const offer = { termsHash: TERMS, price: PRICE };

describe('listing', () => {
  it('a new registration is for sale; off sale a request reverts NotForSale (nothing escrowed), back on sale it works', async () => {
    const { registry } = chain;
    expect(await registry.asset(tokenId)).toMatchObject({ forSale: true, accessPeriod: DAY });
    const off = await (await registry.setForSale(owner, tokenId, false)).wait();
    expect(off.result).toEqual({ tokenId, forSale: false });
    expect(off.events.find((e) => e.name === 'SaleChanged')).toMatchObject({ tokenId, forSale: false });
    expect((await registry.asset(tokenId))?.forSale).toBe(false);
    const before = await registry.totals();
    const e = await chainFailure(registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, offer));
    expect(e.details.revert?.name).toBe('NotForSale');
    expect(e.message).toContain('taken it off sale');
    expect(await registry.totals()).toEqual(before);
    await (await registry.setForSale(owner, tokenId, true)).wait();
    const m = await (await registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, offer)).wait();
    expect(m.result.amount).toBe(PRICE);
  });

  it('only the owner can change the listing (NotTokenOwner), and not for a token that does not exist', async () => {
    const e = await chainFailure(chain.registry.setForSale(stranger, tokenId, false));
    expect(e.details.revert?.name).toBe('NotTokenOwner');
    expect(e.message).toBe("Only the asset's owner can put it on sale or take it off sale.");
    const missing = await chainFailure(chain.registry.setForSale(owner, 999n, false));
    expect(missing.details.revert?.name).toBe('ERC721NonexistentToken');
    expect((await chain.registry.asset(tokenId))?.forSale).toBe(true);
  });

  it('taking it off sale in the same block ahead of a request makes the request revert: the buyer keeps the price, only gas is spent', async () => {
    const { conn, registry } = chain;
    const ether = await balanceOf(conn, buyer.address);
    await conn.provider.send('evm_setAutomine', [false]);
    const request = await registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, offer, { gasLimit: 400_000n });
    const fee = await conn.provider.getFeeData();
    const tip = (fee.maxPriorityFeePerGas ?? 1n) * 10n + 1_000_000_000n;
    await owner.connect(conn.provider).sendTransaction({
      to: registry.address,
      data: registryInterface.encodeFunctionData('setForSale', [tokenId, false]),
      maxPriorityFeePerGas: tip,
      maxFeePerGas: (fee.maxFeePerGas ?? 0n) + tip,
    });
    await conn.provider.send('evm_mine', []);
    await conn.provider.send('evm_setAutomine', [true]);
    const e = await chainFailure(request.wait());
    expect(e.details.revert?.name).toBe('NotForSale');
    const receipt = await conn.provider.getTransactionReceipt(request.hash);
    expect(receipt?.status).toBe(0);
    expect(await balanceOf(conn, buyer.address)).toBe(ether - receipt!.gasUsed * receipt!.gasPrice);
    expect((await registry.totals()).escrowed).toBe(0n);
  });

  it('pending requests can still be approved, denied and cancelled while off sale', async () => {
    const { conn, registry } = chain;
    const ids: bigint[] = [];
    for (let i = 0; i < 3; i++) ids.push((await (await registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, offer)).wait()).result.requestId);
    await (await registry.setForSale(owner, tokenId, false)).wait();
    await (await registry.approve(owner, ids[0]!, 'g')).wait();
    await (await registry.deny(owner, ids[1]!, 'no')).wait();
    await increaseTime(conn, 8 * DAY);
    await (await registry.cancel(buyer, ids[2]!)).wait();
    expect((await Promise.all(ids.map((id) => registry.request(id)))).map((r) => r?.status)).toEqual(['approved', 'denied', 'cancelled']);
    const t = await registry.totals();
    expect(t.balance).toBe(t.escrowed + t.withdrawable);
    expect(t.withdrawable).toBe(3n * PRICE);
  });

  it('the requester side refuses before sending anything when the asset is off sale, with a sentence that says so', async () => {
    const { conn, registry } = chain;
    await (await registry.setForSale(owner, tokenId, false)).wait();
    const rc: RequesterChain = { conn, registry, chainId: Number(conn.chainId), network: 'sandbox' };
    const ether = await balanceOf(conn, buyer.address);
    await expect(requestAsBuyer(rc, buyer, AGE_RECIPIENT, tokenId, offer, '')).rejects.toThrow(/taken asset #\d+ off sale.*nothing was sent or paid/);
    expect(await balanceOf(conn, buyer.address)).toBe(ether);
  });
});

describe('access period', () => {
  it('an approval records approvedAt + the period the request pinned; perpetual assets record 0', async () => {
    const { conn, registry } = chain;
    const r = (await (await registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, offer)).wait()).result.requestId;
    const m = await (await registry.approve(owner, r, 'g')).wait();
    const at = (await conn.provider.getBlock(m.receipt.blockNumber))!.timestamp;
    expect(await registry.request(r)).toMatchObject({ accessPeriod: DAY, expiresAt: at + DAY });

    const perpetual = (await (await registry.register(owner, { contentRoot: hex32('forever'), manifestId: 'm', termsHash: TERMS, price: 0n, split: [{ payee: owner.address, bps: 10_000 }] })).wait()).result.tokenId;
    const r2 = (await (await registry.requestAccess(buyer, perpetual, AGE_RECIPIENT, { termsHash: TERMS, price: 0n })).wait()).result.requestId;
    expect((await registry.request(r2))?.expiresAt).toBe(0);
    await (await registry.approve(owner, r2, '')).wait();
    expect(await registry.request(r2)).toMatchObject({ status: 'approved', accessPeriod: 0, expiresAt: 0 });
  });

  it('an access period over 100 years is refused at registration (InvalidAccessPeriod)', async () => {
    const e = await chainFailure(
      chain.registry.register(owner, { contentRoot: hex32('too-long'), manifestId: 'm', termsHash: TERMS, price: 0n, split: [{ payee: owner.address, bps: 10_000 }], accessPeriodSeconds: 101 * 365 * DAY }),
    );
    expect(e.details.revert?.name).toBe('InvalidAccessPeriod');
    expect(e.message).toContain('at most 100 years');
  });
});
