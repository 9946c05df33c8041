import type { Database, Statement } from 'better-sqlite3';

/**
 * Versions of an asset (issue 5): one row per distinct content root that was certified, numbered
 * 1, 2, … per asset; each names the version before it (`previous_id`) and keeps the manifest
 * text (sha256sum format) it was certified with, so the per-file hashes of any version stay known.
 */
export interface VersionRecord {
  id: number;
  assetId: number;
  number: number;
  contentRoot: string;
  manifest: string;
  previousId: number | null;
  createdAt: string;
}

/** A version as the asset screen and `ativo show` list it (with its newest certificate). */
export interface VersionSummary {
  id: number;
  number: number;
  contentRoot: string;
  previousId: number | null;
  createdAt: string;
  network: string | null;
  tokenId: string | null;
  manifestId: string | null;
  certifiedAt: string | null;
  /** The newest certificate's terms: price (wei), license text and split (null when not certified). */
  terms: { priceWei: string; licenseText: string; split: { address: string; bps: number }[] } | null;
}

interface Row {
  id: number;
  asset_id: number;
  number: number;
  content_root: string;
  manifest: string;
  previous_id: number | null;
  created_at: string;
}

interface SummaryRow {
  id: number;
  number: number;
  content_root: string;
  previous_id: number | null;
  created_at: string;
  network: string | null;
  token_id: string | null;
  manifest_id: string | null;
  certified_at: string | null;
  cert_id: number | null;
  price: string | null;
  license_text: string | null;
  split_json: string | null;
}

const parseSplit = (json: string | null): { address: string; bps: number }[] => {
  const v = json === null ? [] : (JSON.parse(json) as unknown);
  return Array.isArray(v)
    ? v.flatMap((x) => {
        const o = x as { address?: unknown; bps?: unknown };
        return typeof o.address === 'string' && typeof o.bps === 'number' ? [{ address: o.address, bps: o.bps }] : [];
      })
    : [];
};

const toRecord = (r: Row): VersionRecord => ({
  id: r.id,
  assetId: r.asset_id,
  number: r.number,
  contentRoot: r.content_root,
  manifest: r.manifest,
  previousId: r.previous_id,
  createdAt: r.created_at,
});

const COLUMNS = 'id, asset_id, number, content_root, manifest, previous_id, created_at';

export class VersionsQueries {
  private readonly insertStmt: Statement<{ asset_id: number; number: number; content_root: string; manifest: string; previous_id: number | null; created_at: string }>;
  private readonly latestStmt: Statement<[number], Row>;
  private readonly getStmt: Statement<[number], Row>;
  private readonly byRootStmt: Statement<[number, string], Row>;
  private readonly anyByRootStmt: Statement<[string], Row>;
  private readonly listStmt: Statement<[number], SummaryRow>;

  constructor(readonly db: Database) {
    this.insertStmt = db.prepare(`INSERT INTO versions (asset_id, number, content_root, manifest, previous_id, created_at)
      VALUES (@asset_id, @number, @content_root, @manifest, @previous_id, @created_at)`);
    this.latestStmt = db.prepare(`SELECT ${COLUMNS} FROM versions WHERE asset_id = ? ORDER BY number DESC LIMIT 1`);
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM versions WHERE id = ?`);
    this.byRootStmt = db.prepare(`SELECT ${COLUMNS} FROM versions WHERE asset_id = ? AND content_root = ? ORDER BY number DESC LIMIT 1`);
    this.anyByRootStmt = db.prepare(`SELECT ${COLUMNS} FROM versions WHERE content_root = ? ORDER BY id DESC LIMIT 1`);
    // Each version with its newest certificate (a version may be certified on several networks).
    this.listStmt = db.prepare(`SELECT v.id, v.number, v.content_root, v.previous_id, v.created_at,
        c.network, c.token_id, json_extract(c.document, '$.storage.manifestId') AS manifest_id, c.created_at AS certified_at,
        c.id AS cert_id, json_extract(c.document, '$.license.price') AS price, json_extract(c.document, '$.license.terms') AS license_text,
        json_extract(c.document, '$.split') AS split_json
      FROM versions v
      LEFT JOIN certificates c ON c.id = (SELECT max(id) FROM certificates WHERE version_id = v.id)
      WHERE v.asset_id = ? ORDER BY v.number DESC`);
  }

  /** Adds the next version of an asset (number = the latest + 1) after `previousId`. */
  add(v: { assetId: number; contentRoot: string; manifest: string; previousId: number | null; createdAt: string }): VersionRecord {
    const number = (this.latest(v.assetId)?.number ?? 0) + 1;
    const id = Number(
      this.insertStmt.run({ asset_id: v.assetId, number, content_root: v.contentRoot, manifest: v.manifest, previous_id: v.previousId, created_at: v.createdAt }).lastInsertRowid,
    );
    return { id, assetId: v.assetId, number, contentRoot: v.contentRoot, manifest: v.manifest, previousId: v.previousId, createdAt: v.createdAt };
  }

  latest(assetId: number): VersionRecord | undefined {
    const r = this.latestStmt.get(assetId);
    return r ? toRecord(r) : undefined;
  }

  get(id: number): VersionRecord | undefined {
    const r = this.getStmt.get(id);
    return r ? toRecord(r) : undefined;
  }

  /** The newest version of this asset with this content root. */
  byRoot(assetId: number, contentRoot: string): VersionRecord | undefined {
    const r = this.byRootStmt.get(assetId, contentRoot);
    return r ? toRecord(r) : undefined;
  }

  /** Any asset's version with this content root (the newest), e.g. to know a certificate's per-file hashes. */
  anyByRoot(contentRoot: string): VersionRecord | undefined {
    const r = this.anyByRootStmt.get(contentRoot);
    return r ? toRecord(r) : undefined;
  }

  /** An asset's versions, newest first, each with its newest certificate's facts. */
  list(assetId: number): VersionSummary[] {
    return this.listStmt.all(assetId).map((r) => ({
      id: r.id,
      number: r.number,
      contentRoot: r.content_root,
      previousId: r.previous_id,
      createdAt: r.created_at,
      network: r.network,
      tokenId: r.token_id,
      manifestId: r.manifest_id,
      certifiedAt: r.certified_at,
      terms:
        r.cert_id === null
          ? null
          : { priceWei: r.price !== null && /^\d+$/.test(r.price) ? r.price : '0', licenseText: r.license_text ?? '', split: parseSplit(r.split_json) },
    }));
  }
}
