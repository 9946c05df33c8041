/**
 * The backend's services that reach the network, the keychain or encryption: wallets (the OS
 * keychain, ethers), the chain (ethers, the sandbox's anvil and storage node), storage (Irys
 * bundles), the private assets' age keys, the job kinds that use them, and the feature areas
 * (access, earnings, terms). backend.ts loads this module (`await import()`) on the first command
 * that needs one of them, and before this process runs jobs: a command that only reads the
 * catalog (`ativo list`) never loads ethers, @irys, age-encryption or the keyring.
 */
import { join } from 'node:path';
import { formatEther, parseEther } from 'ethers';
import type { Catalog } from '../catalog/db';
import type { AssetRecord } from '../catalog/assets';
import type { HashPool } from '../ingest/hash-pool';
import type { Ingestor } from '../ingest/ingest';
import { AtivoError } from '../util/errors';
import type { CommandName, EventName, EventPayload } from './contract';
import type { Networks } from './networks';
import { Wallets } from './wallets';
import { ChainService, readIdentityPublicKey } from './chain';
import { StorageService } from './storage';
import { registerUploadJobs } from '../storage/jobs';
import { enqueueUploads } from '../storage/batch';
import { PUBLISH_JOB_KIND, publishKey, registerPublishJobs, type PreviousVersion } from '../publish/pipeline';
import { LICENSES, percentToBps } from '../publish/licenses';
import { accessPeriodSeconds, changesSinceLatest, previousTerms, withAccessPeriod } from '../publish/terms';
import { VersionKeys, assetKeyName } from '../publish/keys';
import { parseManifestText, verifyCertificate, type FilesSource, type KnownRegistry } from '../publish/verify';
import { parseCertificate } from '../chain/certificate';
import { nodeReceiptKey } from '../storage/receipts';
import { UPLOAD_JOB_KIND, encryptionOf, uploadKeyPrefixOf, type UploadJobInput } from '../storage/jobs';
import { DEDUPE_TAG } from '../storage/item';
import { dedupeKey, dedupeTag } from '../crypto/dedupe';
import type { JobQueue } from '../jobs/queue';
import { FINAL_JOB_STATES } from '../catalog/jobs';
import { readContributors } from '../ingest/contributors';
import type { JsonObject } from '../jobs';
import { onChain } from '../chain/provider';
import type { BackendContext, FeatureService, Handlers } from './context';
import { createAccessService, type AccessCommand } from './access';
import { createEarningsService, type EarningsCommand } from './earnings';
import { createTermsService, type TermsCommand } from './terms';
import { toResultError } from './public-errors';

/** What backend.ts opened before these services: the catalog and what reads it. */
export interface Core {
  readonly dataDir: string;
  readonly catalog: Catalog;
  readonly pool: HashPool;
  readonly ingestor: Ingestor;
  readonly networks: Networks;
  readonly jobs: JobQueue;
  /** Wallet backups written without a chosen path (wallet.export). */
  readonly exportsDir: string;
  readonly keychainPrefix: string | undefined;
  readonly keystoreScryptN: number | undefined;
  readonly emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  readonly mustGet: (id: number) => AssetRecord;
  /** Sends settings.changed and returns `value`. */
  readonly announce: <T>(what: 'wallet' | 'network', value: T) => T;
}

/** The commands these services answer (the others: backend.ts). */
export type ServiceCommand =
  | AccessCommand | EarningsCommand | TermsCommand | 'wallet.list' | 'wallet.create' | 'wallet.import'
  | 'wallet.export' | 'wallet.remove' | 'wallet.use' | 'wallet.balance' | 'chain.status' | 'sandbox.fund'
  | 'jobs.retryBatch' | 'storage.status' | 'storage.quote' | 'storage.fund' | 'assets.upload'
  | 'assets.publish' | 'assets.publishDefaults' | 'certificates.verify' | 'assets.registration';

export interface Services {
  handlers: Pick<Handlers, ServiceCommand>;
  /** Feature areas: started when this process becomes the job runner. */
  features: Pick<FeatureService<CommandName>, 'start' | 'close'>[];
  /** The features' pollers and indexers (before the runner lock goes). */
  closeFeatures(): Promise<void>;
  /** Storage clients and the chain (a sandbox this process runs stops). */
  close(): Promise<void>;
}

export function createServices(core: Core): Services {
  const { dataDir, catalog, pool, ingestor, networks, jobs, exportsDir, emit, mustGet, announce } = core;
  const wallets = new Wallets(catalog, { keychainPrefix: core.keychainPrefix, keystoreScryptN: core.keystoreScryptN });
  const chain = new ChainService(dataDir, networks, wallets);
  const storage = new StorageService(chain, wallets);
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
  /** On the sandbox a new wallet gets test ETH; a chain that cannot start must not fail the wallet itself. */
  const withStarterFunds = async <T>(w: T): Promise<T> => {
    if (networks.current() === 'sandbox') await chain.starterFunds().catch((e: unknown) => {
      console.error(`ativo: could not give the new wallet sandbox ETH: ${toResultError(e).message}`);
    });
    return w;
  };
  const addressOrCurrent = async (a: string | undefined): Promise<string> => a ?? (await wallets.current()).address;

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
  const features = [access, earnings, terms];

  const handlers: Pick<Handlers, ServiceCommand> = {
    ...access.handlers,
    ...earnings.handlers,
    ...terms.handlers,
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
          JSON.stringify({ assetId: a.id, network, contentRoot: a.contentRoot, owner, visibility, license, terms, priceWei, approval, split, accessPeriodSeconds: accessPeriodSeconds(accessDays), encryptTo, previous }),
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
    'assets.registration': async (input) => {
      const h = await chain.chain();
      if (!h.registry) throw new AtivoError('NOT_CONFIGURED', `No AtivoRegistry on ${networks.current()}.`);
      const token = await h.registry.tokenOfContentRoot(input.contentRoot.startsWith('0x') ? input.contentRoot : `0x${input.contentRoot}`);
      if (token === null) return { tokenId: null, owner: null };
      return { tokenId: token.toString(), owner: await h.registry.ownerOf(token) };
    },
  };

  return {
    handlers,
    features,
    async closeFeatures() {
      for (const f of features) await f.close?.();
    },
    async close() {
      storage.close();
      await chain.close();
    },
  };
}
