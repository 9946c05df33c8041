import { join, resolve } from 'node:path';
import { Catalog } from '../catalog/db';
import { HashPool } from '../ingest/hash-pool';
import { Ingestor } from '../ingest/ingest';
import { AtivoError } from '../util/errors';
import { describeInputIssues } from './fields';
import { defaultDataDir } from '../util/paths';
import { commands, type CommandInput, type CommandName, type CommandOutput, type EventName, type EventPayload, type JobView, type Result } from './contract';
import { Networks } from './networks';
// The error types alone (their own small modules): none loads ethers, the keychain or the sandbox.
import { SandboxError, StorageNodeError } from './sandbox-errors';
import { isStorageError } from '../storage/errors';
import { BatchTracker, jobView } from './batches';
import { workAtStart, type ResumedWork } from './resumed';
import { JobQueue } from '../jobs/queue';
import { tryLock } from '../jobs/lock';
import { isChainError } from '../chain/chain-error';
import { isKeychainError } from '../vault/keychain';
import { isVaultError } from '../vault/errors';
import type { CoreContext } from './context';
import { createAssetsService } from './assets';
import type { Features } from './features';

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
  const mustGet = (id: number) => {
    const a = catalog.assets.get(id);
    if (!a) throw new AtivoError('NOT_FOUND', `There is no asset ${id} in the catalog: it may have been removed. Go back to the Library.`, { cli: `No asset with id ${id}. Run ativo list to see the catalog.` });
    return a;
  };

  const core: CoreContext = {
    dataDir,
    catalogPath,
    exportsDir,
    catalog,
    networks,
    jobs,
    batches,
    ingestor,
    pool,
    isRunner: () => runnerLock !== null,
    resumedAtStart: () => resumedAtStart,
    stagingDir: join(dataDir, 'staging'),
    emit,
    onCurrent,
    mustGet,
  };
  // The catalog's own commands run at once; every other loads the services and features first
  // (src/api/features.ts: ethers, the Irys client, age, the keychain), once.
  const assets = createAssetsService(core);
  let features: Promise<Features> | undefined;
  const loadFeatures = (): Promise<Features> =>
    (features ??= import('./features').then((m) => m.createFeatures(core, { keychainPrefix: options.keychainPrefix, keystoreScryptN: options.keystoreScryptN })));

  let closed = false;
  const run = async (name: string, input: unknown): Promise<unknown> => {
    if (closed) throw new AtivoError('BUSY', 'Ativo is shutting down.');
    if (!isCommand(name)) throw new AtivoError('UNKNOWN_COMMAND', `Unknown command "${name}".`);
    const parsed = commands[name].input.safeParse(input ?? {});
    if (!parsed.success) {
      const d = describeInputIssues(name, parsed.error.issues);
      throw new AtivoError('INVALID_INPUT', d.message, { cli: d.cli, fields: d.fields });
    }
    const own = (assets.handlers as Partial<Record<CommandName, (i: unknown) => Promise<unknown>>>)[name];
    if (own !== undefined) return own(parsed.data);
    const handler = (await loadFeatures()).handlers[name as Exclude<CommandName, keyof typeof assets.handlers>] as (i: unknown) => Promise<unknown>;
    return handler(parsed.data);
  };

  // The features register their job kinds when created; then the runner starts (if this process is it).
  const becomeRunner = async (): Promise<void> => {
    const f = await loadFeatures();
    if (closed) return;
    resumedAtStart = { at: new Date().toISOString(), items: workAtStart(jobs) };
    jobs.start();
    assets.start?.();
    f.start();
  };
  // When another process runs the jobs (e.g. `ativo upload --wait` while the app starts), take
  // over once it is gone, instead of leaving the jobs unrun until a restart.
  let lockRetry: NodeJS.Timeout | undefined;
  if (runnerLock) await becomeRunner();
  else if (options.runJobs !== false) {
    lockRetry = setInterval(() => {
      if (closed) return;
      runnerLock = tryLock(lockPath);
      if (runnerLock) {
        clearInterval(lockRetry);
        becomeRunner().catch((e: unknown) => {
          console.error(`ativo: could not start the background jobs: ${toResultError(e).message}`);
        });
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
      // The features' pollers and indexers, storage clients and the chain (loaded or not).
      const loaded = features === undefined ? undefined : await features.catch(() => undefined);
      await loaded?.close();
      clearInterval(lockRetry);
      runnerLock?.release();
      await pool.close();
      catalog.close();
    },
  };
}
