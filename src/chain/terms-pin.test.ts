/**
 * Attack 6 (issue 12): an owner changes an asset's license terms (same price, new terms) in
 * front of a buyer's pending request. The request names the terms the buyer read, so it is
 * refused and the buyer's ether stays with the buyer (only gas is spent when it was mined);
 * a request naming the current terms goes through and records them. Real anvil, real registry.
 */
import type { Wallet } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestAccess as requestAsBuyer, type RequesterChain } from '../access/requester';
import { balanceOf, registryInterface, type AssetRecord } from './client';
import { AGE_RECIPIENT, chainFailure, hex32, revertTo, snapshot, startTestChain, type TestChain } from './test-utils';

const PRICE = 10n ** 16n; // 0.01 ETH
const TERMS_CHANGED = "The owner changed this asset's license terms after you read them, so your request was refused and its price was not taken. Read the new terms and request again if you accept them.";

let chain: TestChain;
let owner: Wallet, buyer: Wallet;
let tokenId: bigint;
let snap: string;

beforeAll(async () => {
  chain = await startTestChain();
  [, owner, buyer] = chain.signers as [Wallet, Wallet, Wallet];
  const reg = await chain.registry.register(owner, { contentRoot: hex32('pinned-root'), manifestId: 'm', termsHash: hex32('terms v1: research only'), price: PRICE, split: [{ payee: owner.address, bps: 10_000 }] });
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

/** What the buyer saw on the asset's page when deciding. */
async function readAsset(): Promise<AssetRecord> {
  const a = await chain.registry.asset(tokenId);
  if (a === null) throw new Error('the asset is gone');
  return a;
}

describe('a request pins the license terms the buyer read', () => {
  it('an updateTerms (same price, new terms) mined in the same block ahead of the request makes it revert: the buyer keeps the price, only gas is spent', async () => {
    const { conn, registry } = chain;
    const seen = await readAsset();
    expect(seen.termsHash).toBe(hex32('terms v1: research only'));
    const before = { buyer: await balanceOf(conn, buyer.address), totals: await registry.totals(), requests: await registry.requestCount() };

    // The buyer's request is waiting in the mempool (gas estimated while v1 was the terms)...
    await conn.provider.send('evm_setAutomine', [false]);
    const request = await registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, seen, { message: 'for my thesis' });
    // ...and the owner, seeing it, front-runs it with new terms at the same price and a higher tip.
    const fee = await conn.provider.getFeeData();
    const tip = (fee.maxPriorityFeePerGas ?? 1n) * 10n + 1_000_000_000n;
    const frontRun = await owner.connect(conn.provider).sendTransaction({
      to: registry.address,
      data: registryInterface.encodeFunctionData('updateTerms', [tokenId, hex32('terms v2: you owe us your model'), PRICE]),
      maxPriorityFeePerGas: tip,
      maxFeePerGas: (fee.maxFeePerGas ?? 0n) + tip,
      gasLimit: 200_000n,
    });
    await conn.provider.send('evm_mine', []);
    await conn.provider.send('evm_setAutomine', [true]);

    const [mined, attacked] = await Promise.all([conn.provider.getTransactionReceipt(frontRun.hash), conn.provider.getTransactionReceipt(request.hash)]);
    expect(mined?.status).toBe(1);
    expect(attacked?.status).toBe(0);
    expect(attacked?.blockNumber).toBe(mined?.blockNumber);
    expect(mined!.index).toBeLessThan(attacked!.index); // the owner's change really went first

    // The buyer is told, in a sentence, what happened and what to do.
    const e = await chainFailure(request.wait());
    expect(e.code).toBe('REVERTED');
    expect(e.details.revert?.name).toBe('TermsChanged');
    expect(e.details.revert?.args).toEqual([hex32('terms v1: research only'), hex32('terms v2: you owe us your model')]);
    expect(e.message).toBe(TERMS_CHANGED);

    // Nothing was escrowed; the buyer paid the gas of the failed transaction and nothing else.
    expect(await registry.requestCount()).toBe(before.requests);
    expect(await registry.totals()).toEqual(before.totals);
    expect(await balanceOf(conn, buyer.address)).toBe(before.buyer - attacked!.gasUsed * attacked!.gasPrice);
  });

  it('an updateTerms mined before the request is sent: refused when it is prepared, nothing is sent or paid', async () => {
    const { conn, registry } = chain;
    const seen = await readAsset();
    await (await registry.updateTerms(owner, tokenId, hex32('terms v2'), PRICE)).wait();
    const before = { balance: await balanceOf(conn, buyer.address), nonce: await conn.provider.getTransactionCount(buyer.address, 'pending') };

    const e = await chainFailure(registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, seen));
    expect(e.details.revert?.name).toBe('TermsChanged');
    expect(e.message).toBe(TERMS_CHANGED);
    expect(await conn.provider.getTransactionCount(buyer.address, 'pending')).toBe(before.nonce);
    expect(await balanceOf(conn, buyer.address)).toBe(before.balance);
    expect((await registry.totals()).escrowed).toBe(0n);
  });

  it('a request with the current terms works and records them; a pending request keeps its terms across a change and is approved under them', async () => {
    const { registry } = chain;
    const v1 = await readAsset();
    const first = (await (await registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, v1)).wait()).result;
    await (await registry.updateTerms(owner, tokenId, hex32('terms v2'), PRICE)).wait();

    const v2 = await readAsset();
    expect(v2.termsHash).toBe(hex32('terms v2'));
    const second = (await (await registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, v2)).wait()).result;
    expect(second.amount).toBe(PRICE);
    expect(await registry.request(second.requestId)).toMatchObject({ status: 'pending', amount: PRICE, termsHash: hex32('terms v2') });
    expect((await registry.totals()).escrowed).toBe(2n * PRICE);

    // The earlier request was made under v1 and still says so; approving it grants access under v1.
    expect(await registry.request(first.requestId)).toMatchObject({ status: 'pending', termsHash: hex32('terms v1: research only') });
    await (await registry.approve(owner, first.requestId, 'grant')).wait();
    expect(await registry.request(first.requestId)).toMatchObject({ status: 'approved', termsHash: hex32('terms v1: research only') });
    expect(await registry.withdrawable(owner.address)).toBe(PRICE);
  });

  it('the buyer side (access/requester) sends the terms the person read, and refuses before sending once they changed', async () => {
    const { conn, registry } = chain;
    const rc: RequesterChain = { conn, registry, chainId: Number(conn.chainId), network: 'sandbox' };
    const seen = await readAsset(); // the person reads the asset's certificate and decides
    await (await registry.updateTerms(owner, tokenId, hex32('terms v2'), PRICE)).wait();
    const nonce = await conn.provider.getTransactionCount(buyer.address, 'pending');
    const balance = await balanceOf(conn, buyer.address);

    await expect(requestAsBuyer(rc, buyer, AGE_RECIPIENT, tokenId, { termsHash: seen.termsHash, price: seen.price }, 'hello')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: `The owner of asset #${tokenId} has changed its license terms since the version you read, so nothing was sent or paid. Read its current terms (its latest certificate holds them) and request again if you accept them.`,
    });
    // A price changed since the person read it is refused the same way.
    await expect(requestAsBuyer(rc, buyer, AGE_RECIPIENT, tokenId, { termsHash: hex32('terms v2'), price: PRICE / 2n }, '')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: `The owner of asset #${tokenId} has changed its price from 0.005 ETH to 0.01 ETH since you read it, so nothing was sent or paid. Request again if you accept the new price.`,
    });
    expect(await conn.provider.getTransactionCount(buyer.address, 'pending')).toBe(nonce);
    expect(await balanceOf(conn, buyer.address)).toBe(balance);

    // Having read the new terms, the person asks again.
    const ok = await requestAsBuyer(rc, buyer, AGE_RECIPIENT, tokenId, { termsHash: hex32('terms v2') }, 'hello again');
    expect(ok).toMatchObject({ tokenId: tokenId.toString(), amountWei: PRICE.toString(), requester: buyer.address });
    expect(await registry.request(BigInt(ok.requestId))).toMatchObject({ status: 'pending', termsHash: hex32('terms v2') });
  });
});
