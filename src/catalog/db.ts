import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { AtivoError, damagedCatalog } from '../util/errors';
import { loadMigrations, migrate } from './migrate';
import { AssetsQueries } from './assets';
import { FilesQueries } from './files';
import { NetworksQueries } from './networks';
import { JobsQueries } from './jobs';
import { UploadsQueries } from './uploads';
import { CertificatesQueries } from './certificates';
import { AccessQueries } from './access';
import { AuditQueries } from './audit';
import { CursorQueries } from './cursors';
import { PayoutsQueries } from './payouts';
import { VersionsQueries } from './versions';
import { PreparedQueries } from './prepared';
import { VersionKeysQueries } from './version-keys';
import { RewrappedQueries } from './rewrapped';
import { ListingsQueries } from './listings';
import { ProposalsQueries } from './proposals';
import { DiscoverQueries } from './discover';
import { ApproverQueries } from './approvers';

/** Where the numbered .sql files are: beside this module in the sources, beside the bundle in builds. */
/**
 * Electron's main process cannot load node_modules' better-sqlite3 (built for Node's ABI); the
 * desktop shell points ATIVO_SQLITE_BINDING at the copy `npm run setup:electron` rebuilt for it.
 */
function nativeBindingOption(): { nativeBinding?: string } {
  const binding = process.env.ATIVO_SQLITE_BINDING;
  if (!binding) return {};
  if (!existsSync(binding)) {
    throw new AtivoError('CATALOG_ERROR', `Ativo's database module is missing (expected at ${binding}). Reinstall Ativo.`, {
      cli: `ATIVO_SQLITE_BINDING points at ${binding}, which does not exist: run npm run setup:electron (or unset it).`,
    });
  }
  return { nativeBinding: binding };
}

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface CatalogOptions {
  migrationsDir?: string;
  readonly?: boolean;
}

/** The catalog: one SQLite file, WAL, foreign keys on; each aggregate's SQL in its own query module. */
export class Catalog {
  readonly db: Database.Database;
  readonly assets: AssetsQueries;
  readonly files: FilesQueries;
  readonly networks: NetworksQueries;
  readonly jobs: JobsQueries;
  readonly uploads: UploadsQueries;
  readonly certificates: CertificatesQueries;
  readonly access: AccessQueries;
  readonly audit: AuditQueries;
  readonly cursors: CursorQueries;
  readonly payouts: PayoutsQueries;
  readonly versions: VersionsQueries;
  readonly prepared: PreparedQueries;
  readonly versionKeys: VersionKeysQueries;
  readonly rewrapped: RewrappedQueries;
  readonly listings: ListingsQueries;
  readonly discover: DiscoverQueries;
  /** Proposals of new terms between apps (issue 17, 0013). */
  readonly proposals: ProposalsQueries;
  readonly approvers: ApproverQueries;

  private constructor(db: Database.Database) {
    this.db = db;
    this.assets = new AssetsQueries(db);
    this.files = new FilesQueries(db);
    this.networks = new NetworksQueries(db);
    this.jobs = new JobsQueries(db);
    this.uploads = new UploadsQueries(db);
    this.certificates = new CertificatesQueries(db);
    this.access = new AccessQueries(db);
    this.audit = new AuditQueries(db);
    this.cursors = new CursorQueries(db);
    this.payouts = new PayoutsQueries(db);
    this.versions = new VersionsQueries(db);
    this.prepared = new PreparedQueries(db);
    this.versionKeys = new VersionKeysQueries(db);
    this.rewrapped = new RewrappedQueries(db);
    this.listings = new ListingsQueries(db);
    this.approvers = new ApproverQueries(db);
    this.discover = new DiscoverQueries(db);
    this.proposals = new ProposalsQueries(db);
  }

  static open(path: string, options: CatalogOptions = {}): Catalog {
    mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: options.readonly ?? false, timeout: 5000, ...nativeBindingOption() });
      db.pragma('busy_timeout = 5000'); // first: the pragmas below may wait for another process
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, loadMigrations(options.migrationsDir ?? MIGRATIONS_DIR));
    } catch (e) {
      if (e instanceof AtivoError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      const code = (e as { code?: string }).code ?? '';
      const damaged = code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB');
      if (damaged) throw damagedCatalog(e);
      throw new AtivoError('CATALOG_ERROR', `Cannot open the catalog at ${path}: ${msg}.`, { cause: e });
    }
    return new Catalog(db);
  }

  /** Runs fn in one transaction (all or nothing). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  integrityCheck(): string {
    return (this.db.pragma('integrity_check', { simple: true }) as string | undefined) ?? 'unknown';
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
