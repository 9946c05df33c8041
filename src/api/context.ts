/**
 * What the backend hands to each feature area (access, earnings…): its services and helpers.
 * A feature exports `create…Service(ctx)` returning its command handlers, and optionally
 * `start` (called when this process becomes the job runner) and `close`.
 */
import type { z } from 'zod';
import type { Catalog } from '../catalog/db';
import type { AssetRecord } from '../catalog/assets';
import type { HashPool } from '../ingest/hash-pool';
import type { Ingestor } from '../ingest/ingest';
import type { JobQueue } from '../jobs/queue';
import type { GrantCertificate, GrantKey, VersionKeys } from '../publish/keys';
import type { BatchTracker } from './batches';
import type { ChainService } from './chain';
import type { commands, CommandName, CommandOutput, EventName, EventPayload } from './contract';
import type { Networks } from './networks';
import type { StorageService } from './storage';
import type { Wallets } from './wallets';

export type Handlers = { [K in CommandName]: (input: z.output<(typeof commands)[K]['input']>) => Promise<CommandOutput<K>> };

export interface BackendContext {
  readonly dataDir: string;
  readonly catalog: Catalog;
  readonly networks: Networks;
  readonly wallets: Wallets;
  readonly chain: ChainService;
  readonly storage: StorageService;
  readonly jobs: JobQueue;
  /** Jobs of a batch (a publication's file uploads), summarized for the jobs.batch event. */
  readonly batches: BatchTracker;
  readonly ingestor: Ingestor;
  /** The hashing worker threads (scans, verification of files). */
  readonly pool: HashPool;
  /** The age keys of private assets, one per version (src/publish/keys.ts). */
  readonly versionKeys: VersionKeys;
  /** Wallet backups written without a chosen path (wallet.export). */
  readonly exportsDir: string;
  readonly catalogPath: string;
  /** Whether this process runs the background jobs now (holds the runner lock). */
  isRunner(): boolean;
  /** The work this process picked up when it became the job runner (src/api/resumed.ts), and when; null in a process that runs no jobs. */
  resumedAtStart(): { at: string; items: { kind: string; assetId: number | null; count: number }[] } | null;
  /** Folder for temporary files that must survive a restart (same filesystem as the data dir). */
  readonly stagingDir: string;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Throws NOT_CONFIGURED when `network` is not the current one (work for another network waits). */
  onCurrent(network: string): void;
  /** The asset, or a NOT_FOUND error naming how to list assets. */
  readonly mustGet: (id: number) => AssetRecord;
  /** The keychain key of a private asset's own age identity (`${id}@${createdAt}`): the key of its versions published before per-version keys. */
  assetIdentityKey(asset: AssetRecord): string;
  /**
   * The age identity that opens one version (content root) of a private asset of this catalog:
   * what a grant for that version holds. The version's own key (`${id}@${createdAt}#${root}`),
   * or the asset's key for a version published before per-version keys; null when this
   * keychain does not hold it. Never creates a key. (src/publish/keys.ts, VersionKeys.identity)
   */
  versionIdentity(assetId: number, contentRoot: string): Promise<string | null>;
  /** What a grant for one version carries (src/publish/keys.ts, VersionKeys.grantKey). */
  grantKey(assetId: number, contentRoot: string, certificate: GrantCertificate | undefined): Promise<GrantKey>;
}

/**
 * What backend.ts opens before the services (the catalog, the job queue, the network profiles):
 * enough for the commands that only read or change the catalog. The rest (wallets, chain,
 * storage, keys) is created by features.ts on the first command that needs it.
 */
export type CoreContext = Omit<BackendContext, 'wallets' | 'chain' | 'storage' | 'versionKeys' | 'assetIdentityKey' | 'versionIdentity' | 'grantKey'>;

export interface FeatureService<K extends CommandName> {
  handlers: Pick<Handlers, K>;
  /** Called once when this process becomes the job runner (start indexers, pollers). */
  start?(): void;
  close?(): Promise<void>;
}
