import { join, resolve } from 'node:path';
import { Catalog } from '../catalog/db';
import { HashPool } from '../ingest/hash-pool';
import { Ingestor } from '../ingest/ingest';
import { AtivoError } from '../util/errors';
import { describeInputIssues } from './fields';
import { defaultDataDir } from '../util/paths';
import { commands, type CommandInput, type CommandName, type CommandOutput, type EventName, type EventPayload, type JobView, type Result } from './contract';
import { Networks, createNetworkService } from './networks';
import { Wallets } from './wallets';
import { ChainService } from './chain';
import { NetworkRuntime, SandboxError, StorageNodeError } from './network-runtime';
import { StorageService } from './storage';
import { isStorageError } from '../storage/errors';
import { BatchTracker, jobView } from './batches';
import { workAtStart, type ResumedWork } from './resumed';
import { VersionKeys, assetKeyName } from '../publish/keys';
import { JobQueue } from '../jobs/queue';
import { tryLock } from '../jobs/lock';
import { isChainError } from '../chain/errors';
import { isKeychainError } from '../vault/keychain';
import { isVaultError } from '../vault/vault';
import type { BackendContext, Handlers } from './context';
import { createAccessService } from './access';
import { createAssetsService } from './assets';
import { createCertificatesService } from './certificates';
import { createEarningsService } from './earnings';
import { createJobsService } from './jobs';
import { createNetworksService } from './networks-feature';
import { createPublishService } from './publish';
import { createStorageFeature } from './storage-feature';
import { createTermsService } from './terms';
import { createBuyerHandlers } from './buyer';
import { createPublishQuoteService } from './publish-quote';
import { createDiscoverService } from './discover';
import { createWalletsService } from './wallets-feature';

export interface BackendOptions {
  dataDir?: string;
  /** Number of hashing worker threads (default: cores, at most 4). */
  hashWorkers?: number;
  /** Keychain service-name prefix (default `ativo`; tests use their own). */
  keychainPrefix?: string;
  /** scrypt cost of exported keystores (default ethers' 2^17; tests use less). */
  keystoreScryptN?: number;
  /**
   * Run background jobs (uploads, registrations…) in this process. Default true; the CLI
   * passes false for one-shot commands. Only one process per data dir runs them (a lock
   * file); the others see the jobs and can pause or cancel them.
   */
  runJobs?: boolean;
  /** How often a process that wants to run jobs retries the runner lock (default 5 s). */
  runnerRetryMs?: number;
}

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;


export interface Backend {
  readonly dataDir: string;
  readonly catalogPath: string;
  /** Validates `input` with the command's schema, runs it, and never throws. */
  invoke(name: string, input: unknown): Promise<Result<unknown>>;
  /** Typed call for in-process callers (CLI, tests). Throws AtivoError on failure. */
  call<K extends CommandName>(name: K, input: CommandInput<K>): Promise<CommandOutput<K>>;
  /** Receive every event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
  close(): Promise<void>;
}

const isCommand = (name: string): name is CommandName => Object.hasOwn(commands, name);

import { toResultError } from './public-errors';
export { toResultError };

/**
 * The whole app behind one object: the Electron main process, the browser shell's server
 * and the CLI all call it. Input is validated here, once, with the contract's schemas.
 */
export async function createBackend(options: BackendOptions = {}): Promise<Backend> {
  const dataDir = resolve(options.dataDir ?? defaultDataDir());
  const catalogPath = join(dataDir, 'catalog.sqlite');
  /** Wallet backups written without a chosen path (wallet.export). */
  const exportsDir = join(dataDir, 'exports');
  const catalog = Catalog.open(catalogPath);
  const pool = new HashPool(options.hashWorkers);
  const listeners = new Set<EventListener>();
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
    for (const l of listeners) {
      try {
        l(event, payload);
      } catch (e) {
        console.error(`ativo: an event listener for ${event} failed:`, e);
      }
    }
  };
  const ingestor = new Ingestor({
    catalog,
    pool,
    onProgress: (p) => {
      emit('scan.progress', p);
    },
    onChanged: (assetId) => {
      emit('asset.changed', { assetId, removed: false });
    },
  });

  const networks = new Networks(catalog);
  const wallets = new Wallets(catalog, { keychainPrefix: options.keychainPrefix, keystoreScryptN: options.keystoreScryptN });
  const chain = new ChainService(new NetworkRuntime(dataDir), networks, wallets);
  const storage = new StorageService(chain, wallets);
  const jobs = new JobQueue(catalog, {
    // Three uploads, a publication and the chain actions (approve, deny, withdraw) at once.
    concurrency: 6,
    onError: (e) => {
      console.error('ativo: job queue:', toResultError(e).message);
    },
  });
  const pickJob = (j: JobView): Omit<EventPayload<'job.changed'>, 'detail'> => ({ id: j.id, kind: j.kind, assetId: j.assetId, state: j.state, progress: j.progress, error: j.error });
  const lockPath = join(dataDir, 'jobs.lock');
  // The work this process picked up when it became the runner (Activity says it resumed).
  let resumedAtStart: { at: string; items: ResumedWork[] } | null = null;
  let runnerLock = options.runJobs === false ? null : tryLock(lockPath);
  // Jobs of a batch (a publication's file uploads) are sent as one coalesced jobs.batch event.
  const batches = new BatchTracker(jobs, (b) => {
    emit('jobs.batch', b);
  });
  jobs.on((ev) => {
    if (ev.type === 'paused') emit('jobs.paused', { paused: ev.paused });
    else if (ev.type === 'state') {
      if (ev.job.batch !== null) batches.touch(ev.job.batch);
      else emit('job.changed', { ...pickJob(jobView(ev.job)), detail: null });
    } else if (ev.batch !== null) batches.touch(ev.batch);
    else emit('job.changed', { id: ev.id, kind: ev.kind, assetId: ev.assetId, state: 'running', progress: ev.progress, detail: ev.detail, error: null });
  });
  const onCurrent = (network: string): void => {
    const current = networks.current();
    if (network !== current) throw new AtivoError('NOT_CONFIGURED', `This work is for the ${network} network, but Ativo is on ${current}: switch back to ${network} to let it continue.`);
  };
  /**
   * The age keys of private assets, one per version (src/publish/keys.ts): created on first use,
   * kept in the keychain keyed by the asset's id AND creation time (ids of removed assets are
   * reused) and the version's content root; concurrent first uses share one creation, so no
   * upload is ever encrypted to a lost key.
   */
  const versionKeys = new VersionKeys(catalog, wallets.vault);
  const mustGet = (id: number) => {
    const a = catalog.assets.get(id);
    if (!a) throw new AtivoError('NOT_FOUND', `There is no asset ${id} in the catalog: it may have been removed. Go back to the Library.`, { cli: `No asset with id ${id}. Run ativo list to see the catalog.` });
    return a;
  };

  const ctx: BackendContext = {
    dataDir,
    catalogPath,
    exportsDir,
    catalog,
    networks,
    wallets,
    chain,
    storage,
    jobs,
    batches,
    ingestor,
    pool,
    versionKeys,
    isRunner: () => runnerLock !== null,
    resumedAtStart: () => resumedAtStart,
    stagingDir: join(dataDir, 'staging'),
    emit,
    onCurrent,
    mustGet,
    assetIdentityKey: assetKeyName,
    versionIdentity: (assetId, contentRoot) => versionKeys.identity(assetId, contentRoot),
    grantKey: (assetId, contentRoot, cert) => versionKeys.grantKey(assetId, contentRoot, cert),
  };
  // Each feature registers its job kinds as it is created, before the runner starts: uploads
  // before the publications that queue them.
  const publishQuote = createPublishQuoteService(ctx);
  const features = [
    createStorageFeature(ctx),
    createPublishService(ctx, publishQuote),
    createAssetsService(ctx),
    createCertificatesService(ctx),
    createJobsService(ctx),
    createNetworksService(ctx),
    createWalletsService(ctx),
    createAccessService(ctx),
    createEarningsService(ctx),
    createTermsService(ctx),
    createNetworkService(ctx),
    publishQuote,
    createDiscoverService(ctx),
  ] as const;
  const [storageF, publishF, assetsF, certificatesF, jobsF, networksF, walletsF, accessF, earningsF, termsF, networkSetupF, publishQuoteF, discoverF] = features;
  // Spelled out (not merged in a loop) so the compiler checks that every command has its handler.
  const handlers: Handlers = {
    ...storageF.handlers,
    ...publishF.handlers,
    ...assetsF.handlers,
    ...certificatesF.handlers,
    ...jobsF.handlers,
    ...networksF.handlers,
    ...walletsF.handlers,
    ...accessF.handlers,
    ...earningsF.handlers,
    ...termsF.handlers,
    ...networkSetupF.handlers,
    ...publishQuoteF.handlers,
    ...discoverF.handlers,
    ...createBuyerHandlers(ctx),
  };

  let closed = false;
  const run = async (name: string, input: unknown): Promise<unknown> => {
    if (closed) throw new AtivoError('BUSY', 'Ativo is shutting down.');
    if (!isCommand(name)) throw new AtivoError('UNKNOWN_COMMAND', `Unknown command "${name}".`);
    const parsed = commands[name].input.safeParse(input ?? {});
    if (!parsed.success) {
      const d = describeInputIssues(name, parsed.error.issues);
      throw new AtivoError('INVALID_INPUT', d.message, { cli: d.cli, fields: d.fields });
    }
    const handler = handlers[name] as (i: unknown) => Promise<unknown>;
    return handler(parsed.data);
  };

  // Services register their job handlers above; then the runner starts (if this process is it).
  const becomeRunner = (): void => {
    resumedAtStart = { at: new Date().toISOString(), items: workAtStart(jobs) };
    jobs.start();
    for (const f of features) f.start?.();
  };
  // When another process runs the jobs (e.g. `ativo upload --wait` while the app starts), take
  // over once it is gone, instead of leaving the jobs unrun until a restart.
  let lockRetry: NodeJS.Timeout | undefined;
  if (runnerLock) becomeRunner();
  else if (options.runJobs !== false) {
    lockRetry = setInterval(() => {
      if (closed) return;
      runnerLock = tryLock(lockPath);
      if (runnerLock) {
        clearInterval(lockRetry);
        becomeRunner();
      }
    }, options.runnerRetryMs ?? 5_000);
    lockRetry.unref();
  }

  return {
    dataDir,
    catalogPath,
    async invoke(name, input) {
      try {
        return { ok: true, value: await run(name, input) };
      } catch (e) {
        if (!(e instanceof AtivoError) && !isVaultError(e) && !isKeychainError(e) && !isChainError(e) && !isStorageError(e) && !(e instanceof StorageNodeError) && !(e instanceof SandboxError)) console.error(`ativo: ${name} failed:`, e);
        return { ok: false, error: toResultError(e) };
      }
    },
    async call(name, input) {
      return (await run(name, input)) as CommandOutput<typeof name>;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      await jobs.stop({ graceMs: 5000 });
      batches.stop();
      for (const f of features) await f.close?.();
      clearInterval(lockRetry);
      runnerLock?.release();
      storage.close();
      await chain.close();
      await pool.close();
      catalog.close();
    },
  };
}
