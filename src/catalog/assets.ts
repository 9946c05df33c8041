import type { Database, Statement } from 'better-sqlite3';

export type AssetKindValue = 'dataset' | 'model';
export type AssetStateValue = 'scanning' | 'ready' | 'error';

export interface SkippedRecord {
  relPath: string;
  reason: string;
}

export interface AssetRecord {
  id: number;
  kind: AssetKindValue;
  name: string;
  rootPath: string;
  visibility: 'public' | 'private';
  state: AssetStateValue;
  contentRoot: string | null;
  fileCount: number;
  totalBytes: number;
  skipped: SkippedRecord[];
  error: string | null;
  createdAt: string;
  updatedAt: string;
  scannedAt: string | null;
}

interface AssetRow {
  id: number;
  kind: AssetKindValue;
  name: string;
  root_path: string;
  visibility: 'public' | 'private';
  state: AssetStateValue;
  content_root: string | null;
  file_count: number;
  total_bytes: number;
  skipped_json: string;
  error: string | null;
  created_at: string;
  updated_at: string;
  scanned_at: string | null;
}

const COLUMNS = `id, kind, name, root_path, visibility, state, content_root, file_count, total_bytes,
  skipped_json, error, created_at, updated_at, scanned_at`;

const toRecord = (r: AssetRow): AssetRecord => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  rootPath: r.root_path,
  visibility: r.visibility,
  state: r.state,
  contentRoot: r.content_root,
  fileCount: r.file_count,
  totalBytes: r.total_bytes,
  skipped: JSON.parse(r.skipped_json) as SkippedRecord[],
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  scannedAt: r.scanned_at,
});

/** LIKE pattern for a substring search, with %, _ and \ escaped. */
export const likePattern = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export interface AssetListFilter {
  query?: string | undefined;
  kind?: AssetKindValue | undefined;
  state?: AssetStateValue | undefined;
  offset: number;
  limit: number;
}

/**
 * What the Library shows of an asset besides its scan (issue 14), on one network: its latest
 * certificate's version, price and content root, the approval rule, its latest publish job, its
 * pending access requests and what access to it earned (AccessGranted amounts of its tokens,
 * summed by the caller as bigints: wei overflow SQLite's integers).
 */
type PublishJobState = 'queued' | 'running' | 'paused' | 'waiting' | 'done' | 'failed' | 'cancelled';

export interface AssetOverview {
  assetId: number;
  /** forSale: the registry's flag as last indexed (0009 listings; a token never changed is for sale). */
  certificate: { version: number; priceWei: string; contentRoot: string | null; tokenId: string | null; forSale: boolean } | null;
  autoApprove: boolean;
  job: { state: PublishJobState; progress: number; error: string | null } | null;
  pendingRequests: number;
  grantedWei: string[];
}

interface OverviewRow {
  id: number;
  cert_id: number | null;
  cert_version: number | null;
  cert_price: string | null;
  cert_root: string | null;
  cert_token: string | null;
  for_sale: number | null;
  auto_approve: number | null;
  job_state: PublishJobState | null;
  job_progress: number | null;
  job_error: string | null;
  pending: number;
  granted: string | null;
}

// One statement for a whole page of assets (no query per row): correlated subqueries pick each
// asset's newest certificate and publish job on the network.
const OVERVIEW_SQL = `
  WITH page AS (SELECT value AS id FROM json_each(@ids)),
  cert AS (
    SELECT p.id AS asset_id, (SELECT c.id FROM certificates c WHERE c.asset_id = p.id AND c.network = @network ORDER BY c.id DESC LIMIT 1) AS cert_id
    FROM page p
  ),
  job AS (
    SELECT p.id AS asset_id, (SELECT j.id FROM jobs j WHERE j.batch_id IS NULL AND j.asset_id = p.id AND j.kind = 'publish'
      AND json_extract(j.checkpoint, '$.network') = @network ORDER BY j.id DESC LIMIT 1) AS job_id
    FROM page p
  )
  SELECT p.id, c.id AS cert_id, v.number AS cert_version, json_extract(c.document, '$.license.price') AS cert_price,
    v.content_root AS cert_root, c.token_id AS cert_token, l.for_sale AS for_sale,
    (SELECT enabled FROM access_auto_approve aa WHERE aa.asset_id = p.id) AS auto_approve,
    j.state AS job_state, j.progress AS job_progress, j.error AS job_error,
    (SELECT count(*) FROM access_requests r WHERE r.network = @network AND r.state = 'pending'
      AND r.token_id IN (SELECT c2.token_id FROM certificates c2 WHERE c2.asset_id = p.id AND c2.network = @network)) AS pending,
    (SELECT group_concat(e.amount_wei) FROM earnings_access e WHERE e.network = @network AND e.kind = 'granted'
      AND e.token_id IN (SELECT c3.token_id FROM certificates c3 WHERE c3.asset_id = p.id AND c3.network = @network)) AS granted
  FROM page p
  JOIN cert ON cert.asset_id = p.id
  JOIN job ON job.asset_id = p.id
  LEFT JOIN certificates c ON c.id = cert.cert_id
  LEFT JOIN versions v ON v.id = c.version_id
  LEFT JOIN jobs j ON j.id = job.job_id
  LEFT JOIN listings l ON l.network = @network AND l.token_id = c.token_id`;

export class AssetsQueries {
  private readonly byId: Statement<[number], AssetRow>;
  private readonly byRoot: Statement<[string], AssetRow>;
  private readonly insertStmt: Statement<[string, string, string, string, string]>;
  private readonly scanningStmt: Statement<[string, number]>;
  private readonly readyStmt: Statement<{
    id: number;
    contentRoot: string;
    manifest: string;
    fileCount: number;
    totalBytes: number;
    skipped: string;
    now: string;
  }>;
  private readonly errorStmt: Statement<[string, string, number]>;
  private readonly removeStmt: Statement<[number]>;
  private readonly manifestStmt: Statement<[number], { manifest: string | null; content_root: string | null }>;
  private overviewStmt: Statement<{ network: string; ids: string }, OverviewRow> | undefined;

  constructor(private readonly db: Database) {
    this.byId = db.prepare(`SELECT ${COLUMNS} FROM assets WHERE id = ?`);
    this.byRoot = db.prepare(`SELECT ${COLUMNS} FROM assets WHERE root_path = ?`);
    this.insertStmt = db.prepare(
      `INSERT INTO assets (kind, name, root_path, state, created_at, updated_at) VALUES (?, ?, ?, 'scanning', ?, ?)`,
    );
    this.scanningStmt = db.prepare(`UPDATE assets SET state = 'scanning', error = NULL, updated_at = ? WHERE id = ?`);
    this.readyStmt = db.prepare(`UPDATE assets SET state = 'ready', error = NULL, content_root = @contentRoot,
      manifest = @manifest, file_count = @fileCount, total_bytes = @totalBytes, skipped_json = @skipped,
      updated_at = @now, scanned_at = @now WHERE id = @id`);
    this.errorStmt = db.prepare(`UPDATE assets SET state = 'error', error = ?, updated_at = ? WHERE id = ?`);
    this.removeStmt = db.prepare(`DELETE FROM assets WHERE id = ?`);
    this.manifestStmt = db.prepare(`SELECT manifest, content_root FROM assets WHERE id = ?`);
  }

  /** The Library's facts of these assets on `network` (see AssetOverview), in one query. */
  overview(network: string, ids: number[]): Map<number, AssetOverview> {
    const out = new Map<number, AssetOverview>();
    if (ids.length === 0) return out;
    this.overviewStmt ??= this.db.prepare(OVERVIEW_SQL);
    for (const r of this.overviewStmt.all({ network, ids: JSON.stringify(ids) })) {
      out.set(r.id, {
        assetId: r.id,
        certificate:
          r.cert_id === null
            ? null
            : { version: r.cert_version ?? 1, priceWei: r.cert_price !== null && /^\d+$/.test(r.cert_price) ? r.cert_price : '0', contentRoot: r.cert_root, tokenId: r.cert_token, forSale: (r.for_sale ?? 1) === 1 },
        autoApprove: r.auto_approve === 1,
        job: r.job_state === null ? null : { state: r.job_state, progress: r.job_progress ?? 0, error: r.job_error },
        pendingRequests: r.pending,
        grantedWei: r.granted === null ? [] : r.granted.split(','),
      });
    }
    return out;
  }

  get(id: number): AssetRecord | undefined {
    const row = this.byId.get(id);
    return row ? toRecord(row) : undefined;
  }

  getByRoot(rootPath: string): AssetRecord | undefined {
    const row = this.byRoot.get(rootPath);
    return row ? toRecord(row) : undefined;
  }

  insert(a: { kind: AssetKindValue; name: string; rootPath: string }, now: string): number {
    return Number(this.insertStmt.run(a.kind, a.name, a.rootPath, now, now).lastInsertRowid);
  }

  markScanning(id: number, now: string): void {
    this.scanningStmt.run(now, id);
  }

  markReady(
    id: number,
    r: { contentRoot: string; manifest: string; fileCount: number; totalBytes: number; skipped: SkippedRecord[] },
    now: string,
  ): void {
    this.readyStmt.run({ id, ...r, skipped: JSON.stringify(r.skipped), now });
  }

  markError(id: number, message: string, now: string): void {
    this.errorStmt.run(message, now, id);
  }

  /** The manifest text and content root of the last complete scan. */
  manifest(id: number): { manifest: string; contentRoot: string } | undefined {
    const row = this.manifestStmt.get(id);
    if (!row || row.manifest === null || row.content_root === null) return undefined;
    return { manifest: row.manifest, contentRoot: row.content_root };
  }

  /** Removes the asset and (by cascade) its file rows. Never touches the folder. */
  remove(id: number): boolean {
    return this.removeStmt.run(id).changes > 0;
  }

  list(f: AssetListFilter): { items: AssetRecord[]; total: number } {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (f.query !== undefined && f.query.trim() !== '') {
      params.q = likePattern(f.query.trim());
      where.push(`(name LIKE @q ESCAPE '\\' OR root_path LIKE @q ESCAPE '\\'
        OR EXISTS (SELECT 1 FROM files WHERE files.asset_id = assets.id AND files.rel_path LIKE @q ESCAPE '\\'))`);
    }
    if (f.kind) {
      params.kind = f.kind;
      where.push('kind = @kind');
    }
    if (f.state) {
      params.state = f.state;
      where.push('state = @state');
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM assets ${clause}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM assets ${clause} ORDER BY updated_at DESC, id DESC LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit: f.limit, offset: f.offset }) as AssetRow[];
    return { items: rows.map(toRecord), total };
  }
}
