import type { Database, Statement } from 'better-sqlite3';

/** A version of a private asset with a key of its own (0008_version_keys). */
export interface VersionKeyRecord {
  assetId: number;
  contentRoot: string;
  /** The age recipient (age1…) of the version's identity. */
  recipient: string;
  createdAt: string;
}

interface Row {
  asset_id: number;
  content_root: string;
  recipient: string;
  created_at: string;
}

const toRecord = (r: Row): VersionKeyRecord => ({ assetId: r.asset_id, contentRoot: r.content_root, recipient: r.recipient, createdAt: r.created_at });

export class VersionKeysQueries {
  private readonly getStmt: Statement<[number, string], Row>;
  private readonly forAssetStmt: Statement<[number], Row>;
  private readonly insertStmt: Statement<[number, string, string, string]>;
  private readonly sinceStmt: Statement<[]>;

  constructor(db: Database) {
    this.getStmt = db.prepare('SELECT asset_id, content_root, recipient, created_at FROM version_keys WHERE asset_id = ? AND content_root = ?');
    this.forAssetStmt = db.prepare('SELECT asset_id, content_root, recipient, created_at FROM version_keys WHERE asset_id = ? ORDER BY created_at, content_root');
    // The first recipient recorded for a version stays: files may be encrypted to it already.
    this.sinceStmt = db.prepare("SELECT applied_at FROM schema_migrations WHERE name = '0008_version_keys'");
    this.insertStmt = db.prepare('INSERT INTO version_keys (asset_id, content_root, recipient, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
  }

  get(assetId: number, contentRoot: string): VersionKeyRecord | undefined {
    const r = this.getStmt.get(assetId, contentRoot);
    return r ? toRecord(r) : undefined;
  }

  forAsset(assetId: number): VersionKeyRecord[] {
    return this.forAssetStmt.all(assetId).map(toRecord);
  }

  /**
   * When per-version keys came to this catalog (migration 0008 applied), or null: every private
   * publication since then records its version's key here before anything is encrypted.
   */
  since(): string | null {
    return (this.sinceStmt.get() as { applied_at: string } | undefined)?.applied_at ?? null;
  }

  /** Records the version's recipient (kept if one is recorded already); returns the row. */
  add(assetId: number, contentRoot: string, recipient: string, now: string): VersionKeyRecord {
    this.insertStmt.run(assetId, contentRoot, recipient, now);
    const r = this.get(assetId, contentRoot);
    if (!r) throw new Error('version_keys: the insert left no row');
    return r;
  }
}
