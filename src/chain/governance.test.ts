/**
 * Governance on the registry (issue 17), against a real anvil: approvers answer requests for a
 * token they do not own (crediting the same split as the owner), and a token with a consent rule
 * changes its terms or split, or gets a new version with another split, only with EIP-712
 * signatures of payees holding at least the rule's share; replayed, expired, forged or
 * insufficient consent is refused.
 */
import { TypedDataEncoder, type Result, type TransactionReceipt, type Wallet } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registryInterface, sendTx, waitForTx, type SplitEntry } from './client';
import type { RegistryAction } from './errors';
import { AGE_RECIPIENT, chainFailure, hex32, increaseTime, revertTo, snapshot, startTestChain, type TestChain } from './test-utils';

const PRICE = 10n ** 16n + 7n; // odd, so the split has a rounding remainder
const HOUR = 3600;

let chain: TestChain;
let owner: Wallet, partner: Wallet, alice: Wallet, bob: Wallet, buyer: Wallet, approver: Wallet, stranger: Wallet;
let snap: string;

beforeAll(async () => {
  chain = await startTestChain();
  [, owner, partner, alice, bob, buyer, approver, stranger] = chain.signers as [Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet];
});
afterAll(async () => {
  await chain.close();
});
beforeEach(async () => {
  snap = await snapshot(chain.conn);
});
afterEach(async () => {
  await revertTo(chain.conn, snap);
});

// ------------------------------------------------------------------ helpers

interface Terms {
  termsHash: string;
  price: bigint;
  accessPeriod: number;
  payees: string[];
  bps: number[];
}
interface Consent {
  nonce: bigint;
  deadline: bigint;
  signers: string[];
  signatures: string[];
}

const TYPES = {
  TermsChange: [
    { name: 'tokenId', type: 'uint256' },
    { name: 'contentRoot', type: 'bytes32' },
    { name: 'termsHash', type: 'bytes32' },
    { name: 'price', type: 'uint256' },
    { name: 'accessPeriod', type: 'uint64' },
    { name: 'payees', type: 'address[]' },
    { name: 'bps', type: 'uint16[]' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
};
const domain = () => ({ name: 'AtivoRegistry', version: '1', chainId: chain.conn.chainId, verifyingContract: chain.registry.address });

/** Sends a registry call the typed client does not build (the action only names it in errors). */
async function send(signer: Wallet, fn: string, args: unknown[], action: RegistryAction = 'updateTerms', value = 0n): Promise<TransactionReceipt> {
  const sent = await sendTx(chain.conn, signer, { to: chain.registry.address, data: registryInterface.encodeFunctionData(fn, args), value, action });
  return waitForTx(chain.conn, sent.hash);
}
async function read(fn: string, args: unknown[]): Promise<Result> {
  return registryInterface.decodeFunctionResult(fn, await chain.conn.provider.call({ to: chain.registry.address, data: registryInterface.encodeFunctionData(fn, args) }));
}
const revertOf = async (p: Promise<unknown>): Promise<string | undefined> => (await chainFailure(p)).details.revert?.name;
/** The decoded registry logs of a receipt, including the governance events. */
const logsOf = (r: TransactionReceipt) => r.logs.map((l) => registryInterface.parseLog({ topics: [...l.topics], data: l.data })).filter((d) => d !== null);

const asSplit = (entries: [Wallet, number][]): SplitEntry[] => entries.map(([w, bps]) => ({ payee: w.address, bps }));
const terms = (label: string, price: bigint, split: [Wallet, number][], accessPeriod = 0): Terms => ({
  termsHash: hex32(`terms-${label}`),
  price,
  accessPeriod,
  payees: split.map(([w]) => w.address),
  bps: split.map(([, b]) => b),
});

async function register(label: string, split: [Wallet, number][], rule = 0, by: Wallet = owner): Promise<bigint> {
  const m = await (await chain.registry.register(by, { contentRoot: hex32(`root-${label}`), manifestId: `m-${label}`, termsHash: hex32(`terms-${label}`), price: PRICE, split: asSplit(split) })).wait();
  if (rule > 0) await send(by, 'setConsentRule', [m.result.tokenId, rule]);
  return m.result.tokenId;
}
async function governance(tokenId: bigint): Promise<{ consentBps: number; nonce: bigint; previous: bigint }> {
  const r = await read('governanceOf', [tokenId]);
  return { consentBps: Number(r[0]), nonce: r[1] as bigint, previous: r[2] as bigint };
}
async function now(): Promise<number> {
  return (await chain.conn.provider.getBlock('latest'))!.timestamp;
}
async function rootOf(tokenId: bigint): Promise<string> {
  return (await chain.registry.asset(tokenId))!.contentRoot;
}

/** Signatures of `signers` over `t` for `tokenId` (content root: the token's own unless given). */
async function consent(tokenId: bigint, t: Terms, signers: Wallet[], opts: { nonce?: bigint; deadline?: bigint; contentRoot?: string } = {}): Promise<Consent> {
  const nonce = opts.nonce ?? (await governance(tokenId)).nonce;
  const deadline = opts.deadline ?? BigInt((await now()) + HOUR);
  const contentRoot = opts.contentRoot ?? (await rootOf(tokenId));
  const value = { tokenId, contentRoot, ...t, nonce, deadline };
  const signatures = await Promise.all(signers.map((s) => s.signTypedData(domain(), TYPES, value)));
  return { nonce, deadline, signers: signers.map((s) => s.address), signatures };
}
const noConsent = async (tokenId: bigint): Promise<Consent> => ({ nonce: (await governance(tokenId)).nonce, deadline: BigInt((await now()) + HOUR), signers: [], signatures: [] });

const changeTerms = (by: Wallet, tokenId: bigint, t: Terms, c: Consent) => send(by, 'changeTerms', [tokenId, t, c]);

async function request(tokenId: bigint): Promise<bigint> {
  const a = (await chain.registry.asset(tokenId))!;
  return (await (await chain.registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, { termsHash: a.termsHash, price: a.price })).wait()).result.requestId;
}

// ------------------------------------------------------------------ consent

describe('terms changes with a consent rule', () => {
  it('a price change needs every payee under the rule "all payees"; the partner signature makes it pass, once', async () => {
    const token = await register('all', [[owner, 7_000], [partner, 3_000]], 10_000);
    expect(await governance(token)).toEqual({ consentBps: 10_000, nonce: 0n, previous: 0n });
    const next = terms('all-2', PRICE * 2n, [[owner, 7_000], [partner, 3_000]]);

    // The old path is closed, and the owner's own consent (70%) is not enough.
    expect(await revertOf(chain.registry.updateTerms(owner, token, next.termsHash, next.price))).toBe('ConsentRequired');
    expect(await revertOf(changeTerms(owner, token, next, await noConsent(token)))).toBe('NotEnoughConsent');
    expect((await chain.registry.asset(token))!.price).toBe(PRICE);

    // The digest the contract checks is the standard EIP-712 one.
    const c = await consent(token, next, [partner]);
    const digest = (await read('termsChangeDigest', [token, await rootOf(token), next, c.nonce, c.deadline]))[0] as string;
    expect(digest).toBe(TypedDataEncoder.hash(domain(), TYPES, { tokenId: token, contentRoot: await rootOf(token), ...next, nonce: c.nonce, deadline: c.deadline }));

    // Someone other than the owner cannot submit it, even with the signature.
    expect(await revertOf(changeTerms(partner, token, next, c))).toBe('NotTokenOwner');

    const r = await changeTerms(owner, token, next, c);
    const names = logsOf(r).map((d) => d.name);
    expect(names).toEqual(['TermsUpdated', 'TermsConsented']);
    const consented = logsOf(r).find((d) => d.name === 'TermsConsented')!;
    expect([...(consented.args.getValue('consenting') as string[])]).toEqual([partner.address, owner.address]);
    expect(await chain.registry.asset(token)).toMatchObject({ price: PRICE * 2n, termsHash: next.termsHash });
    expect((await governance(token)).nonce).toBe(1n);

    // Replayed: the nonce moved on.
    expect(await revertOf(changeTerms(owner, token, next, c))).toBe('StaleConsentNonce');
    // The old signature presented with the new nonce does not verify.
    expect(await revertOf(changeTerms(owner, token, next, { ...c, nonce: 1n }))).toBe('BadConsentSignature');
  });

  it('an expired consent is refused; a signature over other terms is refused', async () => {
    const token = await register('exp', [[owner, 7_000], [partner, 3_000]], 10_000);
    const next = terms('exp-2', PRICE + 1n, [[owner, 7_000], [partner, 3_000]]);
    const c = await consent(token, next, [partner], { deadline: BigInt((await now()) + 60) });
    await increaseTime(chain.conn, 120);
    expect(await revertOf(changeTerms(owner, token, next, c))).toBe('ConsentExpired');

    const fresh = await consent(token, next, [partner]);
    expect(await revertOf(changeTerms(owner, token, { ...next, price: next.price + 1n }, fresh))).toBe('BadConsentSignature');
    expect(await revertOf(changeTerms(owner, token, { ...next, accessPeriod: 3600 }, fresh))).toBe('BadConsentSignature');
    // A signature by one payee presented as another's.
    expect(await revertOf(changeTerms(owner, token, next, { ...fresh, signers: [owner.address] }))).toBe('BadConsentSignature');
    expect((await chain.registry.asset(token))!.price).toBe(PRICE);
  });

  it('a split change needs payees holding at least the rule; strangers and duplicates do not count', async () => {
    // owner 20%, alice 50%, bob 30%; rule 60%. The owner wants to cut bob out.
    const token = await register('split', [[owner, 2_000], [alice, 5_000], [bob, 3_000]], 6_000);
    const cut = terms('split-2', PRICE, [[owner, 3_000], [alice, 7_000]]);

    expect(await revertOf(changeTerms(owner, token, cut, await noConsent(token)))).toBe('NotEnoughConsent'); // 20%
    expect(await revertOf(changeTerms(owner, token, cut, await consent(token, cut, [bob])))).toBe('NotEnoughConsent'); // 20 + 30%
    expect(await revertOf(changeTerms(owner, token, cut, await consent(token, cut, [stranger])))).toBe('NotAPayee');
    const twice = await consent(token, cut, [bob]);
    expect(await revertOf(changeTerms(owner, token, cut, { ...twice, signers: [bob.address, bob.address], signatures: [twice.signatures[0]!, twice.signatures[0]!] }))).toBe('DuplicateSigner');
    expect(await revertOf(changeTerms(owner, token, cut, { ...twice, signatures: [] }))).toBe('SignersMismatch');
    expect((await chain.registry.asset(token))!.split).toEqual(asSplit([[owner, 2_000], [alice, 5_000], [bob, 3_000]]));

    // alice (50%) + the owner's own transaction (20%) = 70% >= 60%.
    await changeTerms(owner, token, cut, await consent(token, cut, [alice]));
    expect((await chain.registry.asset(token))!.split).toEqual(asSplit([[owner, 3_000], [alice, 7_000]]));

    // Approvals from now on credit the new split.
    const req = await request(token);
    const m = await (await chain.registry.approve(owner, req, 'g')).wait();
    const second = (PRICE * 7_000n) / 10_000n;
    expect(m.result.credits).toEqual([
      { payee: owner.address, amount: PRICE - second },
      { payee: alice.address, amount: second },
    ]);
  });

  it('the owner-alone rule keeps the old behaviour: updateTerms works, changeTerms needs no signature but cannot move the split', async () => {
    const token = await register('alone', [[owner, 7_000], [partner, 3_000]]);
    expect(await governance(token)).toEqual({ consentBps: 0, nonce: 0n, previous: 0n });
    await (await chain.registry.updateTerms(owner, token, hex32('alone-2'), PRICE + 1n)).wait();
    const period = terms('alone-3', PRICE + 2n, [[owner, 7_000], [partner, 3_000]], 30 * 24 * HOUR);
    await changeTerms(owner, token, period, await noConsent(token));
    expect(await chain.registry.asset(token)).toMatchObject({ price: PRICE + 2n, accessPeriod: 30 * 24 * HOUR, termsHash: period.termsHash });
    const cut = terms('alone-4', PRICE, [[owner, 10_000]]);
    expect(await revertOf(changeTerms(owner, token, cut, await consent(token, cut, [partner])))).toBe('SplitFixed');
  });

  it('the rule can only be tightened, by the owner, and not set to 0 or above 100%', async () => {
    const token = await register('rule', [[owner, 7_000], [partner, 3_000]], 5_000);
    expect(await revertOf(send(partner, 'setConsentRule', [token, 10_000]))).toBe('NotTokenOwner');
    expect(await revertOf(send(owner, 'setConsentRule', [token, 4_999]))).toBe('InvalidConsentRule');
    expect(await revertOf(send(owner, 'setConsentRule', [token, 10_001]))).toBe('InvalidConsentRule');
    const r = await send(owner, 'setConsentRule', [token, 8_000]);
    expect(logsOf(r).map((d) => [d.name, Number(d.args.getValue('consentBps'))])).toEqual([['ConsentRuleSet', 8_000]]);
    expect((await governance(token)).consentBps).toBe(8_000);
    // A new owner is bound by it too.
    await send(owner, 'transferFrom', [owner.address, stranger.address, token], 'register');
    expect(await revertOf(send(stranger, 'setConsentRule', [token, 7_000]))).toBe('InvalidConsentRule');
  });
});

describe('new versions', () => {
  it('a new version with another split needs the previous token\'s consent; the same split does not; the rule is inherited', async () => {
    const prev = await register('v1', [[owner, 7_000], [partner, 3_000]], 10_000);
    const root = hex32('root-v2');
    const alone = terms('v2', PRICE, [[owner, 10_000]]);
    const version = (t: Terms, c: Consent, contentRoot = root, by = owner) => send(by, 'registerVersion', [prev, contentRoot, 'm-v2', t, c], 'register');

    expect(await revertOf(version(alone, await noConsent(prev)))).toBe('NotEnoughConsent');
    // A signature for an in-place change of the old token is not consent to a version.
    expect(await revertOf(version(alone, await consent(prev, alone, [partner])))).toBe('BadConsentSignature');
    expect(await revertOf(version(alone, await consent(prev, alone, [partner], { contentRoot: root }), root, stranger))).toBe('NotTokenOwner');
    expect(await chain.registry.tokenOfContentRoot(root)).toBeNull();

    const r = await version(alone, await consent(prev, alone, [partner], { contentRoot: root }));
    const v = logsOf(r).find((d) => d.name === 'VersionRegistered')!;
    const token = v.args.getValue('tokenId') as bigint;
    expect(v.args.getValue('previousTokenId')).toBe(prev);
    expect([...(v.args.getValue('consenting') as string[])]).toEqual([partner.address, owner.address]);
    expect(await governance(token)).toEqual({ consentBps: 10_000, nonce: 0n, previous: prev });
    expect((await governance(prev)).nonce).toBe(1n);
    expect(await chain.registry.asset(token)).toMatchObject({ owner: owner.address, contentRoot: root, price: PRICE, split: asSplit([[owner, 10_000]]) });

    // Same split as the previous token: no consent needed.
    const same = terms('v3', PRICE * 3n, [[owner, 7_000], [partner, 3_000]]);
    await send(owner, 'registerVersion', [prev, hex32('root-v3'), 'm-v3', same, { nonce: 0n, deadline: 0n, signers: [], signatures: [] }], 'register');
    expect((await chain.registry.asset((await chain.registry.tokenOfContentRoot(hex32('root-v3')))!))!.price).toBe(PRICE * 3n);
  });
});

// ------------------------------------------------------------------ approvers

describe('approvers', () => {
  it('an approver approves a request on a token it does not own; the split is credited exactly as for the owner', async () => {
    const token = await register('appr', [[owner, 7_000], [partner, 3_000]]);
    const byOwner = await request(token);
    const byApprover = await request(token);

    expect(await revertOf(chain.registry.approve(approver, byApprover, 'g'))).toBe('NotTokenOwner');
    expect(await revertOf(send(stranger, 'setApprover', [token, approver.address, true]))).toBe('NotTokenOwner');
    const set = await send(owner, 'setApprover', [token, approver.address, true]);
    expect(logsOf(set).map((d) => d.name)).toEqual(['ApproverSet']);
    expect((await read('isApprover', [token, approver.address]))[0]).toBe(true);

    const a = await (await chain.registry.approve(owner, byOwner, 'g1')).wait();
    const b = await (await chain.registry.approve(approver, byApprover, 'g2')).wait();
    expect(b.result.credits).toEqual(a.result.credits);
    expect(b.result.credits.map((c) => c.payee)).toEqual([owner.address, partner.address]);
    expect(b.result.credits.reduce((s, c) => s + c.amount, 0n)).toBe(PRICE);
    expect(await chain.registry.withdrawable(approver.address)).toBe(0n);
    const decided = logsOf(b.receipt).find((d) => d.name === 'Decided')!;
    expect([decided.args.getValue('decider'), decided.args.getValue('approved'), decided.args.getValue('requestId')]).toEqual([approver.address, true, byApprover]);
    const t = await chain.registry.totals();
    expect(t.balance).toBe(t.escrowed + t.withdrawable);
  });

  it('an approver can deny (the requester is refunded); a non-approver, a removed approver and a previous owner\'s approver cannot answer', async () => {
    const token = await register('deny', [[owner, 10_000]]);
    await send(owner, 'setApprover', [token, approver.address, true]);
    const r1 = await request(token);
    const d = await (await chain.registry.deny(approver, r1, 'no')).wait();
    expect(d.result.refunded).toBe(PRICE);
    expect(logsOf(d.receipt).find((x) => x.name === 'Decided')!.args.getValue('decider')).toBe(approver.address);
    expect(await chain.registry.withdrawable(buyer.address)).toBe(PRICE);

    const r2 = await request(token);
    expect(await revertOf(chain.registry.approve(stranger, r2, 'g'))).toBe('NotTokenOwner');
    expect(await revertOf(chain.registry.deny(stranger, r2, 'no'))).toBe('NotTokenOwner');
    await send(owner, 'setApprover', [token, approver.address, false]);
    expect(await revertOf(chain.registry.approve(approver, r2, 'g'))).toBe('NotTokenOwner');

    // Approvers belong to the owner who named them: a transfer clears them.
    await send(owner, 'setApprover', [token, approver.address, true]);
    await send(owner, 'transferFrom', [owner.address, alice.address, token], 'register');
    expect((await read('isApprover', [token, approver.address]))[0]).toBe(false);
    expect(await revertOf(chain.registry.approve(approver, r2, 'g'))).toBe('NotTokenOwner');
    await (await chain.registry.approve(alice, r2, 'g')).wait();
  });
});
