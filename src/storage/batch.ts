/**
 * Queuing many file uploads at once (a publication's files): one batch, one transaction. The
 * queue's upload jobs are the ones of ./jobs; this only saves 20,000 separate commits and lets
 * the UI show the batch as one summary.
 */
import { PermanentJobError, type JobQueue, type JobRecord, type JsonObject } from '../jobs';
import { UPLOAD_JOB_KIND, uploadDedupeKey, type UploadJobInput } from './jobs';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Queues uploads as one batch; files already queued (a live job) are not queued twice. With
 * `parent` (a publication's job), the uploads are its children: the last to end wakes it.
 */
export function enqueueUploads(queue: JobQueue, inputs: readonly UploadJobInput[], options: { parent?: number } = {}): { batch: number | null; jobs: JobRecord[]; created: number } {
  for (const i of inputs) {
    if (!SHA256.test(i.sha256) || !Number.isSafeInteger(i.size) || i.size < 0 || i.relPath === '' || i.path === '' || i.network === '') {
      throw new PermanentJobError(`This upload cannot be queued: ${i.relPath || 'a file'} has no valid fingerprint, size or path.`);
    }
  }
  return queue.enqueueBatch(
    UPLOAD_JOB_KIND,
    inputs.map((i) => ({ assetId: i.assetId, checkpoint: JSON.parse(JSON.stringify(i)) as JsonObject, dedupeKey: uploadDedupeKey(i) })),
    options,
  );
}
