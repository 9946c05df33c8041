/**
 * Downloading what an approved request opens, as a durable job (issue 16): `access.download`,
 * one live job per request and network. Each run is `fetchAccess` (fetch → decrypt → verify)
 * into a temporary folder beside the destination whose name the job fixes
 * (`.<name>.ativo-download-<job id>`), renamed into place only when every file matches the
 * registered content root; the job reports "Downloading 3 of 12 files" as it goes.
 *
 * Surviving a restart: a run killed mid-download (SIGKILL, a power cut) leaves only that
 * temporary folder, never a folder under the chosen name. The next run (the queue resumes the
 * job) empties it and downloads again from the start: files are not resumed one by one, because
 * a private file's plaintext hash is known only through the whole folder's content root, so a
 * half-written file could not be told from a whole one without downloading it again. A run killed
 * between "every file matched" (saved in the checkpoint) and the end of the job finds the
 * temporary folder gone and the destination there: it re-hashes the destination, and is done only
 * when its content root is the registered one.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { JobQueue, JobRecord, JsonObject } from '../jobs';
import { PermanentJobError } from '../jobs';
import { AtivoError } from '../util/errors';
import { fetchAccess, type FetchDeps, type FetchResult } from './fetch';

export const DOWNLOAD_JOB_KIND = 'access.download';

export const DownloadCheckpoint = z.looseObject({
  network: z.string().min(1),
  requestId: z.string().regex(/^\d+$/),
  /** The destination folder (absolute). */
  out: z.string().min(1),
  /** The requester's wallet (checksummed): its keychain key opens the grant. */
  wallet: z.string().min(1),
  /** The content root every file matched, saved just before the rename into place. */
  verified: z.string().optional(),
});
export type DownloadCheckpoint = z.infer<typeof DownloadCheckpoint>;

/** One live download per request and network (asking again returns the live one). */
export const downloadKey = (network: string, requestId: string): string => `download:${network}:${requestId}`;

/** The temporary folder of a job, beside its destination. */
export const downloadTemp = (out: string, jobId: number): string => join(dirname(out), `.${basename(out)}.ativo-download-${jobId}`);

export interface DownloadJobDeps {
  /** The fetch dependencies of a network and wallet (throws NOT_CONFIGURED while another network is in use: the job waits). */
  fetchDeps(network: string, wallet: string): Promise<FetchDeps>;
  /** The content root of a folder on disk (hashed again). */
  contentRoot(folder: string): Promise<string>;
}

/** Errors a retry cannot fix: the request, the grant, the destination or the content itself. */
const permanent = (e: unknown): boolean => e instanceof AtivoError && (e.code === 'INVALID_INPUT' || e.code === 'NOT_FOUND' || e.code === 'NOT_A_DIRECTORY');

export function registerDownloadJobs(queue: JobQueue, deps: DownloadJobDeps): void {
  queue.register(DOWNLOAD_JOB_KIND, {
    checkpoint: DownloadCheckpoint,
    input: DownloadCheckpoint,
    concurrency: 1,
    retry: { baseMs: 3_000, factor: 2, maxDelayMs: 5 * 60_000, maxAttempts: 8 },
    isPermanent: permanent,
    run: async (ctx) => {
      const cp = ctx.checkpoint;
      const out = resolve(cp.out);
      const tmp = downloadTemp(out, ctx.job.id);
      if (cp.verified !== undefined && !existsSync(tmp) && existsSync(out)) {
        // Killed after the rename into place: done only if the folder there is the registered content.
        const root = await deps.contentRoot(out);
        if (root !== cp.verified) throw new PermanentJobError(`${out} does not hold the downloaded files any more (its content root changed): download again into a new folder.`);
        return { out, files: null, bytes: null, contentRoot: root, verified: true };
      }
      let fetchDeps: FetchDeps;
      try {
        fetchDeps = await deps.fetchDeps(cp.network, cp.wallet);
      } catch (e) {
        if (e instanceof AtivoError && e.code === 'NOT_CONFIGURED') ctx.wait(`Waiting for the ${cp.network} network: ${e.message}`, 60_000);
        throw e;
      }
      try {
        const r: FetchResult = await fetchAccess(fetchDeps, BigInt(cp.requestId), out, {
          tmp,
          signal: ctx.signal,
          onFile: (done, total) => {
            ctx.progress(total === 0 ? 1 : done / total, `Downloading ${done} of ${total} ${total === 1 ? 'file' : 'files'}`);
          },
          onVerified: (root) => {
            ctx.saveCheckpoint({ ...cp, verified: root }, 1);
          },
        });
        return { out: r.out, files: r.files, bytes: r.bytes, contentRoot: r.contentRoot, verified: true };
      } catch (e) {
        // fetchAccess removes its temp folder on a failure; a pause or cancel must not leave it either.
        await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
        if (e instanceof AtivoError && e.code === 'BUSY') ctx.wait(e.message, 60_000);
        throw e;
      }
    },
  });
}

/** Queues the download of a request into `out` (one live job per request: asking again returns the live one). */
export function enqueueDownload(queue: JobQueue, cp: DownloadCheckpoint): { job: JobRecord; created: boolean } {
  return queue.enqueue(DOWNLOAD_JOB_KIND, { dedupeKey: downloadKey(cp.network, cp.requestId), checkpoint: JSON.parse(JSON.stringify(cp)) as JsonObject });
}

/** The latest download job of each request of `wallet` on `network` (request id → job). */
export function downloadsOf(queue: JobQueue, network: string, wallet: string): Map<string, JobRecord> {
  const out = new Map<string, JobRecord>();
  const w = wallet.toLowerCase();
  for (const j of queue.list({ kind: DOWNLOAD_JOB_KIND, limit: 1000 }).items) {
    const cp = DownloadCheckpoint.safeParse(j.checkpoint);
    if (!cp.success || cp.data.network !== network || cp.data.wallet.toLowerCase() !== w) continue;
    const known = out.get(cp.data.requestId);
    if (known === undefined || known.id < j.id) out.set(cp.data.requestId, j);
  }
  return out;
}
