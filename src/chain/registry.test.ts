import { Interface, Wallet, getAddress, hexlify, randomBytes } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCESS_TIMEOUT_SECONDS,
  RegistryClient,
  balanceOf,
  broadcastTx,
  connectChain,
  deployRegistry,
  eventsNamed,
  prepareTx,
  registryInterface,
  sendEther,
  sendTx,
  txStatus,
  waitForTx,
  withAccountLock,
  type ChainError,
  type RegisterParams,
  type SplitEntry,
  type TxCall,
} from './client';
import { compileContracts, type Artifact } from './compile';
import { AGE_RECIPIENT, chainFailure, hex32, increaseTime, revertTo, snapshot, startTestChain, type TestChain } from './test-utils';

const ETH = 10n ** 18n;
const PRICE = ETH / 100n; // 0.01 ETH

let chain: TestChain;
let registry: RegistryClient;
let deployer: Wallet, owner: Wallet, buyer: Wallet, alice: Wallet, bob: Wallet, stranger: Wallet;
let payee: Artifact;
let snap: string;

beforeAll(async () => {
  const [c, compiled] = await Promise.all([startTestChain(), compileContracts(['test/ReentrantPayee.sol'])]);
  chain = c;
  registry = c.registry;
  [deployer, owner, buyer, alice, bob, stranger] = c.signers as [Wallet, Wallet, Wallet, Wallet, Wallet, Wallet];
  const a = compiled.artifacts.get('ReentrantPayee');
  if (a === undefined) throw new Error('ReentrantPayee did not compile');
  payee = a;
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

const split = (...entries: [Wallet | string, number][]): SplitEntry[] =>
  entries.map(([p, bps]) => ({ payee: typeof p === 'string' ? p : p.address, bps }));

function params(label: string, over: Partial<RegisterParams> = {}): RegisterParams {
  return { contentRoot: hex32(`root-${label}`), manifestId: `manifest-${label}`, termsHash: hex32(`terms-${label}`), price: PRICE, split: split([owner, 10_000]), ...over };
}

async function register(label: string, over: Partial<RegisterParams> = {}, signer: Wallet = owner): Promise<bigint> {
  return (await (await registry.register(signer, params(label, over))).wait()).result.tokenId;
}

/** The terms a buyer reads on the asset's page: its current terms hash, and `price` (default: its price). */
async function accepted(tokenId: bigint, price?: bigint): Promise<{ termsHash: string; price: bigint }> {
  const a = await registry.asset(tokenId);
  if (a === null) throw new Error(`no asset #${tokenId}`);
  return { termsHash: a.termsHash, price: price ?? a.price };
}

async function request(tokenId: bigint, signer: Wallet = buyer, value: bigint = PRICE): Promise<bigint> {
  return (await (await registry.requestAccess(signer, tokenId, AGE_RECIPIENT, await accepted(tokenId, value))).wait()).result.requestId;
}

/** Sends raw calldata to the registry (for inputs the typed client refuses to build). */
async function rawRegistryCall(signer: Wallet, fn: string, args: unknown[], value = 0n): Promise<void> {
  const call: TxCall = { to: registry.address, data: registryInterface.encodeFunctionData(fn, args), value, action: 'register' };
  const sent = await sendTx(chain.conn, signer, call);
  await waitForTx(chain.conn, sent.hash);
}

const randomAddress = () => getAddress(hexlify(randomBytes(20)));
const revertName = (e: ChainError) => e.details.revert?.name;

describe('deploy', () => {
  it('deploys with the default 7-day access timeout and the address predicted before mining', async () => {
    const sent = await deployRegistry(chain.conn, deployer);
    expect(sent.hash).toMatch(/^0x[0-9a-f]{64}$/);
    const mined = await sent.wait();
    expect(mined.result.address).toBe(sent.address);
    const r = await RegistryClient.open(chain.conn, sent.address);
    expect(await r.accessTimeout()).toBe(DEFAULT_ACCESS_TIMEOUT_SECONDS);
    expect(await r.tokenCount()).toBe(0n);
    expect(await r.requestCount()).toBe(0n);
  });

  it('refuses an access timeout out of bounds', async () => {
    const e = await chainFailure(deployRegistry(chain.conn, deployer, { accessTimeoutSeconds: 5 }));
    expect(e.code).toBe('REVERTED');
    expect(e.message).toBe('The access timeout must be between 1 minute and 365 days; 5 seconds was given.');
  });

  it('connecting with the wrong expected chain id fails clearly', async () => {
    const e = await chainFailure(connectChain(chain.conn.url, { expectedChainId: 1 }));
    expect(e.code).toBe('WRONG_CHAIN');
    expect(e.message).toBe(`The chain at ${chain.conn.url} has chain id 31337, but 1 was expected: that RPC URL is for another network. Check the network's RPC URL and chain ID.`);
  });

  it('opening an address without code fails clearly', async () => {
    const e = await chainFailure(RegistryClient.open(chain.conn, stranger.address));
    expect(e.code).toBe('NO_REGISTRY');
    expect(e.message).toContain(`There is no Ativo registry at ${stranger.address}`);
  });

  it('rejects plain ether transfers (no receive function)', async () => {
    const e = await chainFailure(sendEther(chain.conn, buyer, registry.address, 1n));
    expect(e.code).toBe('REVERTED');
    expect((await registry.totals()).balance).toBe(0n);
  });
});

describe('register', () => {
  it('mints a token to the caller and stores the registration', async () => {
    const p = params('a', { split: split([owner, 7000], [alice, 2000], [bob, 1000]), price: 123n });
    const sent = await registry.register(owner, p);
    const mined = await sent.wait();
    expect(mined.result.tokenId).toBe(1n);
    const reg = eventsNamed(mined.events, 'Registered')[0]!;
    expect(reg).toMatchObject({ tokenId: 1n, owner: owner.address, contentRoot: p.contentRoot, manifestId: 'manifest-a', termsHash: p.termsHash, price: 123n });
    expect(eventsNamed(mined.events, 'Transfer')[0]).toMatchObject({ from: '0x0000000000000000000000000000000000000000', to: owner.address, tokenId: 1n });

    expect(await registry.asset(1n)).toEqual({
      tokenId: 1n,
      owner: owner.address,
      contentRoot: p.contentRoot,
      manifestId: 'manifest-a',
      termsHash: p.termsHash,
      price: 123n,
      split: p.split,
      forSale: true,
      accessPeriod: 0,
    });
    expect(await registry.tokenOfContentRoot(p.contentRoot)).toBe(1n);
    expect(await registry.tokenOfContentRoot(p.contentRoot.slice(2).toUpperCase())).toBe(1n);
    expect(await registry.tokenOfContentRoot(hex32('unknown'))).toBeNull();
    expect(await registry.ownerOf(1n)).toBe(owner.address);
    expect(await registry.tokenCount()).toBe(1n);
    expect(await registry.asset(2n)).toBeNull();
    expect(await registry.ownerOf(2n)).toBeNull();
  });

  it('a content root registers once', async () => {
    await register('dup');
    const e = await chainFailure(registry.register(alice, params('dup', { manifestId: 'other' })));
    expect(revertName(e)).toBe('AlreadyRegistered');
    expect(e.message).toBe('This content is already registered, as asset #1.');
  });

  it.each([
    ['shares adding up to less than 10000', () => split([owner, 5000], [alice, 4999]), 'BadSplit', 'The payout shares must add up to exactly 10000 basis points (100%), but they add up to 9999 (99.99%).'],
    ['shares adding up to more than 10000', () => split([owner, 5000], [alice, 5001]), 'BadSplit', 'The payout shares must add up to exactly 10000 basis points (100%), but they add up to 10001 (100.01%).'],
    ['no payees', () => [], 'EmptySplit', 'The payout split needs at least one payee.'],
    ['a zero payee', () => split([owner, 5000], ['0x0000000000000000000000000000000000000000', 5000]), 'ZeroPayee', 'Payee 2 in the payout split is the zero address.'],
    ['a zero share', () => split([owner, 10_000], [alice, 0]), 'ZeroShare', 'Payee 2 in the payout split has a share of 0; remove it or give it a share.'],
  ] as [string, () => SplitEntry[], string, string][])('rejects a split with %s', async (_label, s, name, message) => {
    const e = await chainFailure(registry.register(owner, params('split', { split: s() })));
    expect(e.code).toBe('REVERTED');
    expect(revertName(e)).toBe(name);
    expect(e.message).toBe(message);
  });

  it('rejects duplicate payees and too many payees', async () => {
    let e = await chainFailure(registry.register(owner, params('s', { split: split([owner, 5000], [owner, 5000]) })));
    expect(revertName(e)).toBe('DuplicatePayee');
    expect(e.message).toContain(`${owner.address} appears more than once`);
    const many = Array.from({ length: 65 }, (_, i) => ({ payee: randomAddress(), bps: i === 0 ? 10_000 - 64 : 1 }));
    e = await chainFailure(registry.register(owner, params('s', { split: many })));
    expect(revertName(e)).toBe('TooManyPayees');
    expect(e.message).toBe('The payout split has 65 payees; at most 64 are allowed.');
    // 64 payees is fine, and approve pays them all.
    const ok = Array.from({ length: 64 }, (_, i) => ({ payee: randomAddress(), bps: i === 0 ? 10_000 - 63 * 156 : 156 }));
    const tokenId = await register('s64', { split: ok, price: 10_000n });
    const requestId = await request(tokenId, buyer, 10_000n);
    const mined = await (await registry.approve(owner, requestId, 'g')).wait();
    expect(mined.result.credits).toHaveLength(64);
    expect(mined.result.credits.reduce((s, c) => s + c.amount, 0n)).toBe(10_000n);
  });

  it('rejects mismatched payee and share lists (raw call)', async () => {
    const e = await chainFailure(rawRegistryCall(owner, 'register', [hex32('m'), 'm', hex32('t'), 1n, [owner.address, alice.address], [10_000], 0]));
    expect(revertName(e)).toBe('SplitLengthMismatch');
    expect(e.message).toBe('The payout split lists 2 payees but 1 shares; give exactly one share per payee.');
  });

  it('rejects a zero content root, an empty or overlong manifest id', async () => {
    let e = await chainFailure(registry.register(owner, params('z', { contentRoot: '0'.repeat(64) })));
    expect(e.message).toBe('The content root is missing (it is all zeros).');
    e = await chainFailure(registry.register(owner, params('z', { manifestId: '' })));
    expect(e.message).toBe('The manifest id is empty; upload the manifest before registering.');
    e = await chainFailure(registry.register(owner, params('z', { manifestId: 'x'.repeat(257) })));
    expect(e.message).toBe('The manifestId is too long (257 bytes; at most 256).');
  });

  it('validates inputs before sending', async () => {
    let e = await chainFailure(registry.register(owner, params('v', { contentRoot: 'abc' })));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toBe('The content root must be 32 bytes written as 64 hex digits, not "abc".');
    e = await chainFailure(registry.register(owner, params('v', { split: [{ payee: 'nope', bps: 10_000 }] })));
    expect(e.message).toBe('The payee 1 "nope" is not a valid Ethereum address.');
    e = await chainFailure(registry.requestAccess(buyer, 1n, 'not-a-key', { termsHash: hex32('terms-v'), price: PRICE }));
    expect(e.message).toBe('"not-a-key" is not an age public key (it should look like age1...).');
  });
});

describe('requestAccess', () => {
  it('escrows exactly the price and records the request', async () => {
    const tokenId = await register('r');
    const before = await registry.totals();
    const mined = await (await registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, { termsHash: hex32('terms-r'), price: PRICE }, { message: 'For a thesis on 🌍 soils' })).wait();
    expect(mined.result).toEqual({ requestId: 1n, tokenId, amount: PRICE });
    expect(eventsNamed(mined.events, 'AccessRequested')[0]).toMatchObject({ requestId: 1n, tokenId, requester: buyer.address, recipient: AGE_RECIPIENT, amount: PRICE, message: 'For a thesis on 🌍 soils' });
    const after = await registry.totals();
    expect(after.escrowed - before.escrowed).toBe(PRICE);
    expect(after.balance).toBe(after.escrowed + after.withdrawable);
    const block = await chain.conn.provider.getBlock(mined.receipt.blockNumber);
    expect(await registry.request(1n)).toEqual({
      requestId: 1n,
      tokenId,
      requester: buyer.address,
      recipient: AGE_RECIPIENT,
      amount: PRICE,
      status: 'pending',
      createdAt: block!.timestamp,
      cancellableAt: block!.timestamp + DEFAULT_ACCESS_TIMEOUT_SECONDS,
      grantId: '',
      termsHash: hex32('terms-r'),
      accessPeriod: 0,
      expiresAt: 0,
    });
    expect(await registry.requestCount()).toBe(1n);
    expect(await registry.request(2n)).toBeNull();
  });

  it('refuses a message over 1024 bytes, in the client and on chain', async () => {
    const tokenId = await register('long-message');
    await expect(registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, await accepted(tokenId), { message: 'é'.repeat(513) })).rejects.toThrow(/too long/);
    const e = await chainFailure(rawRegistryCall(buyer, 'requestAccess', [tokenId, AGE_RECIPIENT, 'x'.repeat(1025), hex32('terms-long-message')], PRICE));
    expect(e.message).toMatch(/message/i);
  });

  it('says what the price is when the wrong amount is sent', async () => {
    const tokenId = await register('p');
    let e = await chainFailure(registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, await accepted(tokenId, PRICE / 2n)));
    expect(e.code).toBe('REVERTED');
    expect(revertName(e)).toBe('WrongPrice');
    expect(e.message).toBe('The price is 0.01 ETH but 0.005 ETH was sent.');
    e = await chainFailure(registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, await accepted(tokenId, ETH)));
    expect(e.message).toBe('The price is 0.01 ETH but 1 ETH was sent.');
    expect((await registry.totals()).escrowed).toBe(0n);
  });

  it('free assets take a zero payment', async () => {
    const tokenId = await register('free', { price: 0n });
    const requestId = await request(tokenId, buyer, 0n);
    const mined = await (await registry.approve(owner, requestId, 'grant')).wait();
    expect(mined.result.amount).toBe(0n);
  });

  it('fails for an unknown asset and an empty recipient', async () => {
    let e = await chainFailure(registry.requestAccess(buyer, 9n, AGE_RECIPIENT, { termsHash: hex32('terms-e'), price: PRICE }));
    expect(e.message).toBe('Asset #9 does not exist on this registry.');
    const tokenId = await register('e');
    e = await chainFailure(rawRegistryCall(buyer, 'requestAccess', [tokenId, '', '', hex32('terms-e')], PRICE));
    expect(revertName(e)).toBe('EmptyRecipient');
  });
});

describe('approve', () => {
  it('credits the payees by their shares, remainder to the first payee, one Credited per payee', async () => {
    const tokenId = await register('split', { price: 100n, split: split([alice, 3333], [bob, 3333], [owner, 3334]) });
    const requestId = await request(tokenId, buyer, 100n);
    const sent = await registry.approve(owner, requestId, 'grant-xyz');
    const mined = await sent.wait();
    expect(mined.result).toEqual({
      requestId,
      tokenId,
      amount: 100n,
      credits: [
        { payee: alice.address, amount: 34n },
        { payee: bob.address, amount: 33n },
        { payee: owner.address, amount: 33n },
      ],
    });
    expect(eventsNamed(mined.events, 'AccessGranted')[0]).toMatchObject({ requestId, tokenId, grantId: 'grant-xyz', amount: 100n });
    expect(eventsNamed(mined.events, 'Credited').map((c) => [c.payee, c.tokenId, c.requestId, c.amount])).toEqual([
      [alice.address, tokenId, requestId, 34n],
      [bob.address, tokenId, requestId, 33n],
      [owner.address, tokenId, requestId, 33n],
    ]);
    expect(await registry.withdrawable(alice.address)).toBe(34n);
    expect(await registry.withdrawable(bob.address)).toBe(33n);
    expect(await registry.withdrawable(owner.address)).toBe(33n);
    const r = await registry.request(requestId);
    expect(r?.status).toBe('approved');
    expect(r?.grantId).toBe('grant-xyz');
    const t = await registry.totals();
    expect(t).toEqual({ balance: 100n, escrowed: 0n, withdrawable: 100n });
  });

  it('only the current owner can approve, and only once', async () => {
    const tokenId = await register('o');
    const requestId = await request(tokenId);
    let e = await chainFailure(registry.approve(stranger, requestId, 'g'));
    expect(e.code).toBe('REVERTED');
    expect(revertName(e)).toBe('NotTokenOwner');
    expect(e.message).toBe("Only the asset's owner or one of its approvers can decide this request.");
    await (await registry.approve(owner, requestId, 'g')).wait();
    e = await chainFailure(registry.approve(owner, requestId, 'g'));
    expect(revertName(e)).toBe('RequestNotPending');
    expect(e.message).toBe('Request #1 was already approved.');
    e = await chainFailure(registry.approve(owner, 77n, 'g'));
    expect(e.message).toBe('There is no access request #77.');
  });

  it('after a transfer the new owner answers and the registered payees are still paid', async () => {
    const tokenId = await register('t', { split: split([alice, 10_000]) });
    const requestId = await request(tokenId);
    const data = registryInterface.encodeFunctionData('transferFrom', [owner.address, bob.address, tokenId]);
    await waitForTx(chain.conn, (await sendTx(chain.conn, owner, { to: registry.address, data, action: 'transfer' })).hash);
    expect((await registry.asset(tokenId))?.owner).toBe(bob.address);
    const e = await chainFailure(registry.approve(owner, requestId, 'g'));
    expect(e.message).toBe("Only the asset's owner or one of its approvers can decide this request.");
    await (await registry.approve(bob, requestId, 'g')).wait();
    expect(await registry.withdrawable(alice.address)).toBe(PRICE);
    expect(await registry.withdrawable(bob.address)).toBe(0n);
  });
});

describe('deny', () => {
  it('credits the escrow back to the requester (pull) and closes the request', async () => {
    const tokenId = await register('d');
    const requestId = await request(tokenId);
    let e = await chainFailure(registry.deny(stranger, requestId, 'no'));
    expect(e.message).toBe("Only the asset's owner or one of its approvers can decide this request.");
    const mined = await (await registry.deny(owner, requestId, 'Not for commercial use')).wait();
    expect(mined.result).toEqual({ requestId, refunded: PRICE });
    expect(eventsNamed(mined.events, 'AccessDenied')[0]).toMatchObject({ requestId, tokenId, reason: 'Not for commercial use' });
    expect(eventsNamed(mined.events, 'Refunded')[0]).toMatchObject({ requester: buyer.address, requestId, amount: PRICE });
    expect(await registry.withdrawable(buyer.address)).toBe(PRICE);
    expect((await registry.request(requestId))?.status).toBe('denied');
    e = await chainFailure(registry.approve(owner, requestId, 'g'));
    expect(e.message).toBe('Request #1 was already denied.');
    e = await chainFailure(registry.deny(owner, requestId, 'again'));
    expect(e.message).toBe('Request #1 was already denied.');
  });
});

describe('cancel', () => {
  it('only after the timeout, only by the requester, then refunds', async () => {
    const tokenId = await register('c');
    const requestId = await request(tokenId);
    const r = await registry.request(requestId);
    let e = await chainFailure(registry.cancel(buyer, requestId));
    expect(revertName(e)).toBe('TooEarly');
    expect(e.message).toBe(
      `This request can be cancelled from ${new Date(r!.cancellableAt * 1000).toISOString().replace('.000Z', 'Z')}; until then the asset's owner still has time to answer it.`,
    );
    await increaseTime(chain.conn, DEFAULT_ACCESS_TIMEOUT_SECONDS - 60);
    e = await chainFailure(registry.cancel(buyer, requestId));
    expect(revertName(e)).toBe('TooEarly');
    await increaseTime(chain.conn, 61);
    e = await chainFailure(registry.cancel(stranger, requestId));
    expect(e.message).toBe('Only the account that made request #1 can cancel it.');
    const mined = await (await registry.cancel(buyer, requestId)).wait();
    expect(mined.result).toEqual({ requestId, refunded: PRICE });
    expect(eventsNamed(mined.events, 'AccessCancelled')[0]).toMatchObject({ requestId, tokenId, requester: buyer.address });
    expect(await registry.withdrawable(buyer.address)).toBe(PRICE);
    e = await chainFailure(registry.cancel(buyer, requestId));
    expect(e.message).toBe('Request #1 was already cancelled.');
    e = await chainFailure(registry.approve(owner, requestId, 'late'));
    expect(e.message).toBe('Request #1 was already cancelled.');
  });

  it('an answered request cannot be cancelled', async () => {
    const tokenId = await register('c2');
    const requestId = await request(tokenId);
    await (await registry.approve(owner, requestId, 'g')).wait();
    await increaseTime(chain.conn, DEFAULT_ACCESS_TIMEOUT_SECONDS + 1);
    const e = await chainFailure(registry.cancel(buyer, requestId));
    expect(e.message).toBe('Request #1 was already approved.');
  });
});

describe('withdraw', () => {
  it('sends the whole balance once', async () => {
    const tokenId = await register('w', { split: split([alice, 10_000]) });
    await (await registry.approve(owner, await request(tokenId), 'g')).wait();
    const before = await balanceOf(chain.conn, alice.address);
    const mined = await (await registry.withdraw(alice)).wait();
    expect(mined.result).toEqual({ account: alice.address, to: alice.address, amount: PRICE });
    const gas = mined.receipt.gasUsed * mined.receipt.gasPrice;
    expect(await balanceOf(chain.conn, alice.address)).toBe(before + PRICE - gas);
    expect(await registry.withdrawable(alice.address)).toBe(0n);
    expect(await registry.totals()).toEqual({ balance: 0n, escrowed: 0n, withdrawable: 0n });
    const e = await chainFailure(registry.withdraw(alice));
    expect(revertName(e)).toBe('NothingToWithdraw');
    expect(e.message).toBe('There is nothing to withdraw for this account.');
  });

  it('withdrawTo sends elsewhere and refuses the zero address', async () => {
    const tokenId = await register('wt');
    const requestId = await request(tokenId);
    await (await registry.deny(owner, requestId, 'no')).wait();
    const e = await chainFailure(registry.withdrawTo(buyer, '0x0000000000000000000000000000000000000000'));
    expect(e.message).toBe('The destination is the zero address.');
    const dest = randomAddress();
    const mined = await (await registry.withdrawTo(buyer, dest)).wait();
    expect(mined.result).toEqual({ account: buyer.address, to: dest, amount: PRICE });
    expect(await balanceOf(chain.conn, dest)).toBe(PRICE);
  });
});

describe('updateTerms', () => {
  it('owner only; pending requests keep what they escrowed; new requests pay the new price', async () => {
    const tokenId = await register('u');
    const pending = await request(tokenId);
    let e = await chainFailure(registry.updateTerms(stranger, tokenId, hex32('t2'), 2n * PRICE));
    expect(e.message).toBe("Only the asset's owner can change its terms.");
    const mined = await (await registry.updateTerms(owner, tokenId, hex32('t2'), 2n * PRICE)).wait();
    expect(mined.result).toEqual({ tokenId, termsHash: hex32('t2'), price: 2n * PRICE });
    expect((await registry.asset(tokenId))).toMatchObject({ termsHash: hex32('t2'), price: 2n * PRICE });
    e = await chainFailure(registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, { termsHash: hex32('t2'), price: PRICE }));
    expect(e.message).toBe('The price is 0.02 ETH but 0.01 ETH was sent.');
    await request(tokenId, buyer, 2n * PRICE);
    const approved = await (await registry.approve(owner, pending, 'g')).wait();
    expect(approved.result.amount).toBe(PRICE);
    e = await chainFailure(registry.updateTerms(owner, 99n, hex32('t'), 1n));
    expect(e.message).toBe('Asset #99 does not exist on this registry.');
  });
});

describe('reentrancy', () => {
  let attacker: string;
  let attackerIface: Interface;

  async function attackerCall(fn: string, args: unknown[] = [], signer: Wallet = stranger, value = 0n) {
    const sent = await sendTx(chain.conn, signer, { to: attacker, data: attackerIface.encodeFunctionData(fn, args), value, action: 'withdraw' });
    return waitForTx(chain.conn, sent.hash);
  }
  async function attackerRead(fn: string): Promise<unknown> {
    const out = await chain.conn.provider.call({ to: attacker, data: attackerIface.encodeFunctionData(fn, []) });
    return attackerIface.decodeFunctionResult(fn, out)[0] as unknown;
  }
  const Mode = { None: 0, ReenterWithdraw: 1, ReenterWithdrawSwallow: 2, ReenterRequest: 3, Reject: 4 };

  beforeEach(async () => {
    attackerIface = new Interface(payee.abi);
    const deploy = payee.bytecode + attackerIface.encodeDeploy([registry.address]).slice(2);
    const sent = await sendTx(chain.conn, stranger, { data: deploy, action: 'deploy' });
    const receipt = await waitForTx(chain.conn, sent.hash);
    attacker = receipt.contractAddress!;
    // The attacker is the sole payee of an asset that someone bought.
    const tokenId = await register('attack', { split: split([attacker, 10_000]) });
    await (await registry.approve(owner, await request(tokenId), 'g')).wait();
    expect(await registry.withdrawable(attacker)).toBe(PRICE);
  });

  it('a payee that re-enters withdraw() makes its own withdrawal fail; nothing moves', async () => {
    await attackerCall('setMode', [Mode.ReenterWithdraw]);
    const e = await chainFailure(attackerCall('withdraw'));
    expect(e.code).toBe('REVERTED');
    expect(revertName(e)).toBe('TransferFailed');
    expect(await registry.withdrawable(attacker)).toBe(PRICE);
    expect(await balanceOf(chain.conn, attacker)).toBe(0n);
    expect(await registry.totals()).toEqual({ balance: PRICE, escrowed: 0n, withdrawable: PRICE });
  });

  it('a payee that swallows the failed re-entry gets its balance exactly once', async () => {
    await attackerCall('setMode', [Mode.ReenterWithdrawSwallow]);
    await attackerCall('withdraw');
    expect(await balanceOf(chain.conn, attacker)).toBe(PRICE);
    expect(await attackerRead('receiveCalls')).toBe(1n);
    expect(await attackerRead('reentryFailures')).toBe(1n);
    expect(registryInterface.parseError(await attackerRead('lastReentryError') as string)?.name).toBe('ReentrancyGuardReentrantCall');
    expect(await registry.withdrawable(attacker)).toBe(0n);
    expect(await registry.totals()).toEqual({ balance: 0n, escrowed: 0n, withdrawable: 0n });
  });

  it('re-entering another guarded function (requestAccess) from receive is refused', async () => {
    await attackerCall('setMode', [Mode.ReenterRequest]);
    await attackerCall('withdraw');
    expect(await attackerRead('reentryFailures')).toBe(1n);
    expect(registryInterface.parseError(await attackerRead('lastReentryError') as string)?.name).toBe('ReentrancyGuardReentrantCall');
    expect(await registry.requestCount()).toBe(1n);
  });

  it('a payee that refuses ether can still move its balance with withdrawTo', async () => {
    await attackerCall('setMode', [Mode.Reject]);
    const e = await chainFailure(attackerCall('withdraw'));
    expect(e.message).toBe(`Sending 0.01 ETH to ${attacker} failed: that address does not accept payments. Withdraw to another address instead.`);
    const rescue = randomAddress();
    await attackerCall('withdrawTo', [rescue]);
    expect(await balanceOf(chain.conn, rescue)).toBe(PRICE);
    expect(await registry.totals()).toEqual({ balance: 0n, escrowed: 0n, withdrawable: 0n });
  });

  it('a contract requester gets its refund after a deny', async () => {
    await attackerCall('setMode', [Mode.ReenterWithdrawSwallow]);
    const tokenId = await register('attack2');
    await attackerCall('requestAccess', [tokenId, AGE_RECIPIENT, hex32('terms-attack2')], stranger, PRICE);
    await (await registry.deny(owner, 2n, 'no')).wait();
    expect(await registry.withdrawable(attacker)).toBe(2n * PRICE);
    await attackerCall('withdraw');
    expect(await balanceOf(chain.conn, attacker)).toBe(2n * PRICE);
    expect(await registry.totals()).toEqual({ balance: 0n, escrowed: 0n, withdrawable: 0n });
  });
});

describe('transactions', () => {
  it('prepare gives the hash before anything is sent; broadcast is idempotent; resume decodes', async () => {
    const tokenId = await register('tx');
    const prepared = await prepareTx(chain.conn, buyer, registry.calls.requestAccess(tokenId, AGE_RECIPIENT, await accepted(tokenId)));
    expect(await txStatus(chain.conn, prepared.hash)).toBe('unknown');
    expect(await broadcastTx(chain.conn, prepared)).toBe(prepared.hash);
    expect(await broadcastTx(chain.conn, prepared)).toBe(prepared.hash); // after a crash, say
    const mined = await registry.resume('requestAccess', prepared.hash);
    expect(mined.result.requestId).toBe(1n);
    expect(await txStatus(chain.conn, prepared.hash)).toBe('mined');
    expect(await registry.requestCount()).toBe(1n);
  });

  it('two durable sends from one wallet at once (prepare, save, broadcast) take different nonces under the account lock', async () => {
    const tokenId = await register('lk');
    const durableSend = (value: bigint): Promise<string> =>
      withAccountLock(chain.conn, buyer.address, async () => {
        const prepared = await prepareTx(chain.conn, buyer, registry.calls.requestAccess(tokenId, AGE_RECIPIENT, await accepted(tokenId, value)));
        await new Promise((r) => setTimeout(r, 20)); // the checkpoint write
        return broadcastTx(chain.conn, prepared);
      });
    const before = await chain.conn.provider.getTransactionCount(buyer.address, 'pending');
    const hashes = await Promise.all([durableSend(PRICE), durableSend(PRICE)]);
    const receipts = await Promise.all(hashes.map((h) => waitForTx(chain.conn, h)));
    expect(receipts.map((r) => r.status)).toEqual([1, 1]);
    const nonces = await Promise.all(hashes.map(async (h) => (await chain.conn.provider.getTransaction(h))?.nonce));
    expect(nonces.sort()).toEqual([before, before + 1]);
    // Without the lock both would have read the same pending nonce.
    const terms = await accepted(tokenId);
    const [a, b] = await Promise.all([prepareTx(chain.conn, buyer, registry.calls.requestAccess(tokenId, AGE_RECIPIENT, terms)), prepareTx(chain.conn, buyer, registry.calls.requestAccess(tokenId, AGE_RECIPIENT, terms))]);
    expect(a.nonce).toBe(b.nonce);
  });

  it('a transaction that reverts on chain (gas estimation skipped) is explained from its receipt', async () => {
    const tokenId = await register('rv');
    const requestId = await request(tokenId);
    const sent = await sendTx(chain.conn, stranger, registry.calls.approve(requestId, 'g'), { gasLimit: 300_000n });
    expect(await txStatus(chain.conn, sent.hash)).toBe('reverted');
    const e = await chainFailure(registry.resume('approve', sent.hash));
    expect(e.code).toBe('REVERTED');
    expect(e.details.txHash).toBe(sent.hash);
    expect(e.message).toBe("Only the asset's owner or one of its approvers can decide this request.");
  });

  it('resume refuses a hash of a different action', async () => {
    const tokenId = await register('x');
    const sent = await registry.updateTerms(owner, tokenId, hex32('n'), 1n);
    const e = await chainFailure(registry.resume('register', sent.hash));
    expect(e.message).toContain('has no Registered event');
  });

  it('concurrent sends from one account get distinct nonces', async () => {
    const sends = await Promise.all(['n1', 'n2', 'n3', 'n4'].map((l) => registry.register(owner, params(l))));
    expect(new Set(sends.map((s) => s.nonce)).size).toBe(4);
    const ids = await Promise.all(sends.map(async (s) => (await s.wait()).result.tokenId));
    expect([...ids].sort()).toEqual([1n, 2n, 3n, 4n]);
  });

  it('an account without ether is told so', async () => {
    const poor = new Wallet(hexlify(randomBytes(32)));
    const e = await chainFailure(registry.register(poor, params('poor')));
    expect(e.code).toBe('INSUFFICIENT_FUNDS');
    expect(e.message).toMatch(new RegExp(`^The wallet ${poor.address} does not have enough ETH to pay for this transaction and its network fee\\.( It has 0 ETH and needs about [0-9.]+ ETH\\.)? Add ETH to it, then try again\\.$`));
  });
});
