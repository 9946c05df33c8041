import type { Database, Statement } from 'better-sqlite3';

/**
 * A content available under a private version's encryption as an item stored for an earlier
 * version, with its age header re-wrapped to the new key (0008 rewrapped_items).
 */
export interface RewrappedItem {
  network: string;
  /** sha256 (hex) of the plaintext. */
  sha256: string;
  /** The version's encryption marker ('age:<recipient>'). */
  encryption: string;
  storageId: string;
  /** The re-wrapped age header, base64. */
  ageHeader: string;
  /** sha256 of the stored item's bytes, when known. */
  dataSha256: string | null;
  createdAt: string;
}

interface Row {
  network: string;
  sha256: string;
  encryption: string;
  storage_id: string;
  age_header: string;
  data_sha256: string | null;
  created_at: string;
}

const COLUMNS = 'network, sha256, encryption, storage_id, age_header, data_sha256, created_at';

const toRecord = (r: Row): RewrappedItem => ({
  network: r.network,
  sha256: r.sha256,
  encryption: r.encryption,
  storageId: r.storage_id,
  ageHeader: r.age_header,
  dataSha256: r.data_sha256,
  createdAt: r.created_at,
});

export class RewrappedQueries {
  private readonly getStmt: Statement<[string, string, string], Row>;
  private readonly anyStmt: Statement<[string, string], Row>;
  private readonly insertStmt: Statement<Record<string, string | null>>;

  constructor(db: Database) {
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM rewrapped_items WHERE network = ? AND sha256 = ? AND encryption = ?`);
    this.anyStmt = db.prepare(`SELECT ${COLUMNS} FROM rewrapped_items WHERE network = ? AND sha256 = ? ORDER BY id`);
    // The first header recorded stays: a manifest may carry it already.
    this.insertStmt = db.prepare(`INSERT INTO rewrapped_items (network, sha256, encryption, storage_id, age_header, data_sha256, created_at)
      VALUES (@network, @sha256, @encryption, @storageId, @ageHeader, @dataSha256, @now) ON CONFLICT DO NOTHING`);
  }

  get(network: string, sha256: string, encryption: string | null): RewrappedItem | undefined {
    if (encryption === null) return undefined;
    const r = this.getStmt.get(network, sha256, encryption);
    return r ? toRecord(r) : undefined;
  }

  /** The re-wrapped items of this content under an encryption in `encryptions`. */
  findAny(network: string, sha256: string, encryptions: readonly string[]): RewrappedItem[] {
    return this.anyStmt.all(network, sha256).filter((r) => encryptions.includes(r.encryption)).map(toRecord);
  }

  /** Records one (the first recorded for the content and encryption is kept and returned). */
  add(r: Omit<RewrappedItem, 'createdAt'>, now: string): RewrappedItem {
    this.insertStmt.run({ network: r.network, sha256: r.sha256, encryption: r.encryption, storageId: r.storageId, ageHeader: r.ageHeader, dataSha256: r.dataSha256, now });
    const rec = this.get(r.network, r.sha256, r.encryption);
    if (!rec) throw new Error('rewrapped_items: the insert left no row');
    return rec;
  }
}
