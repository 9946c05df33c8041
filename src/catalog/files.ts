import type { Database, Statement } from 'better-sqlite3';
import { likePattern } from './assets';

export interface FileRecord {
  relPath: string;
  size: number;
  mtimeMs: number;
  sha256: string | null;
}

interface FileRow {
  rel_path: string;
  size: number;
  mtime_ms: number;
  sha256: string | null;
}

const toRecord = (r: FileRow): FileRecord => ({ relPath: r.rel_path, size: r.size, mtimeMs: r.mtime_ms, sha256: r.sha256 });

export class FilesQueries {
  private readonly allStmt: Statement<[number], FileRow>;
  private readonly upsertStmt: Statement<{ assetId: number; relPath: string; size: number; mtimeMs: number; sha256: string }>;
  private readonly deleteStmt: Statement<[number, string]>;

  constructor(private readonly db: Database) {
    // ORDER BY rel_path uses SQLite's BINARY collation: memcmp over UTF-8, i.e. LC_ALL=C order.
    this.allStmt = db.prepare(`SELECT rel_path, size, mtime_ms, sha256 FROM files WHERE asset_id = ? ORDER BY rel_path`);
    this.upsertStmt = db.prepare(`INSERT INTO files (asset_id, rel_path, size, mtime_ms, sha256, state)
      VALUES (@assetId, @relPath, @size, @mtimeMs, @sha256, 'hashed')
      ON CONFLICT (asset_id, rel_path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms,
        sha256 = excluded.sha256, state = 'hashed'`);
    this.deleteStmt = db.prepare(`DELETE FROM files WHERE asset_id = ? AND rel_path = ?`);
  }

  /** Every file row of an asset, in LC_ALL=C path order. */
  all(assetId: number): FileRecord[] {
    return this.allStmt.all(assetId).map(toRecord);
  }

  /** Records hashed files in one transaction (a batch survives a crash of the scan that follows). */
  upsertHashed(assetId: number, rows: readonly (FileRecord & { sha256: string })[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.upsertStmt.run({ assetId, relPath: r.relPath, size: r.size, mtimeMs: r.mtimeMs, sha256: r.sha256 });
    })();
  }

  /** Deletes rows whose path is not in `keep` (call inside the scan's final transaction). */
  deleteExcept(assetId: number, keep: ReadonlySet<string>): number {
    let n = 0;
    for (const r of this.allStmt.all(assetId)) {
      if (!keep.has(r.rel_path)) n += this.deleteStmt.run(assetId, r.rel_path).changes;
    }
    return n;
  }

  page(assetId: number, f: { query?: string | undefined; offset: number; limit: number }): { items: FileRecord[]; total: number } {
    const hasQuery = f.query !== undefined && f.query.trim() !== '';
    const clause = hasQuery ? `AND rel_path LIKE @q ESCAPE '\\'` : '';
    const params: Record<string, string | number> = { assetId };
    if (hasQuery) params.q = likePattern(f.query?.trim() ?? '');
    const total = (this.db.prepare(`SELECT count(*) AS n FROM files WHERE asset_id = @assetId ${clause}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT rel_path, size, mtime_ms, sha256 FROM files WHERE asset_id = @assetId ${clause} ORDER BY rel_path LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit: f.limit, offset: f.offset }) as FileRow[];
    return { items: rows.map(toRecord), total };
  }
}
