/**
 * Commands of background jobs and their batches. Spread into `commands` (contract.ts).
 * Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { Id, Paging, JobState } from './schemas';

export const JobView = z.object({
  id: Id,
  kind: z.string(),
  assetId: z.number().int().nullable(),
  state: JobState,
  attempts: z.number().int(),
  progress: z.number(),
  nextRunAt: z.string().nullable(),
  /** The last error, or what a waiting job waits for. */
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The batch the job was queued in (e.g. one publication's file uploads), or null for a job on its own. */
  batch: z.number().int().nullable(),
  /** What the job works on, for people: an upload's file path in its asset; null for other kinds. */
  label: z.string().nullable(),
});
const JobId = z.object({ id: Id }).strict();

/** How many jobs of a batch are in each state. */
export const JobCounts = z.object({
  queued: z.number().int(),
  running: z.number().int(),
  waiting: z.number().int(),
  paused: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});

/** A job running now, with the progress line it reports ("Uploading 42% · 12 MB of 30 MB · about 1 min left"). */
export const RunningJob = z.object({ id: Id, progress: z.number(), detail: z.string().nullable(), label: z.string().nullable() });

/**
 * A batch of jobs queued together (a publication's 20,000 file uploads): one summary instead of
 * 20,000 rows. `bytes` sums the files' sizes (upload jobs); `bytesDone` counts finished files and
 * the finished part of running ones; `etaSeconds` is estimated from the rate of the last minute
 * (null until there is one).
 */
export const JobBatchView = z.object({
  id: Id,
  kind: z.string(),
  assetId: z.number().int().nullable(),
  total: z.number().int(),
  counts: JobCounts,
  bytes: z.number(),
  bytesDone: z.number(),
  createdAt: z.string(),
  etaSeconds: z.number().nullable(),
  /** etaSeconds in words, as the upload lines say it ("about 3 min left"); null with it. */
  etaText: z.string().nullable(),
  running: z.array(RunningJob),
  /** Jobs that need a person: failed, waiting (with the reason in `error`) or paused; the first 20. */
  attention: z.array(JobView),
  /** The batch's progress in words (src/api/progress.ts): every screen shows these, so none disagree. */
  summary: z.object({ percent: z.number(), counts: z.string(), bytes: z.string().nullable(), status: z.string().nullable(), blocked: z.boolean() }),
});

export const jobsCommands = {
  'jobs.list': {
    input: z
      .object({
        state: JobState.optional(),
        kind: z.string().max(100).optional(),
        assetId: Id.optional(),
        /** false: only jobs queued on their own (the batches are summarized by jobs.batches); true: only jobs of a batch. */
        batched: z.boolean().optional(),
        batch: Id.optional(),
        ...Paging,
      })
      .strict(),
    output: z.object({
      items: z.array(JobView),
      total: z.number().int(),
      paused: z.boolean(),
      runner: z.boolean(),
      /** The work this process picked up when it became the job runner (src/api/resumed.ts), and when; null in a process that runs no jobs. */
      resumed: z.object({ at: z.string(), items: z.array(z.object({ kind: z.string(), assetId: z.number().int().nullable(), count: z.number().int() })) }).nullable(),
    }),
  },
  /** The batches with work left or needing a person (any job not done or cancelled), newest first. */
  'jobs.batches': {
    input: z.object({}).strict(),
    output: z.object({ items: z.array(JobBatchView) }),
  },
  /** Retries every failed job of a batch; returns how many were queued again. */
  'jobs.retryBatch': { input: z.object({ batch: Id }).strict(), output: z.object({ retried: z.number().int() }) },
  /** Pauses every job of a batch that has not finished (running ones stop at once and resume from their checkpoints). */
  'jobs.pauseBatch': { input: z.object({ batch: Id }).strict(), output: z.object({ paused: z.number().int() }) },
  /** Queues a batch's paused jobs again. */
  'jobs.resumeBatch': { input: z.object({ batch: Id }).strict(), output: z.object({ resumed: z.number().int() }) },
  /** Cancels every job of a batch that has not finished, and gives up on its failed ones; returns how many. */
  'jobs.cancelBatch': { input: z.object({ batch: Id }).strict(), output: z.object({ cancelled: z.number().int() }) },
  'jobs.pause': { input: JobId, output: JobView },
  'jobs.resume': { input: JobId, output: JobView },
  'jobs.cancel': { input: JobId, output: JobView },
  'jobs.retry': { input: JobId, output: JobView },
  'jobs.pauseAll': { input: z.object({}).strict(), output: z.object({ paused: z.boolean() }) },
  'jobs.resumeAll': { input: z.object({}).strict(), output: z.object({ paused: z.boolean() }) },
} as const;

export type JobView = z.infer<typeof JobView>;
export type JobBatchView = z.infer<typeof JobBatchView>;
export type JobCounts = z.infer<typeof JobCounts>;
