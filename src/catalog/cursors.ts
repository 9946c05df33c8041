import type { Database, Statement } from 'better-sqlite3';

/** Where a chain-event stream stands: the last block fully processed, and its hash then. */
export interface Cursor {
  network: string;
  stream: string;
  blockNumber: number;
  blockHash: string | null;
  updatedAt: string;
}

interface CursorRow {
  network: string;
  stream: string;
  block_number: number;
  block_hash: string | null;
  updated_at: string;
}

const fromRow = (r: CursorRow): Cursor => ({ network: r.network, stream: r.stream, blockNumber: r.block_number, blockHash: r.block_hash, updatedAt: r.updated_at });

/** Queries for chain-event cursors per network and stream. */
export class CursorQueries {
  private readonly getStmt: Statement<[string, string], CursorRow>;
  private readonly setStmt: Statement;
  private readonly deleteStmt: Statement<[string, string]>;
  private readonly addBlockStmt: Statement;
  private readonly recentStmt: Statement<[string, string, number, number], { block_number: number; block_hash: string }>;
  private readonly dropFromStmt: Statement<[string, string, number]>;
  private readonly pruneStmt: Statement<[string, string, string, string, number]>;
  private readonly dropAllStmt: Statement<[string, string]>;

  constructor(readonly db: Database) {
    this.getStmt = db.prepare('SELECT network, stream, block_number, block_hash, updated_at FROM chain_cursor WHERE network = ? AND stream = ?');
    this.setStmt = db.prepare(`INSERT INTO chain_cursor (network, stream, block_number, block_hash, updated_at)
      VALUES (@network, @stream, @blockNumber, @blockHash, @now)
      ON CONFLICT (network, stream) DO UPDATE SET block_number = excluded.block_number, block_hash = excluded.block_hash, updated_at = excluded.updated_at`);
    this.deleteStmt = db.prepare('DELETE FROM chain_cursor WHERE network = ? AND stream = ?');
    this.addBlockStmt = db.prepare('INSERT OR REPLACE INTO chain_blocks (network, stream, block_number, block_hash) VALUES (?, ?, ?, ?)');
    this.recentStmt = db.prepare('SELECT block_number, block_hash FROM chain_blocks WHERE network = ? AND stream = ? AND block_number <= ? ORDER BY block_number DESC LIMIT ?');
    this.dropFromStmt = db.prepare('DELETE FROM chain_blocks WHERE network = ? AND stream = ? AND block_number >= ?');
    this.pruneStmt = db.prepare(`DELETE FROM chain_blocks WHERE network = ? AND stream = ? AND block_number < (
      SELECT COALESCE(MIN(block_number), 0) FROM (SELECT block_number FROM chain_blocks WHERE network = ? AND stream = ? ORDER BY block_number DESC LIMIT ?))`);
    this.dropAllStmt = db.prepare('DELETE FROM chain_blocks WHERE network = ? AND stream = ?');
  }

  get(network: string, stream: string): Cursor | undefined {
    const r = this.getStmt.get(network, stream);
    return r === undefined ? undefined : fromRow(r);
  }

  set(network: string, stream: string, blockNumber: number, blockHash: string | null, now: string): void {
    this.setStmt.run({ network, stream, blockNumber, blockHash, now });
  }

  /** Forgets a stream's position (the next sync reads from its start block again). */
  reset(network: string, stream: string): void {
    this.deleteStmt.run(network, stream);
    this.dropAllStmt.run(network, stream);
  }

  /** Remembers the hashes of blocks read, keeping the newest `keep`. */
  addBlocks(network: string, stream: string, blocks: readonly { number: number; hash: string }[], keep: number): void {
    for (const b of blocks) this.addBlockStmt.run(network, stream, b.number, b.hash);
    this.pruneStmt.run(network, stream, network, stream, keep);
  }

  /** Remembered block hashes at or below `atOrBelow`, newest first. */
  recentBlocks(network: string, stream: string, atOrBelow: number, limit: number): { number: number; hash: string }[] {
    return this.recentStmt.all(network, stream, atOrBelow, limit).map((r) => ({ number: r.block_number, hash: r.block_hash }));
  }

  /** Forgets remembered hashes of blocks ≥ fromBlock (they were reorganised away). */
  dropBlocksFrom(network: string, stream: string, fromBlock: number): void {
    this.dropFromStmt.run(network, stream, fromBlock);
  }
}
