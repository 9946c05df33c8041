/**
 * Durable jobs (DESIGN.md: src/jobs). Typical use by a service:
 *
 *   const queue = new JobQueue(catalog, { concurrency: 2 });
 *   queue.register<{ uploaded: string[] }>('upload', async (ctx) => {
 *     const done = new Set(ctx.checkpoint.uploaded ?? []);          // resume where the last run stopped
 *     for (const f of files) {
 *       if (done.has(f)) continue;
 *       ctx.signal.throwIfAborted();                                // pause / cancel / stop
 *       if (!funded) ctx.wait('Insufficient storage balance: fund your account.', 10 * 60_000);
 *       await upload(f, { signal: ctx.signal });
 *       done.add(f);
 *       ctx.saveCheckpoint({ uploaded: [...done] }, done.size / files.length);
 *     }
 *     return { receipts: done.size };
 *   }, { concurrency: 1 });
 *   queue.start();
 *   queue.enqueue('upload', { assetId, dedupeKey: `upload:${assetId}` });
 */
export { JobQueue } from './queue';
export type {
  EnqueueOptions,
  JobContext,
  JobEvent,
  JobHandler,
  JobListener,
  JobListFilter,
  JobQueueOptions,
  JobRecord,
  JobStateValue,
  JsonObject,
  JsonValue,
  RegisterOptions,
} from './queue';
export { JobInterruptedError, JobWaitError, PermanentJobError, type InterruptReason } from './errors';
export { DEFAULT_RETRY, backoffCeiling, backoffDelay, type RetryPolicy } from './backoff';
export { FakeClock, systemClock, type Clock } from './clock';
