/**
 * Publishing an asset, as one durable job (`publish`) that walks these steps, each idempotent
 * and recorded in its checkpoint:
 *   1. prepare      every file's data item gets its id, with NOTHING sent: hashed (private files
 *                   encrypted to a staged copy) and its header signed here (src/publish/prepare.ts,
 *                   StorageClient.prepareFile), recorded in the catalog (prepared_items), so a
 *                   crash resumes with the same anchor and id. Content already stored on this
 *                   network keeps its item and is not paid again.
 *   2. manifest     the path manifest (relPath → item id) built from those ids, prepared the same way
 *   3. register     AtivoRegistry.register(content root, manifest id): the signed tx (hash + raw) is
 *                   saved BEFORE it is broadcast, so a restart re-broadcasts/waits for the same tx
 *                   instead of sending another; a content root already registered by us is adopted
 *                   (a tx that can never be mined is recovered: src/publish/register.ts)
 *   4. uploads      only once the registration is mined: the files (upload jobs, which send exactly
 *                   the prepared items: expectedId, retried, resumable, never paid twice), then
 *                   the manifest
 *   5. certificate  the EIP-712 signed certificate, saved in the catalog with the asset's version
 *
 * Why this order (issue 12, attack 5, content-root squatting): the content root of a public
 * asset can be computed from the path manifest and the items' Content-Sha256 tags (even from
 * the file items alone when the names can be guessed), and a content root registers once. Were
 * anything uploaded first, someone watching the storage node could register the root from
 * another wallet before the owner, and the owner's publication would fail for good. Now nothing
 * of a new publication is on the storage node before its registration is mined.
 *
 * What remains:
 *   - Files stored by an earlier publication (or by `ativo upload`) keep their items: they were
 *     public already. Only new content is protected: a root is unguessable while at least one
 *     of its files' hashes has never been public. A version whose every file was public already
 *     (a revert, a deletion, a rename of published files) has a root anyone can compute from
 *     earlier manifests, with or without watching this publication: such roots could even be
 *     registered before the owner thinks of publishing them. We accept that: such a version
 *     adds no bytes of its own, and preventing it takes the contract (see the next point).
 *   - Front-running on a public chain: the register transaction itself carries the root, so
 *     someone watching the mempool can send the same registration with a higher fee and be
 *     mined first. The fix belongs in the contract (commit-reveal: register a hash of
 *     root + owner first, reveal after some blocks; or bind the root to the owner's signature)
 *     or in the transport (a private transaction relay); not done here. The sandbox (anvil,
 *     automine) has no public mempool.
 *   - A publication short of storage funds is registered first, then its uploads wait for funds
 *     (as before, in the batch); its prepared items are kept, so it finishes whenever funded.
 *   - The bytes of prepared private files (encrypted copies) and of the manifest are kept in
 *     the staging folder from preparation until stored: a private publication needs its new
 *     bytes once more on disk meanwhile. Were a staged copy lost after the registration, a
 *     public file list is written again (the same bytes signed with the same anchor and tags
 *     are the same item: the registered id stays valid), but an encrypted item cannot be made
 *     again (age encryption is randomized): the publication fails saying so, and the folder
 *     must be published again as a new version. A registered file list is never replaced by
 *     another one prepared anew.
 *
 * Versions: each distinct content root certified for an asset is a version (1, 2, …) in the
 * catalog's `versions` table. A new version links to the one before it in three places: the
 * catalog (`previous_id`), the manifest item's tags (Ativo-Previous-*), and the certificate's
 * `storage.previous` (the storage section is bound into the EIP-712 signature by its digest, so
 * the link is signed without changing the signed struct: older certificates verify unchanged).
 * Files whose bytes were stored before (same sha256, same encryption) are not uploaded again.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { keccak256, toUtf8Bytes, type Wallet } from 'ethers';
import type { Catalog } from '../catalog/db';
import type { ChainConnection, RegistryClient } from '../chain/client';
import { CERTIFICATE_VERSION, signCertificate, type CertificateBody } from '../chain/certificate';
import type { JobQueue, JobRun, JsonObject } from '../jobs';
import { PermanentJobError } from '../jobs';
import { PublishCheckpoint, PublishInput } from './checkpoint';
import type { ResumeState, StorageClient } from '../storage/client';
import { isStorageError } from '../storage/errors';
import { enqueueUploads } from '../storage/batch';
import { applyConsentRule, versionLink } from './version-link';
import { encryptionOf, uploadDedupeKey, uploadKeyPrefix } from '../storage/jobs';
import type { VersionKeys } from './keys';
import { encodeManifest, type ManifestEntry } from './manifest';
import { lostEncryptedManifest, prepareFiles, prepareManifest, restoreManifest } from './prepare';
import { registerContent } from './register';
import { faultPoint } from '../util/fault';
import { metadataStep } from './metadata-step';

export const PUBLISH_JOB_KIND = 'publish';

/** The checkpoint's step order: 2 = prepare, manifest, register, uploads, certificate (issue 12). */
const ORDER = 2;

export type { PreviousVersion, PublishTerms } from './checkpoint';

export interface PublishDeps {
  catalog: Catalog;
  stagingDir: string;
  /** The chain of a network (must be the current one). */
  chain(network: string): Promise<{ conn: ChainConnection; registry: RegistryClient; chainId: number; registryAddress: string }>;
  /** The storage client of `network`, signing with `owner` (the publication's wallet, whatever wallet is current). */
  storage(network: string, owner?: string): Promise<StorageClient>;
  /** The owner's signer (the wallet the publication was made with). */
  signer(owner: string): Promise<Wallet>;
  /** How long to wait before trying the manifest's upload again when the storage balance is short (default 10 min; funding pokes the queue). */
  fundingRetryMs?: number;
  /** Private assets: their age keys, one per version (src/publish/keys.ts). */
  keys: Pick<VersionKeys, 'identity' | 'known'>;
}

export const termsHash = (terms: string): string => keccak256(toUtf8Bytes(terms));

/** Progress of the publication at the start of each step (uploads run from 0.45 to 0.95). */
const AT = { manifest: 0.3, register: 0.35, uploads: 0.45, certificate: 0.95 } as const;

/**
 * Queues the uploads of the files not stored yet, as one batch. An earlier failed upload of the
 * same file and bytes is retried (same job, same checkpoint: a resume); one of other bytes (the
 * file changed since) is dismissed, superseded by the new one.
 */
function queueUploads(queue: JobQueue, parent: number, cp: PublishCheckpoint, rootPath: string, missing: { relPath: string; sha256: string | null; size: number }[], name: string): void {
  const unhashed = missing.find((f) => f.sha256 === null);
  if (unhashed) throw new PermanentJobError(`${unhashed.relPath} has no fingerprint yet: rescan ${name}.`);
  const inputs = missing.map((f) => ({
    assetId: cp.assetId,
    relPath: f.relPath,
    path: join(rootPath, f.relPath),
    sha256: f.sha256 ?? '',
    size: f.size,
    network: cp.network,
    owner: cp.owner,
    ...(cp.encryptTo ? { encryptTo: cp.encryptTo } : {}),
  }));
  const wanted = new Map(inputs.map((i) => [uploadDedupeKey(i), i]));
  for (const j of queue.failedWithKeyPrefix(uploadKeyPrefix(cp.network, cp.assetId, encryptionOf(cp.encryptTo) !== null))) {
    const want = j.dedupeKey === null ? undefined : wanted.get(j.dedupeKey);
    const same = want !== undefined && j.checkpoint?.sha256 === want.sha256 && j.checkpoint.path === want.path && encryptionOf(Array.isArray(j.checkpoint.encryptTo) ? (j.checkpoint.encryptTo as string[]) : undefined) === encryptionOf(want.encryptTo);
    if (!same) {
      queue.dismiss(j.id);
      continue;
    }
    try {
      queue.retry(j.id);
      queue.adoptChildren(parent, [j.id]);
    } catch {
      queue.dismiss(j.id); // its key is held by a live job already: that one does the work
    }
  }
  enqueueUploads(queue, inputs, { parent });
}

/** The publish job's dedupe key: one live publication per asset and network. */
export const publishKey = (assetId: number, network: string): string => `publish:${network}:${assetId}`;

export function registerPublishJobs(queue: JobQueue, deps: PublishDeps): void {
  queue.register(PUBLISH_JOB_KIND, {
    checkpoint: PublishCheckpoint,
    input: PublishInput,
    run: (ctx) => runPublish(ctx, queue, deps),
    concurrency: 1,
    retry: { baseMs: 3_000, factor: 2, maxDelayMs: 5 * 60_000, maxAttempts: 12 },
  });
}

/** The age identity of a private publication, or a permanent failure saying it is missing. */
async function identityOf(deps: PublishDeps, cp: PublishCheckpoint, name: string): Promise<string> {
  const identity = await deps.keys.identity(cp.assetId, cp.contentRoot);
  if (identity === null) throw new PermanentJobError(`The key of the private asset ${name} is not in this computer's keychain, so its files cannot be published: publish it from the computer it was added on.`);
  return identity;
}

async function runPublish(ctx: JobRun<PublishCheckpoint>, queue: JobQueue, deps: PublishDeps): Promise<JsonObject> {
  const cp: PublishCheckpoint = { ...ctx.checkpoint };
  const save = (patch: Partial<PublishCheckpoint>, progress: number): void => {
    Object.assign(cp, patch);
    ctx.saveCheckpoint(cp, progress);
  };
  if (cp.order !== ORDER) {
    // Queued before this order (uploads first): whatever it stored is reused; nothing registered yet unless past 'register'.
    if (cp.step === undefined || cp.step === 'uploads') Object.assign(cp, { step: 'prepare', uploadsStarted: false });
    cp.order = ORDER;
  }
  const { catalog } = deps;
  const asset = catalog.assets.get(cp.assetId);
  if (!asset) throw new PermanentJobError(`Asset ${cp.assetId} is no longer in the catalog.`);
  if (asset.contentRoot !== cp.contentRoot) {
    throw new PermanentJobError(`${asset.name} changed since it was published (content root ${asset.contentRoot ?? 'none'}): rescan it and publish again.`);
  }
  const encryption = encryptionOf(cp.encryptTo);

  // 1. prepare: every file's item id fixed, nothing sent.
  if (cp.step === undefined || cp.step === 'prepare') {
    const storage = await deps.storage(cp.network, cp.owner);
    // A public content whose root is registered already may reuse what the node holds (see prepare.ts).
    const registered = cp.encryptTo === undefined && ((await (await deps.chain(cp.network)).registry.tokenOfContentRoot(`0x${cp.contentRoot}`)) ?? 0n) > 0n;
    await prepareFiles(catalog, storage, deps.stagingDir, {
      assetId: cp.assetId,
      name: asset.name,
      rootPath: asset.rootPath,
      network: cp.network,
      registered,
      ...(cp.encryptTo ? { encryptTo: cp.encryptTo, keys: { identity: await identityOf(deps, cp, asset.name), known: await deps.keys.known(cp.assetId) } } : {}),
      signal: ctx.signal,
      onProgress: (ready, total) => {
        ctx.progress((AT.manifest * ready) / Math.max(1, total), `Preparing files: ${ready.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} signed (nothing is sent before the registration)`);
      },
    });
    save({ step: 'manifest' }, AT.manifest);
    faultPoint('publish:after-prepare');
  }

  const files = catalog.files.all(cp.assetId);

  // 2. manifest: from the ids of the stored and prepared items; prepared, not sent.
  if (cp.step === 'manifest') {
    // Each file's size (plaintext bytes) beside its item: a downloader stops at it (a storage
    // node cannot make `access fetch` or `verify --from-storage` take more).
    const entries: ManifestEntry[] = [];
    for (const f of files) {
      const stored = catalog.uploads.findReusable(cp.network, f.sha256 ?? '', encryption);
      const rewrapped = stored?.storageId ? undefined : catalog.rewrapped.get(cp.network, f.sha256 ?? '', encryption);
      const prepared = stored?.storageId || rewrapped ? undefined : catalog.prepared.get(cp.network, f.sha256 ?? '', encryption);
      const id = stored?.storageId ?? rewrapped?.storageId ?? prepared?.itemId;
      if (id === undefined) {
        save({ step: 'prepare' }, 0);
        throw new Error(`${f.relPath} has no storage id yet; preparing it again.`);
      }
      // Private: the stored bytes' hash goes inside the encrypted manifest, not in a public tag;
      // so does the header that opens a file reused from an earlier version with this one's key.
      const sha256 = encryption === null ? undefined : (stored?.dataSha256 ?? rewrapped?.dataSha256 ?? (prepared?.resume as { sha256?: string } | undefined)?.sha256 ?? undefined);
      const header = rewrapped?.ageHeader;
      entries.push({ relPath: f.relPath, id, size: f.size, ...(sha256 !== undefined ? { sha256 } : {}), ...(header !== undefined ? { header } : {}) });
    }
    const bytes = encodeManifest(entries);
    const storage = await deps.storage(cp.network, cp.owner);
    const version = String(cp.previous ? cp.previous.number + 1 : 1);
    const previousIds = [
      ...(cp.previous?.manifestId ? [{ name: 'Ativo-Previous-Manifest', value: cp.previous.manifestId }] : []),
      ...(cp.previous?.tokenId ? [{ name: 'Ativo-Previous-Token', value: cp.previous.tokenId }] : []),
    ];
    const prepared = await prepareManifest(catalog, storage, deps.stagingDir, {
      network: cp.network,
      assetId: cp.assetId,
      bytes,
      // A private manifest is encrypted, and its tags carry no content root (issue 12, attack 7).
      ...(cp.encryptTo
        ? { encryptTo: cp.encryptTo, contentType: 'application/age-encrypted', tags: [{ name: 'Type', value: 'manifest' }, { name: 'Ativo-Version', value: version }, ...previousIds] }
        : {
            contentType: 'application/x.irys-manifest+json',
            tags: [
              { name: 'Type', value: 'manifest' },
              { name: 'Ativo-Content-Root', value: cp.contentRoot },
              { name: 'Ativo-Version', value: version },
              ...(cp.previous ? [{ name: 'Ativo-Previous-Root', value: cp.previous.contentRoot }] : []),
              ...previousIds,
            ],
          }),
      signal: ctx.signal,
      registered: async (itemId) => {
        const { registry } = await deps.chain(cp.network);
        const token = await registry.tokenOfContentRoot(`0x${cp.contentRoot}`);
        return token !== null && token > 0n && (await registry.asset(token))?.manifestId === itemId;
      },
    });
    save({ step: 'register', manifestId: prepared.itemId, manifestDoc: bytes.toString('utf8') }, AT.register);
  }

  // 3. register (src/publish/register.ts: saved before sent, recovered when it cannot be mined)
  if (cp.step === 'register') {
    const { conn, registry } = await deps.chain(cp.network);
    // Under a consent rule, registered as a version of the previous token (./version-link.ts); a saved transaction is sent as it was.
    const previousTokenId = cp.tx === undefined ? await versionLink(conn, registry, { name: asset.name, owner: cp.owner, previous: cp.previous, split: cp.split }) : undefined;
    const reg = await registerContent({
      catalog,
      name: asset.name,
      network: cp.network,
      contentRoot: cp.contentRoot,
      owner: cp.owner,
      encryption,
      manifestId: cp.manifestId,
      conn,
      registry,
      signer: (await deps.signer(cp.owner)).connect(conn.provider),
      params: { contentRoot: `0x${cp.contentRoot}`, manifestId: cp.manifestId ?? '', termsHash: termsHash(cp.terms), price: BigInt(cp.priceWei), split: cp.split.map((s) => ({ payee: s.address, bps: s.bps })), accessPeriodSeconds: cp.accessPeriodSeconds ?? 0, ...(previousTokenId !== undefined ? { previousTokenId } : {}) },
      storageUrl: async () => (await deps.storage(cp.network)).nodeUrl,
      tx: cp.tx,
      saveTx: (tx) => {
        save({ tx }, AT.register + 0.03);
      },
      progress: (line) => {
        ctx.progress(AT.register + 0.05, line);
      },
    });
    const manifestDoc = reg.manifestId !== cp.manifestId ? { manifestDoc: undefined } : {};
    save({ step: 'uploads', manifestId: reg.manifestId, ...manifestDoc, tokenId: reg.tokenId, txHash: reg.txHash, blockNumber: reg.blockNumber }, AT.uploads);
    faultPoint('publish:after-register');
  }

  // 4. uploads, only now: the files (one batch of upload jobs, which send the prepared items),
  // then the manifest. The uploads are this job's children: it waits for them with no timer,
  // and the last one to end (stored, failed or cancelled) wakes it; each run only counts (one
  // query), so a 20,000-file publication costs no more per finished upload than a small one.
  if (cp.step === 'uploads' && cp.consentBps !== undefined && cp.consentSet !== true && cp.tokenId !== undefined) {
    // The consent rule chosen at publish, on chain before any file is uploaded (./version-link.ts).
    const { conn, registry } = await deps.chain(cp.network);
    await applyConsentRule(conn, registry, (await deps.signer(cp.owner)).connect(conn.provider), BigInt(cp.tokenId), cp.consentBps);
    save({ consentSet: true }, AT.uploads);
  }
  if (cp.step === 'uploads') {
    const { stored, total } = catalog.uploads.storedCount(cp.assetId, cp.network, encryption);
    const at = (n: number): number => AT.uploads + ((AT.certificate - AT.uploads) * n) / Math.max(1, total);
    if (stored < total) {
      // Uploads queued by a version of Ativo before parent jobs are not its children yet: queued again below (adopted by key).
      const legacy = cp.uploadsStarted === true && cp.uploadsOwned !== true;
      if (queue.liveChildren(ctx.job.id) === 0 || legacy) {
        if (cp.uploadsStarted === true && !legacy) {
          // Its uploads ended without storing every file: failed, or cancelled by the person.
          const failed = queue.children(ctx.job.id, ['failed']).at(-1);
          save({ uploadsStarted: false }, at(stored));
          const file = typeof failed?.checkpoint?.relPath === 'string' ? failed.checkpoint.relPath : null;
          const error = failed?.error ?? 'failed';
          // The upload's error usually names its file already ("a.csv: … changed on disk …").
          const why = failed ? (file === null || error.startsWith(`${file}:`) ? error : `${file}: ${error}`) : 'their uploads were cancelled';
          throw new PermanentJobError(`${(total - stored).toLocaleString('en-US')} of ${total.toLocaleString('en-US')} files were not uploaded (${why}). The content is registered already: retry to upload them.`);
        }
        queueUploads(queue, ctx.job.id, cp, asset.rootPath, catalog.uploads.missingFiles(cp.assetId, cp.network, encryption), asset.name);
        save({ uploadsStarted: true, uploadsOwned: true }, at(stored));
      }
      const line = `Uploading files: ${stored.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} stored`;
      ctx.progress(at(stored), line);
      ctx.waitForChildren(line);
    }
    if (cp.manifestReceipt === undefined) save({ manifestReceipt: await uploadManifest(ctx, deps, cp) }, at(total));
    if (cp.metadata === undefined) {
      const metadata = await metadataStep(ctx, deps, cp, asset);
      faultPoint('publish:after-metadata');
      save({ metadata }, at(total));
    }
    save({ step: 'certificate' }, AT.certificate);
    faultPoint('publish:after-uploads');
  }

  // 5. certificate
  if (cp.step === 'certificate') {
    faultPoint('publish:before-certificate');
    const { chainId, registryAddress } = await deps.chain(cp.network);
    const scanned = catalog.assets.manifest(cp.assetId);
    if (scanned?.contentRoot !== cp.contentRoot) {
      throw new PermanentJobError(`${asset.name} changed while it was being published: rescan it and publish again.`);
    }
    const receipts = itemIds(cp, files, catalog, encryption)
      .map((id) => catalog.uploads.byStorageId(cp.network, id)?.receipt)
      .filter((r) => r !== undefined && r !== null);
    const body: CertificateBody = {
      version: CERTIFICATE_VERSION,
      asset: { name: asset.name, kind: asset.kind, files: asset.fileCount, bytes: asset.totalBytes, contentRoot: cp.contentRoot },
      license: { terms: cp.terms, termsHash: termsHash(cp.terms), price: cp.priceWei, currency: 'ETH' },
      split: cp.split,
      storage: {
        network: cp.network,
        manifestId: cp.manifestId ?? '',
        receipts: [...receipts, cp.manifestReceipt],
        ...(cp.previous ? { previous: { contentRoot: cp.previous.contentRoot, manifestId: cp.previous.manifestId, tokenId: cp.previous.tokenId } } : {}),
        ...(cp.metadata ? { metadata: cp.metadata } : {}),
      },
      chain: { chainId, registry: registryAddress, tokenId: cp.tokenId ?? '', txHash: cp.txHash ?? '', blockNumber: cp.blockNumber ?? 0 },
      owner: cp.owner,
    };
    const cert = await signCertificate(body, await deps.signer(cp.owner));
    const now = new Date().toISOString();
    catalog.transaction(() => {
      // The version: the latest one when it has this content root (certified on another network,
      // or a certificate lost in a crash), else the next one, after the latest.
      const latest = catalog.versions.latest(cp.assetId);
      const version =
        latest?.contentRoot === cp.contentRoot
          ? latest
          : catalog.versions.add({ assetId: cp.assetId, contentRoot: cp.contentRoot, manifest: scanned.manifest, previousId: latest?.id ?? null, createdAt: now });
      catalog.certificates.add({
        assetId: cp.assetId,
        versionId: version.id,
        network: cp.network,
        chainId,
        registry: registryAddress,
        tokenId: cp.tokenId ?? null,
        txHash: cp.txHash ?? null,
        blockNumber: cp.blockNumber ?? null,
        document: cert,
        createdAt: now,
      });
      catalog.certificates.setTerms(cp.assetId, { visibility: cp.visibility, license: cp.license, priceWei: cp.priceWei, split: cp.split }, now);
    });
    return { tokenId: cp.tokenId ?? '', txHash: cp.txHash ?? '', manifestId: cp.manifestId ?? '' };
  }
  throw new PermanentJobError(`Unknown publish step ${String(cp.step)}.`);
}

/** The items the manifest names, one per file (from its text; else, for a checkpoint without it, the stored item of each file's bytes). */
function itemIds(cp: PublishCheckpoint, files: { sha256: string | null }[], catalog: Catalog, encryption: string | null): string[] {
  if (cp.manifestDoc !== undefined) {
    const doc = JSON.parse(cp.manifestDoc) as { paths?: Record<string, { id?: unknown }> };
    return Object.values(doc.paths ?? {}).flatMap((v) => (typeof v.id === 'string' ? [v.id] : []));
  }
  return files.flatMap((f) => {
    const id = catalog.uploads.findReusable(cp.network, f.sha256 ?? '', encryption)?.storageId ?? catalog.rewrapped.get(cp.network, f.sha256 ?? '', encryption)?.storageId;
    return id ? [id] : [];
  });
}

/**
 * Sends the prepared manifest item (exactly: expectedId), after the files. Already on the node
 * (an earlier run stored it and stopped before saving its receipt): its receipt is taken.
 */
async function uploadManifest(ctx: JobRun<unknown>, deps: PublishDeps, cp: PublishCheckpoint): Promise<unknown> {
  const { catalog } = deps;
  const id = cp.manifestId ?? '';
  const storage = await deps.storage(cp.network, cp.owner);
  const prepared = catalog.prepared.byItemId(cp.network, id);
  // Its staged bytes gone: a plaintext file list is written again from its text (the same item).
  const kept = prepared !== undefined && (await restoreManifest(prepared, cp.manifestDoc === undefined ? undefined : Buffer.from(cp.manifestDoc, 'utf8')));
  if (prepared === undefined || prepared.dataPath === null || !kept) {
    const found = await storage.findById(id);
    if (found) return found.receipt;
    if (prepared !== undefined && prepared.encryption !== null) throw lostEncryptedManifest(id);
    throw new PermanentJobError(`The file list of this publication (item ${id}, registered as its manifest) is no longer kept on this computer and is not on the storage node, so it cannot be stored. Change the folder and publish it again as a new version.`);
  }
  ctx.progress(AT.certificate - 0.01, 'Uploading the file list');
  const resume = prepared.resume as unknown as ResumeState;
  let r;
  try {
    r = await storage.uploadFile(prepared.dataPath, { resume, expectedId: id, expectedSha256: resume.sha256, expectedSize: resume.size, signal: ctx.signal });
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    if (isStorageError(e, 'INSUFFICIENT_BALANCE')) {
      const short = e.shortfall ? e.shortfall.shortBy.formatted : 'an unknown amount';
      ctx.wait(`Your storage balance is short by ${short} to store the file list: fund it on the Wallet screen and the publication continues.`, deps.fundingRetryMs ?? 10 * 60_000);
    }
    if (isStorageError(e, 'FILE_CHANGED') || isStorageError(e, 'ITEM_MISMATCH') || isStorageError(e, 'FILE_UNREADABLE')) {
      throw new PermanentJobError(`The file list of this publication kept at ${prepared.dataPath} changed or is gone, so its registered item cannot be stored. Change the folder and publish it again as a new version.`, { cause: e });
    }
    throw e;
  }
  catalog.prepared.remove(prepared.id);
  await rm(prepared.dataPath, { force: true }).catch(() => undefined);
  return r.receipt;
}

