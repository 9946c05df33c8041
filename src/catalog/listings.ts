import type { Database, Statement } from 'better-sqlite3';

/** Whether registry tokens are for sale, as the chain last said (0009 listings). */
export class ListingsQueries {
  private readonly getStmt: Statement<[string, string], { for_sale: number; block_number: number }>;
  private readonly setStmt: Statement<{ network: string; token_id: string; for_sale: number; block_number: number; now: string }>;
  private readonly rewindStmt: Statement<[string, number]>;

  constructor(db: Database) {
    this.getStmt = db.prepare('SELECT for_sale, block_number FROM listings WHERE network = ? AND token_id = ?');
    // A change from an older block never overwrites a newer one (the job and the indexer both write).
    this.setStmt = db.prepare(`INSERT INTO listings (network, token_id, for_sale, block_number, updated_at) VALUES (@network, @token_id, @for_sale, @block_number, @now)
      ON CONFLICT (network, token_id) DO UPDATE SET for_sale = excluded.for_sale, block_number = excluded.block_number, updated_at = excluded.updated_at
      WHERE excluded.block_number >= listings.block_number`);
    this.rewindStmt = db.prepare('DELETE FROM listings WHERE network = ? AND block_number >= ?');
  }

  /** True unless the chain said the token was taken off sale (a token never changed is for sale). */
  forSale(network: string, tokenId: string): boolean {
    return (this.getStmt.get(network, tokenId)?.for_sale ?? 1) === 1;
  }

  set(network: string, tokenId: string, forSale: boolean, block: number, now: string): void {
    this.setStmt.run({ network, token_id: tokenId, for_sale: forSale ? 1 : 0, block_number: block, now });
  }

  /** Forgets changes from orphaned blocks (a reorg): the chain is read again from there. */
  rewind(network: string, fromBlock: number): void {
    this.rewindStmt.run(network, fromBlock);
  }
}
