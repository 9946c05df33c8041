/**
 * Test support for earnings (tests, e2e, bench only): real approvals on a chain, and the figures
 * computed independently from raw `eth_getLogs` output with the registry's ABI.
 */
import { randomBytes } from 'node:crypto';
import { getAddress, type Signer } from 'ethers';
import { registryInterface } from '../chain/abi';
import type { RegistryClient } from '../chain/client';
import type { ChainConnection } from '../chain/provider';

/** A syntactically valid age recipient (nobody holds its key; grants are not fetched here). */
export const TEST_RECIPIENT = 'age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq';

export interface SeededAsset {
  tokenId: string;
  price: bigint;
  split: { payee: string; bps: number }[];
}

export interface SeedResult {
  assets: SeededAsset[];
  approved: number;
  denied: number;
  pending: number;
}

/**
 * Registers three assets owned by `owner` (a 2-way split with the owner, a 3-way split with the
 * owner, a 3-way split without) at odd prices (rounding shows), then makes `n` requests from
 * `buyers` round-robin: every 5th is denied, the last one stays pending, the rest are approved.
 * The owner also requests its own first asset once and denies it (a refund to the owner).
 */
export async function seedEarnings(registry: RegistryClient, owner: Signer, buyers: Signer[], payees: [string, string, string], n: number): Promise<SeedResult> {
  const me = getAddress(await owner.getAddress());
  const [p1, p2, p3] = payees.map((p) => getAddress(p)) as [string, string, string];
  const specs: { price: bigint; split: { payee: string; bps: number }[] }[] = [
    { price: 1_000_000_000_000_007n, split: [{ payee: me, bps: 6000 }, { payee: p1, bps: 4000 }] },
    { price: 3_000_000_000_000_001n, split: [{ payee: p1, bps: 5000 }, { payee: me, bps: 3000 }, { payee: p2, bps: 2000 }] },
    { price: 2_000_000_000_000_003n, split: [{ payee: p2, bps: 7000 }, { payee: p3, bps: 2000 }, { payee: me, bps: 1000 }] },
  ];
  const assets: SeededAsset[] = [];
  /** Each asset's license terms, as its buyers read them (by token id). */
  const terms = new Map<string, { termsHash: string; price: bigint }>();
  for (const s of specs) {
    const termsHash = randomBytes(32).toString('hex');
    const sent = await registry.register(owner, {
      contentRoot: randomBytes(32).toString('hex'),
      manifestId: `manifest-${randomBytes(4).toString('hex')}`,
      termsHash,
      price: s.price,
      split: s.split,
    });
    const { result } = await sent.wait();
    assets.push({ tokenId: result.tokenId.toString(), price: s.price, split: s.split });
    terms.set(result.tokenId.toString(), { termsHash, price: s.price });
  }
  const termsOf = (a: SeededAsset) => terms.get(a.tokenId) ?? { termsHash: '', price: a.price };
  let approved = 0;
  let denied = 0;
  let pending = 0;
  for (let i = 0; i < n; i++) {
    const a = assets[i % assets.length];
    const buyer = buyers[i % buyers.length];
    if (!a || !buyer) throw new Error('seedEarnings needs assets and buyers');
    const req = await (await registry.requestAccess(buyer, BigInt(a.tokenId), TEST_RECIPIENT, termsOf(a), { message: `request ${i}` })).wait();
    if (i === n - 1) {
      pending++;
    } else if (i % 5 === 4) {
      await (await registry.deny(owner, req.result.requestId, 'not this one')).wait();
      denied++;
    } else {
      await (await registry.approve(owner, req.result.requestId, `grant-${i}`)).wait();
      approved++;
    }
  }
  const first = assets[0];
  if (first) {
    const own = await (await registry.requestAccess(owner, BigInt(first.tokenId), TEST_RECIPIENT, termsOf(first))).wait();
    await (await registry.deny(owner, own.result.requestId, 'my own')).wait();
    denied++;
  }
  return { assets, approved, denied, pending };
}

export interface ExpectedEarnings {
  earnedWei: string;
  withdrawnWei: string;
  refundsWei: string;
  /** Credits and withdrawals of the account. */
  payouts: number;
  /** Per token the account owns or was credited by. */
  assets: Record<string, { requests: number; approvals: number; revenueWei: string }>;
  /** `${tokenId}:${payee lowercase}` → credited wei, for those tokens. */
  contributors: Record<string, string>;
  /** UTC day → credited wei. */
  daily: Record<string, string>;
}

interface RpcLog {
  topics: string[];
  data: string;
  blockNumber: string;
}

/** The account's figures, computed straight from `eth_getLogs` (block 0 to latest) and the ABI. */
export async function expectedFromLogs(conn: ChainConnection, registryAddress: string, account: string): Promise<ExpectedEarnings> {
  const acc = account.toLowerCase();
  const logs = (await conn.provider.send('eth_getLogs', [{ address: registryAddress, fromBlock: '0x0', toBlock: 'latest' }])) as RpcLog[];
  const times = new Map<string, string>();
  const timeOf = async (blockHex: string): Promise<string> => {
    let t = times.get(blockHex);
    if (t === undefined) {
      const b = (await conn.provider.send('eth_getBlockByNumber', [blockHex, false])) as { timestamp: string };
      t = new Date(Number(BigInt(b.timestamp)) * 1000).toISOString().slice(0, 10);
      times.set(blockHex, t);
    }
    return t;
  };
  let earned = 0n;
  let withdrawn = 0n;
  let refunds = 0n;
  let payouts = 0;
  const owners = new Map<string, string>();
  const perToken = new Map<string, { requests: number; approvals: number; revenue: bigint }>();
  const credits = new Map<string, bigint>();
  const creditedTokens = new Set<string>();
  const daily = new Map<string, bigint>();
  const tok = (id: string) => {
    let t = perToken.get(id);
    if (!t) perToken.set(id, (t = { requests: 0, approvals: 0, revenue: 0n }));
    return t;
  };
  for (const log of logs) {
    const d = registryInterface.parseLog({ topics: log.topics, data: log.data });
    if (d === null) continue;
    const a = d.args;
    switch (d.name) {
      case 'Transfer':
        owners.set(String(a.getValue('tokenId')), String(a.getValue('to')).toLowerCase());
        break;
      case 'AccessRequested':
        tok(String(a.getValue('tokenId'))).requests++;
        break;
      case 'AccessGranted': {
        const t = tok(String(a.getValue('tokenId')));
        t.approvals++;
        t.revenue += a.getValue('amount') as bigint;
        break;
      }
      case 'Credited': {
        const payee = String(a.getValue('payee')).toLowerCase();
        const tokenId = String(a.getValue('tokenId'));
        const amount = a.getValue('amount') as bigint;
        credits.set(`${tokenId}:${payee}`, (credits.get(`${tokenId}:${payee}`) ?? 0n) + amount);
        if (payee === acc) {
          earned += amount;
          payouts++;
          creditedTokens.add(tokenId);
          const day = await timeOf(log.blockNumber);
          daily.set(day, (daily.get(day) ?? 0n) + amount);
        }
        break;
      }
      case 'Withdrawn':
        if (String(a.getValue('account')).toLowerCase() === acc) {
          withdrawn += a.getValue('amount') as bigint;
          payouts++;
        }
        break;
      case 'Refunded':
        if (String(a.getValue('requester')).toLowerCase() === acc) refunds += a.getValue('amount') as bigint;
        break;
      default:
        break;
    }
  }
  const mine = new Set([...[...owners].filter(([, o]) => o === acc).map(([t]) => t), ...creditedTokens]);
  const assets: ExpectedEarnings['assets'] = {};
  for (const t of mine) {
    const x = perToken.get(t);
    assets[t] = { requests: x?.requests ?? 0, approvals: x?.approvals ?? 0, revenueWei: (x?.revenue ?? 0n).toString() };
  }
  const contributors: Record<string, string> = {};
  for (const [k, v] of credits) if (mine.has(k.split(':')[0] ?? '')) contributors[k] = v.toString();
  return {
    earnedWei: earned.toString(),
    withdrawnWei: withdrawn.toString(),
    refundsWei: refunds.toString(),
    payouts,
    assets,
    contributors,
    daily: Object.fromEntries([...daily].map(([k, v]) => [k, v.toString()])),
  };
}
