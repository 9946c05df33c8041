/** Earnings: payouts indexed from chain events, per asset / contributor / period; withdrawal. See issue 7. */
import { findDeployBlock } from '../access/deploy-block';
import { getAddress } from 'ethers';
import type { ChainFollower } from '../chain/follow';
import type { RegistryClient } from '../chain/client';
import type { ChainConnection } from '../chain/provider';
import type { PayoutListRow } from '../catalog/payouts';
import { bucketize, diffFigures, fromCatalog, fromEvents, localDate, sum, type Split } from '../earnings/figures';
import { blockTimes, fetchEarningsEvents, type LocatedEvent } from '../earnings/logs';
import { toCsv } from '../earnings/csv';
import { EARNINGS_STREAM, earningsFollower } from '../earnings/index';
import { WITHDRAW_JOB_KIND, registerWithdrawJobs, withdrawKey, type WithdrawCheckpoint } from '../earnings/withdraw';
import { AtivoError } from '../util/errors';
import type { EarningsSummary, Payout } from './contract';
import type { BackendContext, FeatureService } from './context';

/** Whether Intl knows this IANA time zone (the earnings chart's calendar). */
const knownTimeZone = (tz: string): boolean => {
  try {
    localDate(new Date(0), tz);
    return true;
  } catch {
    return false;
  }
};

export type EarningsCommand =
  | 'earnings.summary'
  | 'earnings.series'
  | 'earnings.assets'
  | 'earnings.contributors'
  | 'earnings.payouts'
  | 'earnings.csv'
  | 'earnings.reconcile'
  | 'earnings.withdraw';

const CURRENCY = 'ETH';
/** Reads answer from the cache when it was brought up to the head this recently. */
const FRESH_MS = 1000;
const POLL_MS = 2000;

interface Chain {
  conn: ChainConnection;
  registry: RegistryClient;
  registryAddress: string;
}

export function createEarningsService(ctx: BackendContext): FeatureService<EarningsCommand> {
  const { catalog } = ctx;
  const q = catalog.payouts;
  const followers = new Map<string, ChainFollower>();
  const lastSync = new Map<string, number>();
  let polling: { network: string; follower: ChainFollower } | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let runner = false;

  const chainOf = async (network: string): Promise<Chain> => {
    ctx.onCurrent(network);
    const h = await ctx.chain.chain();
    if (!h.registry || h.registryAddress === null) throw new AtivoError('NOT_CONFIGURED', `There is no AtivoRegistry on ${network}: add its address in the network settings.`, { cli: `There is no AtivoRegistry on ${network}: set one with ativo network set ${network} --registry 0x…` });
    return { conn: h.conn, registry: h.registry, registryAddress: h.registryAddress };
  };

  const deployBlocks = new Map<string, Promise<number>>();
  const followerFor = (network: string): ChainFollower => {
    let f = followers.get(network);
    if (f) return f;
    f = earningsFollower({
      catalog,
      network,
      source: async () => {
        const c = await chainOf(network);
        // From the registry's deploy block, not the chain's genesis (a remote chain has millions).
        const key = `${network}|${c.registryAddress.toLowerCase()}`;
        let start = deployBlocks.get(key);
        if (start === undefined) {
          start = findDeployBlock(c.conn, c.registryAddress);
          deployBlocks.set(key, start);
        }
        return { conn: c.conn, address: c.registryAddress, startBlock: await start };
      },
      onChanged: () => {
        ctx.emit('earnings.changed', { network });
      },
      onError: (e) => {
        console.error(`ativo: earnings indexer (${network}): ${e instanceof Error ? e.message : String(e)}`);
      },
    });
    followers.set(network, f);
    return f;
  };

  /** Brings the cache up to the chain's head (skipped when it just was, unless forced). */
  const sync = async (network: string, force = false): Promise<void> => {
    const last = lastSync.get(network) ?? 0;
    if (!force && Date.now() - last < FRESH_MS) return;
    await followerFor(network).syncOnce();
    lastSync.set(network, Date.now());
  };

  const who = async (): Promise<{ network: string; account: string }> => {
    const network = ctx.networks.current();
    // Asked for earnings: from now on the job runner keeps them indexed (not before, so a
    // start of the app never starts the sandbox chain by itself).
    if (runner && pollTimer === undefined) startPolling();
    const account = getAddress((await ctx.wallets.current()).address);
    return { network, account };
  };

  const checksum = new Map<string, string>();
  const display = (a: string): string => {
    let c = checksum.get(a);
    if (c === undefined) {
      c = getAddress(a);
      checksum.set(a, c);
    }
    return c;
  };

  /** The splits of these tokens (read once from the chain, then from the catalog). */
  const loadSplits = async (network: string, tokens: Iterable<string>): Promise<(tokenId: string) => Split | null> => {
    const c = await chainOf(network);
    const map = new Map<string, Split | null>();
    for (const t of new Set(tokens)) {
      let s = q.split(network, c.registryAddress, t);
      if (s === null) {
        const a = await c.registry.asset(BigInt(t));
        if (a !== null) {
          s = a.split.map((x) => ({ payee: x.payee.toLowerCase(), bps: x.bps }));
          q.setSplit(network, c.registryAddress, t, s);
        }
      }
      map.set(t, s);
    }
    return (t) => map.get(t) ?? null;
  };

  const relevantTokens = (network: string, account: string): string[] => [...new Set([...q.ownedTokens(network, account), ...q.creditedTokens(network, account)])];

  const summary = async (): Promise<EarningsSummary> => {
    const { network, account } = await who();
    await sync(network);
    const c = await chainOf(network);
    const withdrawable = await c.registry.withdrawable(account);
    const cursor = catalog.cursors.get(network, EARNINGS_STREAM);
    return {
      network,
      account,
      currency: CURRENCY,
      earnedWei: sum(q.amounts(network, account, 'credit')).toString(),
      withdrawableWei: withdrawable.toString(),
      withdrawnWei: sum(q.amounts(network, account, 'withdrawal')).toString(),
      syncedBlock: cursor?.blockNumber ?? -1,
      syncedAt: cursor?.updatedAt ?? null,
    };
  };

  /** For reads other than the summary: a chain that cannot be reached leaves the cached figures. */
  const fresh = async (): Promise<{ network: string; account: string }> => {
    const w = await who();
    await sync(w.network).catch(() => undefined);
    return w;
  };

  const toPayout = (p: PayoutListRow): Payout => ({
    kind: p.kind,
    tokenId: p.tokenId,
    assetName: p.assetName,
    requestId: p.requestId,
    account: display(p.account),
    amountWei: p.amountWei,
    blockNumber: p.blockNumber,
    at: p.blockTime,
    txHash: p.txHash,
  });

  registerWithdrawJobs(ctx.jobs, {
    chain: chainOf,
    signer: (account) => ctx.wallets.vault.signer(account),
    onWithdrawn: async (network) => {
      await sync(network, true).catch(() => undefined);
      ctx.emit('earnings.changed', { network });
    },
  });

  function startPolling(): void {
    const tick = (): void => {
      let network: string;
      try {
        network = ctx.networks.current();
      } catch {
        return;
      }
      if (polling?.network === network) return;
      const old = polling;
      polling = { network, follower: followerFor(network) };
      void old?.follower.stop();
      polling.follower.start(POLL_MS);
    };
    pollTimer = setInterval(tick, 5000);
    pollTimer.unref();
    tick();
  }

  return {
    start: () => {
      runner = true;
    },
    close: async () => {
      clearInterval(pollTimer);
      await Promise.all([...followers.values()].map((f) => f.stop()));
    },
    handlers: {
      'earnings.summary': summary,
      'earnings.series': async ({ bucket, timeZone }) => {
        if (timeZone !== undefined && !knownTimeZone(timeZone)) {
          throw new AtivoError('INVALID_INPUT', `${timeZone} is not a time zone Ativo knows: use a name like Europe/Lisbon, or leave it out for UTC.`);
        }
        const { network, account } = await fresh();
        return { bucket, timeZone: timeZone ?? 'UTC', points: bucketize(q.creditTimes(network, account), bucket, true, 5000, timeZone) };
      },
      'earnings.assets': async () => {
        const { network, account } = await fresh();
        const tokens = relevantTokens(network, account).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
        return {
          items: tokens.map((tokenId) => {
            const c = q.tokenCounts(network, tokenId);
            const asset = q.assetOfToken(network, tokenId);
            return {
              tokenId,
              assetId: asset?.assetId ?? null,
              assetName: asset?.assetName ?? null,
              requests: c.requests,
              approvals: c.approvals,
              revenueWei: sum(q.grantedAmounts(network, tokenId)).toString(),
            };
          }),
        };
      },
      'earnings.contributors': async () => {
        const { network, account } = await fresh();
        const acc = account.toLowerCase();
        const splitOf = await loadSplits(network, relevantTokens(network, account));
        const figures = fromCatalog(catalog, network, account, splitOf);
        return {
          items: figures.contributors.map((c) => ({
            tokenId: c.tokenId,
            assetName: q.assetOfToken(network, c.tokenId)?.assetName ?? null,
            payee: display(c.payee),
            bps: c.bps,
            earnedWei: c.earnedWei,
            isYou: c.payee === acc,
          })),
        };
      },
      'earnings.payouts': async ({ offset, limit }) => {
        const { network, account } = await fresh();
        const page = q.page(network, account, offset, limit);
        return { items: page.items.map(toPayout), total: page.total };
      },
      'earnings.csv': async () => {
        const { network, account } = await fresh();
        const all = q.page(network, account, 0, Number.MAX_SAFE_INTEGER).items.map(toPayout);
        const day = new Date().toISOString().slice(0, 10);
        return { filename: `ativo-payouts-${network}-${account.slice(0, 8).toLowerCase()}-${day}.csv`, csv: toCsv(all) };
      },
      'earnings.reconcile': async () => {
        const { network, account } = await who();
        await sync(network, true);
        const c = await chainOf(network);
        const to = catalog.cursors.get(network, EARNINGS_STREAM)?.blockNumber ?? -1;
        // A scratch set: every earnings event from block 0 to where the cache stands, read again.
        const events: LocatedEvent[] = [];
        const STEP = network === 'sandbox' ? 1_000_000 : 50_000;
        for (let from = 0; from <= to; from += STEP) events.push(...(await fetchEarningsEvents(c.conn, c.registryAddress, from, Math.min(to, from + STEP - 1))));
        const acc = account.toLowerCase();
        const times = await blockTimes(
          c.conn,
          events.filter((e) => e.name === 'Credited' && e.payee === acc).map((e) => e.blockNumber),
        );
        const splitOf = await loadSplits(network, relevantTokens(network, account));
        const cached = fromCatalog(catalog, network, account, splitOf);
        const fromChain = fromEvents(events, times, account, splitOf);
        const differences = diffFigures(cached, fromChain);
        const s = await summary();
        const derived = BigInt(fromChain.earnedWei) + BigInt(fromChain.refundsWei) - BigInt(fromChain.withdrawnWei);
        if (derived.toString() !== s.withdrawableWei) {
          differences.push(`withdrawable: the registry says ${s.withdrawableWei} wei, earned + refunds - withdrawn from its events is ${derived} wei`);
        }
        return { agreed: differences.length === 0, differences, summary: s };
      },
      'earnings.withdraw': async () => {
        const { network, account } = await who();
        const c = await chainOf(network);
        const key = withdrawKey(network, account);
        const live = ctx.jobs.list({ kind: WITHDRAW_JOB_KIND, state: ['queued', 'running', 'waiting', 'paused'], limit: 1000 }).items.find((j) => j.dedupeKey === key);
        if (live) return { jobId: live.id, amountWei: (live.checkpoint as Partial<WithdrawCheckpoint> | null)?.amountWei ?? '0' };
        const amount = await c.registry.withdrawable(account);
        if (amount === 0n) throw new AtivoError('INVALID_INPUT', `Nothing to withdraw: ${account} has 0 ${CURRENCY} withdrawable on ${network}.`);
        const checkpoint: WithdrawCheckpoint = { network, account, amountWei: amount.toString() };
        const { job } = ctx.jobs.enqueue(WITHDRAW_JOB_KIND, { dedupeKey: key, checkpoint: { ...checkpoint } });
        return { jobId: job.id, amountWei: amount.toString() };
      },
    },
  };
}



