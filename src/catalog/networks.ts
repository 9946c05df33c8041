import type { Database, Statement } from 'better-sqlite3';

export type NetworkName = 'sandbox' | 'testnet' | 'mainnet';

export interface NetworkRecord {
  name: NetworkName;
  rpcUrl: string | null;
  chainId: number | null;
  registry: string | null;
  storageUrl: string | null;
  updatedAt: string;
}

interface Row {
  name: NetworkName;
  rpc_url: string | null;
  chain_id: number | null;
  registry: string | null;
  storage_url: string | null;
  updated_at: string;
}

const toRecord = (r: Row): NetworkRecord => ({
  name: r.name,
  rpcUrl: r.rpc_url,
  chainId: r.chain_id,
  registry: r.registry,
  storageUrl: r.storage_url,
  updatedAt: r.updated_at,
});

/** Network profiles (sandbox / testnet / mainnet) and the app's key-value settings. */
export class NetworksQueries {
  private readonly getStmt: Statement<[string], Row>;
  private readonly allStmt: Statement<[], Row>;
  private readonly upsertStmt: Statement<Row>;
  private readonly getSetting: Statement<[string], { value: string }>;
  private readonly putSetting: Statement<[string, string]>;

  constructor(db: Database) {
    this.getStmt = db.prepare('SELECT name, rpc_url, chain_id, registry, storage_url, updated_at FROM networks WHERE name = ?');
    this.allStmt = db.prepare('SELECT name, rpc_url, chain_id, registry, storage_url, updated_at FROM networks ORDER BY name');
    this.upsertStmt = db.prepare(`INSERT INTO networks (name, rpc_url, chain_id, registry, storage_url, updated_at)
      VALUES (@name, @rpc_url, @chain_id, @registry, @storage_url, @updated_at)
      ON CONFLICT (name) DO UPDATE SET rpc_url = excluded.rpc_url, chain_id = excluded.chain_id,
        registry = excluded.registry, storage_url = excluded.storage_url, updated_at = excluded.updated_at`);
    this.getSetting = db.prepare('SELECT value FROM settings WHERE key = ?');
    this.putSetting = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(name: NetworkName): NetworkRecord | undefined {
    const r = this.getStmt.get(name);
    return r ? toRecord(r) : undefined;
  }

  all(): NetworkRecord[] {
    return this.allStmt.all().map(toRecord);
  }

  put(n: NetworkRecord): void {
    this.upsertStmt.run({ name: n.name, rpc_url: n.rpcUrl, chain_id: n.chainId, registry: n.registry, storage_url: n.storageUrl, updated_at: n.updatedAt });
  }

  /** A JSON setting (parsed), or undefined. */
  setting(key: string): unknown {
    const r = this.getSetting.get(key);
    return r ? (JSON.parse(r.value) as unknown) : undefined;
  }

  setSetting(key: string, value: unknown): void {
    this.putSetting.run(key, JSON.stringify(value));
  }
}
