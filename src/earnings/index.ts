/**
 * Earnings (DESIGN.md: src/earnings): the registry's payout events, indexed per network into
 * the catalog by the chain follower (src/chain/follow.ts, stream 'earnings'), and the figures,
 * CSV and withdrawal job built on them. The chain is the source of truth: Reconcile re-reads
 * it from block 0 (logs.ts, decoded independently of the follower) and compares.
 */
import { ChainFollower, type FollowSource, type FollowedEvent } from '../chain/follow';
import type { RegistryEventName } from '../chain/abi';
import type { Catalog } from '../catalog/db';
import type { AccessEventRow, EarningsBatch, PayoutRow, TransferRow } from '../catalog/payouts';

export const EARNINGS_STREAM = 'earnings';

/** The registry events earnings read. */
export const EARNINGS_EVENTS: readonly RegistryEventName[] = ['Credited', 'Withdrawn', 'AccessRequested', 'AccessGranted', 'Refunded', 'Transfer'];

/** The follower's decoded events as catalog rows (addresses lowercase, amounts decimal wei). */
export function eventsToBatch(events: readonly FollowedEvent[]): EarningsBatch {
  const payouts: PayoutRow[] = [];
  const access: AccessEventRow[] = [];
  const transfers: TransferRow[] = [];
  const times = new Map<number, string>(); // one ISO string per block, not per event
  for (const e of events) {
    const loc = { blockNumber: e.blockNumber, txHash: e.transactionHash.toLowerCase(), logIndex: e.logIndex };
    let blockTime = times.get(e.blockTime);
    if (blockTime === undefined) {
      blockTime = new Date(e.blockTime * 1000).toISOString();
      times.set(e.blockTime, blockTime);
    }
    switch (e.name) {
      case 'Credited':
        payouts.push({ kind: 'credit', tokenId: e.tokenId.toString(), requestId: e.requestId.toString(), account: e.payee.toLowerCase(), amountWei: e.amount.toString(), blockTime, ...loc });
        break;
      case 'Withdrawn':
        payouts.push({ kind: 'withdrawal', tokenId: null, requestId: null, account: e.account.toLowerCase(), amountWei: e.amount.toString(), blockTime, ...loc });
        break;
      case 'AccessRequested':
        access.push({ kind: 'requested', requestId: e.requestId.toString(), tokenId: e.tokenId.toString(), account: e.requester.toLowerCase(), amountWei: e.amount.toString(), ...loc });
        break;
      case 'AccessGranted':
        access.push({ kind: 'granted', requestId: e.requestId.toString(), tokenId: e.tokenId.toString(), account: null, amountWei: e.amount.toString(), ...loc });
        break;
      case 'Refunded':
        access.push({ kind: 'refunded', requestId: e.requestId.toString(), tokenId: null, account: e.requester.toLowerCase(), amountWei: e.amount.toString(), ...loc });
        break;
      case 'Transfer':
        transfers.push({ tokenId: e.tokenId.toString(), to: e.to.toLowerCase(), ...loc });
        break;
      default:
        break;
    }
  }
  return { payouts, access, transfers };
}

export interface EarningsFollowerOptions {
  catalog: Catalog;
  network: string;
  source: () => Promise<FollowSource>;
  /** After a batch with events committed. */
  onChanged?: () => void;
  onError?: (e: unknown) => void;
}

/** The 'earnings' stream's follower: rows and cursor in one transaction; a reorg deletes the rows of the blocks read again. */
export function earningsFollower(o: EarningsFollowerOptions): ChainFollower {
  const q = o.catalog.payouts;
  const local = o.network === 'sandbox';
  return new ChainFollower({
    catalog: o.catalog,
    network: o.network,
    stream: EARNINGS_STREAM,
    events: EARNINGS_EVENTS,
    confirmations: local ? 0 : 2,
    batchSize: local ? 50_000 : 2000,
    blockConcurrency: 16,
    source: o.source,
    apply: (events) => {
      q.insertBatch(o.network, eventsToBatch(events));
    },
    onReorg: (fromBlock) => {
      q.deleteAfter(o.network, fromBlock - 1);
    },
    afterCommit: (events) => {
      if (events.length > 0) o.onChanged?.();
    },
    ...(o.onError ? { onError: o.onError } : {}),
  });
}
