/**
 * The `upload` job (src/jobs): one file of an asset to one network, resumable across pauses,
 * crashes and restarts, never paid twice.
 *
 *   registerUploadJobs(queue, { catalog, clientFor: (network) => clients.get(network), stagingDir });
 *   enqueueUpload(queue, { assetId, relPath, path, sha256, size, network });
 *
 * A run: (1) an item already recorded in the catalog for this content (network + sha256 +
 * encryption) is reused; (2) the file is checked against the manifest (size, sha256) — a change
 * fails the job for good, naming the file, with nothing sent; (3) private files are encrypted
 * once to a staged copy (kept across runs, so a resume sends the same bytes); (4) the storage
 * client reuses an item of the same content found on the node, or uploads in chunks, persisting
 * its resume data (anchor, upload id, chunk size, tags) in the checkpoint before the first chunk;
 * (5) the receipt is verified and the upload recorded, with the quote and the actual charge.
 *
 * Progress detail, each with the phase's own percent (overall progress in brackets):
 *   public:  "Hashing 40% · …" (0–5%), "Uploading 42% · 12 MB of 30 MB · about 2 min left" (5–100%);
 *   private: "Hashing" the plaintext (0–5%), "Encrypting" (5–45%), "Hashing" the ciphertext
 *            (45–50%), "Uploading" (50–100%). The time left shows on Uploading lines once it can
 *            be told (EtaTracker, started at the first uploading report of the run).
 * The last line is "Already stored" or "100% · 30 MB of 30 MB".
 *
 * Outcomes: short balance → the job waits with "Your storage balance is short by …: fund it …"
 * (queue.poke({ kind: 'upload' }) after funding resumes it at once); node unreachable or 5xx →
 * a retry with backoff ("Storage node at URL is not reachable; retrying"); a changed file, a bad
 * receipt or a refusal → failed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../catalog/db';
import type { PreparedItem } from '../catalog/prepared';
import { UploadsQueries, type NewUpload, type UploadRecord } from '../catalog/uploads';
import { encryptFile } from '../crypto';
import { PermanentJobError, type JobQueue, type JobRecord, type JobRun, type RetryPolicy } from '../jobs';
import type { ResumeState, StorageClient, UploadFileResult, UploadProgress } from './client';
import { contentKey, contentLocks } from './content-locks';
import { StorageError, isStorageError } from './errors';
import { progressLine } from './format';
import { DEDUPE_TAG, hashFile, isAnchor } from './item';
import { UploadCheckpoint, UploadJobInput, encryptionOf, uploadDedupeKey } from './upload-input';
import { progressReporter } from './upload-progress';

export { ContentLocks, contentKey, contentLocks } from './content-locks';
export { UploadCheckpoint, UploadJobInput, encryptionOf, uploadDedupeKey, uploadKeyPrefix } from './upload-input';

export const UPLOAD_JOB_KIND = 'upload';

export interface UploadJobResult {
  [key: string]: string | number | boolean | null;
  storageId: string;
  uploadRowId: number;
  /** 'catalog' / 'node': an item already stored was recorded, nothing was paid; null: uploaded now. */
  reused: 'catalog' | 'node' | null;
  resumed: boolean;
  itemBytes: number | null;
  quotedAtomic: string | null;
  chargedAtomic: string | null;
  chargeWarning: string | null;
}

export interface UploadJobDeps {
  catalog: Catalog;
  /** The uploads query module (default: new UploadsQueries(catalog.db)). */
  uploads?: UploadsQueries;
  /** The storage client of a network profile (create once per profile and reuse). */
  clientFor(network: string, owner?: string): Promise<StorageClient> | StorageClient;
  /** Folder for encrypted copies of private files (required to upload them). */
  stagingDir?: string;
  /** After a short balance, try again on its own after this long (default 10 min); poke the queue after funding. */
  fundingRetryMs?: number;
  /** How a person funds the account, appended to the waiting message. */
  fundHint?: string;
  /** Retry policy of the kind (default: from 5 s, doubling, up to 5 min, 20 attempts). */
  retry?: Partial<RetryPolicy>;
  /**
   * Upload jobs running at once (default 1). With more, uploads overlap and the client records a
   * file's charge only when its upload ran alone (see UploadFileResult.chargeObserved).
   */
  concurrency?: number;
  /**
   * Every progress report, unthrottled (the queue's progress events are throttled): the client's
   * 'checking' and 'uploading' reports, and for a private file first 'checking' (the plaintext)
   * and 'encrypting' (plaintext bytes encrypted so far).
   */
  onProgress?: (jobId: number, p: UploadProgress) => void;
  /** Milliseconds clock of the time-left estimate (default performance.now). */
  now?: () => number;
  /** A charge that differed from its quote (also stored on the upload row). */
  onWarning?: (jobId: number, message: string) => void;
}

export const DEFAULT_UPLOAD_RETRY: Partial<RetryPolicy> = { baseMs: 5_000, factor: 2, maxDelayMs: 5 * 60_000, maxAttempts: 20 };

/** Queues the upload of one file (or returns the live job already queued for it). */
export function enqueueUpload(queue: JobQueue, input: UploadJobInput): { job: JobRecord; created: boolean } {
  return queue.enqueue(UPLOAD_JOB_KIND, { assetId: input.assetId, checkpoint: asJson({ ...input }), dedupeKey: uploadDedupeKey(input) });
}


export function registerUploadJobs(queue: JobQueue, deps: UploadJobDeps): void {
  const uploads = deps.uploads ?? new UploadsQueries(deps.catalog.db);
  const locks = contentLocks(deps.catalog);
  queue.register(UPLOAD_JOB_KIND, {
    checkpoint: UploadCheckpoint,
    input: UploadJobInput,
    run: (ctx: JobRun<UploadCheckpoint>): Promise<UploadJobResult> => {
      const cp = ctx.checkpoint;
      return locks.run(contentKey(cp.network, cp.sha256, encryptionOf(cp.encryptTo)), ctx.signal, () => runUpload(ctx, deps, uploads));
    },
    concurrency: deps.concurrency ?? 1,
    retry: { ...DEFAULT_UPLOAD_RETRY, ...deps.retry },
    isPermanent: (e) => isStorageError(e) && !e.transient && e.code !== 'INSUFFICIENT_BALANCE',
  });
}

const now = (): string => new Date().toISOString();

function resultOf(row: UploadRecord, reused: UploadJobResult['reused'], resumed: boolean): UploadJobResult {
  return {
    storageId: row.storageId ?? '',
    uploadRowId: row.id,
    reused,
    resumed,
    itemBytes: row.itemBytes,
    quotedAtomic: row.quotedAtomic,
    chargedAtomic: row.chargedAtomic,
    chargeWarning: row.chargeWarning,
  };
}

/** A checkpoint as the queue stores it (JSON: undefined fields are dropped). */
const asJson = (cp: UploadCheckpoint): UploadCheckpoint => JSON.parse(JSON.stringify(cp)) as UploadCheckpoint;

type Save = (patch: Partial<UploadCheckpoint>) => void;

/** Records a stored item for this job's file (with what it cost); the fields not given are those of an item reused at no charge. */
function recordFor(uploads: UploadsQueries, cp: UploadCheckpoint, item: Partial<Omit<NewUpload, 'assetId' | 'relPath' | 'sha256' | 'network' | 'bytes' | 'encryption'>> & Pick<NewUpload, 'storageId' | 'receipt'>): UploadRecord {
  return uploads.record(
    {
      assetId: cp.assetId,
      relPath: cp.relPath,
      sha256: cp.sha256,
      network: cp.network,
      bytes: cp.size,
      encryption: encryptionOf(cp.encryptTo),
      quotedAtomic: null,
      chargedAtomic: '0',
      itemBytes: null,
      dataSha256: null,
      source: 'reused',
      chargeWarning: null,
      ...item,
    },
    now(),
  );
}

/**
 * What a failed upload means for the job: wait for funds, a permanent failure (with
 * `unusable`'s sentence when the bytes to send are not the expected ones), or a retry.
 */
function uploadFailure(ctx: JobRun<unknown>, deps: UploadJobDeps, relPath: string, e: unknown, unusable: (e: StorageError) => Error | undefined): unknown {
  if (ctx.signal.aborted || !isStorageError(e)) return e;
  if (e.code === 'INSUFFICIENT_BALANCE') waitForFunds(ctx, deps, relPath, e);
  if (e.code === 'FILE_CHANGED' || e.code === 'FILE_UNREADABLE' || e.code === 'ITEM_MISMATCH') {
    const replaced = unusable(e);
    if (replaced) return replaced;
  }
  return e.transient ? e : new PermanentJobError(e.message, { cause: e });
}

async function runUpload(ctx: JobRun<UploadCheckpoint>, deps: UploadJobDeps, uploads: UploadsQueries): Promise<UploadJobResult> {
  const cp: UploadCheckpoint = { ...ctx.checkpoint };
  const encryption = encryptionOf(cp.encryptTo);
  const save: Save = (patch) => {
    Object.assign(cp, patch);
    ctx.saveCheckpoint(asJson(cp));
  };

  // 0. Prepared by a publication (its id is named in a path manifest, maybe registered on
  // chain): exactly that item is sent, whoever asks.
  const prepared = deps.catalog.prepared.get(cp.network, cp.sha256, encryption);
  if (prepared) return sendPrepared(ctx, deps, uploads, cp, prepared, save);

  // 1. Already stored on this network (by any asset)? Record it for this file, pay nothing.
  // (A private version's file reused from an earlier version is stored as that version's item,
  // whose header the version's manifest re-wraps: nothing to upload either.)
  const rewrapped = deps.catalog.rewrapped.get(cp.network, cp.sha256, encryption);
  const itsItem = rewrapped ? uploads.byStorageId(cp.network, rewrapped.storageId) : undefined;
  if (itsItem) {
    ctx.progress(1, 'Already stored');
    return resultOf(itsItem, 'catalog', false);
  }
  const known = uploads.findReusable(cp.network, cp.sha256, encryption);
  if (known?.storageId) {
    const row =
      known.assetId === cp.assetId && known.relPath === cp.relPath
        ? known
        : recordFor(uploads, cp, { storageId: known.storageId, receipt: known.receipt, itemBytes: known.itemBytes, dataSha256: known.dataSha256 });
    await removeStaged(cp.staged);
    ctx.progress(1, 'Already stored');
    return resultOf(row, 'catalog', false);
  }

  const client = await deps.clientFor(cp.network, cp.owner);
  const report = progressReporter(ctx, deps, encryption !== null);

  // A private file has no hash in its tags: an earlier upload of it is found by its keyed tag.
  const dedupe = encryption === null ? undefined : cp.tags?.find((t) => t.name === DEDUPE_TAG)?.value;
  const found = dedupe === undefined ? undefined : await client.findByDedupeTag([dedupe]);
  if (found) {
    const row = recordFor(uploads, cp, { storageId: found.id, receipt: found.receipt });
    await removeStaged(cp.staged);
    ctx.progress(1, 'Already stored');
    return resultOf(row, 'node', false);
  }

  // 2–3. Private files: check the plaintext, then encrypt once to a staged copy.
  let uploadPath = cp.path;
  let dataSha = cp.sha256;
  let dataSize = cp.size;
  if (encryption !== null) {
    const staged = await ensureStaged(ctx, cp, deps, save, report.staging);
    uploadPath = staged.path;
    dataSha = staged.sha256;
    dataSize = staged.size;
  }

  // 4. Upload (or find), resumably.
  const resume: ResumeState | null =
    isAnchor(cp.anchor) && Array.isArray(cp.itemTags) && typeof cp.chunkSize === 'number' && cp.dataSha256 === dataSha && cp.dataSize === dataSize
      ? { sha256: dataSha, size: dataSize, tags: cp.itemTags, anchor: cp.anchor, chunkSize: cp.chunkSize, uploadId: cp.uploadId ?? null, itemId: cp.itemId ?? null }
      : null;
  let result: UploadFileResult;
  try {
    result = await client.uploadFile(uploadPath, { expectedSha256: dataSha, expectedSize: dataSize, tags: cp.tags, encryption, ...uploadHooks(ctx, save, report, resume) });
  } catch (e) {
    if (!ctx.signal.aborted && encryption !== null && (isStorageError(e, 'FILE_CHANGED') || isStorageError(e, 'FILE_UNREADABLE'))) {
      // The staged ciphertext is ours: make a new one on the next run.
      await removeStaged(cp.staged);
      save({ staged: null, anchor: undefined, uploadId: null, itemId: null });
      throw new StorageError('NODE_ERROR', `The encrypted copy of ${cp.relPath} was damaged; encrypting it again.`, { cause: e });
    }
    throw uploadFailure(ctx, deps, cp.relPath, e, (err) => (err.code === 'ITEM_MISMATCH' ? undefined : new PermanentJobError(`${cp.relPath}: ${err.message}`, { cause: err })));
  }

  // 5. Record.
  const row = recordFor(uploads, cp, {
    storageId: result.id,
    receipt: result.receipt,
    quotedAtomic: result.quoted?.atomic ?? null,
    chargedAtomic: result.reused ? '0' : (result.charged?.atomic ?? null),
    itemBytes: result.itemBytes,
    dataSha256: dataSha,
    source: result.reused ? 'reused' : 'uploaded',
    chargeWarning: result.warning,
  });
  if (result.warning !== null) deps.onWarning?.(ctx.job.id, result.warning);
  await removeStaged(cp.staged);
  ctx.progress(1, result.reused ? 'Already stored' : progressLine(result.size, result.size));
  return resultOf(row, result.reused ? 'node' : null, result.resumed);
}

/** An upload's resume state, signal and callbacks: its resume state and quote saved in the checkpoint as they come. */
function uploadHooks(ctx: JobRun<unknown>, save: Save, report: { upload: (p: UploadProgress) => void }, resume: ResumeState | null, itemId?: string) {
  return {
    resume,
    signal: ctx.signal,
    onResumeState: (s: ResumeState): void => {
      save({ anchor: s.anchor, itemTags: s.tags, chunkSize: s.chunkSize, uploadId: s.uploadId, itemId: itemId ?? s.itemId, dataSha256: s.sha256, dataSize: s.size });
    },
    onQuote: (q: { quoted: { atomic: string }; balanceBefore: { atomic: string } }): void => {
      save({ quoted: q.quoted.atomic, balanceBefore: q.balanceBefore.atomic });
    },
    onProgress: report.upload,
  };
}

/** Ends the run: the upload waits for the storage balance to be funded. */
function waitForFunds(ctx: JobRun<unknown>, deps: UploadJobDeps, relPath: string, e: StorageError): never {
  const short = e.shortfall ? e.shortfall.shortBy.formatted : 'an unknown amount';
  return ctx.wait(
    `Your storage balance is short by ${short}: fund it ${deps.fundHint ?? 'on the Wallet screen'} and the upload of ${relPath} continues.`,
    deps.fundingRetryMs ?? 10 * 60_000,
  );
}

/**
 * Sends the item a publication prepared for this content (src/publish/prepare.ts): its id is
 * named in a path manifest, and maybe on chain, so exactly that item is sent (expectedId, no
 * dedupe), from the asset's file or the staged copy the preparation kept. Once stored it is
 * recorded and its prepared row removed, in one transaction.
 */
async function sendPrepared(ctx: JobRun<UploadCheckpoint>, deps: UploadJobDeps, uploads: UploadsQueries, cp: UploadCheckpoint, prepared: PreparedItem, save: Save): Promise<UploadJobResult> {
  const fixed = prepared.resume as unknown as ResumeState;
  const path = prepared.dataPath ?? cp.path;
  // This job's own progress on this very item (chunked upload id, chunk size), else the prepared state.
  const resume: ResumeState =
    cp.itemId === prepared.itemId && isAnchor(cp.anchor) && Array.isArray(cp.itemTags) && typeof cp.chunkSize === 'number'
      ? { ...fixed, tags: cp.itemTags, anchor: cp.anchor, chunkSize: cp.chunkSize, uploadId: cp.uploadId ?? null, itemId: prepared.itemId }
      : { ...fixed, itemId: prepared.itemId };
  const client = await deps.clientFor(cp.network, cp.owner);
  const report = progressReporter(ctx, deps, false);
  let result;
  try {
    result = await client.uploadFile(path, {
      expectedSha256: fixed.sha256,
      expectedSize: fixed.size,
      expectedId: prepared.itemId,
      ...uploadHooks(ctx, save, report, resume, prepared.itemId),
    });
  } catch (e) {
    throw uploadFailure(ctx, deps, cp.relPath, e, () => {
      const what = prepared.dataPath === null ? cp.path : `The encrypted copy of ${cp.relPath} kept for this publication (${prepared.dataPath})`;
      return new PermanentJobError(
        `${cp.relPath}: ${what} is not the one whose storage id was fixed and named in the publication (it changed or is gone), so that item cannot be stored. Put the original bytes back and retry, or rescan and publish the folder again as a new version.`,
        { cause: e },
      );
    });
  }
  const row = deps.catalog.transaction(() => {
    const r = recordFor(uploads, cp, {
      storageId: result.id,
      receipt: result.receipt,
      quotedAtomic: result.quoted?.atomic ?? null,
      chargedAtomic: result.charged?.atomic ?? null,
      itemBytes: result.itemBytes,
      dataSha256: fixed.sha256,
      source: 'uploaded',
      chargeWarning: result.warning,
    });
    deps.catalog.prepared.remove(prepared.id);
    return r;
  });
  if (result.warning !== null) deps.onWarning?.(ctx.job.id, result.warning);
  if (prepared.dataPath !== null) await rm(prepared.dataPath, { force: true }).catch(() => undefined);
  await removeStaged(cp.staged);
  ctx.progress(1, progressLine(result.size, result.size));
  return resultOf(row, null, result.resumed);
}

async function removeStaged(staged: UploadCheckpoint['staged']): Promise<void> {
  if (staged) await rm(staged.path, { force: true }).catch(() => undefined);
}

/** The encrypted copy of a private file: made once (after checking the plaintext) and reused while intact. */
async function ensureStaged(ctx: JobRun<UploadCheckpoint>, cp: UploadCheckpoint, deps: UploadJobDeps, save: Save, report: (p: UploadProgress) => void): Promise<{ path: string; sha256: string; size: number }> {
  const prev = cp.staged;
  if (prev) {
    const st = await stat(prev.path).catch(() => undefined);
    if (st?.isFile() && st.size === prev.size) return prev; // the upload re-hashes it before sending
  }
  if (deps.stagingDir === undefined) throw new PermanentJobError(`${cp.relPath} is private, and no staging folder is configured to encrypt it in.`);
  const progress = (phase: UploadProgress['phase'], b: number): void => {
    report({ phase, bytes: b, total: cp.size, fraction: cp.size > 0 ? Math.min(1, b / cp.size) : 1 });
  };
  progress('checking', 0);
  const checked = await hashFile(cp.path, { signal: ctx.signal, onBytes: (b) => { progress('checking', b); } }).catch((e: unknown) => {
    throw new PermanentJobError(`${cp.relPath}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  });
  if (checked.sha256 !== cp.sha256 || checked.bytes !== cp.size) {
    throw new PermanentJobError(`${cp.relPath}: ${cp.path} changed on disk since it was scanned (sha256 ${checked.sha256}, the manifest says ${cp.sha256}). Nothing was uploaded; rescan the asset.`);
  }
  await mkdir(deps.stagingDir, { recursive: true });
  const path = join(deps.stagingDir, `upload-${ctx.job.id}-${randomBytes(6).toString('hex')}.age`);
  progress('encrypting', 0);
  const out = await encryptFile(cp.path, path, cp.encryptTo ?? [], { signal: ctx.signal, onBytes: (b) => { progress('encrypting', b); } });
  const staged = { path, sha256: out.sha256, size: out.bytes };
  await removeStaged(prev);
  // A new ciphertext is a new item: forget the previous resume state.
  save({ staged, anchor: undefined, itemTags: undefined, uploadId: null, itemId: null, dataSha256: undefined, dataSize: undefined });
  return staged;
}
