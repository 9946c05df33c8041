/**
 * Publishing an asset, as one durable job (`publish`) that walks these steps, each idempotent
 * and recorded in its checkpoint:
 *   1. uploads      every file stored on the network (upload jobs; the publish job waits for them)
 *   2. manifest     a path manifest (relPath → item id) stored as its own item
 *   3. register     AtivoRegistry.register: the signed tx (hash + raw) is saved BEFORE it is
 *                   broadcast, so a restart re-broadcasts/waits for the same tx instead of
 *                   sending another; a content root already registered by us is adopted
 *   4. certificate  the EIP-712 signed certificate, saved in the catalog with the asset's version
 *
 * Versions: each distinct content root certified for an asset is a version (1, 2, …) in the
 * catalog's `versions` table. A new version links to the one before it in three places: the
 * catalog (`previous_id`), the manifest item's tags (Ativo-Previous-*), and the certificate's
 * `storage.previous` (the storage section is bound into the EIP-712 signature by its digest, so
 * the link is signed without changing the signed struct: older certificates verify unchanged).
 * Files whose bytes were stored before (same sha256, same encryption) are not uploaded again.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keccak256, toUtf8Bytes, type Wallet } from 'ethers';
import type { Catalog } from '../catalog/db';
import { broadcastTx, withAccountLock, type ChainConnection, type RegistryClient } from '../chain/client';
import { CERTIFICATE_VERSION, signCertificate, type CertificateBody } from '../chain/certificate';
import type { JobContext, JobQueue, JsonObject } from '../jobs';
import { PermanentJobError } from '../jobs';
import type { StorageClient } from '../storage/client';
import { enqueueUploads } from '../storage/batch';
import { encryptionOf, uploadDedupeKey, uploadKeyPrefix } from '../storage/jobs';

export const PUBLISH_JOB_KIND = 'publish';

export interface PublishTerms {
  visibility: 'public' | 'private';
  /** A license id (CC-BY-4.0, …) or `custom`. */
  license: string;
  /** The license terms text the terms hash is computed from. */
  terms: string;
  priceWei: string;
  approval: 'manual' | 'auto';
  split: { address: string; bps: number }[];
}

/** The version a publication follows (the asset's latest certified version with another content root). */
export interface PreviousVersion {
  versionId: number;
  number: number;
  contentRoot: string;
  manifestId: string | null;
  tokenId: string | null;
}

export interface PublishCheckpoint extends PublishTerms {
  assetId: number;
  network: string;
  contentRoot: string;
  owner: string;
  step?: 'uploads' | 'manifest' | 'register' | 'certificate';
  encryptTo?: string[];
  previous?: PreviousVersion;
  manifestId?: string;
  manifestReceipt?: unknown;
  /** Its uploads were queued and have not all ended yet. */
  uploadsStarted?: boolean;
  tx?: { hash: string; raw: string };
  tokenId?: string;
  txHash?: string;
  blockNumber?: number;
}

export interface PublishDeps {
  catalog: Catalog;
  stagingDir: string;
  /** The chain of a network (must be the current one). */
  chain(network: string): Promise<{ conn: ChainConnection; registry: RegistryClient; chainId: number; registryAddress: string }>;
  storage(network: string): Promise<StorageClient>;
  /** The owner's signer (the wallet the publication was made with). */
  signer(owner: string): Promise<Wallet>;
  /** How long to wait before looking again at uploads still running. */
  uploadsPollMs?: number;
}

export const termsHash = (terms: string): string => keccak256(toUtf8Bytes(terms));

/**
 * Fault injection for the crash tests: with ATIVO_FAULT=<point> the process kills itself
 * (SIGKILL, as a power cut would) at that point. Never set outside tests.
 */
function faultPoint(point: string): void {
  if (process.env.ATIVO_FAULT === point) process.kill(process.pid, 'SIGKILL');
}

/**
 * Queues the uploads of the files not stored yet, as one batch. An earlier failed upload of the
 * same file and bytes is retried (same job, same checkpoint: a resume); one of other bytes (the
 * file changed since) is dismissed, superseded by the new one.
 */
function queueUploads(queue: JobQueue, cp: PublishCheckpoint, rootPath: string, missing: { relPath: string; sha256: string | null; size: number }[], name: string): void {
  const unhashed = missing.find((f) => f.sha256 === null);
  if (unhashed) throw new PermanentJobError(`${unhashed.relPath} has no fingerprint yet: rescan ${name}.`);
  const inputs = missing.map((f) => ({
    assetId: cp.assetId,
    relPath: f.relPath,
    path: join(rootPath, f.relPath),
    sha256: f.sha256 ?? '',
    size: f.size,
    network: cp.network,
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
    } catch {
      queue.dismiss(j.id); // its key is held by a live job already: that one does the work
    }
  }
  enqueueUploads(queue, inputs);
}

/** The publish job's dedupe key: one live publication per asset and network. */
export const publishKey = (assetId: number, network: string): string => `publish:${network}:${assetId}`;

export function registerPublishJobs(queue: JobQueue, deps: PublishDeps): void {
  queue.register(PUBLISH_JOB_KIND, (ctx) => runPublish(ctx, queue, deps), {
    concurrency: 1,
    retry: { baseMs: 3_000, factor: 2, maxDelayMs: 5 * 60_000, maxAttempts: 12 },
  });
}

async function runPublish(ctx: JobContext, queue: JobQueue, deps: PublishDeps): Promise<JsonObject> {
  const cp = { ...(ctx.checkpoint as Partial<PublishCheckpoint>) } as PublishCheckpoint;
  const save = (patch: Partial<PublishCheckpoint>, progress: number): void => {
    Object.assign(cp, patch);
    ctx.saveCheckpoint(JSON.parse(JSON.stringify(cp)) as JsonObject, progress);
  };
  const { catalog } = deps;
  const asset = catalog.assets.get(cp.assetId);
  if (!asset) throw new PermanentJobError(`Asset ${cp.assetId} is no longer in the catalog.`);
  if (asset.contentRoot !== cp.contentRoot) {
    throw new PermanentJobError(`${asset.name} changed since it was published (content root ${asset.contentRoot ?? 'none'}): rescan it and publish again.`);
  }
  const encryption = encryptionOf(cp.encryptTo);

  // 1. uploads: queued as one batch; each later run only counts (one query), so a 20,000-file
  // publication costs no more per finished upload than a small one. "Its" uploads are the live
  // upload jobs of this asset, network and encryption (dedupe keys with one prefix).
  if (cp.step === undefined || cp.step === 'uploads') {
    const { stored, total } = catalog.uploads.storedCount(cp.assetId, cp.network, encryption);
    if (stored < total) {
      const prefix = uploadKeyPrefix(cp.network, cp.assetId, encryption !== null);
      if (!queue.hasLiveKeyPrefix(prefix)) {
        if (cp.uploadsStarted === true) {
          // Its uploads ended without storing every file: failed, or cancelled by the person.
          const failed = queue.failedWithKeyPrefix(prefix).at(-1);
          save({ uploadsStarted: false }, stored / Math.max(1, total) / 2);
          const file = typeof failed?.checkpoint?.relPath === 'string' ? failed.checkpoint.relPath : null;
          const error = failed?.error ?? 'failed';
          // The upload's error usually names its file already ("a.csv: … changed on disk …").
          const why = failed ? (file === null || error.startsWith(`${file}:`) ? error : `${file}: ${error}`) : 'their uploads were cancelled';
          throw new PermanentJobError(`${(total - stored).toLocaleString('en-US')} of ${total.toLocaleString('en-US')} files were not uploaded (${why}). Retry to upload them again.`);
        }
        queueUploads(queue, cp, asset.rootPath, catalog.uploads.missingFiles(cp.assetId, cp.network, encryption), asset.name);
        save({ uploadsStarted: true }, stored / Math.max(1, total) / 2);
      }
      const line = `Uploading files: ${stored.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} stored`;
      ctx.progress(stored / Math.max(1, total) / 2, line);
      ctx.wait(line, deps.uploadsPollMs ?? 5_000);
    }
    save({ step: 'manifest' }, 0.5);
    faultPoint('publish:after-uploads');
  }

  const files = catalog.files.all(cp.assetId);

  // 2. manifest
  if (cp.step === 'manifest') {
    // Each file's size (plaintext bytes) beside its item: a downloader stops at it (a storage
    // node cannot make `access fetch` or `verify --from-storage` take more).
    const paths: Record<string, { id: string; size: number }> = {};
    for (const f of files) {
      const up = catalog.uploads.findReusable(cp.network, f.sha256 ?? '', encryption);
      if (!up?.storageId) {
        save({ step: 'uploads' }, 0.4);
        throw new Error(`${f.relPath} is not stored any more; uploading it again.`);
      }
      paths[f.relPath] = { id: up.storageId, size: f.size };
    }
    // Deterministic bytes (sorted paths): the same publication re-uses the same manifest item.
    const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const doc = JSON.stringify({ manifest: 'arweave/paths', version: '0.2.0', paths: sorted });
    mkdirSync(deps.stagingDir, { recursive: true });
    const file = join(deps.stagingDir, `manifest-${cp.assetId}-${cp.contentRoot.slice(0, 16)}.json`);
    writeFileSync(file, doc);
    const storage = await deps.storage(cp.network);
    const r = await storage.uploadFile(file, {
      contentType: 'application/x.irys-manifest+json',
      tags: [
        { name: 'Type', value: 'manifest' },
        { name: 'Ativo-Content-Root', value: cp.contentRoot },
        ...(cp.previous
          ? [
              { name: 'Ativo-Version', value: String(cp.previous.number + 1) },
              { name: 'Ativo-Previous-Root', value: cp.previous.contentRoot },
              ...(cp.previous.manifestId ? [{ name: 'Ativo-Previous-Manifest', value: cp.previous.manifestId }] : []),
              ...(cp.previous.tokenId ? [{ name: 'Ativo-Previous-Token', value: cp.previous.tokenId }] : []),
            ]
          : [{ name: 'Ativo-Version', value: '1' }]),
      ],
      signal: ctx.signal,
    });
    save({ step: 'register', manifestId: r.id, manifestReceipt: r.receipt }, 0.7);
  }

  // 3. register
  if (cp.step === 'register') {
    const { conn, registry } = await deps.chain(cp.network);
    const signer = (await deps.signer(cp.owner)).connect(conn.provider);
    if (cp.tx === undefined) {
      const existing = await registry.tokenOfContentRoot(`0x${cp.contentRoot}`);
      if (existing !== null && existing > 0n) {
        const owner = await registry.ownerOf(existing);
        if (owner?.toLowerCase() !== cp.owner.toLowerCase()) {
          throw new PermanentJobError(`This exact content (root ${cp.contentRoot.slice(0, 12)}…) is already registered as asset #${existing} by ${owner ?? 'someone else'}.`);
        }
        // Ours already (e.g. registered by a run whose checkpoint write was lost): adopt it.
        const reg = (await registry.events(0)).find((e) => e.name === 'Registered' && e.tokenId === existing);
        save({ step: 'certificate', tokenId: existing.toString(), txHash: reg?.transactionHash ?? '', blockNumber: reg?.blockNumber ?? 0 }, 0.9);
      } else {
        // Prepared, saved and sent under the wallet's lock: no other job takes the same nonce.
        await withAccountLock(conn, cp.owner, async () => {
          const prepared = await registry.prepare(
            signer,
            registry.calls.register({
              contentRoot: `0x${cp.contentRoot}`,
              manifestId: cp.manifestId ?? '',
              termsHash: termsHash(cp.terms),
              price: BigInt(cp.priceWei),
              split: cp.split.map((s) => ({ payee: s.address, bps: s.bps })),
            }),
          );
          // Saved before it leaves: after a crash we wait for this very transaction.
          save({ tx: { hash: prepared.hash, raw: prepared.raw } }, 0.75);
          faultPoint('publish:after-tx-saved');
          await broadcastTx(conn, { raw: prepared.raw, hash: prepared.hash, action: 'register' });
        });
      }
    }
    if (cp.tx !== undefined) {
      ctx.progress(0.8, 'Registering on chain');
      await broadcastTx(conn, { raw: cp.tx.raw, hash: cp.tx.hash, action: 'register' });
      faultPoint('publish:after-broadcast');
      const mined = await registry.resume('register', cp.tx.hash);
      save({ step: 'certificate', tokenId: mined.result.tokenId.toString(), txHash: cp.tx.hash, blockNumber: mined.receipt.blockNumber }, 0.9);
    }
  }

  // 4. certificate
  if (cp.step === 'certificate') {
    faultPoint('publish:before-certificate');
    const { chainId, registryAddress } = await deps.chain(cp.network);
    const scanned = catalog.assets.manifest(cp.assetId);
    if (scanned?.contentRoot !== cp.contentRoot) {
      throw new PermanentJobError(`${asset.name} changed while it was being published: rescan it and publish again.`);
    }
    const receipts = files.map((f) => catalog.uploads.findReusable(cp.network, f.sha256 ?? '', encryption)?.receipt).filter((r) => r !== undefined && r !== null);
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
