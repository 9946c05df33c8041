import type { Database, Statement } from 'better-sqlite3';

/**
 * Queries for payouts indexed from chain events (issue 7): the `payouts` table (Credited,
 * Withdrawn) and 0005's earnings_access / earnings_transfers / earnings_splits. Addresses are
 * stored lowercase; amounts are decimal wei strings (summed by the caller as bigints).
 */

export interface PayoutRow {
  kind: 'credit' | 'withdrawal';
  tokenId: string | null;
  requestId: string | null;
  account: string;
  amountWei: string;
  blockNumber: number;
  blockTime: string;
  txHash: string;
  logIndex: number;
}

export interface AccessEventRow {
  kind: 'requested' | 'granted' | 'refunded';
  requestId: string;
  tokenId: string | null;
  account: string | null;
  amountWei: string;
  blockNumber: number;
  txHash: string;
  logIndex: number;
}

export interface TransferRow {
  tokenId: string;
  to: string;
  blockNumber: number;
  txHash: string;
  logIndex: number;
}

export interface EarningsBatch {
  payouts: PayoutRow[];
  access: AccessEventRow[];
  transfers: TransferRow[];
}

/** A payout with the catalog's name for its asset (when this catalog published it). */
export interface PayoutListRow extends PayoutRow {
  assetName: string | null;
}

export interface TokenCounts {
  tokenId: string;
  requests: number;
  approvals: number;
}

interface DbPayout {
  kind: 'credit' | 'withdrawal';
  token_id: string | null;
  request_id: string | null;
  account: string;
  amount_wei: string;
  block_number: number;
  block_time: string;
  tx_hash: string;
  log_index: number;
  asset_name?: string | null;
}

const toPayout = (r: DbPayout): PayoutListRow => ({
  kind: r.kind,
  tokenId: r.token_id,
  requestId: r.request_id,
  account: r.account,
  amountWei: r.amount_wei,
  blockNumber: r.block_number,
  blockTime: r.block_time,
  txHash: r.tx_hash,
  logIndex: r.log_index,
  assetName: r.asset_name ?? null,
});

/** The latest certificate's asset name for a token on a network. */
const ASSET_NAME = `(SELECT a.name FROM certificates c JOIN assets a ON a.id = c.asset_id
   WHERE c.network = p.network AND c.token_id = p.token_id ORDER BY c.id DESC LIMIT 1)`;

/** Rows per multi-row INSERT: one statement step instead of 64 (indexing 10,000s of events). */
const ROWS_PER_INSERT = 64;

/** An `INSERT … VALUES` for one row and for ROWS_PER_INSERT rows. */
class BulkInsert {
  private readonly one: Statement;
  private readonly many: Statement;

  constructor(db: Database, head: string, columns: number) {
    const row = `(${new Array<string>(columns).fill('?').join(', ')})`;
    this.one = db.prepare(`${head} VALUES ${row}`);
    this.many = db.prepare(`${head} VALUES ${new Array<string>(ROWS_PER_INSERT).fill(row).join(', ')}`);
  }

  /** `params` appends one row's values to `out`. */
  run<T>(rows: readonly T[], params: (row: T, out: unknown[]) => void): void {
    let i = 0;
    const flat: unknown[] = [];
    for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
      flat.length = 0;
      for (let j = i; j < i + ROWS_PER_INSERT; j++) params(rows[j] as T, flat);
      this.many.run(flat);
    }
    for (; i < rows.length; i++) {
      flat.length = 0;
      params(rows[i] as T, flat);
      this.one.run(flat);
    }
  }
}

export class PayoutsQueries {
  private readonly insPayout: BulkInsert;
  private readonly insAccess: BulkInsert;
  private readonly insTransfer: BulkInsert;

  constructor(readonly db: Database) {
    this.insPayout = new BulkInsert(db, 'INSERT OR IGNORE INTO payouts (network, kind, token_id, request_id, account, amount_wei, block_number, block_time, tx_hash, log_index)', 10);
    this.insAccess = new BulkInsert(db, 'INSERT OR IGNORE INTO earnings_access (network, kind, request_id, token_id, account, amount_wei, block_number, tx_hash, log_index)', 9);
    this.insTransfer = new BulkInsert(db, 'INSERT OR IGNORE INTO earnings_transfers (network, token_id, to_address, block_number, tx_hash, log_index)', 6);
  }

  /** Stores a batch of decoded events (idempotent: a log already stored is skipped). Call inside a transaction. */
  insertBatch(network: string, b: EarningsBatch): void {
    this.insPayout.run(b.payouts, (p, o) => o.push(network, p.kind, p.tokenId, p.requestId, p.account.toLowerCase(), p.amountWei, p.blockNumber, p.blockTime, p.txHash, p.logIndex));
    this.insAccess.run(b.access, (a, o) => o.push(network, a.kind, a.requestId, a.tokenId, a.account?.toLowerCase() ?? null, a.amountWei, a.blockNumber, a.txHash, a.logIndex));
    this.insTransfer.run(b.transfers, (t, o) => o.push(network, t.tokenId, t.to.toLowerCase(), t.blockNumber, t.txHash, t.logIndex));
  }

  /** Forgets every event of a network after `block` (a reorg replaced them). */
  deleteAfter(network: string, block: number): void {
    for (const table of ['payouts', 'earnings_access', 'earnings_transfers']) {
      this.db.prepare(`DELETE FROM ${table} WHERE network = ? AND block_number > ?`).run(network, block);
    }
  }

  /** Forgets everything indexed for a network (and its cursor), to re-index from block 0. */
  clear(network: string): void {
    this.deleteAfter(network, -1);
    this.db.prepare(`DELETE FROM chain_cursor WHERE network = ? AND stream = 'earnings'`).run(network);
  }

  // ------------------------------------------------------------ cursor (stream 'earnings')

  /** The last block indexed for the 'earnings' stream (-1: none yet) and when. */
  cursor(network: string): { block: number; hash: string | null; updatedAt: string | null } {
    const r = this.db.prepare(`SELECT block_number, block_hash, updated_at FROM chain_cursor WHERE network = ? AND stream = 'earnings'`).get(network) as
      | { block_number: number; block_hash: string | null; updated_at: string }
      | undefined;
    return r ? { block: r.block_number, hash: r.block_hash, updatedAt: r.updated_at } : { block: -1, hash: null, updatedAt: null };
  }

  /** Moves the cursor (never backwards unless `force`). Call in the same transaction as insertBatch. */
  setCursor(network: string, block: number, hash: string | null, at: string, force = false): void {
    this.db
      .prepare(
        `INSERT INTO chain_cursor (network, stream, block_number, block_hash, updated_at) VALUES (?, 'earnings', ?, ?, ?)
         ON CONFLICT (network, stream) DO UPDATE SET block_number = excluded.block_number, block_hash = excluded.block_hash, updated_at = excluded.updated_at
         WHERE ? OR excluded.block_number >= chain_cursor.block_number`,
      )
      .run(network, block, hash, at, force ? 1 : 0);
  }

  // ------------------------------------------------------------ reads

  /** Every amount of one kind paid to / withdrawn by `account`. */
  amounts(network: string, account: string, kind: 'credit' | 'withdrawal'): string[] {
    return this.db.prepare(`SELECT amount_wei FROM payouts WHERE network = ? AND account = ? AND kind = ?`).pluck().all(network, account.toLowerCase(), kind) as string[];
  }

  /** Refunds credited to `account` (denied or cancelled requests it made). */
  refunds(network: string, account: string): string[] {
    return this.db
      .prepare(`SELECT amount_wei FROM earnings_access WHERE network = ? AND account = ? AND kind = 'refunded'`)
      .pluck()
      .all(network, account.toLowerCase()) as string[];
  }

  /** The account's credits as (block time, amount), oldest first: for the series. */
  creditTimes(network: string, account: string): { blockTime: string; amountWei: string }[] {
    return this.db
      .prepare(`SELECT block_time AS blockTime, amount_wei AS amountWei FROM payouts WHERE network = ? AND account = ? AND kind = 'credit' ORDER BY block_number, log_index`)
      .all(network, account.toLowerCase()) as { blockTime: string; amountWei: string }[];
  }

  /** A page of the account's payouts, newest first. */
  page(network: string, account: string, offset: number, limit: number): { items: PayoutListRow[]; total: number } {
    const acc = account.toLowerCase();
    const total = this.db.prepare(`SELECT COUNT(*) FROM payouts WHERE network = ? AND account = ?`).pluck().get(network, acc) as number;
    const rows = this.db
      .prepare(
        `SELECT p.*, ${ASSET_NAME} AS asset_name FROM payouts p WHERE p.network = ? AND p.account = ?
         ORDER BY p.block_number DESC, p.log_index DESC LIMIT ? OFFSET ?`,
      )
      .all(network, acc, limit, offset) as DbPayout[];
    return { items: rows.map(toPayout), total };
  }

  /** Tokens whose latest transfer went to `account` (the tokens it owns now). */
  ownedTokens(network: string, account: string): string[] {
    return this.db
      .prepare(
        `SELECT t.token_id FROM earnings_transfers t
         WHERE t.network = ? AND t.to_address = ?
           AND NOT EXISTS (SELECT 1 FROM earnings_transfers u WHERE u.network = t.network AND u.token_id = t.token_id
                           AND (u.block_number > t.block_number OR (u.block_number = t.block_number AND u.log_index > t.log_index)))
         GROUP BY t.token_id`,
      )
      .pluck()
      .all(network, account.toLowerCase()) as string[];
  }

  /** Tokens that ever credited `account`. */
  creditedTokens(network: string, account: string): string[] {
    return this.db
      .prepare(`SELECT DISTINCT token_id FROM payouts WHERE network = ? AND account = ? AND kind = 'credit' AND token_id IS NOT NULL`)
      .pluck()
      .all(network, account.toLowerCase()) as string[];
  }

  /** Every token that has a transfer (exists) on the network. */
  allTokens(network: string): string[] {
    return this.db.prepare(`SELECT DISTINCT token_id FROM earnings_transfers WHERE network = ?`).pluck().all(network) as string[];
  }

  /** Requests and approvals of a token. */
  tokenCounts(network: string, tokenId: string): TokenCounts {
    const r = this.db
      .prepare(
        `SELECT SUM(kind = 'requested') AS requests, SUM(kind = 'granted') AS approvals FROM earnings_access WHERE network = ? AND token_id = ?`,
      )
      .get(network, tokenId) as { requests: number | null; approvals: number | null };
    return { tokenId, requests: r.requests ?? 0, approvals: r.approvals ?? 0 };
  }

  /** AccessGranted amounts of a token (its revenue). */
  grantedAmounts(network: string, tokenId: string): string[] {
    return this.db.prepare(`SELECT amount_wei FROM earnings_access WHERE network = ? AND token_id = ? AND kind = 'granted'`).pluck().all(network, tokenId) as string[];
  }

  /** Credits of a token, per payee: (account, amount) rows. */
  tokenCredits(network: string, tokenId: string): { account: string; amountWei: string }[] {
    return this.db
      .prepare(`SELECT account, amount_wei AS amountWei FROM payouts WHERE network = ? AND token_id = ? AND kind = 'credit'`)
      .all(network, tokenId) as { account: string; amountWei: string }[];
  }

  /** The catalog's asset (latest certificate) for a token, if this catalog published it. */
  assetOfToken(network: string, tokenId: string): { assetId: number; assetName: string } | null {
    const r = this.db
      .prepare(
        `SELECT a.id AS assetId, a.name AS assetName FROM certificates c JOIN assets a ON a.id = c.asset_id
         WHERE c.network = ? AND c.token_id = ? ORDER BY c.id DESC LIMIT 1`,
      )
      .get(network, tokenId) as { assetId: number; assetName: string } | undefined;
    return r ?? null;
  }

  split(network: string, registry: string, tokenId: string): { payee: string; bps: number }[] | null {
    const r = this.db
      .prepare(`SELECT split FROM earnings_splits WHERE network = ? AND registry = ? AND token_id = ?`)
      .pluck()
      .get(network, registry.toLowerCase(), tokenId) as string | undefined;
    return r === undefined ? null : (JSON.parse(r) as { payee: string; bps: number }[]);
  }

  setSplit(network: string, registry: string, tokenId: string, split: { payee: string; bps: number }[]): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO earnings_splits (network, registry, token_id, split) VALUES (?, ?, ?, ?)`)
      .run(network, registry.toLowerCase(), tokenId, JSON.stringify(split.map((s) => ({ payee: s.payee.toLowerCase(), bps: s.bps }))));
  }

  /** How many rows are indexed for a network (tests, bench). */
  count(network: string): { payouts: number; access: number; transfers: number } {
    const c = (t: string) => this.db.prepare(`SELECT COUNT(*) FROM ${t} WHERE network = ?`).pluck().get(network) as number;
    return { payouts: c('payouts'), access: c('earnings_access'), transfers: c('earnings_transfers') };
  }
}
