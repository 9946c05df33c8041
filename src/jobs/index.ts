/**
 * Durable jobs (DESIGN.md: src/jobs). Typical use by a service: a typed kind, whose checkpoint
 * the queue parses with its zod schema before each run (a damaged one fails that job alone):
 *
 *   const queue = new JobQueue(catalog, { concurrency: 2 });
 *   queue.register('upload', {
 *     checkpoint: z.looseObject({ files: z.array(z.string()), uploaded: z.array(z.string()).default([]) }),
 *     concurrency: 1,
 *     run: async (ctx) => {
 *       const done = new Set(ctx.checkpoint.uploaded);             // resume where the last run stopped
 *       for (const f of ctx.checkpoint.files) {
 *         if (done.has(f)) continue;
 *         ctx.signal.throwIfAborted();                             // pause / cancel / stop
 *         await upload(f, { signal: ctx.signal });
 *         done.add(f);
 *         ctx.saveCheckpoint({ ...ctx.checkpoint, uploaded: [...done] }, done.size / ctx.checkpoint.files.length);
 *       }
 *       return { receipts: done.size };
 *     },
 *   });
 *   queue.start();
 *   queue.enqueue('upload', { assetId, checkpoint: { files }, dedupeKey: `upload:${assetId}` });
 *
 * Parent and child jobs: a job queues others with `parent: ctx.job.id` (enqueue, enqueueBatch)
 * and ends its run with ctx.waitForChildren(message): no timer, the last child to end wakes it.
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
  JobRun,
  JobSpec,
  JobStateValue,
  JsonObject,
  JsonValue,
  RegisterOptions,
} from './queue';
export { JobInterruptedError, JobWaitError, PermanentJobError, type InterruptReason } from './errors';
export { DEFAULT_RETRY, backoffCeiling, backoffDelay, type RetryPolicy } from './backoff';
export { FakeClock, systemClock, type Clock } from './clock';
