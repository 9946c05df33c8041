import type { Database, Statement } from 'better-sqlite3';

/** Every registered token of a registry, for Discover (0011 discover_assets, discover_fts, discover_requests). */
export interface DiscoverRow {
  network: string;
  registry: string;
  tokenId: string;
  owner: string;
  registrant: string;
  contentRoot: string;
  manifestId: string;
  termsHash: string;
  priceWei: string;
  forSale: boolean;
  blockNumber: number;
  registeredAt: string;
  metaState: 'pending' | 'found' | 'missing' | 'invalid';
  metaId: string | null;
  name: string | null;
  kind: string | null;
  description: string | null;
  license: string | null;
  contributors: string | null;
  metaJson: string | null;
  approved: number;
}

interface Row {
  network: string;
  registry: string;
  token_id: string;
  owner: string;
  registrant: string;
  content_root: string;
  manifest_id: string;
  terms_hash: string;
  price_wei: string;
  for_sale: number;
  block_number: number;
  registered_at: string;
  meta_state: DiscoverRow['metaState'];
  meta_id: string | null;
  name: string | null;
  kind: string | null;
  description: string | null;
  license: string | null;
  contributors: string | null;
  meta_json: string | null;
  approved: number;
}

const fromRow = (r: Row): DiscoverRow => ({
  network: r.network,
  registry: r.registry,
  tokenId: r.token_id,
  owner: r.owner,
  registrant: r.registrant,
  contentRoot: r.content_root,
  manifestId: r.manifest_id,
  termsHash: r.terms_hash,
  priceWei: r.price_wei,
  forSale: r.for_sale === 1,
  blockNumber: r.block_number,
  registeredAt: r.registered_at,
  metaState: r.meta_state,
  metaId: r.meta_id,
  name: r.name,
  kind: r.kind,
  description: r.description,
  license: r.license,
  contributors: r.contributors,
  metaJson: r.meta_json,
  approved: r.approved,
});

const APPROVED = `(SELECT count(*) FROM discover_requests r WHERE r.network = a.network AND r.registry = a.registry AND r.token_id = a.token_id AND r.outcome = 'approved')`;
const COLUMNS = `a.network, a.registry, a.token_id, a.owner, a.registrant, a.content_root, a.manifest_id, a.terms_hash, a.price_wei, a.for_sale,
  a.block_number, a.registered_at, a.meta_state, a.meta_id, a.name, a.kind, a.description, a.license, a.contributors, a.meta_json, ${APPROVED} AS approved`;

export const priceKey = (wei: string): string => wei.padStart(78, '0');

export interface DiscoverSearch {
  network: string;
  registry: string;
  query?: string | undefined;
  kind?: string | undefined;
  license?: string | undefined;
  free?: boolean | undefined;
  /** Inclusive bounds, in wei. */
  minPriceWei?: string | undefined;
  maxPriceWei?: string | undefined;
  sort: 'newest' | 'price' | 'approved';
  offset: number;
  limit: number;
}

export interface PublicRecordRow {
  requests: number;
  approved: number;
  denied: number;
  cancelled: number;
  pending: number;
  /** Seconds from request to approval or denial, one per decided request. */
  decisions: number[];
  paidWei: string;
}

/**
 * The words of a search as an FTS5 query: each word a quoted prefix term (so no FTS5 syntax a
 * person types, quotes, NEAR, column filters, is ever interpreted), all of them required.
 */
export function ftsQuery(text: string): string | null {
  const words = text.normalize('NFKC').match(/[\p{L}\p{N}]+/gu)?.slice(0, 16) ?? [];
  return words.length === 0 ? null : words.map((w) => `"${w}"*`).join(' ');
}

export interface MetadataFields {
  metaId: string;
  name: string;
  kind: string;
  description: string;
  license: string;
  contributors: string;
  json: string;
}

export class DiscoverQueries {
  private readonly insertStmt: Statement;
  private readonly termsStmt: Statement;
  private readonly saleStmt: Statement;
  private readonly ownerStmt: Statement;
  private readonly getStmt: Statement<[string, string, string], Row>;
  private readonly pendingStmt: Statement<[string, string, string, number], { rowid: number; token_id: string; content_root: string; registrant: string; meta_tries: number }>;
  private readonly metaStmt: Statement;
  private readonly retryStmt: Statement;
  private readonly ftsDelete: Statement<[number]>;
  private readonly ftsInsert: Statement;
  private readonly requestStmt: Statement;
  private readonly outcomeStmt: Statement;
  private readonly recordStmt: Statement<[string, string, string], { outcome: string; created_at: number; decided_at: number | null; amount_wei: string }>;
  private readonly staleStmt: Statement<[string, string, number], { token_id: string }>;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare(`INSERT INTO discover_assets (network, registry, token_id, token_num, owner, registrant, content_root, manifest_id, terms_hash, price_wei, price_key, block_number, state_block, registered_at)
      VALUES (@network, @registry, @tokenId, @tokenNum, @owner, @owner, @contentRoot, @manifestId, @termsHash, @priceWei, @priceKey, @block, @block, @registeredAt)
      ON CONFLICT (network, registry, token_id) DO NOTHING`);
    this.termsStmt = db.prepare('UPDATE discover_assets SET terms_hash = @termsHash, price_wei = @priceWei, price_key = @priceKey, state_block = max(state_block, @block) WHERE network = @network AND registry = @registry AND token_id = @tokenId');
    this.saleStmt = db.prepare('UPDATE discover_assets SET for_sale = @forSale, state_block = max(state_block, @block) WHERE network = @network AND registry = @registry AND token_id = @tokenId');
    this.ownerStmt = db.prepare('UPDATE discover_assets SET owner = @owner, state_block = max(state_block, @block) WHERE network = @network AND registry = @registry AND token_id = @tokenId');
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM discover_assets a WHERE a.network = ? AND a.registry = ? AND a.token_id = ?`);
    this.pendingStmt = db.prepare(`SELECT rowid, token_id, content_root, registrant, meta_tries FROM discover_assets
      WHERE network = ? AND registry = ? AND meta_state = 'pending' AND (meta_next IS NULL OR meta_next <= ?) ORDER BY meta_tries, token_num LIMIT ?`);
    this.metaStmt = db.prepare(`UPDATE discover_assets SET meta_state = @state, meta_id = @metaId, name = @name, kind = @kind, description = @description, license = @license,
      contributors = @contributors, meta_json = @json, meta_next = NULL WHERE rowid = @rowid`);
    this.retryStmt = db.prepare('UPDATE discover_assets SET meta_state = @state, meta_tries = meta_tries + 1, meta_next = @next WHERE rowid = @rowid');
    this.ftsDelete = db.prepare('DELETE FROM discover_fts WHERE rowid = ?');
    this.ftsInsert = db.prepare('INSERT INTO discover_fts (rowid, name, description, contributors) VALUES (@rowid, @name, @description, @contributors)');
    this.requestStmt = db.prepare(`INSERT INTO discover_requests (network, registry, request_id, token_id, amount_wei, created_at, block_number, state_block)
      VALUES (@network, @registry, @requestId, @tokenId, @amountWei, @createdAt, @block, @block) ON CONFLICT DO NOTHING`);
    this.outcomeStmt = db.prepare(`UPDATE discover_requests SET outcome = @outcome, decided_at = @decidedAt, state_block = @block
      WHERE network = @network AND registry = @registry AND request_id = @requestId AND outcome = 'pending'`);
    this.recordStmt = db.prepare('SELECT outcome, created_at, decided_at, amount_wei FROM discover_requests WHERE network = ? AND registry = ? AND token_id = ?');
    this.staleStmt = db.prepare('SELECT token_id FROM discover_assets WHERE network = ? AND registry = ? AND state_block = ?');
  }

  registered(r: { network: string; registry: string; tokenId: string; owner: string; contentRoot: string; manifestId: string; termsHash: string; priceWei: string; block: number; registeredAt: string }): void {
    this.insertStmt.run({ ...r, tokenNum: Number(r.tokenId), priceKey: priceKey(r.priceWei) });
  }

  terms(network: string, registry: string, tokenId: string, termsHash: string, priceWei: string, block: number): void {
    this.termsStmt.run({ network, registry, tokenId, termsHash, priceWei, priceKey: priceKey(priceWei), block });
  }

  sale(network: string, registry: string, tokenId: string, forSale: boolean, block: number): void {
    this.saleStmt.run({ network, registry, tokenId, forSale: forSale ? 1 : 0, block });
  }

  transfer(network: string, registry: string, tokenId: string, owner: string, block: number): void {
    this.ownerStmt.run({ network, registry, tokenId, owner: owner.toLowerCase(), block });
  }

  request(r: { network: string; registry: string; requestId: string; tokenId: string; amountWei: string; createdAt: number; block: number }): void {
    this.requestStmt.run(r);
  }

  outcome(network: string, registry: string, requestId: string, outcome: 'approved' | 'denied' | 'cancelled', decidedAt: number, block: number): void {
    this.outcomeStmt.run({ network, registry, requestId, outcome, decidedAt, block });
  }

  /**
   * Forgets what blocks ≥ fromBlock wrote (a reorg): tokens and requests registered there go;
   * requests decided there are pending again (their events are read again); tokens whose terms,
   * listing or owner changed there are marked stale (state_block −1) for `stale()`, which the
   * indexer reads back from the chain.
   */
  rewind(network: string, fromBlock: number): void {
    const gone = this.db.prepare('SELECT rowid FROM discover_assets WHERE network = ? AND block_number >= ?').all(network, fromBlock) as { rowid: number }[];
    for (const g of gone) this.ftsDelete.run(g.rowid);
    this.db.prepare('DELETE FROM discover_assets WHERE network = ? AND block_number >= ?').run(network, fromBlock);
    this.db.prepare('UPDATE discover_assets SET state_block = -1 WHERE network = ? AND state_block >= ?').run(network, fromBlock);
    this.db.prepare('DELETE FROM discover_requests WHERE network = ? AND block_number >= ?').run(network, fromBlock);
    this.db.prepare("UPDATE discover_requests SET outcome = 'pending', decided_at = NULL, state_block = block_number WHERE network = ? AND state_block >= ?").run(network, fromBlock);
  }

  /** Tokens a reorg left stale (their terms, listing or owner to be read again from the chain). */
  stale(network: string, registry: string): string[] {
    return this.staleStmt.all(network, registry, -1).map((r) => r.token_id);
  }

  refreshed(r: { network: string; registry: string; tokenId: string; owner: string; termsHash: string; priceWei: string; forSale: boolean; block: number }): void {
    this.db
      .prepare('UPDATE discover_assets SET owner = @owner, terms_hash = @termsHash, price_wei = @priceWei, price_key = @priceKey, for_sale = @forSale, state_block = @block WHERE network = @network AND registry = @registry AND token_id = @tokenId')
      .run({ ...r, owner: r.owner.toLowerCase(), priceKey: priceKey(r.priceWei), forSale: r.forSale ? 1 : 0 });
  }

  get(network: string, registry: string, tokenId: string): DiscoverRow | undefined {
    const r = this.getStmt.get(network, registry, tokenId);
    return r === undefined ? undefined : fromRow(r);
  }

  /** Tokens whose metadata is still to be fetched (due now), fewest attempts first. */
  pendingMetadata(network: string, registry: string, nowIso: string, limit: number): { rowid: number; tokenId: string; contentRoot: string; registrant: string; tries: number }[] {
    return this.pendingStmt.all(network, registry, nowIso, limit).map((r) => ({ rowid: r.rowid, tokenId: r.token_id, contentRoot: r.content_root, registrant: r.registrant, tries: r.meta_tries }));
  }

  /** The token's validated metadata, cached and searchable. */
  setMetadata(rowid: number, m: MetadataFields): void {
    this.db.transaction(() => {
      this.metaStmt.run({ rowid, state: 'found', ...m });
      this.ftsDelete.run(rowid);
      this.ftsInsert.run({ rowid, name: m.name, description: m.description, contributors: m.contributors });
    })();
  }

  /** Not found (yet): tried again at `next`; given up (`missing`) or refused (`invalid`): never again. */
  metadataFailed(rowid: number, state: 'pending' | 'missing' | 'invalid', next: string | null): void {
    this.retryStmt.run({ rowid, state, next });
  }

  search(s: DiscoverSearch): { items: DiscoverRow[]; total: number } {
    const where = ['a.network = @network', 'a.registry = @registry'];
    const match = s.query === undefined ? null : ftsQuery(s.query);
    if (s.query !== undefined && s.query.trim() !== '' && match === null) return { items: [], total: 0 };
    if (match !== null) where.push('a.rowid IN (SELECT rowid FROM discover_fts WHERE discover_fts MATCH @match)');
    if (s.kind !== undefined) where.push('a.kind = @kind');
    if (s.license !== undefined) where.push('a.license = @license');
    if (s.free === true) where.push("a.price_wei = '0'");
    if (s.free === false) where.push("a.price_wei <> '0'");
    if (s.minPriceWei !== undefined) where.push('a.price_key >= @minKey');
    if (s.maxPriceWei !== undefined) where.push('a.price_key <= @maxKey');
    const order = s.sort === 'price' ? 'a.price_key ASC, a.token_num DESC' : s.sort === 'approved' ? 'approved DESC, a.token_num DESC' : 'a.token_num DESC';
    const params = {
      network: s.network,
      registry: s.registry,
      match,
      kind: s.kind ?? null,
      license: s.license ?? null,
      minKey: s.minPriceWei === undefined ? null : priceKey(s.minPriceWei),
      maxKey: s.maxPriceWei === undefined ? null : priceKey(s.maxPriceWei),
      limit: s.limit,
      offset: s.offset,
    };
    const used = (sql: string): Record<string, unknown> => Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`@${k}`)));
    const countSql = `SELECT count(*) AS n FROM discover_assets a WHERE ${where.join(' AND ')}`;
    const total = (this.db.prepare(countSql).get(used(countSql)) as { n: number }).n;
    const sql = `SELECT ${COLUMNS} FROM discover_assets a WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT @limit OFFSET @offset`;
    const items = (this.db.prepare(sql).all(used(sql)) as Row[]).map(fromRow);
    return { items, total };
  }

  /** Tokens whose description names this content root (as their previous version), newest first. */
  naming(network: string, registry: string, contentRoot: string): DiscoverRow[] {
    if (!/^[0-9a-f]{64}$/.test(contentRoot)) return [];
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM discover_assets a WHERE a.network = ? AND a.registry = ? AND a.content_root <> ? AND a.meta_json LIKE ? ORDER BY a.token_num DESC LIMIT 20`)
      .all(network, registry, contentRoot, `%"previous":%${contentRoot}%`) as Row[];
    return rows.map(fromRow);
  }

  /** The licenses in use (for the filter), most common first. */
  licenses(network: string, registry: string): string[] {
    return (this.db.prepare('SELECT license FROM discover_assets WHERE network = ? AND registry = ? AND license IS NOT NULL GROUP BY license ORDER BY count(*) DESC LIMIT 50').all(network, registry) as { license: string }[]).map((r) => r.license);
  }

  count(network: string, registry: string): { total: number; pending: number } {
    const r = this.db.prepare("SELECT count(*) AS total, coalesce(sum(meta_state = 'pending'), 0) AS pending FROM discover_assets WHERE network = ? AND registry = ?").get(network, registry) as { total: number; pending: number };
    return r;
  }

  record(network: string, registry: string, tokenId: string): PublicRecordRow {
    const rows = this.recordStmt.all(network, registry, tokenId);
    const out: PublicRecordRow = { requests: rows.length, approved: 0, denied: 0, cancelled: 0, pending: 0, decisions: [], paidWei: '0' };
    let paid = 0n;
    for (const r of rows) {
      if (r.outcome === 'approved') {
        out.approved++;
        paid += BigInt(r.amount_wei);
      } else if (r.outcome === 'denied') out.denied++;
      else if (r.outcome === 'cancelled') out.cancelled++;
      else out.pending++;
      if ((r.outcome === 'approved' || r.outcome === 'denied') && r.decided_at !== null) out.decisions.push(Math.max(0, r.decided_at - r.created_at));
    }
    out.paidWei = paid.toString();
    return out;
  }
}
