import type { Database, Statement } from 'better-sqlite3';

/** Approvers per token, as the access stream indexed them (issue 17), and who decided each request. */
export class ApproverQueries {
  private readonly addStmt: Statement;
  private readonly removeStmt: Statement;
  private readonly clearStmt: Statement;
  private readonly listStmt: Statement<[string, string], { account: string }>;
  private readonly isStmt: Statement<[string, string, string], { n: number }>;
  private readonly deciderStmt: Statement;

  constructor(readonly db: Database) {
    this.addStmt = db.prepare(`INSERT INTO access_approvers (network, token_id, account, block_number) VALUES (?, ?, ?, ?)
      ON CONFLICT (network, token_id, account) DO UPDATE SET block_number = excluded.block_number`);
    this.removeStmt = db.prepare('DELETE FROM access_approvers WHERE network = ? AND token_id = ? AND account = ?');
    this.clearStmt = db.prepare('DELETE FROM access_approvers WHERE network = ? AND token_id = ?');
    this.listStmt = db.prepare('SELECT account FROM access_approvers WHERE network = ? AND token_id = ? ORDER BY block_number, account');
    this.isStmt = db.prepare('SELECT COUNT(*) AS n FROM access_approvers WHERE network = ? AND token_id = ? AND account = ?');
    this.deciderStmt = db.prepare('UPDATE access_requests SET decided_by = ? WHERE network = ? AND request_id = ? RETURNING id');
  }

  /** An ApproverSet event: names (`allowed`) or removes `account` for the token. */
  set(network: string, tokenId: string, account: string, allowed: boolean, block: number): void {
    if (allowed) this.addStmt.run(network, tokenId, account.toLowerCase(), block);
    else this.removeStmt.run(network, tokenId, account.toLowerCase());
  }

  /** The token changed hands: its approvers were the previous owner's. */
  clear(network: string, tokenId: string): void {
    this.clearStmt.run(network, tokenId);
  }

  /** The token's approvers (lowercase), in the order they were named. */
  list(network: string, tokenId: string): string[] {
    return this.listStmt.all(network, tokenId).map((r) => r.account);
  }

  isApprover(network: string, tokenId: string, account: string): boolean {
    return (this.isStmt.get(network, tokenId, account.toLowerCase())?.n ?? 0) > 0;
  }

  /** Whether `account` approves for any token on the network. */
  approvesAny(network: string, account: string): boolean {
    return this.db.prepare('SELECT 1 FROM access_approvers WHERE network = ? AND account = ? LIMIT 1').get(network, account.toLowerCase()) !== undefined;
  }

  /** A Decided event: who answered the request. Returns its row id (null when unknown here). */
  setDecider(network: string, requestId: string, decider: string): number | null {
    const r = this.deciderStmt.get(decider.toLowerCase(), network, requestId) as { id: number } | undefined;
    return r?.id ?? null;
  }

  /**
   * Requests approved with an empty grant id by someone else than the token's owner (one of its
   * approvers) whose key this catalog has not delivered: row ids, oldest first.
   */
  undeliveredByOthers(network: string, limit = 200): number[] {
    return (
      this.db
        .prepare(
          `SELECT r.id FROM access_requests r WHERE r.network = ? AND r.state = 'approved' AND COALESCE(r.grant_id, '') = ''
             AND r.decided_by IS NOT NULL AND r.owner IS NOT NULL AND r.decided_by <> r.owner
             AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.request_row = r.id) ORDER BY r.id LIMIT ?`,
        )
        .all(network, limit) as { id: number }[]
    ).map((r) => r.id);
  }

  /**
   * Undoes what blocks ≥ fromBlock wrote (a reorg): approvers named there are removed, and so is
   * who decided a request whose decision is rewound. (A removal in orphaned blocks stays removed
   * until the chain names the approver again: the safe side.)
   */
  rewind(network: string, fromBlock: number): void {
    this.db.prepare('DELETE FROM access_approvers WHERE network = ? AND block_number >= ?').run(network, fromBlock);
    this.db.prepare("UPDATE access_requests SET decided_by = NULL WHERE network = ? AND state = 'pending' AND decided_by IS NOT NULL").run(network);
  }
}
