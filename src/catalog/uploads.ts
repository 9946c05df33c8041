import type { Database, Statement } from 'better-sqlite3';

export type UploadSource = 'uploaded' | 'reused';

/** One file stored on a network: which data item holds it, its receipt, and what it cost. */
export interface UploadRecord {
  id: number;
  assetId: number;
  relPath: string | null;
  /** sha256 (hex) of the file as scanned (the manifest's hash). */
  sha256: string;
  /** Network profile name (sandbox / testnet / mainnet). */
  network: string;
  /** The data item id (base58), or null while not stored. */
  storageId: string | null;
  /** The node's signed receipt (parsed JSON), or null. */
  receipt: Record<string, unknown> | null;
  /** Price quoted before the upload, in atomic units (wei), or null (reused items are not quoted). */
  quotedAtomic: string | null;
  /** Balance change observed across the upload (atomic units); '0' for a reused item. */
  chargedAtomic: string | null;
  bytes: number | null;
  itemBytes: number | null;
  /** sha256 of the bytes actually stored (the ciphertext for an encrypted upload). */
  dataSha256: string | null;
  /** null: plaintext; 'age:<recipients>' when encrypted. */
  encryption: string | null;
  source: UploadSource;
  /** Set when the charge differed from the quote (a person should look at it). */
  chargeWarning: string | null;
  createdAt: string;
  updatedAt: string | null;
}

export interface NewUpload {
  assetId: number;
  relPath: string;
  sha256: string;
  network: string;
  storageId: string;
  receipt: Record<string, unknown> | null;
  quotedAtomic: string | null;
  chargedAtomic: string | null;
  bytes: number | null;
  itemBytes: number | null;
  dataSha256: string | null;
  encryption: string | null;
  source: UploadSource;
  chargeWarning: string | null;
}

interface Row {
  id: number;
  asset_id: number;
  rel_path: string | null;
  sha256: string;
  network: string;
  storage_id: string | null;
  receipt: string | null;
  quoted_atomic: string | null;
  charged_atomic: string | null;
  bytes: number | null;
  item_bytes: number | null;
  data_sha256: string | null;
  encryption: string | null;
  source: UploadSource;
  charge_warning: string | null;
  created_at: string;
  updated_at: string | null;
}

const COLUMNS = `id, asset_id, rel_path, sha256, network, storage_id, receipt, quoted_atomic, charged_atomic, bytes,
  item_bytes, data_sha256, encryption, source, charge_warning, created_at, updated_at`;

const parseReceipt = (text: string | null): Record<string, unknown> | null => {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

const toRecord = (r: Row): UploadRecord => ({
  id: r.id,
  assetId: r.asset_id,
  relPath: r.rel_path,
  sha256: r.sha256,
  network: r.network,
  storageId: r.storage_id,
  receipt: parseReceipt(r.receipt),
  quotedAtomic: r.quoted_atomic,
  chargedAtomic: r.charged_atomic,
  bytes: r.bytes,
  itemBytes: r.item_bytes,
  dataSha256: r.data_sha256,
  encryption: r.encryption,
  source: r.source,
  chargeWarning: r.charge_warning,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The uploads table (0001_init + 0003_uploads): one row per (network, sha256, asset, path). */
export class UploadsQueries {
  private readonly reusableStmt: Statement<{ network: string; sha256: string; encryption: string | null }, Row>;
  private readonly getStmt: Statement<{ network: string; sha256: string; assetId: number; relPath: string }, Row>;
  private readonly anyEncryptedStmt: Statement<{ network: string; sha256: string }, Row>;
  private readonly byIdStmt: Statement<[number], Row>;
  private readonly byItemStmt: Statement<{ network: string; storageId: string }, Row>;
  private readonly forAssetStmt: Statement<[number], Row>;
  private readonly upsertStmt: Statement<Record<string, string | number | null>>;
  private readonly deleteStmt: Statement<[number]>;
  private readonly missingStmt: Statement<{ assetId: number; network: string; encryption: string | null }, { rel_path: string; sha256: string | null; size: number }>;
  private readonly storedCountStmt: Statement<{ assetId: number; network: string; encryption: string | null }, { stored: number; total: number }>;

  constructor(db: Database) {
    this.reusableStmt = db.prepare(`SELECT ${COLUMNS} FROM uploads
      WHERE network = @network AND sha256 = @sha256 AND encryption IS @encryption AND storage_id IS NOT NULL
      ORDER BY source = 'uploaded' DESC, id LIMIT 1`);
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM uploads
      WHERE network = @network AND sha256 = @sha256 AND asset_id = @assetId AND rel_path = @relPath`);
    this.anyEncryptedStmt = db.prepare(`SELECT ${COLUMNS} FROM uploads
      WHERE network = @network AND sha256 = @sha256 AND encryption IS NOT NULL AND storage_id IS NOT NULL
      ORDER BY source = 'uploaded' DESC, id`);
    this.byIdStmt = db.prepare(`SELECT ${COLUMNS} FROM uploads WHERE id = ?`);
    this.byItemStmt = db.prepare(`SELECT ${COLUMNS} FROM uploads WHERE storage_id = @storageId AND network = @network
      ORDER BY source = 'uploaded' DESC, id LIMIT 1`);
    this.forAssetStmt = db.prepare(`SELECT ${COLUMNS} FROM uploads WHERE asset_id = ? ORDER BY network, rel_path`);
    this.upsertStmt = db.prepare(`INSERT INTO uploads (asset_id, rel_path, sha256, network, storage_id, receipt, quoted_atomic,
        charged_atomic, bytes, item_bytes, data_sha256, encryption, source, charge_warning, created_at, updated_at)
      VALUES (@assetId, @relPath, @sha256, @network, @storageId, @receipt, @quotedAtomic, @chargedAtomic, @bytes, @itemBytes,
        @dataSha256, @encryption, @source, @chargeWarning, @now, @now)
      ON CONFLICT (network, sha256, asset_id, rel_path) DO UPDATE SET storage_id = excluded.storage_id,
        receipt = excluded.receipt, quoted_atomic = excluded.quoted_atomic, charged_atomic = excluded.charged_atomic,
        bytes = excluded.bytes, item_bytes = excluded.item_bytes, data_sha256 = excluded.data_sha256,
        encryption = excluded.encryption, source = excluded.source, charge_warning = excluded.charge_warning,
        updated_at = excluded.updated_at
      RETURNING id`);
    this.deleteStmt = db.prepare('DELETE FROM uploads WHERE id = ?');
    // Stored: an item of this content with this encryption, or (private) an earlier version's
    // item whose header is re-wrapped to this encryption (0008 rewrapped_items).
    const stored = `(EXISTS (SELECT 1 FROM uploads u WHERE u.network = @network AND u.sha256 = f.sha256
      AND u.encryption IS @encryption AND u.storage_id IS NOT NULL)
      OR EXISTS (SELECT 1 FROM rewrapped_items r WHERE r.network = @network AND r.sha256 = f.sha256 AND r.encryption IS @encryption))`;
    this.missingStmt = db.prepare(`SELECT f.rel_path, f.sha256, f.size FROM files f
      WHERE f.asset_id = @assetId AND (f.sha256 IS NULL OR NOT ${stored}) ORDER BY f.rel_path`);
    this.storedCountStmt = db.prepare(`SELECT coalesce(sum(f.sha256 IS NOT NULL AND ${stored}), 0) AS stored, count(*) AS total
      FROM files f WHERE f.asset_id = @assetId`);
  }

  /** A stored item holding this content on this network with this encryption, if any (never pay twice). */
  findReusable(network: string, sha256: string, encryption: string | null): UploadRecord | undefined {
    const r = this.reusableStmt.get({ network, sha256, encryption });
    return r ? toRecord(r) : undefined;
  }

  /** Stored encrypted items of this content on this network, under an encryption in `encryptions` (at most one per encryption). */
  findEncrypted(network: string, sha256: string, encryptions: readonly string[]): UploadRecord[] {
    const seen = new Set<string>();
    const out: UploadRecord[] = [];
    for (const r of this.anyEncryptedStmt.all({ network, sha256 })) {
      if (r.encryption === null || seen.has(r.encryption) || !encryptions.includes(r.encryption)) continue;
      seen.add(r.encryption);
      out.push(toRecord(r));
    }
    return out;
  }

  /** The asset's files whose content is not stored on this network with this encryption (re-wrapped counts as stored; no fingerprint counts as not stored). One query. */
  missingFiles(assetId: number, network: string, encryption: string | null): { relPath: string; sha256: string | null; size: number }[] {
    return this.missingStmt.all({ assetId, network, encryption }).map((r) => ({ relPath: r.rel_path, sha256: r.sha256, size: r.size }));
  }

  /** How many of the asset's files are stored on this network with this encryption, of how many. One query. */
  storedCount(assetId: number, network: string, encryption: string | null): { stored: number; total: number } {
    return this.storedCountStmt.get({ assetId, network, encryption }) ?? { stored: 0, total: 0 };
  }

  get(network: string, sha256: string, assetId: number, relPath: string): UploadRecord | undefined {
    const r = this.getStmt.get({ network, sha256, assetId, relPath });
    return r ? toRecord(r) : undefined;
  }

  /** A record of the item with this storage id on this network (its receipt), if any. */
  byStorageId(network: string, storageId: string): UploadRecord | undefined {
    const r = this.byItemStmt.get({ network, storageId });
    return r ? toRecord(r) : undefined;
  }

  byId(id: number): UploadRecord | undefined {
    const r = this.byIdStmt.get(id);
    return r ? toRecord(r) : undefined;
  }

  forAsset(assetId: number): UploadRecord[] {
    return this.forAssetStmt.all(assetId).map(toRecord);
  }

  /** Inserts or replaces the row of (network, sha256, asset, path); returns it. One statement: atomic. */
  record(u: NewUpload, now: string): UploadRecord {
    const row = this.upsertStmt.get({
      assetId: u.assetId,
      relPath: u.relPath,
      sha256: u.sha256,
      network: u.network,
      storageId: u.storageId,
      receipt: u.receipt === null ? null : JSON.stringify(u.receipt),
      quotedAtomic: u.quotedAtomic,
      chargedAtomic: u.chargedAtomic,
      bytes: u.bytes,
      itemBytes: u.itemBytes,
      dataSha256: u.dataSha256,
      encryption: u.encryption,
      source: u.source,
      chargeWarning: u.chargeWarning,
      now,
    }) as { id: number } | undefined;
    const rec = row ? this.byId(row.id) : undefined;
    if (!rec) throw new Error('uploads: the upsert returned no row');
    return rec;
  }

  /** Forgets one upload record (the item stays on the network). */
  remove(id: number): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }
}
