/**
 * The typed approver calls (issue 17) against a real anvil: naming and removing approvers, the
 * list folded from the logs (a transfer clears it), who decided a request (Decided), and the
 * sentences a non-owner or non-approver gets.
 */
import type { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approversOf, decisionIn, isApprover, setApprover } from './approvers';
import { registryInterface, sendTx, waitForTx } from './client';
import { AGE_RECIPIENT, chainFailure, hex32, startTestChain, type TestChain } from './test-utils';

const PRICE = 10n ** 15n;
let chain: TestChain;
let owner: Wallet, approver: Wallet, second: Wallet, buyer: Wallet, stranger: Wallet, heir: Wallet;

beforeAll(async () => {
  chain = await startTestChain();
  [, owner, approver, second, buyer, stranger, heir] = chain.signers as [Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet];
});
afterAll(async () => {
  await chain.close();
});

async function register(label: string): Promise<bigint> {
  const m = await (await chain.registry.register(owner, { contentRoot: hex32(`ap-${label}`), manifestId: `m-${label}`, termsHash: hex32(`t-${label}`), price: PRICE, split: [{ payee: owner.address, bps: 10_000 }] })).wait();
  return m.result.tokenId;
}
async function request(tokenId: bigint): Promise<bigint> {
  const a = (await chain.registry.asset(tokenId))!;
  return (await (await chain.registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, { termsHash: a.termsHash, price: a.price })).wait()).result.requestId;
}

describe('approvers (typed client)', () => {
  it('names, lists and removes approvers; a transfer clears them; only the owner may name them', async () => {
    const token = await register('list');
    expect(await approversOf(chain.registry, token)).toEqual([]);
    const set = await (await setApprover(chain.registry, owner, token, approver.address.toLowerCase(), true)).wait();
    expect(set.result).toEqual({ tokenId: token, account: approver.address, allowed: true });
    await (await setApprover(chain.registry, owner, token, second.address, true)).wait();
    expect(await isApprover(chain.registry, token, approver.address)).toBe(true);
    expect(await approversOf(chain.registry, token)).toEqual([approver.address, second.address]);
    await (await setApprover(chain.registry, owner, token, approver.address, false)).wait();
    expect(await approversOf(chain.registry, token)).toEqual([second.address]);
    expect(await isApprover(chain.registry, token, approver.address)).toBe(false);

    const refused = await chainFailure(setApprover(chain.registry, stranger, token, stranger.address, true).then((s) => s.wait()));
    expect(refused.message).toBe("Only the asset's owner can name or remove its approvers.");
    await expect(setApprover(chain.registry, owner, token, 'not-an-address', true)).rejects.toThrow('The approver address "not-an-address" is not a valid Ethereum address.');

    const data = registryInterface.encodeFunctionData('transferFrom', [owner.address, heir.address, token]);
    await waitForTx(chain.conn, (await sendTx(chain.conn, owner, { to: chain.registry.address, data, value: 0n, action: 'transfer' })).hash);
    expect(await approversOf(chain.registry, token)).toEqual([]);
    expect(await isApprover(chain.registry, token, second.address)).toBe(false);
  });

  it('an approver decides; Decided names it; a non-approver gets the plain sentence', async () => {
    const token = await register('decide');
    await (await setApprover(chain.registry, owner, token, approver.address, true)).wait();
    const r1 = await request(token);
    const r2 = await request(token);
    const byApprover = await (await chain.registry.approve(approver, r1, '')).wait();
    expect(decisionIn(byApprover.events)).toEqual({ requestId: r1, tokenId: token, decider: approver.address, approved: true });
    const e = await chainFailure(chain.registry.deny(stranger, r2, 'no').then((s) => s.wait()));
    expect(e.message).toBe("Only the asset's owner or one of its approvers can decide this request.");
    const byOwner = await (await chain.registry.deny(owner, r2, 'no')).wait();
    expect(decisionIn(byOwner.events)).toEqual({ requestId: r2, tokenId: token, decider: owner.address, approved: false });
  });
});
