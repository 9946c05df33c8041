import type { z } from 'zod';
import type { JobRecord, JobStateValue, JsonObject, JsonValue } from '../catalog/jobs';
import type { RetryPolicy } from './backoff';
import type { Clock } from './clock';

/** What a handler gets for one run of a job, with its checkpoint of type T. */
export interface JobRun<T> {
  /** The job as it was when this run began (state 'running', attempts counting this run). */
  readonly job: JobRecord;
  /** The last saved checkpoint ({} for a fresh untyped job): where to resume from. Typed kinds get it parsed by their schema. */
  readonly checkpoint: T;
  /** Aborted (reason: a JobInterruptedError) when the job is paused, cancelled or the queue stops. */
  readonly signal: AbortSignal;
  /**
   * Durably stores the checkpoint (as JSON: undefined fields are dropped), with the progress
   * (this value, or the last reported), in one transaction, before returning. Throws if the job
   * is no longer running here.
   */
  saveCheckpoint(checkpoint: T, progress?: number): void;
  /** Reports progress (0..1, clamped); written and announced at most every few hundred ms. */
  progress(fraction: number, detail?: string): void;
  /** Ends this run: the job waits (with `message` for a person) and runs again after retryAfterMs or when poked. */
  wait(message: string, retryAfterMs: number): never;
  /**
   * Ends this run: the job waits (with `message` for a person) for its children (jobs queued
   * with `parent: job.id`), with no timer: the last child to end wakes it. When none is live
   * any more, it runs again at once.
   */
  waitForChildren(message: string): never;
}

/** The context of an untyped kind: its checkpoint is whatever JSON object was saved. */
export type JobContext<C extends JsonObject = JsonObject> = JobRun<Partial<C>>;

/** Runs one attempt of a job; what it resolves to (JSON, or nothing) is stored as the job's result. */
export type JobHandler<C extends JsonObject = JsonObject, R extends JsonValue = JsonValue> = (
  ctx: JobContext<C>,
) => Promise<R | undefined> | Promise<void>;

export interface RegisterOptions {
  /** At most this many jobs of this kind run at once (still within the queue's limit). */
  concurrency?: number;
  /** Overrides of the queue's retry policy for this kind. */
  retry?: Partial<RetryPolicy>;
  /** Classifies other errors as permanent (no retry); PermanentJobError always is. */
  isPermanent?: (error: unknown) => boolean;
  /** A sentence when a job of this kind, at this checkpoint, must not be cancelled (cancel refuses, BUSY); null when it may. */
  cancelRefusal?: (checkpoint: JsonObject) => string | null;
}

/**
 * A typed job kind: its checkpoint is parsed by `checkpoint` each time the job is loaded to run
 * (a stored checkpoint that does not parse fails the job with a sentence, and the others keep
 * running); `input`, when given, checks what enqueue stores for a new job (refused with
 * INVALID_INPUT). Use loose object schemas so fields a newer version adds survive a resave.
 */
export interface JobSpec<S extends z.ZodType<object>, R extends JsonValue = JsonValue> extends RegisterOptions {
  checkpoint: S;
  input?: z.ZodType<object>;
  run(ctx: JobRun<z.output<S>>): Promise<R | undefined> | Promise<void>;
}

export interface JobQueueOptions {
  /** At most this many jobs run at once (default 2). */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  /** Uniform in [0, 1): jitter of retry delays (default Math.random). */
  random?: () => number;
  /** Progress is written to the catalog at most this often per job (default 1000 ms). */
  progressWriteMs?: number;
  /** Progress events are emitted at most this often per job (default 200 ms). */
  progressEventMs?: number;
  /** Where a listener's exception (or an unexpected internal failure) is reported (default console.error). */
  onError?: (error: unknown) => void;
  /**
   * While started, how often to look whether another process changed the database (SQLite's
   * data_version): work queued, retried or resumed by the CLI while the app runs the jobs starts
   * within this time (default 1000 ms; 0: never look).
   */
  watchMs?: number;
}

export type JobEvent =
  /** A job was created or changed state (from: null when created). */
  | { type: 'state'; job: JobRecord; from: JobStateValue | null }
  | { type: 'progress'; id: number; kind: string; assetId: number | null; batch: number | null; progress: number; detail: string | null }
  /** The queue-wide pause switch changed. */
  | { type: 'paused'; paused: boolean };

export type JobListener = (event: JobEvent) => void;

export interface EnqueueOptions<C extends object = JsonObject> {
  assetId?: number;
  checkpoint?: Partial<C>;
  /** While a job with this key is queued, running, paused or waiting, enqueue returns it instead. */
  dedupeKey?: string;
  /** Not before this many ms from now (default: due now). */
  delayMs?: number;
}
