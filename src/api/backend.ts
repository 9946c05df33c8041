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
import { Wallets } from './wallets';
import { ChainService } from './chain';
import { StorageService } from './storage';
import { isStorageError } from '../storage/errors';
import { registerUploadJobs } from '../storage/jobs';
import { enqueueUploads } from '../storage/batch';
import { BatchTracker, jobView } from './batches';
import { PUBLISH_JOB_KIND, publishKey, registerPublishJobs, type PreviousVersion } from '../publish/pipeline';
import { LICENSES, percentToBps } from '../publish/licenses';
import { accessPeriodSeconds, changesSinceLatest, previousTerms, withAccessPeriod } from '../publish/terms';
import { VersionKeys, assetKeyName } from '../publish/keys';
import { parseManifestText, verifyCertificate, type FilesSource, type KnownRegistry } from '../publish/verify';
import { parseCertificate, withEip712, type Certificate } from '../chain/certificate';
import { nodeReceiptKey } from '../storage/receipts';
import { UPLOAD_JOB_KIND, encryptionOf, uploadKeyPrefixOf, type UploadJobInput } from '../storage/jobs';
import { DEDUPE_TAG } from '../storage/item';
import { dedupeKey, dedupeTag } from '../crypto/dedupe';
import { JobQueue } from '../jobs/queue';
import { tryLock } from '../jobs/lock';
import { FINAL_JOB_STATES, type JobRecord } from '../catalog/jobs';
import type { CertificateRecord } from '../catalog/certificates';
import type { VersionSummary } from '../catalog/versions';
import { readContributors } from '../ingest/contributors';
import { formatEther } from 'ethers';
import type { JsonObject } from '../jobs';
import { isChainError } from '../chain/errors';
import { onChain } from '../chain/provider';
import { SandboxError, StorageNodeError, readIdentityPublicKey } from './chain';
import { parseEther } from 'ethers';
import { isKeychainError } from '../vault/keychain';
import { isVaultError } from '../vault/vault';
import { VERSION } from './version';
import type { BackendContext, Handlers } from './context';
import { createAccessService } from './access';
import { createEarningsService } from './earnings';
import { withOwnerAndTerms, withStatus, type ScanDetail, type ScanSummary } from './asset-views';
import { createTermsService } from './terms';
import { createDiscoverService } from './discover';

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
  const chain = new ChainService(dataDir, networks, wallets);
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
  registerUploadJobs(jobs, {
    catalog,
    uploads: catalog.uploads,
    stagingDir: join(dataDir, 'staging'),
    fundHint: 'on the Wallet screen',
    // Small files are bound by round trips, not bytes: three at a time (45 vs 33 files/s on the
    // sandbox; far more on a remote node). Their charges are then observed only when one runs alone.
    concurrency: 3,
    clientFor: async (network, owner) => {
      const current = networks.current();
      if (network !== current) {
        throw new AtivoError('NOT_CONFIGURED', `This upload is for the ${network} network, but Ativo is on ${current}: switch back to ${network} to let it continue.`);
      }
      return storage.client(owner);
    },
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
  registerPublishJobs(jobs, {
    catalog,
    stagingDir: join(dataDir, 'staging'),
    chain: async (network) => {
      onCurrent(network);
      const h = await chain.chain();
      if (!h.registry || h.registryAddress === null) throw new AtivoError('NOT_CONFIGURED', `No AtivoRegistry on ${network}.`);
      return { conn: h.conn, registry: h.registry, chainId: h.chainId, registryAddress: h.registryAddress };
    },
    storage: (network, owner) => {
      onCurrent(network);
      return storage.client(owner);
    },
    signer: (owner) => wallets.vault.signer(owner),
    keys: versionKeys,
  });
  // The last upload of an asset to end (stored, failed or cancelled) wakes its publication; the
  // ones before it do not (a publication's own poll shows their progress).
  jobs.on((ev) => {
    if (ev.type !== 'state' || ev.job.kind !== UPLOAD_JOB_KIND || !FINAL_JOB_STATES.includes(ev.job.state)) return;
    const prefix = uploadKeyPrefixOf(ev.job.dedupeKey);
    if (prefix === null || !jobs.hasLiveKeyPrefix(prefix)) jobs.poke({ kind: PUBLISH_JOB_KIND });
  });
  const mustJob = (id: number): JobRecord => {
    const j = jobs.get(id);
    if (!j) throw new AtivoError('NOT_FOUND', `No job with id ${id}.`);
    return j;
  };
  /** On the sandbox a new wallet gets test ETH; a chain that cannot start must not fail the wallet itself. */
  const withStarterFunds = async <T>(w: T): Promise<T> => {
    if (networks.current() === 'sandbox') await chain.starterFunds().catch((e: unknown) => {
      console.error(`ativo: could not give the new wallet sandbox ETH: ${toResultError(e).message}`);
    });
    return w;
  };
  const announce = <T>(what: 'wallet' | 'network', value: T): T => {
    emit('settings.changed', { what });
    return value;
  };
  const addressOrCurrent = async (a: string | undefined): Promise<string> => a ?? (await wallets.current()).address;

  const withPublication = (a: AssetRecord): Promise<AssetDetail> => {
    const versions = catalog.versions.list(a.id);
    return withOwnerAndTerms(catalog, networks.current(), detail(a, catalog.certificates.latest(a.id), versions, catalog.access.autoApprove(a.id)), versions);
  };
  const mustGet = (id: number): AssetRecord => {
    const a = catalog.assets.get(id);
    if (!a) throw new AtivoError('NOT_FOUND', `There is no asset ${id} in the catalog: it may have been removed. Go back to the Library.`, { cli: `No asset with id ${id}. Run ativo list to see the catalog.` });
    return a;
  };

  const ctx: BackendContext = {
    dataDir,
    catalog,
    networks,
    wallets,
    chain,
    storage,
    jobs,
    stagingDir: join(dataDir, 'staging'),
    emit,
    onCurrent,
    mustGet,
    assetIdentityKey: assetKeyName,
    versionIdentity: (assetId, contentRoot) => versionKeys.identity(assetId, contentRoot),
    grantKey: (assetId, contentRoot, cert) => versionKeys.grantKey(assetId, contentRoot, cert),
  };
  // Feature areas register their job kinds here, before the runner starts.
  const access = createAccessService(ctx);
  const earnings = createEarningsService(ctx);
  const terms = createTermsService(ctx);
  const discover = createDiscoverService(ctx);
  const features = [access, earnings, terms, discover];

  const handlers: Handlers = {
    ...access.handlers,
    ...earnings.handlers,
    ...terms.handlers,
    ...discover.handlers,
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
    'wallet.list': () => wallets.state(),
    'wallet.create': async (input) => announce('wallet', await withStarterFunds(await wallets.create(input.label))),
    'wallet.import': async (input) => announce('wallet', await withStarterFunds(await wallets.import(input))),
    'wallet.export': (input) => wallets.exportToFile(input, exportsDir),
    'wallet.remove': async (input) => announce('wallet', await wallets.remove(input.address)),
    'wallet.use': async (input) => announce('wallet', await withStarterFunds(await wallets.use(input.address))),
    'wallet.balance': async (input) => chain.balance(await addressOrCurrent(input.address)),
    'chain.status': async () => {
      const h = await chain.chain();
      const blockNumber = await onChain(h.conn, () => h.conn.provider.getBlockNumber());
      return { network: h.network, rpcUrl: h.rpcUrl, chainId: h.chainId, registry: h.registryAddress, storageUrl: h.storageUrl, blockNumber, mode: h.mode, notices: h.notices };
    },
    'sandbox.fund': async (input) => {
      const address = await addressOrCurrent(input.address);
      const txHash = await chain.fund(address, parseEther(input.ether));
      return { address, txHash, ether: input.ether };
    },
    'jobs.list': (input) => {
      const { items, total } = jobs.list(input);
      return Promise.resolve({ items: items.map(jobView), total, paused: jobs.isPaused(), runner: runnerLock !== null });
    },
    'jobs.batches': () => Promise.resolve({ items: batches.list() }),
    'jobs.retryBatch': (input) => {
      const b = jobs.batchSummary(input.batch);
      if (!b) throw new AtivoError('NOT_FOUND', `No batch ${input.batch}.`);
      const retried = jobs.retryBatch(input.batch);
      // The asset's latest publication, when it failed for want of these files (still the asset's
      // content, still at its uploads step), goes on with them.
      const asset = b.assetId === null ? undefined : catalog.assets.get(b.assetId);
      const p = asset === undefined ? undefined : jobs.list({ kind: PUBLISH_JOB_KIND, assetId: asset.id, limit: 1 }).items[0];
      if (retried > 0 && p?.state === 'failed' && p.checkpoint?.contentRoot === asset?.contentRoot && (p.checkpoint?.step ?? 'uploads') === 'uploads') {
        try {
          jobs.retry(p.id);
        } catch (e) {
          if (!(e instanceof AtivoError)) throw e; // another publication of it is live: it picks the files up
        }
      }
      return Promise.resolve({ retried });
    },
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
    'storage.status': async () => {
      const c = await storage.client();
      return { network: networks.current(), nodeUrl: c.nodeUrl, address: c.address, balance: await c.balance() };
    },
    'storage.quote': async (input) => (await storage.client()).quote(input.bytes),
    'storage.fund': async (input) => {
      const r = await storage.fund(parseEther(input.ether));
      // What waited for funds goes back in line now (and no longer shows as waiting for them).
      const short = (m: string | null): boolean => m !== null && /storage balance is short/i.test(m);
      jobs.wake(UPLOAD_JOB_KIND, short);
      jobs.wake(PUBLISH_JOB_KIND, short);
      jobs.poke({ kind: UPLOAD_JOB_KIND });
      jobs.poke({ kind: 'access.approve' }); // and grants waiting to be delivered
      return r;
    },
    'assets.upload': async (input) => {
      const a = mustGet(input.id);
      if (a.state !== 'ready' || a.contentRoot === null) throw new AtivoError('BUSY', `${a.name} has no complete scan yet: wait for it (or rescan) before uploading.`);
      const network = networks.current();
      const encryptTo = a.visibility === 'private' ? [await versionKeys.recipient(a, a.contentRoot)] : undefined;
      // Private items carry a keyed hash instead of their sha256 (src/crypto/dedupe.ts).
      const identity = encryptTo ? await versionKeys.identity(a.id, a.contentRoot) : null;
      const key = identity === null ? undefined : dedupeKey(identity);
      const privateInput = (sha256: string): Partial<UploadJobInput> =>
        encryptTo === undefined ? {} : { encryptTo, ...(key ? { tags: [{ name: DEDUPE_TAG, value: dedupeTag(key, sha256, encryptionOf(encryptTo) ?? '') }] } : {}) };
      const files = catalog.files.all(a.id).filter((f) => f.sha256 !== null);
      const r = enqueueUploads(
        jobs,
        files.map((f) => ({ assetId: a.id, relPath: f.relPath, path: join(a.rootPath, f.relPath), sha256: f.sha256 ?? '', size: f.size, network, ...privateInput(f.sha256 ?? '') })),
      );
      // Asked again: jobs already queued and waiting (for funds, for the node) try now.
      for (const j of r.jobs) if (j.batch !== r.batch || r.batch === null) jobs.poke({ id: j.id });
      const batchIds = [...new Set(r.jobs.flatMap((j) => (j.batch === null ? [] : [j.batch])))];
      return {
        assetId: a.id,
        network,
        files: r.jobs.length,
        queued: r.created,
        jobIds: r.jobs.map((j) => j.id),
        batches: batchIds,
        unbatchedJobIds: r.jobs.filter((j) => j.batch === null).map((j) => j.id),
      };
    },
    'assets.publish': async (input) => {
      mustGet(input.id);
      if (ingestor.isScanning(input.id)) throw new AtivoError('BUSY', 'This asset is being scanned: publish it when the scan ends.');
      const network = networks.current();
      const owner = (await wallets.current()).address; // before the rescan: no wallet, no publication
      // Each term not given is the previous version's (issue 14): a new version never turns a
      // private, paid asset into a public, free one by omission.
      const prev = previousTerms(catalog, input.id);
      const visibility = input.visibility ?? prev?.visibility ?? 'public';
      if (prev?.visibility === 'private' && visibility === 'public' && input.confirmPublic !== true) {
        throw new AtivoError(
          'INVALID_INPUT',
          `${mustGet(input.id).name} was published as private: publishing it as public makes every file readable by anyone, for good. Confirm that you want it public to go on.`,
        );
      }
      const license = input.license ?? prev?.license ?? 'CC-BY-4.0';
      const customTerms = input.customTerms ?? (license === 'custom' && prev?.license === 'custom' ? (prev.customTerms ?? undefined) : undefined);
      if (license === 'custom' && customTerms === undefined) throw new AtivoError('INVALID_INPUT', 'A custom license needs the text of its terms: write them, or choose one of the listed licenses.');
      const priceWei = input.priceEth !== undefined ? parseEther(input.priceEth).toString() : (prev?.priceWei ?? '0');
      const approval = input.approval ?? prev?.approval ?? 'manual';
      const accessDays = input.accessDays ?? prev?.accessDays ?? 0;
      let split: { address: string; bps: number }[];
      try {
        split = input.split !== undefined ? percentToBps(input.split) : prev !== null && prev.split.length > 0 ? prev.split : percentToBps([{ address: owner, percent: 100 }]);
      } catch (e) {
        throw new AtivoError('INVALID_INPUT', e instanceof Error ? e.message : String(e));
      }
      const live = jobs
        .list({ kind: PUBLISH_JOB_KIND, assetId: input.id, state: ['queued', 'running', 'paused', 'waiting'], limit: 1000, offset: 0 })
        .items.find((j) => j.dedupeKey === publishKey(input.id, network));
      // Rescan first (unchanged files keep their fingerprints): a changed folder is a new version.
      const a = live === undefined ? await ingestor.scan(input.id) : mustGet(input.id);
      if (a.state !== 'ready' || a.contentRoot === null) throw new AtivoError('BUSY', `${a.name} has no complete scan${a.error !== null ? ` (${a.error})` : ''}: fix it and rescan before publishing.`);
      const latest = catalog.versions.latest(a.id);
      if (live === undefined && latest?.contentRoot === a.contentRoot) {
        const cert = catalog.certificates.forVersion(latest.id, network);
        // Certified on this network's registry (a sandbox registry replaced by a newer contract, or
        // a profile pointed at another registry, does not hold that certificate's registration).
        const registry = cert !== undefined ? (await chain.chain()).registryAddress : null;
        if (cert !== undefined && registry !== null && cert.registry.toLowerCase() === registry.toLowerCase()) {
          return { assetId: a.id, jobId: null, network, owner, version: latest.number, alreadyCertified: { version: latest.number, tokenId: cert.tokenId, certifiedAt: cert.createdAt } };
        }
      }
      // The version this one follows: the latest with another content root.
      const prevRecord = latest === undefined ? undefined : latest.contentRoot !== a.contentRoot ? latest : latest.previousId !== null ? catalog.versions.get(latest.previousId) : undefined;
      const prevCert = prevRecord === undefined ? undefined : (catalog.certificates.forVersion(prevRecord.id, network) ?? [catalog.certificates.latest(a.id)].find((c) => c?.versionId === prevRecord.id));
      const prevDoc = prevCert?.document as { storage?: { manifestId?: string } } | undefined;
      const previous: PreviousVersion | undefined =
        prevRecord === undefined
          ? undefined
          : { versionId: prevRecord.id, number: prevRecord.number, contentRoot: prevRecord.contentRoot, manifestId: prevDoc?.storage?.manifestId ?? null, tokenId: prevCert?.tokenId ?? null };
      const version = latest?.contentRoot === a.contentRoot ? latest.number : (latest?.number ?? 0) + 1;
      const terms = withAccessPeriod(license === 'custom' ? (customTerms ?? '') : LICENSES[license], accessDays);
      const encryptTo = visibility === 'private' ? [await versionKeys.recipient(a, a.contentRoot)] : undefined;
      const { job } = jobs.enqueue(PUBLISH_JOB_KIND, {
        assetId: a.id,
        dedupeKey: publishKey(a.id, network),
        checkpoint: JSON.parse(
          JSON.stringify({ assetId: a.id, network, contentRoot: a.contentRoot, owner, visibility, license, terms, priceWei, approval, split, accessPeriodSeconds: accessPeriodSeconds(accessDays), encryptTo, previous, description: input.description }),
        ) as JsonObject,
      });
      return { assetId: a.id, jobId: job.id, network, owner, version, alreadyCertified: null };
    },
    'assets.publishDefaults': async (input) => {
      const a = mustGet(input.id);
      const notes: string[] = [];
      const network = networks.current();
      const owner = await wallets.current().then((w) => w.address, (e: unknown) => {
        notes.push(toResultError(e).message);
        return null;
      });
      const contributors = await readContributors(a.rootPath).catch(() => []);
      let storageQuote: { atomic: string; formatted: string } | null = null;
      let storageBalance: { atomic: string; formatted: string } | null = null;
      let chainFee: { atomic: string; formatted: string } | null = null;
      if (owner !== null) {
        try {
          const c = await storage.client();
          const toStore = catalog.files.all(a.id).filter((f) => f.sha256 === null || !catalog.uploads.findReusable(network, f.sha256, null)?.storageId);
          let atomic = 0n;
          for (const f of toStore) atomic += BigInt((await c.quote(f.size)).price.atomic);
          storageQuote = { atomic: atomic.toString(), formatted: `${formatEther(atomic)} ETH` };
          storageBalance = await c.balance();
          const h = await chain.chain();
          const fee = await h.conn.provider.getFeeData();
          const gas = 350_000n; // a registration with a few payees uses ~200-300k gas
          const wei = gas * (fee.maxFeePerGas ?? fee.gasPrice ?? 0n);
          chainFee = { atomic: wei.toString(), formatted: `${formatEther(wei)} ETH` };
        } catch (e) {
          notes.push(`Prices could not be read now: ${toResultError(e).message}`);
        }
      }
      return {
        owner,
        licenses: Object.entries(LICENSES).map(([id, terms]) => ({ id, terms })),
        contributors,
        storageQuote,
        storageBalance,
        chainFee,
        network,
        notes,
        previous: previousTerms(catalog, a.id),
        changes: changesSinceLatest(catalog, a.id),
      };
    },
    'assets.certificate': (input) => {
      const a = mustGet(input.id);
      const c = catalog.certificates.latest(a.id);
      if (!c) throw new AtivoError('NOT_FOUND', `${a.name} has no certificate yet: publish it first.`, { cli: `${a.name} has no certificate yet: publish it first (ativo publish ${a.id}).` });
      // Exported with its eip712 section (added to a certificate made before it existed).
      const doc = typeof c.document === 'object' && c.document !== null ? withEip712(c.document as Certificate) : c.document;
      return Promise.resolve({ certificate: doc as Record<string, unknown> });
    },
    'certificates.verify': async (input) => {
      // Its shape first: nothing of a malformed certificate is checked (or trusted).
      const parsed = parseCertificate(input.certificate);
      if (!parsed.ok) throw new AtivoError('INVALID_INPUT', parsed.reason);
      const cert = parsed.certificate;
      // The certificate's chain must be the one Ativo is on (the sandbox, or a configured network).
      const h = await chain.chain().catch(() => null);
      const sameChain = h !== null && h.chainId === cert.chain.chainId;
      // The registries Ativo trusts: its network profiles' (the sandbox's is the one it deployed).
      const known: KnownRegistry[] = networks
        .state()
        .profiles.flatMap((p) => (p.chainId !== null && p.registry !== null ? [{ network: p.name, chainId: p.chainId, registry: p.registry }] : []));
      if (h !== null && h.registryAddress !== null && !known.some((k) => k.network === h.network)) known.push({ network: h.network, chainId: h.chainId, registry: h.registryAddress });
      // The storage node's receipt key for that network: the sandbox's is pinned in its data dir.
      const storageKey = sameChain
        ? async (): Promise<string> => {
            if (h.network === 'sandbox') {
              const pinned = await readIdentityPublicKey(join(chain.storageDir, 'node-key.json'));
              if (pinned !== null) return pinned;
            }
            if (h.storageUrl === null) throw new Error(`the ${h.network} network has no storage node set (add its URL in the network settings)`);
            return nodeReceiptKey(h.storageUrl);
          }
        : null;
      // The local asset the certificate belongs to (given, or the one this catalog certified as its token).
      const local =
        input.assetId !== undefined
          ? mustGet(input.assetId)
          : typeof cert.chain.tokenId === 'string' && typeof cert.chain.registry === 'string'
            ? (() => {
                const c = catalog.certificates.byToken(cert.chain.chainId, cert.chain.registry, cert.chain.tokenId);
                return c === undefined ? undefined : catalog.assets.get(c.assetId);
              })()
            : undefined;
      const certified = typeof cert.asset.contentRoot === 'string' ? catalog.versions.anyByRoot(cert.asset.contentRoot) : undefined;
      let source: FilesSource;
      if (input.folder !== undefined) source = { kind: 'folder', folder: input.folder };
      else if (local !== undefined && !input.fromStorage) source = { kind: 'folder', folder: local.rootPath, note: `the local folder ${local.rootPath}` };
      else {
        let identities: string[] | null = null;
        let noIdentity = 'this asset is not in this catalog, so its key cannot be found';
        if (local !== undefined) {
          try {
            // The key of the certificate's version (its own, or the asset's for older versions).
            const identity = await versionKeys.identity(local.id, cert.asset.contentRoot);
            if (identity !== null) identities = [identity];
            else noIdentity = `the keychain holds no key for ${local.name}`;
          } catch (e) {
            noIdentity = `the keychain cannot be read: ${toResultError(e).message}`;
          }
        }
        source = { kind: 'storage', identities, noIdentity };
      }
      const checks = await verifyCertificate(
        cert,
        {
          conn: sameChain ? h.conn : null,
          known,
          givenRegistry: input.registry,
          storageUrl: sameChain ? h.storageUrl : null,
          storageKey,
          ...(sameChain ? { storageNetwork: h.network } : {}),
          pool,
          ...(certified ? { certifiedHashes: parseManifestText(certified.manifest) } : {}),
        },
        source,
      );
      return { ok: checks.every((c) => c.ok || c.skipped === true), checks };
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
    'assets.registration': async (input) => {
      const h = await chain.chain();
      if (!h.registry) throw new AtivoError('NOT_CONFIGURED', `No AtivoRegistry on ${networks.current()}.`);
      const token = await h.registry.tokenOfContentRoot(input.contentRoot.startsWith('0x') ? input.contentRoot : `0x${input.contentRoot}`);
      if (token === null) return { tokenId: null, owner: null };
      return { tokenId: token.toString(), owner: await h.registry.ownerOf(token) };
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
    const handler = handlers[name] as (i: unknown) => Promise<unknown>;
    return handler(parsed.data);
  };

  // Services register their job handlers above; then the runner starts (if this process is it).
  const becomeRunner = (): void => {
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
