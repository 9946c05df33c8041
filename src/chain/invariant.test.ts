/**
 * Random sequences of registry operations from several accounts, checked step by step against
 * a model: the contract's ether always equals escrow + unwithdrawn balances, every account's
 * withdrawable balance and ether balance match the model to the wei, and the totals rebuilt
 * from events agree with the view functions. Owners change terms (sometimes at the same
 * price) and buyers request with the terms they read earlier: a request naming stale terms
 * is refused, before sending or once mined, and takes nothing but its gas. Owners take assets
 * off sale and back (a request while off sale is refused; pending ones can still be answered or
 * cancelled), and each approval records its expiry from the access period the request pinned.
 */
import type { TransactionReceipt, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ACCESS_TIMEOUT_SECONDS, balanceOf, parseRegistryLogs, registryInterface, sendTx, waitForTx, type ChainError, type SplitEntry } from './client';
import { AGE_RECIPIENT, chainFailure, hex32, increaseTime, prng, startTestChain, type TestChain } from './test-utils';

const SEED = 0xa71f0;
const STEPS = 200;

interface ModelAsset {
  tokenId: bigint;
  owner: number;
  price: bigint;
  root: string;
  split: { actor: number; bps: number }[];
  termsHash: string;
  /** Terms it had before (what a buyer who read it earlier still holds). */
  oldTerms: string[];
  forSale: boolean;
  accessPeriod: number;
}
interface ModelRequest {
  requestId: bigint;
  tokenId: bigint;
  requester: number;
  amount: bigint;
  /** The terms the request was made under. */
  termsHash: string;
  status: 'pending' | 'approved' | 'denied' | 'cancelled';
  cancellableAt: number;
  accessPeriod: number;
  expiresAt: number;
}

let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain();
});
afterAll(async () => {
  await chain.close();
});

describe('registry invariants', () => {
  it(`${STEPS} random steps (seed ${SEED.toString(16)}): no wei is created, lost or stuck`, async () => {
    const { registry, conn } = chain;
    const rnd = prng(SEED);
    const actors: Wallet[] = chain.signers.slice(1, 7);
    const addr = (i: number) => actors[i]!.address;

    const assets: ModelAsset[] = [];
    const requests: ModelRequest[] = [];
    const withdrawable = actors.map(() => 0n);
    const eth = await Promise.all(actors.map((a) => balanceOf(conn, a.address)));
    let escrow = 0n;
    const counts: Record<string, number> = {};
    const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

    const gas = (r: TransactionReceipt) => r.gasUsed * r.gasPrice;
    const expectRevert = async (p: Promise<unknown>, name: string) => {
      const e: ChainError = await chainFailure(p);
      expect(e.details.revert?.name, e.message).toBe(name);
      count(`revert:${name}`);
    };
    const randomSplit = (): { actor: number; bps: number }[] => {
      const k = 1 + rnd.int(3);
      const who = [...actors.keys()].sort(() => rnd.next() - 0.5).slice(0, k);
      const cuts = Array.from({ length: k - 1 }, () => 1 + rnd.int(9_999)).sort((a, b) => a - b);
      const bounds = [0, ...cuts, 10_000];
      const parts = who.map((actor, i) => ({ actor, bps: bounds[i + 1]! - bounds[i]! }));
      return parts.every((p) => p.bps > 0) ? parts : [{ actor: who[0]!, bps: 10_000 }];
    };
    const toSplit = (s: { actor: number; bps: number }[]): SplitEntry[] => s.map((e) => ({ payee: addr(e.actor), bps: e.bps }));
    const prices = [0n, 1n, 7n, 999n, 10n ** 15n + 3n, 10n ** 16n];
    const pending = () => requests.filter((r) => r.status === 'pending');
    const latestTime = async () => (await conn.provider.getBlock('latest'))!.timestamp;

    const check = async (step: number, full: boolean) => {
      const t = await registry.totals();
      const sum = withdrawable.reduce((a, b) => a + b, 0n);
      expect(t.balance, `step ${step}: balance = escrow + withdrawable`).toBe(t.escrowed + t.withdrawable);
      expect(t.escrowed, `step ${step}: escrow`).toBe(escrow);
      expect(t.withdrawable, `step ${step}: withdrawable total`).toBe(sum);
      if (!full) return;
      for (const [i, a] of actors.entries()) {
        expect(await registry.withdrawable(a.address), `step ${step}: withdrawable of actor ${i}`).toBe(withdrawable[i]);
        expect(await balanceOf(conn, a.address), `step ${step}: ether of actor ${i}`).toBe(eth[i]);
      }
    };

    for (let step = 0; step < STEPS; step++) {
      const roll = rnd.next();
      if (assets.length === 0 || roll < 0.12) {
        // register (sometimes a bad split or a duplicate root)
        const owner = rnd.int(actors.length);
        const variant = rnd.next();
        if (variant < 0.1 && assets.length > 0) {
          const dup = rnd.pick(assets);
          await expectRevert(registry.register(actors[owner]!, { contentRoot: dup.root, manifestId: 'm', termsHash: hex32('t'), price: 1n, split: toSplit(randomSplit()) }), 'AlreadyRegistered');
        } else if (variant < 0.2) {
          await expectRevert(
            registry.register(actors[owner]!, { contentRoot: hex32(`bad-${step}`), manifestId: 'm', termsHash: hex32('t'), price: 1n, split: [{ payee: addr(owner), bps: 9_999 }] }),
            'BadSplit',
          );
        } else {
          const a = { owner, price: rnd.pick(prices), root: hex32(`root-${step}`), split: randomSplit(), termsHash: hex32(`t-${step}`), oldTerms: [], forSale: true, accessPeriod: rnd.pick([0, 0, 24 * 3600, 30 * 24 * 3600]) };
          const m = await (await registry.register(actors[owner]!, { contentRoot: a.root, manifestId: `m-${step}`, termsHash: a.termsHash, price: a.price, split: toSplit(a.split), accessPeriodSeconds: a.accessPeriod })).wait();
          eth[owner]! -= gas(m.receipt);
          assets.push({ ...a, tokenId: m.result.tokenId });
          count('register');
        }
      } else if (roll < 0.42) {
        // requestAccess (sometimes the wrong amount, sometimes under terms the owner has replaced)
        const who = rnd.int(actors.length);
        const a = rnd.pick(assets);
        const variant = rnd.next();
        if (!a.forSale) {
          // Off sale: refused whatever the terms and price, before sending or once mined.
          if (rnd.next() < 0.5) {
            await expectRevert(registry.requestAccess(actors[who]!, a.tokenId, AGE_RECIPIENT, { termsHash: a.termsHash, price: a.price }), 'NotForSale');
          } else {
            const sent = await registry.requestAccess(actors[who]!, a.tokenId, AGE_RECIPIENT, { termsHash: a.termsHash, price: a.price }, { gasLimit: 400_000n });
            await expectRevert(sent.wait(), 'NotForSale');
            const receipt = await conn.provider.getTransactionReceipt(sent.hash);
            expect(receipt?.status).toBe(0);
            eth[who]! -= gas(receipt!);
            count('mined:NotForSale');
          }
        } else if (variant < 0.15) {
          await expectRevert(registry.requestAccess(actors[who]!, a.tokenId, AGE_RECIPIENT, { termsHash: a.termsHash, price: a.price + 1n }), 'WrongPrice');
        } else if (variant < 0.3) {
          // Terms read before an updateTerms (or never the asset's), at the right price.
          const stale = a.oldTerms.length > 0 && rnd.next() < 0.8 ? rnd.pick(a.oldTerms) : hex32(`never-${step}`);
          if (rnd.next() < 0.5) {
            await expectRevert(registry.requestAccess(actors[who]!, a.tokenId, AGE_RECIPIENT, { termsHash: stale, price: a.price }), 'TermsChanged');
          } else {
            // Sent as if estimated before the change was mined: it reverts on chain, costing gas only.
            const sent = await registry.requestAccess(actors[who]!, a.tokenId, AGE_RECIPIENT, { termsHash: stale, price: a.price }, { gasLimit: 400_000n });
            await expectRevert(sent.wait(), 'TermsChanged');
            const receipt = await conn.provider.getTransactionReceipt(sent.hash);
            expect(receipt?.status).toBe(0);
            eth[who]! -= gas(receipt!);
            count('mined:TermsChanged');
          }
        } else {
          const m = await (await registry.requestAccess(actors[who]!, a.tokenId, AGE_RECIPIENT, { termsHash: a.termsHash, price: a.price })).wait();
          const block = await conn.provider.getBlock(m.receipt.blockNumber);
          eth[who]! -= gas(m.receipt) + a.price;
          escrow += a.price;
          requests.push({ requestId: m.result.requestId, tokenId: a.tokenId, requester: who, amount: a.price, termsHash: a.termsHash, status: 'pending', cancellableAt: block!.timestamp + DEFAULT_ACCESS_TIMEOUT_SECONDS, accessPeriod: a.accessPeriod, expiresAt: 0 });
          count('requestAccess');
        }
      } else if (roll < 0.62 && pending().length > 0) {
        // approve or deny (sometimes by someone who is not the owner)
        const r = rnd.pick(pending());
        const a = assets.find((x) => x.tokenId === r.tokenId)!;
        const approve = rnd.next() < 0.6;
        if (rnd.next() < 0.15) {
          const notOwner = (a.owner + 1 + rnd.int(actors.length - 1)) % actors.length;
          await expectRevert(approve ? registry.approve(actors[notOwner]!, r.requestId, 'g') : registry.deny(actors[notOwner]!, r.requestId, 'no'), 'NotTokenOwner');
        } else if (approve) {
          const m = await (await registry.approve(actors[a.owner]!, r.requestId, `grant-${step}`)).wait();
          eth[a.owner]! -= gas(m.receipt);
          escrow -= r.amount;
          const shares = a.split.map((s) => (r.amount * BigInt(s.bps)) / 10_000n);
          shares[0] = r.amount - shares.slice(1).reduce((x, y) => x + y, 0n);
          a.split.forEach((s, i) => (withdrawable[s.actor]! += shares[i]!));
          expect(m.result.credits).toEqual(a.split.map((s, i) => ({ payee: addr(s.actor), amount: shares[i] })));
          // The expiry comes from the period the request pinned, not from the asset's now.
          const approvedAt = (await conn.provider.getBlock(m.receipt.blockNumber))!.timestamp;
          r.expiresAt = r.accessPeriod === 0 ? 0 : approvedAt + r.accessPeriod;
          if (!a.forSale) count('approve:offSale');
          r.status = 'approved';
          count('approve');
        } else {
          const m = await (await registry.deny(actors[a.owner]!, r.requestId, `no-${step}`)).wait();
          eth[a.owner]! -= gas(m.receipt);
          escrow -= r.amount;
          withdrawable[r.requester]! += r.amount;
          r.status = 'denied';
          if (!a.forSale) count('deny:offSale');
          count('deny');
        }
      } else if (roll < 0.7 && pending().length > 0) {
        // cancel: too early, or after the timeout
        const r = rnd.pick(pending());
        const now = await latestTime();
        if (now + 60 < r.cancellableAt) {
          await expectRevert(registry.cancel(actors[r.requester]!, r.requestId), 'TooEarly');
        } else if (now >= r.cancellableAt) {
          const m = await (await registry.cancel(actors[r.requester]!, r.requestId)).wait();
          eth[r.requester]! -= gas(m.receipt);
          escrow -= r.amount;
          withdrawable[r.requester]! += r.amount;
          r.status = 'cancelled';
          count('cancel');
        }
      } else if (roll < 0.75) {
        await increaseTime(conn, (2 + rnd.int(6)) * 24 * 3600);
        count('time');
      } else if (roll < 0.82) {
        // updateTerms: new terms, often at the same price; by someone else it is refused
        const a = rnd.pick(assets);
        const next = hex32(`t-${step}-new`);
        const price = rnd.next() < 0.6 ? a.price : rnd.pick(prices);
        if (rnd.next() < 0.15) {
          const notOwner = (a.owner + 1 + rnd.int(actors.length - 1)) % actors.length;
          await expectRevert(registry.updateTerms(actors[notOwner]!, a.tokenId, next, price), 'NotTokenOwner');
        } else {
          const m = await (await registry.updateTerms(actors[a.owner]!, a.tokenId, next, price)).wait();
          eth[a.owner]! -= gas(m.receipt);
          a.oldTerms.push(a.termsHash);
          a.termsHash = next;
          a.price = price;
          count('updateTerms');
        }
      } else if (roll < 0.88) {
        // setForSale: on or off (sometimes the same state again); by someone else it is refused
        const off = assets.filter((x) => !x.forSale);
        const a = off.length > 0 && rnd.next() < 0.6 ? rnd.pick(off) : rnd.pick(assets);
        // Mostly a change, sometimes the same state again.
        const forSale = a.forSale ? rnd.next() < 0.2 : rnd.next() < 0.8;
        if (rnd.next() < 0.35) {
          // Someone else tries first: refused, and the listing stays as it was.
          const notOwner = (a.owner + 1 + rnd.int(actors.length - 1)) % actors.length;
          await expectRevert(registry.setForSale(actors[notOwner]!, a.tokenId, forSale), 'NotTokenOwner');
          expect((await registry.asset(a.tokenId))?.forSale).toBe(a.forSale);
          count('setForSale:notOwner');
        }
        {
          const m = await (await registry.setForSale(actors[a.owner]!, a.tokenId, forSale)).wait();
          expect(m.result).toEqual({ tokenId: a.tokenId, forSale });
          eth[a.owner]! -= gas(m.receipt);
          a.forSale = forSale;
          count(forSale ? 'setForSale:on' : 'setForSale:off');
        }
      } else if (roll < 0.9) {
        // withdraw everything (or be told there is nothing)
        const who = rnd.int(actors.length);
        if (withdrawable[who] === 0n) {
          await expectRevert(registry.withdraw(actors[who]!), 'NothingToWithdraw');
        } else {
          const m = await (await registry.withdraw(actors[who]!)).wait();
          expect(m.result.amount).toBe(withdrawable[who]);
          eth[who]! += withdrawable[who]! - gas(m.receipt);
          withdrawable[who] = 0n;
          count('withdraw');
        }
      } else if (roll < 0.95) {
        // a request that was answered cannot be answered again
        const done = requests.filter((r) => r.status !== 'pending');
        if (done.length > 0) {
          const r = rnd.pick(done);
          const a = assets.find((x) => x.tokenId === r.tokenId)!;
          await expectRevert(registry.approve(actors[a.owner]!, r.requestId, 'again'), 'RequestNotPending');
        }
      } else {
        // transfer an asset to someone else: they answer from now on; payees stay
        const a = rnd.pick(assets);
        const to = (a.owner + 1 + rnd.int(actors.length - 1)) % actors.length;
        const data = registryInterface.encodeFunctionData('transferFrom', [addr(a.owner), addr(to), a.tokenId]);
        const receipt = await waitForTx(conn, (await sendTx(conn, actors[a.owner]!, { to: registry.address, data, action: 'transfer' })).hash);
        eth[a.owner]! -= gas(receipt);
        a.owner = to;
        count('transfer');
      }
      await check(step, step % 25 === 24);
    }
    await check(STEPS, true);

    // The same totals rebuilt from the event log.
    const events = await registry.events(0);
    let evEscrow = 0n;
    let evWithdrawable = 0n;
    const creditedPerRequest = new Map<bigint, bigint>();
    for (const e of events) {
      if (e.name === 'AccessRequested') evEscrow += e.amount;
      if (e.name === 'AccessGranted') evEscrow -= e.amount;
      if (e.name === 'Refunded') {
        evEscrow -= e.amount;
        evWithdrawable += e.amount;
      }
      if (e.name === 'Credited') {
        evWithdrawable += e.amount;
        creditedPerRequest.set(e.requestId, (creditedPerRequest.get(e.requestId) ?? 0n) + e.amount);
      }
      if (e.name === 'Withdrawn') evWithdrawable -= e.amount;
    }
    const totals = await registry.totals();
    expect(evEscrow).toBe(totals.escrowed);
    expect(evWithdrawable).toBe(totals.withdrawable);
    for (const g of events) {
      if (g.name === 'AccessGranted') expect(creditedPerRequest.get(g.requestId) ?? 0n).toBe(g.amount);
    }
    for (const r of requests) {
      // Each request keeps the terms it was made under, whatever the asset's terms became.
      expect(await registry.request(r.requestId)).toMatchObject({ status: r.status, termsHash: r.termsHash, amount: r.amount, accessPeriod: r.accessPeriod, expiresAt: r.expiresAt });
    }
    for (const a of assets) expect(await registry.asset(a.tokenId)).toMatchObject({ termsHash: a.termsHash, price: a.price, owner: addr(a.owner), forSale: a.forSale, accessPeriod: a.accessPeriod });

    // The run exercised every path.
    for (const k of [
      'register',
      'requestAccess',
      'approve',
      'deny',
      'cancel',
      'withdraw',
      'transfer',
      'updateTerms',
      'setForSale:on',
      'setForSale:off',
      'setForSale:notOwner',
      'mined:TermsChanged',
      'mined:NotForSale',
      'revert:NotForSale',
      'revert:WrongPrice',
      'revert:TermsChanged',
      'revert:NotTokenOwner',
      'revert:TooEarly',
      'revert:NothingToWithdraw',
    ]) {
      expect(counts[k] ?? 0, `${k} never happened: ${JSON.stringify(counts)}`).toBeGreaterThan(0);
    }
  });
});

// ------------------------------------------------------------------ governance (issue 17)

const GOV_SEED = 0x90f17;
const GOV_STEPS = 150;
const CONSENT_TYPES = {
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

describe('registry invariants with governance', () => {
  it(`${GOV_STEPS} random steps (seed ${GOV_SEED.toString(16)}) with approvers, consented changes and new versions: no wei is created, lost or stuck`, async () => {
    const { registry, conn } = chain;
    const rnd = prng(GOV_SEED);
    const actors: Wallet[] = chain.signers.slice(1, 7);
    const addr = (i: number) => actors[i]!.address;
    interface GovAsset {
      tokenId: bigint;
      owner: number;
      root: string;
      price: bigint;
      termsHash: string;
      split: { actor: number; bps: number }[];
      rule: number;
      nonce: bigint;
      approvers: Set<number>;
    }
    const assets: GovAsset[] = [];
    const pending: { requestId: bigint; tokenId: bigint; requester: number; amount: bigint }[] = [];
    const withdrawable = await Promise.all(actors.map((a) => registry.withdrawable(a.address)));
    const start = await registry.totals();
    let escrow = start.escrowed;
    const counts: Record<string, number> = {};
    const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
    const expectRevert = async (p: Promise<unknown>, name: string) => {
      const e: ChainError = await chainFailure(p);
      expect(e.details.revert?.name, e.message).toBe(name);
      count(`revert:${name}`);
    };
    const send = async (who: number, fn: string, args: unknown[]) => {
      const sent = await sendTx(conn, actors[who]!, { to: registry.address, data: registryInterface.encodeFunctionData(fn, args), action: 'updateTerms' });
      return waitForTx(conn, sent.hash);
    };
    const randomSplit = (): { actor: number; bps: number }[] => {
      const k = 1 + rnd.int(3);
      const who = [...actors.keys()].sort(() => rnd.next() - 0.5).slice(0, k);
      const cuts = Array.from({ length: k - 1 }, () => 1 + rnd.int(9_999)).sort((a, b) => a - b);
      const bounds = [0, ...cuts, 10_000];
      const parts = who.map((actor, i) => ({ actor, bps: bounds[i + 1]! - bounds[i]! }));
      return parts.every((p) => p.bps > 0) ? parts : [{ actor: who[0]!, bps: 10_000 }];
    };
    const sameSplit = (a: { actor: number; bps: number }[], b: { actor: number; bps: number }[]) => a.length === b.length && a.every((x, i) => x.actor === b[i]!.actor && x.bps === b[i]!.bps);
    const prices = [0n, 1n, 999n, 10n ** 15n + 3n];
    const other = (i: number) => (i + 1 + rnd.int(actors.length - 1)) % actors.length;
    const domain = { name: 'AtivoRegistry', version: '1', chainId: conn.chainId, verifyingContract: registry.address };

    /** Consent of a random subset of the payees (sometimes none) for `t` on `a`; returns it and the bps it counts. */
    const consentFor = async (a: GovAsset, contentRoot: string, t: { termsHash: string; price: bigint; accessPeriod: number; payees: string[]; bps: number[] }) => {
      const signers = a.split.filter(() => rnd.next() < 0.7).map((s) => s.actor);
      const deadline = BigInt((await conn.provider.getBlock('latest'))!.timestamp + 3600);
      const value = { tokenId: a.tokenId, contentRoot, ...t, nonce: a.nonce, deadline };
      const signatures = await Promise.all(signers.map((i) => actors[i]!.signTypedData(domain, CONSENT_TYPES, value)));
      const counted = new Set([...signers, a.owner]);
      const bps = a.split.filter((s) => counted.has(s.actor)).reduce((x, s) => x + s.bps, 0);
      return { consent: { nonce: a.nonce, deadline, signers: signers.map(addr), signatures }, bps };
    };
    const check = async (step: number, full: boolean) => {
      const t = await registry.totals();
      expect(t.balance, `step ${step}: balance = escrow + withdrawable`).toBe(t.escrowed + t.withdrawable);
      expect(t.escrowed, `step ${step}: escrow`).toBe(escrow);
      if (!full) return;
      for (const [i, a] of actors.entries()) expect(await registry.withdrawable(a.address), `step ${step}: withdrawable of actor ${i}`).toBe(withdrawable[i]);
    };

    for (let step = 0; step < GOV_STEPS; step++) {
      const roll = rnd.next();
      if (assets.length === 0 || roll < 0.1) {
        const owner = rnd.int(actors.length);
        const a: GovAsset = { tokenId: 0n, owner, root: hex32(`gov-root-${step}`), price: rnd.pick(prices), termsHash: hex32(`gov-t-${step}`), split: randomSplit(), rule: rnd.pick([0, 5_000, 10_000]), nonce: 0n, approvers: new Set() };
        const m = await (await registry.register(actors[owner]!, { contentRoot: a.root, manifestId: `gm-${step}`, termsHash: a.termsHash, price: a.price, split: a.split.map((s) => ({ payee: addr(s.actor), bps: s.bps })) })).wait();
        a.tokenId = m.result.tokenId;
        if (a.rule > 0) await send(owner, 'setConsentRule', [a.tokenId, a.rule]);
        assets.push(a);
        count('register');
      } else if (roll < 0.2) {
        // the owner names or removes an approver; anyone else is refused
        const a = rnd.pick(assets);
        const who = other(a.owner);
        if (rnd.next() < 0.15) {
          await expectRevert(send(who, 'setApprover', [a.tokenId, addr(who), true]), 'NotTokenOwner');
        } else {
          const allowed = !a.approvers.has(who) || rnd.next() < 0.2;
          await send(a.owner, 'setApprover', [a.tokenId, addr(who), allowed]);
          if (allowed) a.approvers.add(who);
          else a.approvers.delete(who);
          count('setApprover');
        }
      } else if (roll < 0.45) {
        const a = rnd.pick(assets);
        const who = rnd.int(actors.length);
        const m = await (await registry.requestAccess(actors[who]!, a.tokenId, AGE_RECIPIENT, { termsHash: a.termsHash, price: a.price })).wait();
        pending.push({ requestId: m.result.requestId, tokenId: a.tokenId, requester: who, amount: a.price });
        escrow += a.price;
        count('requestAccess');
      } else if (roll < 0.65 && pending.length > 0) {
        // answered by the owner, an approver, or (refused) someone who is neither
        const idx = rnd.int(pending.length);
        const r = pending[idx]!;
        const a = assets.find((x) => x.tokenId === r.tokenId)!;
        const deciders = [a.owner, ...a.approvers];
        const outsiders = [...actors.keys()].filter((i) => !deciders.includes(i));
        const approve = rnd.next() < 0.6;
        if (outsiders.length > 0 && rnd.next() < 0.15) {
          const who = rnd.pick(outsiders);
          await expectRevert(approve ? registry.approve(actors[who]!, r.requestId, 'g') : registry.deny(actors[who]!, r.requestId, 'no'), 'NotTokenOwner');
          continue;
        }
        const who = a.approvers.size > 0 && rnd.next() < 0.6 ? rnd.pick([...a.approvers]) : a.owner;
        const role = who === a.owner ? 'owner' : 'approver';
        pending.splice(idx, 1);
        escrow -= r.amount;
        if (approve) {
          const m = await (await registry.approve(actors[who]!, r.requestId, `g-${step}`)).wait();
          const shares = a.split.map((s) => (r.amount * BigInt(s.bps)) / 10_000n);
          shares[0] = r.amount - shares.slice(1).reduce((x, y) => x + y, 0n);
          a.split.forEach((s, i) => (withdrawable[s.actor]! += shares[i]!));
          expect(m.result.credits).toEqual(a.split.map((s, i) => ({ payee: addr(s.actor), amount: shares[i] })));
          count(`approve:${role}`);
        } else {
          await (await registry.deny(actors[who]!, r.requestId, `no-${step}`)).wait();
          withdrawable[r.requester]! += r.amount;
          count(`deny:${role}`);
        }
      } else if (roll < 0.8) {
        // changeTerms (price, sometimes the split) or a new version with another split
        const a = rnd.pick(assets);
        const split = a.rule > 0 && rnd.next() < 0.6 ? randomSplit() : a.split;
        const t = { termsHash: hex32(`gov-t-${step}-new`), price: rnd.pick(prices), accessPeriod: 0, payees: split.map((s) => addr(s.actor)), bps: split.map((s) => s.bps) };
        const changesSplit = !sameSplit(split, a.split);
        const asVersion = rnd.next() < 0.35;
        const root = asVersion ? hex32(`gov-root-${step}-v`) : a.root;
        const { consent, bps } = await consentFor(a, root, t);
        const needs = asVersion ? (changesSplit && a.rule > 0 ? a.rule : 0) : a.rule;
        const call = asVersion ? send(a.owner, 'registerVersion', [a.tokenId, root, `gm-${step}-v`, t, consent]) : send(a.owner, 'changeTerms', [a.tokenId, t, consent]);
        if (bps < needs) {
          await expectRevert(call, 'NotEnoughConsent');
        } else {
          const receipt = await call;
          if (!asVersion || needs > 0) a.nonce += 1n; // changeTerms always uses the nonce; a version only when it needs consent
          if (asVersion) {
            const tokenId = parseRegistryLogs(receipt.logs, registry.address).find((e) => e.name === 'Registered')!.tokenId;
            assets.push({ tokenId, owner: a.owner, root, price: t.price, termsHash: t.termsHash, split, rule: a.rule, nonce: 0n, approvers: new Set() });
            count(changesSplit && a.rule > 0 ? 'registerVersion:consented' : 'registerVersion');
          } else {
            Object.assign(a, { price: t.price, termsHash: t.termsHash, split });
            count(changesSplit ? 'changeTerms:split' : 'changeTerms');
          }
        }
      } else if (roll < 0.9) {
        const who = rnd.int(actors.length);
        if (withdrawable[who] === 0n) continue;
        const m = await (await registry.withdraw(actors[who]!)).wait();
        expect(m.result.amount).toBe(withdrawable[who]);
        withdrawable[who] = 0n;
        count('withdraw');
      } else {
        // a transfer clears the approvers the previous owner named
        const a = rnd.pick(assets);
        const to = other(a.owner);
        await send(a.owner, 'transferFrom', [addr(a.owner), addr(to), a.tokenId]);
        a.owner = to;
        a.approvers.clear();
        count('transfer');
      }
      await check(step, step % 25 === 24);
    }
    await check(GOV_STEPS, true);
    for (const a of assets) {
      expect(await registry.asset(a.tokenId)).toMatchObject({ price: a.price, termsHash: a.termsHash, owner: addr(a.owner), split: a.split.map((s) => ({ payee: addr(s.actor), bps: s.bps })) });
    }
    for (const k of ['approve:owner', 'approve:approver', 'deny:owner', 'deny:approver', 'revert:NotTokenOwner', 'revert:NotEnoughConsent', 'changeTerms', 'changeTerms:split', 'registerVersion', 'registerVersion:consented', 'transfer', 'withdraw']) {
      expect(counts[k] ?? 0, `${k} never happened: ${JSON.stringify(counts)}`).toBeGreaterThan(0);
    }
  });
});
