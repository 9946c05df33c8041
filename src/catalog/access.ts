import type { Database, Statement } from 'better-sqlite3';

export type AccessStateValue = 'pending' | 'approved' | 'denied' | 'cancelled' | 'expired';

/** An access request as the catalog keeps it (owner side). */
export interface AccessRequestRecord {
  id: number;
  network: string;
  requestId: string;
  tokenId: string;
  /** The local asset certified as this token on this network (null when none). */
  assetId: number | null;
  assetName: string | null;
  requester: string;
  /** The requester's age recipient. */
  recipient: string;
  amountWei: string;
  message: string;
  state: AccessStateValue;
  readAt: string | null;
  blockNumber: number;
  logIndex: number | null;
  txHash: string;
  /** Block time of the request (ISO). */
  createdAt: string;
  updatedAt: string;
  /** The token's owner (lowercase) as last indexed. */
  owner: string | null;
  cancellableAt: string | null;
  stateBlock: number | null;
  /** Grant id the chain recorded on approval. */
  grantId: string | null;
  /** Denial reason the chain recorded. */
  reason: string | null;
  notifiedAt: string | null;
  actionKind: 'approve' | 'deny' | null;
  actionJob: number | null;
  actionReason: string | null;
  auto: boolean;
  /** Who answered it on chain (lowercase; the Decided event): the owner or one of its approvers (issue 17). */
  decidedBy: string | null;
}

interface Row {
  id: number;
  network: string;
  request_id: string;
  token_id: string;
  asset_id: number | null;
  asset_name: string | null;
  requester: string;
  recipient: string;
  amount_wei: string;
  message: string | null;
  state: AccessStateValue;
  read_at: string | null;
  block_number: number;
  log_index: number | null;
  tx_hash: string;
  created_at: string;
  updated_at: string;
  owner: string | null;
  cancellable_at: string | null;
  state_block: number | null;
  grant_id: string | null;
  reason: string | null;
  notified_at: string | null;
  action_kind: 'approve' | 'deny' | null;
  action_job: number | null;
  action_reason: string | null;
  auto: number;
  decided_by: string | null;
}

const toRecord = (r: Row): AccessRequestRecord => ({
  id: r.id,
  network: r.network,
  requestId: r.request_id,
  tokenId: r.token_id,
  assetId: r.asset_id,
  assetName: r.asset_name,
  requester: r.requester,
  recipient: r.recipient,
  amountWei: r.amount_wei,
  message: r.message ?? '',
  state: r.state,
  readAt: r.read_at,
  blockNumber: r.block_number,
  logIndex: r.log_index,
  txHash: r.tx_hash,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  owner: r.owner,
  cancellableAt: r.cancellable_at,
  stateBlock: r.state_block,
  grantId: r.grant_id,
  reason: r.reason,
  notifiedAt: r.notified_at,
  actionKind: r.action_kind,
  actionJob: r.action_job,
  actionReason: r.action_reason,
  auto: r.auto === 1,
  decidedBy: r.decided_by,
});

/** The asset certified as the request's token on its network (the newest certificate wins). */
const ASSET_OF = `(SELECT c.asset_id FROM certificates c WHERE c.network = r.network AND c.token_id = r.token_id ORDER BY c.id DESC LIMIT 1)`;
const SELECT = `SELECT r.id, r.network, r.request_id, r.token_id, COALESCE(${ASSET_OF}, r.asset_id) AS asset_id,
  (SELECT a.name FROM assets a WHERE a.id = COALESCE(${ASSET_OF}, r.asset_id)) AS asset_name,
  r.requester, r.recipient, r.amount_wei, r.message, r.state, r.read_at, r.block_number, r.log_index, r.tx_hash,
  r.created_at, r.updated_at, r.owner, r.cancellable_at, r.state_block, r.grant_id, r.reason, r.notified_at,
  r.action_kind, r.action_job, r.action_reason, r.auto, r.decided_by
  FROM access_requests r`;

/**
 * The inbox of a wallet (@owner, lowercase): requests to tokens it owns, and to tokens whose
 * owner named it an approver (issue 17).
 */
const INBOX_OF = `(r.owner = @owner OR EXISTS (SELECT 1 FROM access_approvers p WHERE p.network = r.network AND p.token_id = r.token_id AND p.account = @owner))`;

export interface NewAccessRequest {
  network: string;
  requestId: string;
  tokenId: string;
  requester: string;
  recipient: string;
  amountWei: string;
  message: string;
  blockNumber: number;
  logIndex: number;
  txHash: string;
  createdAt: string;
  cancellableAt: string;
  owner: string | null;
}

export interface AccessListFilter {
  network: string;
  /** Lowercase owner address: only requests to this owner's tokens. */
  owner: string;
  state?: AccessStateValue | undefined;
  assetId?: number | undefined;
  unreadOnly?: boolean | undefined;
  offset: number;
  limit: number;
}

export interface TokenRecord {
  network: string;
  tokenId: string;
  owner: string;
  priceWei: string;
  blockNumber: number;
}

/** Queries for access requests, the tokens they are for, grants and auto-approve rules (issue 6). */
export class AccessQueries {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement<[number], Row>;
  private readonly byRequestStmt: Statement<[string, string], Row>;
  private readonly setStateStmt: Statement;
  private readonly expireStmt: Statement<[string, string, string], { id: number }>;
  private readonly tokenStmt: Statement<[string, string], { network: string; token_id: string; owner: string; price_wei: string; block_number: number }>;
  private readonly upsertTokenStmt: Statement;
  private readonly transferStmt: Statement;
  private readonly ownerOfRequestsStmt: Statement;
  private readonly priceStmt: Statement;
  private readonly unreadStmt: Statement<[{ network: string; owner: string }], { n: number }>;

  constructor(readonly db: Database) {
    this.insertStmt = db.prepare(`INSERT INTO access_requests (network, request_id, token_id, asset_id, requester, recipient, amount_wei, message, state,
        block_number, log_index, tx_hash, created_at, updated_at, owner, cancellable_at)
      VALUES (@network, @requestId, @tokenId,
        (SELECT c.asset_id FROM certificates c WHERE c.network = @network AND c.token_id = @tokenId ORDER BY c.id DESC LIMIT 1),
        @requester, @recipient, @amountWei, @message, 'pending', @blockNumber, @logIndex, @txHash, @createdAt, @now, @owner, @cancellableAt)
      ON CONFLICT (network, request_id) DO NOTHING RETURNING id`);
    this.getStmt = db.prepare(`${SELECT} WHERE r.id = ?`);
    this.byRequestStmt = db.prepare(`${SELECT} WHERE r.network = ? AND r.request_id = ?`);
    this.setStateStmt = db.prepare(`UPDATE access_requests SET state = @state, state_block = @block, grant_id = COALESCE(@grantId, grant_id),
        reason = COALESCE(@reason, reason), updated_at = @now WHERE network = @network AND request_id = @requestId RETURNING id`);
    this.expireStmt = db.prepare(`UPDATE access_requests SET state = 'expired', updated_at = ? WHERE network = ? AND state = 'pending' AND cancellable_at <= ? RETURNING id`);
    this.tokenStmt = db.prepare('SELECT network, token_id, owner, price_wei, block_number FROM access_tokens WHERE network = ? AND token_id = ?');
    this.upsertTokenStmt = db.prepare(`INSERT INTO access_tokens (network, token_id, owner, price_wei, block_number) VALUES (@network, @tokenId, @owner, @priceWei, @block)
      ON CONFLICT (network, token_id) DO UPDATE SET owner = excluded.owner, price_wei = excluded.price_wei, block_number = excluded.block_number`);
    this.transferStmt = db.prepare(`INSERT INTO access_tokens (network, token_id, owner, price_wei, block_number) VALUES (@network, @tokenId, @owner, '0', @block)
      ON CONFLICT (network, token_id) DO UPDATE SET owner = excluded.owner, block_number = excluded.block_number`);
    this.ownerOfRequestsStmt = db.prepare('UPDATE access_requests SET owner = @owner WHERE network = @network AND token_id = @tokenId');
    this.priceStmt = db.prepare('UPDATE access_tokens SET price_wei = @priceWei, block_number = @block WHERE network = @network AND token_id = @tokenId');
    this.unreadStmt = db.prepare(`SELECT COUNT(*) AS n FROM access_requests r WHERE r.network = @network AND ${INBOX_OF} AND r.read_at IS NULL`);
  }

  // ------------------------------------------------------------ indexer writes

  /** Adds a request; returns its row id, or null when it was already there. */
  insert(r: NewAccessRequest, now: string): number | null {
    const row = this.insertStmt.get({ ...r, owner: r.owner?.toLowerCase() ?? null, now }) as { id: number } | undefined;
    return row?.id ?? null;
  }

  /** Sets a request's state from a chain event; returns the row id (null when unknown here). */
  setState(network: string, requestId: string, state: AccessStateValue, block: number, now: string, extra: { grantId?: string; reason?: string } = {}): number | null {
    const row = this.setStateStmt.get({ network, requestId, state, block, now, grantId: extra.grantId ?? null, reason: extra.reason ?? null }) as { id: number } | undefined;
    return row?.id ?? null;
  }

  /** Pending requests past their cancellable time become 'expired'; returns their ids. */
  expire(network: string, chainTime: string, now: string): number[] {
    return this.expireStmt.all(now, network, chainTime).map((r) => r.id);
  }

  token(network: string, tokenId: string): TokenRecord | undefined {
    const r = this.tokenStmt.get(network, tokenId);
    return r === undefined ? undefined : { network: r.network, tokenId: r.token_id, owner: r.owner, priceWei: r.price_wei, blockNumber: r.block_number };
  }

  upsertToken(t: { network: string; tokenId: string; owner: string; priceWei: string; block: number }): void {
    this.upsertTokenStmt.run({ ...t, owner: t.owner.toLowerCase() });
    this.ownerOfRequestsStmt.run({ network: t.network, tokenId: t.tokenId, owner: t.owner.toLowerCase() });
  }

  /** A token changed hands (or was minted): its requests follow the new owner. */
  transfer(network: string, tokenId: string, to: string, block: number): void {
    const owner = to.toLowerCase();
    this.transferStmt.run({ network, tokenId, owner, block });
    this.ownerOfRequestsStmt.run({ network, tokenId, owner });
  }

  setPrice(network: string, tokenId: string, priceWei: string, block: number): void {
    this.priceStmt.run({ network, tokenId, priceWei, block });
  }

  /** Undoes what blocks ≥ fromBlock wrote (a reorg); returns the ids of requests whose state went back to pending. */
  rewind(network: string, fromBlock: number, now: string): { removed: number; reset: number[] } {
    const removed = this.db.prepare('DELETE FROM access_requests WHERE network = ? AND block_number >= ?').run(network, fromBlock).changes;
    const reset = (
      this.db
        .prepare(`UPDATE access_requests SET state = 'pending', state_block = NULL, grant_id = NULL, reason = NULL, updated_at = ?
          WHERE network = ? AND state_block >= ? RETURNING id`)
        .all(now, network, fromBlock) as { id: number }[]
    ).map((r) => r.id);
    this.db.prepare('DELETE FROM access_tokens WHERE network = ? AND block_number >= ?').run(network, fromBlock);
    return { removed, reset };
  }

  markNotified(ids: readonly number[], now: string): void {
    const stmt = this.db.prepare('UPDATE access_requests SET notified_at = ? WHERE id = ? AND notified_at IS NULL');
    this.db.transaction(() => {
      for (const id of ids) stmt.run(now, id);
    })();
  }

  // ------------------------------------------------------------ reads

  get(id: number): AccessRequestRecord | undefined {
    const r = this.getStmt.get(id);
    return r === undefined ? undefined : toRecord(r);
  }

  byRequestId(network: string, requestId: string): AccessRequestRecord | undefined {
    const r = this.byRequestStmt.get(network, requestId);
    return r === undefined ? undefined : toRecord(r);
  }

  list(f: AccessListFilter): { items: AccessRequestRecord[]; total: number } {
    const where = ['r.network = @network', INBOX_OF];
    if (f.state !== undefined) where.push('r.state = @state');
    if (f.assetId !== undefined) where.push(`COALESCE(${ASSET_OF}, r.asset_id) = @assetId`);
    if (f.unreadOnly) where.push('r.read_at IS NULL');
    const params = { network: f.network, owner: f.owner.toLowerCase(), state: f.state ?? null, assetId: f.assetId ?? null, limit: f.limit, offset: f.offset };
    const w = where.join(' AND ');
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM access_requests r WHERE ${w}`).get(params) as { n: number }).n;
    const rows = this.db.prepare(`${SELECT} WHERE ${w} ORDER BY r.block_number DESC, r.log_index DESC LIMIT @limit OFFSET @offset`).all(params) as Row[];
    return { items: rows.map(toRecord), total };
  }

  /** The requester's requests to this owner's tokens, newest first. */
  history(network: string, owner: string, requester: string, limit = 100): AccessRequestRecord[] {
    const rows = this.db
      .prepare(`${SELECT} WHERE r.network = ? AND r.owner = ? AND lower(r.requester) = lower(?) ORDER BY r.block_number DESC, r.log_index DESC LIMIT ?`)
      .all(network, owner.toLowerCase(), requester, limit) as Row[];
    return rows.map(toRecord);
  }

  unread(network: string, owner: string): number {
    return this.unreadStmt.get({ network, owner: owner.toLowerCase() })?.n ?? 0;
  }

  /** Marks requests read (the given ids, or all of the owner's); returns the ids that changed. */
  markRead(network: string, owner: string, ids: readonly number[] | 'all', now: string): number[] {
    if (ids === 'all') {
      return (this.db.prepare(`UPDATE access_requests AS r SET read_at = @now WHERE r.network = @network AND ${INBOX_OF} AND r.read_at IS NULL RETURNING id`).all({ now, network, owner: owner.toLowerCase() }) as { id: number }[]).map((r) => r.id);
    }
    const stmt = this.db.prepare(`UPDATE access_requests AS r SET read_at = @now WHERE r.id = @id AND r.network = @network AND ${INBOX_OF} AND r.read_at IS NULL RETURNING id`);
    return this.db.transaction(() => ids.flatMap((id) => (stmt.all({ now, id, network, owner: owner.toLowerCase() }) as { id: number }[]).map((r) => r.id)))();
  }

  /** How many requests of a network are stored (all owners). */
  count(network: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM access_requests WHERE network = ?').get(network) as { n: number }).n;
  }

  /** Whether this catalog certified any asset on the network (then there may be requests to follow). */
  hasCertificates(network: string): boolean {
    return this.db.prepare('SELECT 1 FROM certificates WHERE network = ? AND token_id IS NOT NULL LIMIT 1').get(network) !== undefined;
  }

  /** The newest certificate's token of an asset on a network, with the registry it is on. */
  tokenOfAsset(assetId: number, network: string): { tokenId: string; registry: string; chainId: number } | undefined {
    const r = this.db
      .prepare('SELECT token_id, registry, chain_id FROM certificates WHERE asset_id = ? AND network = ? AND token_id IS NOT NULL ORDER BY id DESC LIMIT 1')
      .get(assetId, network) as { token_id: string; registry: string; chain_id: number } | undefined;
    return r === undefined ? undefined : { tokenId: r.token_id, registry: r.registry, chainId: r.chain_id };
  }

  // ------------------------------------------------------------ actions

  /** Records the approval or denial asked for a request and its job. */
  setAction(id: number, kind: 'approve' | 'deny', jobId: number, reason: string | null, auto: boolean, now: string): void {
    // A person's decision reads the request (a bulk approve must not leave "2 unread"); an
    // automatic one does not: the owner has not seen that sale yet.
    this.db
      .prepare('UPDATE access_requests SET action_kind = ?, action_job = ?, action_reason = ?, auto = ?, updated_at = ?, read_at = CASE WHEN ? THEN read_at ELSE coalesce(read_at, ?) END WHERE id = ?')
      .run(kind, jobId, reason, auto ? 1 : 0, now, auto ? 1 : 0, now, id);
  }

  /** The grant uploaded for a request (never paid for twice). */
  grant(requestRow: number): { grantId: string | null; txHash: string | null } | undefined {
    const r = this.db.prepare('SELECT grant_id, tx_hash FROM grants WHERE request_row = ?').get(requestRow) as { grant_id: string | null; tx_hash: string | null } | undefined;
    return r === undefined ? undefined : { grantId: r.grant_id, txHash: r.tx_hash };
  }

  saveGrant(requestRow: number, grantId: string, now: string): void {
    this.db.prepare('INSERT INTO grants (request_row, grant_id, created_at) VALUES (?, ?, ?) ON CONFLICT (request_row) DO UPDATE SET grant_id = excluded.grant_id').run(requestRow, grantId, now);
  }

  saveGrantTx(requestRow: number, txHash: string): void {
    this.db.prepare('UPDATE grants SET tx_hash = ? WHERE request_row = ?').run(txHash, requestRow);
  }

  // ------------------------------------------------------------ auto-approve rules

  autoApprove(assetId: number): boolean {
    const r = this.db.prepare('SELECT enabled FROM access_auto_approve WHERE asset_id = ?').get(assetId) as { enabled: number } | undefined;
    return r?.enabled === 1;
  }

  /**
   * Pending requests nobody has answered yet, for assets whose auto-approve rule is on: what the
   * rule still has to act on (after a crash between indexing and enqueueing, a keychain hiccup,
   * or a request indexed while another wallet was in use).
   */
  pendingForAutoApprove(network: string, limit = 200): AccessRequestRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM (${SELECT} WHERE r.network = ? AND r.state = 'pending' AND r.action_kind IS NULL) q
         WHERE q.asset_id IN (SELECT asset_id FROM access_auto_approve WHERE enabled = 1) ORDER BY q.id LIMIT ?`,
      )
      .all(network, limit) as Row[];
    return rows.map(toRecord);
  }

  /**
   * Requests approved on chain with a grant id that this catalog has not recorded as delivered
   * (issue 12: an approval mined after its job stopped must still deliver the buyer's key).
   */
  undelivered(network: string, limit = 200): AccessRequestRecord[] {
    const rows = this.db
      .prepare(
        `${SELECT} WHERE r.network = ? AND r.state = 'approved' AND COALESCE(r.grant_id, '') <> ''
           AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.request_row = r.id AND g.grant_id = r.grant_id) ORDER BY r.id LIMIT ?`,
      )
      .all(network, limit) as Row[];
    return rows.map(toRecord);
  }

  setAutoApprove(assetId: number, enabled: boolean, now: string): void {
    this.db
      .prepare('INSERT INTO access_auto_approve (asset_id, enabled, updated_at) VALUES (?, ?, ?) ON CONFLICT (asset_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at')
      .run(assetId, enabled ? 1 : 0, now);
  }
}
