import type { Database, Statement } from 'better-sqlite3';

export interface CertificateRecord {
  id: number;
  assetId: number;
  /** The version of the asset this certificate certifies (null for certificates made before versions existed). */
  versionId: number | null;
  network: string;
  chainId: number;
  registry: string;
  tokenId: string | null;
  txHash: string | null;
  blockNumber: number | null;
  /** The signed certificate JSON (ativo-certificate.json). */
  document: unknown;
  createdAt: string;
  /** Set when a terms change re-issued this version's certificate (0009): when, and by which one. */
  supersededAt?: string | null;
  supersededBy?: number | null;
}

interface Row {
  id: number;
  asset_id: number;
  version_id: number | null;
  network: string;
  chain_id: number;
  registry: string;
  token_id: string | null;
  tx_hash: string | null;
  block_number: number | null;
  document: string | null;
  created_at: string;
  superseded_at?: string | null;
  superseded_by?: number | null;
}

const toRecord = (r: Row): CertificateRecord => ({
  id: r.id,
  assetId: r.asset_id,
  versionId: r.version_id,
  network: r.network,
  chainId: r.chain_id,
  registry: r.registry,
  tokenId: r.token_id,
  txHash: r.tx_hash,
  blockNumber: r.block_number,
  document: r.document === null ? null : (JSON.parse(r.document) as unknown),
  createdAt: r.created_at,
  supersededAt: r.superseded_at ?? null,
  supersededBy: r.superseded_by ?? null,
});

/** Certificates of published assets (one per publication; the newest is the asset's current one). */
export class CertificatesQueries {
  private readonly insertStmt: Statement<Omit<Row, 'id'>>;
  private readonly latestStmt: Statement<[number], Row>;
  private readonly forVersionStmt: Statement<[number, string], Row>;
  private readonly byTokenStmt: Statement<[number, string, string], Row>;
  private readonly publishStmt: Statement<{ id: number; visibility: string; license: string; price: string; split: string; now: string }>;
  private readonly supersedeStmt: Statement<{ id: number; by: number; at: string }>;
  private readonly byIdStmt: Statement<[number], Row>;
  private readonly ofTokenStmt: Statement<[string, string], Row>;

  constructor(db: Database) {
    const cols = 'id, asset_id, version_id, network, chain_id, registry, token_id, tx_hash, block_number, document, created_at, superseded_at, superseded_by';
    this.insertStmt = db.prepare(`INSERT INTO certificates (asset_id, version_id, network, chain_id, registry, token_id, tx_hash, block_number, document, created_at)
      VALUES (@asset_id, @version_id, @network, @chain_id, @registry, @token_id, @tx_hash, @block_number, @document, @created_at)`);
    this.latestStmt = db.prepare(`SELECT ${cols} FROM certificates WHERE asset_id = ? ORDER BY id DESC LIMIT 1`);
    this.forVersionStmt = db.prepare(`SELECT ${cols} FROM certificates WHERE version_id = ? AND network = ? ORDER BY id DESC LIMIT 1`);
    this.byTokenStmt = db.prepare(`SELECT ${cols} FROM certificates WHERE chain_id = ? AND lower(registry) = lower(?) AND token_id = ? ORDER BY id DESC LIMIT 1`);
    this.supersedeStmt = db.prepare('UPDATE certificates SET superseded_at = @at, superseded_by = @by WHERE id = @id AND superseded_at IS NULL');
    this.byIdStmt = db.prepare(`SELECT ${cols} FROM certificates WHERE id = ?`);
    this.ofTokenStmt = db.prepare(`SELECT ${cols} FROM certificates WHERE network = ? AND token_id = ? ORDER BY id DESC`);
    this.publishStmt = db.prepare(`UPDATE assets SET visibility = @visibility, license = @license, price_wei = @price, split_json = @split, updated_at = @now WHERE id = @id`);
  }

  add(c: Omit<CertificateRecord, 'id'>): number {
    return Number(
      this.insertStmt.run({
        asset_id: c.assetId,
        version_id: c.versionId,
        network: c.network,
        chain_id: c.chainId,
        registry: c.registry,
        token_id: c.tokenId,
        tx_hash: c.txHash,
        block_number: c.blockNumber,
        document: JSON.stringify(c.document),
        created_at: c.createdAt,
      }).lastInsertRowid,
    );
  }

  latest(assetId: number): CertificateRecord | undefined {
    const r = this.latestStmt.get(assetId);
    return r ? toRecord(r) : undefined;
  }

  /** The newest certificate of a version on a network. */
  forVersion(versionId: number, network: string): CertificateRecord | undefined {
    const r = this.forVersionStmt.get(versionId, network);
    return r ? toRecord(r) : undefined;
  }

  /** The local certificate of an on-chain token (chain id, registry, token id), if this catalog made one. */
  byToken(chainId: number, registry: string, tokenId: string): CertificateRecord | undefined {
    const r = this.byTokenStmt.get(chainId, registry, tokenId);
    return r ? toRecord(r) : undefined;
  }

  get(id: number): CertificateRecord | undefined {
    const r = this.byIdStmt.get(id);
    return r ? toRecord(r) : undefined;
  }

  /** Every certificate of a token on a network, newest first (re-issued ones included). */
  ofToken(network: string, tokenId: string): CertificateRecord[] {
    return this.ofTokenStmt.all(network, tokenId).map(toRecord);
  }

  /** Marks a certificate superseded by a re-issued one (terms changed); once. */
  supersede(id: number, by: number, at: string): void {
    this.supersedeStmt.run({ id, by, at });
  }

  /** Records an asset's published terms (visibility, license, price, split). */
  setTerms(assetId: number, t: { visibility: 'public' | 'private'; license: string; priceWei: string; split: unknown }, now: string): void {
    this.publishStmt.run({ id: assetId, visibility: t.visibility, license: t.license, price: t.priceWei, split: JSON.stringify(t.split), now });
  }
}
