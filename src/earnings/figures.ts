/**
 * The earnings figures of one account, and how they are bucketed and compared. Two sources
 * compute them: the catalog (what was indexed, `fromCatalog`) and a fresh read of the chain
 * from block 0 (`fromEvents`, for Reconcile); `diffFigures` says where they disagree.
 */
import type { Catalog } from '../catalog/db';
import type { LocatedEvent } from './logs';

export type Bucket = 'day' | 'week' | 'month';

export interface AssetFigures {
  tokenId: string;
  requests: number;
  approvals: number;
  revenueWei: string;
}

export interface ContributorFigures {
  tokenId: string;
  payee: string;
  bps: number;
  earnedWei: string;
}

export interface Figures {
  earnedWei: string;
  withdrawnWei: string;
  refundsWei: string;
  /** How many payouts (credits and withdrawals) the account has. */
  payouts: number;
  assets: AssetFigures[];
  contributors: ContributorFigures[];
  /** Credits per UTC day (no empty days). */
  daily: { start: string; amountWei: string }[];
}

export type Split = { payee: string; bps: number }[];

export const sum = (xs: Iterable<string | bigint>): bigint => {
  let t = 0n;
  for (const x of xs) t += BigInt(x);
  return t;
};

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date (YYYY-MM-DD) of `d` in the IANA time zone `timeZone` (RangeError if unknown). */
export function localDate(d: Date, timeZone: string): string {
  let f = dateFormats.get(timeZone);
  if (f === undefined) {
    // en-CA writes dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, f);
  }
  return f.format(d);
}

/**
 * The start (YYYY-MM-DD) of the day, ISO week (Monday) or month holding `iso`: in UTC, or with
 * `timeZone` (IANA, e.g. the person's own) by that zone's calendar, so a payout at 5 PM there
 * counts on that day there.
 */
export function bucketStart(iso: string, bucket: Bucket, timeZone?: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw new RangeError(`Not a date: ${iso}`);
  const d = timeZone === undefined ? at : new Date(`${localDate(at, timeZone)}T00:00:00Z`);
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), bucket === 'month' ? 1 : d.getUTCDate());
  if (bucket === 'week') t -= ((d.getUTCDay() + 6) % 7) * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** The bucket after `start` (YYYY-MM-DD). */
function nextBucket(start: string, bucket: Bucket): string {
  const d = new Date(`${start}T00:00:00Z`);
  if (bucket === 'month') d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCDate(d.getUTCDate() + (bucket === 'week' ? 7 : 1));
  return d.toISOString().slice(0, 10);
}

/**
 * Credits summed per bucket (by `timeZone`'s calendar when given, else UTC), oldest first. With `fill`, the empty buckets between the first
 * and the last are included as zeros (for a chart), up to `maxPoints` (older ones dropped).
 */
export function bucketize(
  rows: readonly { blockTime: string; amountWei: string }[],
  bucket: Bucket,
  fill = false,
  maxPoints = 5000,
  timeZone?: string,
): { start: string; amountWei: string }[] {
  const by = new Map<string, bigint>();
  for (const r of rows) {
    const k = bucketStart(r.blockTime, bucket, timeZone);
    by.set(k, (by.get(k) ?? 0n) + BigInt(r.amountWei));
  }
  const keys = [...by.keys()].sort();
  if (!fill || keys.length === 0) return keys.map((k) => ({ start: k, amountWei: (by.get(k) ?? 0n).toString() }));
  const out: { start: string; amountWei: string }[] = [];
  const last = keys[keys.length - 1] ?? '';
  for (let k = keys[0] ?? ''; k <= last; k = nextBucket(k, bucket)) {
    out.push({ start: k, amountWei: (by.get(k) ?? 0n).toString() });
    if (out.length > maxPoints) out.shift();
  }
  return out;
}

const byToken = (a: { tokenId: string }, b: { tokenId: string }): number => {
  const x = BigInt(a.tokenId);
  const y = BigInt(b.tokenId);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Per-payee credited totals of a token's split (payees in split order; credited non-payees appended). */
function contributorsOf(tokenId: string, split: Split | null, credits: readonly { account: string; amountWei: string }[]): ContributorFigures[] {
  const earned = new Map<string, bigint>();
  for (const c of credits) earned.set(c.account, (earned.get(c.account) ?? 0n) + BigInt(c.amountWei));
  const out: ContributorFigures[] = (split ?? []).map((s) => ({ tokenId, payee: s.payee, bps: s.bps, earnedWei: (earned.get(s.payee) ?? 0n).toString() }));
  for (const [payee, wei] of earned) if (!out.some((o) => o.payee === payee)) out.push({ tokenId, payee, bps: 0, earnedWei: wei.toString() });
  return out;
}

/**
 * The tokens whose figures an account sees: the ones it owns now and the ones that ever
 * credited it (it is a payee of their split).
 */
export function fromCatalog(catalog: Catalog, network: string, account: string, splitOf: (tokenId: string) => Split | null): Figures {
  const q = catalog.payouts;
  const acc = account.toLowerCase();
  const tokens = [...new Set([...q.ownedTokens(network, acc), ...q.creditedTokens(network, acc)])].map((tokenId) => ({ tokenId })).sort(byToken);
  const credits = q.creditTimes(network, acc);
  const withdrawals = q.amounts(network, acc, 'withdrawal');
  return {
    earnedWei: sum(credits.map((c) => c.amountWei)).toString(),
    withdrawnWei: sum(withdrawals).toString(),
    refundsWei: sum(q.refunds(network, acc)).toString(),
    payouts: credits.length + withdrawals.length,
    assets: tokens.map(({ tokenId }) => {
      const c = q.tokenCounts(network, tokenId);
      return { tokenId, requests: c.requests, approvals: c.approvals, revenueWei: sum(q.grantedAmounts(network, tokenId)).toString() };
    }),
    contributors: tokens.flatMap(({ tokenId }) => contributorsOf(tokenId, splitOf(tokenId), q.tokenCredits(network, tokenId))),
    daily: bucketize(credits, 'day'),
  };
}

/** The same figures from decoded events (a fresh read of the chain), with their blocks' times. */
export function fromEvents(events: readonly LocatedEvent[], times: Map<number, string>, account: string, splitOf: (tokenId: string) => Split | null): Figures {
  const acc = account.toLowerCase();
  const owner = new Map<string, string>();
  const credits: { blockTime: string; amountWei: string }[] = [];
  const creditsByToken = new Map<string, { account: string; amountWei: string }[]>();
  const creditedTokens = new Set<string>();
  const counts = new Map<string, { requests: number; approvals: number; revenue: bigint }>();
  const count = (t: string) => {
    let c = counts.get(t);
    if (!c) counts.set(t, (c = { requests: 0, approvals: 0, revenue: 0n }));
    return c;
  };
  let withdrawn = 0n;
  let withdrawals = 0;
  let refunds = 0n;
  for (const e of events) {
    switch (e.name) {
      case 'Transfer':
        owner.set(e.tokenId, e.to);
        break;
      case 'Credited': {
        const list = creditsByToken.get(e.tokenId) ?? [];
        list.push({ account: e.payee, amountWei: e.amount.toString() });
        creditsByToken.set(e.tokenId, list);
        if (e.payee === acc) {
          credits.push({ blockTime: times.get(e.blockNumber) ?? '', amountWei: e.amount.toString() });
          creditedTokens.add(e.tokenId);
        }
        break;
      }
      case 'Withdrawn':
        if (e.account === acc) {
          withdrawn += e.amount;
          withdrawals++;
        }
        break;
      case 'AccessRequested':
        count(e.tokenId).requests++;
        break;
      case 'AccessGranted': {
        const c = count(e.tokenId);
        c.approvals++;
        c.revenue += e.amount;
        break;
      }
      case 'Refunded':
        if (e.requester === acc) refunds += e.amount;
        break;
    }
  }
  const owned = [...owner].filter(([, o]) => o === acc).map(([t]) => t);
  const tokens = [...new Set([...owned, ...creditedTokens])].map((tokenId) => ({ tokenId })).sort(byToken);
  return {
    earnedWei: sum(credits.map((c) => c.amountWei)).toString(),
    withdrawnWei: withdrawn.toString(),
    refundsWei: refunds.toString(),
    payouts: credits.length + withdrawals,
    assets: tokens.map(({ tokenId }) => {
      const c = counts.get(tokenId);
      return { tokenId, requests: c?.requests ?? 0, approvals: c?.approvals ?? 0, revenueWei: (c?.revenue ?? 0n).toString() };
    }),
    contributors: tokens.flatMap(({ tokenId }) => contributorsOf(tokenId, splitOf(tokenId), creditsByToken.get(tokenId) ?? [])),
    daily: bucketize(credits, 'day'),
  };
}

/** Every disagreement between the cached figures and the chain's, as sentences. */
export function diffFigures(cached: Figures, chain: Figures): string[] {
  const out: string[] = [];
  const scalar = (name: string, a: string | number, b: string | number) => {
    if (String(a) !== String(b)) out.push(`${name}: cached ${a}, chain ${b}`);
  };
  scalar('earned (wei)', cached.earnedWei, chain.earnedWei);
  scalar('withdrawn (wei)', cached.withdrawnWei, chain.withdrawnWei);
  scalar('refunds (wei)', cached.refundsWei, chain.refundsWei);
  scalar('payouts', cached.payouts, chain.payouts);
  const keyed = <T>(name: string, a: readonly T[], b: readonly T[], key: (x: T) => string, show: (x: T) => string) => {
    const ma = new Map(a.map((x) => [key(x), show(x)]));
    const mb = new Map(b.map((x) => [key(x), show(x)]));
    for (const k of new Set([...ma.keys(), ...mb.keys()])) {
      const x = ma.get(k);
      const y = mb.get(k);
      if (x !== y) out.push(`${name}${k}: cached ${x ?? 'missing'}, chain ${y ?? 'missing'}`);
    }
  };
  keyed('asset #', cached.assets, chain.assets, (a) => a.tokenId, (a) => `${a.requests} requests, ${a.approvals} approvals, ${a.revenueWei} wei`);
  keyed('contributor ', cached.contributors, chain.contributors, (c) => `#${c.tokenId} ${c.payee}`, (c) => `${c.earnedWei} wei (${c.bps} bps)`);
  keyed('day ', cached.daily, chain.daily, (d) => d.start, (d) => `${d.amountWei} wei`);
  return out;
}
