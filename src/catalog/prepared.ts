import type { Database, Statement } from 'better-sqlite3';

/**
 * A data item whose id is fixed before anything is sent (0007_prepared_items): the publication
 * names it in its path manifest (or on chain, for the manifest itself) and uploads it after the
 * registration. While its row exists, its content is stored only as this item.
 */
export interface PreparedItem {
  id: number;
  network: string;
  /** sha256 (hex) of the plaintext: the file as scanned, or the manifest's bytes. */
  sha256: string;
  /** null: plaintext; 'age:<recipients>' when encrypted (as uploads.encryption). */
  encryption: string | null;
  itemId: string;
  /** The storage client's resume state (tags, anchor, chunk size, sha256/size of the bytes sent). */
  resume: Record<string, unknown>;
  /** The bytes to send when they are not the asset's file itself (staged copy), else null. */
  dataPath: string | null;
  assetId: number | null;
  createdAt: string;
}

interface Row {
  id: number;
  network: string;
  sha256: string;
  encryption: string | null;
  item_id: string;
  resume: string;
  data_path: string | null;
  asset_id: number | null;
  created_at: string;
}

const COLUMNS = 'id, network, sha256, encryption, item_id, resume, data_path, asset_id, created_at';

const toRecord = (r: Row): PreparedItem => ({
  id: r.id,
  network: r.network,
  sha256: r.sha256,
  encryption: r.encryption,
  itemId: r.item_id,
  resume: JSON.parse(r.resume) as Record<string, unknown>,
  dataPath: r.data_path,
  assetId: r.asset_id,
  createdAt: r.created_at,
});

export class PreparedQueries {
  private readonly getStmt: Statement<{ network: string; sha256: string; encryption: string | null }, Row>;
  private readonly byItemStmt: Statement<{ network: string; itemId: string }, Row>;
  private readonly insertStmt: Statement<Record<string, string | number | null>>;
  private readonly deleteStmt: Statement<[number]>;
  private readonly unpreparedStmt: Statement<{ assetId: number; network: string; encryption: string | null }, { rel_path: string; sha256: string | null; size: number }>;
  private readonly readyCountStmt: Statement<{ assetId: number; network: string; encryption: string | null }, { ready: number; total: number }>;

  constructor(private readonly db: Database) {
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM prepared_items
      WHERE network = @network AND sha256 = @sha256 AND coalesce(encryption, '') = coalesce(@encryption, '')`);
    this.byItemStmt = db.prepare(`SELECT ${COLUMNS} FROM prepared_items WHERE item_id = @itemId AND network = @network`);
    // A content prepared twice at once keeps the first row (its id may be named already).
    this.insertStmt = db.prepare(`INSERT INTO prepared_items (network, sha256, encryption, item_id, resume, data_path, asset_id, created_at)
      VALUES (@network, @sha256, @encryption, @itemId, @resume, @dataPath, @assetId, @now)
      ON CONFLICT DO NOTHING`);
    this.deleteStmt = db.prepare('DELETE FROM prepared_items WHERE id = ?');
    const stored = `EXISTS (SELECT 1 FROM uploads u WHERE u.network = @network AND u.sha256 = f.sha256
      AND u.encryption IS @encryption AND u.storage_id IS NOT NULL)
      OR EXISTS (SELECT 1 FROM rewrapped_items r WHERE r.network = @network AND r.sha256 = f.sha256 AND r.encryption IS @encryption)`;
    const prepared = `EXISTS (SELECT 1 FROM prepared_items p WHERE p.network = @network AND p.sha256 = f.sha256
      AND coalesce(p.encryption, '') = coalesce(@encryption, ''))`;
    this.unpreparedStmt = db.prepare(`SELECT f.rel_path, f.sha256, f.size FROM files f
      WHERE f.asset_id = @assetId AND (f.sha256 IS NULL OR NOT (${stored} OR ${prepared})) ORDER BY f.rel_path`);
    this.readyCountStmt = db.prepare(`SELECT coalesce(sum(f.sha256 IS NOT NULL AND (${stored} OR ${prepared})), 0) AS ready, count(*) AS total
      FROM files f WHERE f.asset_id = @assetId`);
  }

  /** The prepared item of this content, if any. */
  get(network: string, sha256: string, encryption: string | null): PreparedItem | undefined {
    const r = this.getStmt.get({ network, sha256, encryption });
    return r ? toRecord(r) : undefined;
  }

  /** The prepared item with this id on this network, if any. */
  byItemId(network: string, itemId: string): PreparedItem | undefined {
    const r = this.byItemStmt.get({ network, itemId });
    return r ? toRecord(r) : undefined;
  }

  /** Records a prepared item; when the content has one already, that one is kept and returned. */
  add(p: Omit<PreparedItem, 'id' | 'createdAt'>, now: string): PreparedItem {
    this.insertStmt.run({
      network: p.network,
      sha256: p.sha256,
      encryption: p.encryption,
      itemId: p.itemId,
      resume: JSON.stringify(p.resume),
      dataPath: p.dataPath,
      assetId: p.assetId,
      now,
    });
    const rec = this.get(p.network, p.sha256, p.encryption);
    if (!rec) throw new Error('prepared_items: the insert left no row');
    return rec;
  }

  /**
   * Records many prepared items in one transaction (a publication's small public files: one
   * commit per few hundred files instead of one each). Contents that have an item already keep it.
   */
  addMany(items: readonly Omit<PreparedItem, 'id' | 'createdAt'>[], now: string): void {
    this.db.transaction(() => {
      for (const p of items) {
        this.insertStmt.run({ network: p.network, sha256: p.sha256, encryption: p.encryption, itemId: p.itemId, resume: JSON.stringify(p.resume), dataPath: p.dataPath, assetId: p.assetId, now });
      }
    })();
  }

  remove(id: number): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }

  /** The asset's files whose content is neither stored nor prepared on this network with this encryption. One query. */
  unprepared(assetId: number, network: string, encryption: string | null): { relPath: string; sha256: string | null; size: number }[] {
    return this.unpreparedStmt.all({ assetId, network, encryption }).map((r) => ({ relPath: r.rel_path, sha256: r.sha256, size: r.size }));
  }

  /** How many of the asset's files are stored or prepared (their ids known), of how many. One query. */
  readyCount(assetId: number, network: string, encryption: string | null): { ready: number; total: number } {
    return this.readyCountStmt.get({ assetId, network, encryption }) ?? { ready: 0, total: 0 };
  }
}
