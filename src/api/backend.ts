import { readdir } from 'node:fs/promises';
import { homedir, platform } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Catalog } from '../catalog/db';
import type { AssetRecord } from '../catalog/assets';
import { HashPool } from '../ingest/hash-pool';
import { Ingestor } from '../ingest/ingest';
import { AtivoError, errnoCode } from '../util/errors';
import { describeInputIssues } from './fields';
import { defaultDataDir } from '../util/paths';
import {
  commands,
  type AssetDetail,
  type CommandInput,
  type CommandName,
  type CommandOutput,
  type EventName,
  type EventPayload,
  type JobView,
  type Result,
} from './contract';
import { Networks } from './networks';
import { BatchTracker, jobView } from './batches';
import { JobQueue } from '../jobs/queue';
import { tryLock } from '../jobs/lock';
import type { JobRecord } from '../catalog/jobs';
import type { CertificateRecord } from '../catalog/certificates';
import type { VersionSummary } from '../catalog/versions';
import type { Certificate } from '../chain/certificate';
import { VERSION } from './version';
import type { Handlers } from './context';
import { withOwnerAndTerms, withStatus, type ScanDetail, type ScanSummary } from './asset-views';
import type { ServiceCommand, Services } from './services';
import { isExpectedError } from './public-errors';

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

const summary = (a: AssetRecord): ScanSummary => ({
  id: a.id,
  kind: a.kind,
  name: a.name,
  rootPath: a.rootPath,
  visibility: a.visibility,
  state: a.state,
  contentRoot: a.contentRoot,
  fileCount: a.fileCount,
  totalBytes: a.totalBytes,
  skippedCount: a.skipped.length,
  error: a.error,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
  scannedAt: a.scannedAt,
});
const detail = (a: AssetRecord, c: CertificateRecord | undefined, versions: VersionSummary[], autoApprove: boolean): ScanDetail => {
  const doc = c?.document as { storage?: { manifestId?: string }; license?: { terms?: string; price?: string } } | undefined;
  return {
    ...summary(a),
    skipped: a.skipped,
    publication:
      c === undefined
        ? null
        : {
            network: c.network,
            chainId: c.chainId,
            tokenId: c.tokenId,
            txHash: c.txHash,
            manifestId: doc?.storage?.manifestId ?? '',
            visibility: a.visibility,
            license: doc?.license?.terms ?? '',
            priceWei: doc?.license?.price ?? '0',
            certifiedAt: c.createdAt,
            autoApprove,
            version: versions.find((v) => v.id === c.versionId)?.number ?? null,
          },
    versions: versions.map((v) => ({
      number: v.number,
      contentRoot: v.contentRoot,
      previous: versions.find((p) => p.id === v.previousId)?.number ?? null,
      network: v.network,
      tokenId: v.tokenId,
      manifestId: v.manifestId,
      certifiedAt: v.certifiedAt,
    })),
  };
};


const isCommand = (name: string): name is CommandName => Object.hasOwn(commands, name);

/**
 * Commands that read or change only the catalog: they run without the services (wallets, chain,
 * storage, features; src/api/services.ts), which load on the first other command. Every other
 * command, the jobs' too (their kinds' rules), waits for the services.
 */
const CATALOG_ONLY = new Set<CommandName>([
  'app.info',
  'assets.add',
  'assets.list',
  'assets.get',
  'assets.files',
  'assets.manifest',
  'assets.rescan',
  'assets.remove',
  'assets.certificate',
  'network.list',
  'network.use',
  'network.set',
  'jobs.list',
  'jobs.batches',
  'uploads.list',
  'system.browse',
]);

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
  const mustJob = (id: number): JobRecord => {
    const j = jobs.get(id);
    if (!j) throw new AtivoError('NOT_FOUND', `No job with id ${id}.`);
    return j;
  };
  const announce = <T>(what: 'wallet' | 'network', value: T): T => {
    emit('settings.changed', { what });
    return value;
  };

  const withPublication = (a: AssetRecord): Promise<AssetDetail> => {
    const versions = catalog.versions.list(a.id);
    return withOwnerAndTerms(catalog, networks.current(), detail(a, catalog.certificates.latest(a.id), versions, catalog.access.autoApprove(a.id)), versions);
  };
  const mustGet = (id: number): AssetRecord => {
    const a = catalog.assets.get(id);
    if (!a) throw new AtivoError('NOT_FOUND', `There is no asset ${id} in the catalog: it may have been removed. Go back to the Library.`, { cli: `No asset with id ${id}. Run ativo list to see the catalog.` });
    return a;
  };
  let services: Promise<Services> | undefined;
  /** Wallets, chain, storage and the features (ethers, Irys, age, the keychain): created on first use. */
  const loadServices = (): Promise<Services> =>
    (services ??= import('./services').then((m) =>
      m.createServices({
        dataDir,
        catalog,
        pool,
        ingestor,
        networks,
        jobs,
        exportsDir,
        keychainPrefix: options.keychainPrefix,
        keystoreScryptN: options.keystoreScryptN,
        emit,
        mustGet,
        announce,
      }),
    ));

  const handlers: Omit<Handlers, ServiceCommand> = {
    'app.info': () => Promise.resolve({ version: VERSION, dataDir, catalogPath, exportsDir, platform: platform() }),
    'assets.add': async (input) => {
      if (!isAbsolute(input.path)) throw new AtivoError('INVALID_INPUT', `Give the folder as an absolute path (got "${input.path}").`);
      return withPublication(await ingestor.add(input.path, { kind: input.kind, name: input.name }));
    },
    'assets.list': (input) => {
      const { items, total } = catalog.assets.list(input);
      return Promise.resolve({ items: withStatus(catalog, networks.current(), items.map(summary)), total });
    },
    'assets.get': (input) => {
      return withPublication(mustGet(input.id));
    },
    'assets.files': (input) => {
      mustGet(input.id);
      return Promise.resolve(catalog.files.page(input.id, input));
    },
    'assets.manifest': (input) => {
      const a = mustGet(input.id);
      const m = catalog.assets.manifest(a.id);
      if (!m) throw new AtivoError('NOT_FOUND', `${a.name} has no complete scan yet${a.state === 'scanning' ? ' (it is being scanned now)' : ''}: rescan it first.`);
      return Promise.resolve({ text: m.manifest, contentRoot: m.contentRoot });
    },
    'assets.rescan': async (input) => {
      mustGet(input.id);
      return withPublication(await ingestor.scan(input.id));
    },
    'assets.remove': (input) => {
      mustGet(input.id);
      if (ingestor.isScanning(input.id)) throw new AtivoError('BUSY', 'This asset is being scanned; remove it when the scan ends.');
      catalog.assets.remove(input.id);
      emit('asset.changed', { assetId: input.id, removed: true });
      return Promise.resolve({ removed: true as const, id: input.id });
    },
    'network.list': () => Promise.resolve(networks.state()),
    'network.use': (input) => Promise.resolve(announce('network', networks.use(input.name))),
    'network.set': (input) => Promise.resolve(announce('network', networks.set(input))),
    'jobs.list': (input) => {
      const { items, total } = jobs.list(input);
      return Promise.resolve({ items: items.map(jobView), total, paused: jobs.isPaused(), runner: runnerLock !== null });
    },
    'jobs.batches': () => Promise.resolve({ items: batches.list() }),
    'jobs.pauseBatch': async (input) => {
      if (!jobs.batchSummary(input.batch)) throw new AtivoError('NOT_FOUND', `No batch ${input.batch}.`);
      return { paused: await jobs.pauseBatch(input.batch) };
    },
    'jobs.resumeBatch': (input) => {
      if (!jobs.batchSummary(input.batch)) throw new AtivoError('NOT_FOUND', `No batch ${input.batch}.`);
      return Promise.resolve({ resumed: jobs.resumeBatch(input.batch) });
    },
    'jobs.cancelBatch': async (input) => {
      if (!jobs.batchSummary(input.batch)) throw new AtivoError('NOT_FOUND', `No batch ${input.batch}.`);
      return { cancelled: await jobs.cancelBatch(input.batch) };
    },
    'jobs.pause': async (input) => jobView(await jobs.pause(mustJob(input.id).id)),
    'jobs.resume': async (input) => jobView(await jobs.resume(mustJob(input.id).id)),
    'jobs.cancel': async (input) => jobView(await jobs.cancel(mustJob(input.id).id)),
    'jobs.retry': (input) => Promise.resolve(jobView(jobs.retry(mustJob(input.id).id))),
    'jobs.pauseAll': async () => {
      await jobs.pauseAll();
      return { paused: true };
    },
    'jobs.resumeAll': () => {
      jobs.resumeAll();
      return Promise.resolve({ paused: false });
    },
    'assets.certificate': async (input) => {
      const a = mustGet(input.id);
      const c = catalog.certificates.latest(a.id);
      if (!c) throw new AtivoError('NOT_FOUND', `${a.name} has no certificate yet: publish it first.`, { cli: `${a.name} has no certificate yet: publish it first (ativo publish ${a.id}).` });
      // Exported with its eip712 section (added to a certificate made before it existed; ethers
      // computes it, loaded here rather than with the catalog).
      const doc = typeof c.document === 'object' && c.document !== null ? (await import('../chain/certificate')).withEip712(c.document as Certificate) : c.document;
      return { certificate: doc as Record<string, unknown> };
    },
    'uploads.list': (input) => {
      mustGet(input.assetId);
      const items = catalog.uploads.forAsset(input.assetId).map((u) => ({
        relPath: u.relPath,
        network: u.network,
        storageId: u.storageId,
        source: u.source,
        encrypted: u.encryption !== null,
        quoted: u.quotedAtomic,
        charged: u.chargedAtomic,
        warning: u.chargeWarning,
      }));
      return Promise.resolve({ items });
    },
    'system.browse': async (input) => {
      const path = resolve(input.path ?? homedir());
      let dirents;
      try {
        dirents = await readdir(path, { withFileTypes: true });
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT') throw new AtivoError('NOT_FOUND', `There is no folder at ${path}.`);
        if (code === 'ENOTDIR') throw new AtivoError('NOT_A_DIRECTORY', `${path} is a file, not a folder.`);
        throw new AtivoError('FOLDER_UNREADABLE', `Cannot open ${path} (${code ?? 'error'}).`);
      }
      const entries = dirents
        .filter((d) => d.isDirectory() && (input.showHidden || !d.name.startsWith('.')))
        .map((d) => ({ name: d.name, path: join(path, d.name), isDir: true }))
        .sort((a, b) => a.name.localeCompare(b.name));
      const parent = dirname(path);
      return { path, parent: parent === path ? null : parent, entries };
    },
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
    const s = CATALOG_ONLY.has(name) ? undefined : await loadServices();
    const handler = (Object.hasOwn(handlers, name) ? handlers[name as keyof typeof handlers] : s?.handlers[name as ServiceCommand]) as (i: unknown) => Promise<unknown>;
    return handler(parsed.data);
  };

  // Services register their job handlers above; then the runner starts (if this process is it).
  const becomeRunner = async (): Promise<void> => {
    const { features } = await loadServices();
    jobs.start();
    for (const f of features) f.start?.();
    // A scan that was running when the previous runner (app, serve) was killed: say so (hashed
    // files are kept, so the next scan resumes). Only the runner does this: a one-shot CLI
    // command must not flag a scan the app is doing right now.
    for (const a of catalog.assets.list({ state: 'scanning', offset: 0, limit: 1000 }).items) {
      catalog.assets.markError(a.id, 'The last scan was interrupted. Rescan to finish it: files already fingerprinted are kept.', new Date().toISOString());
    }
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
          console.error('ativo: could not start the job runner:', toResultError(e).message);
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
        if (!isExpectedError(e)) console.error(`ativo: ${name} failed:`, e);
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
      const s = await services?.catch(() => undefined);
      await s?.closeFeatures();
      clearInterval(lockRetry);
      runnerLock?.release();
      await s?.close();
      await pool.close();
      catalog.close();
    },
  };
}
