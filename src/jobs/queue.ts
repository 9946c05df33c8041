import type { Catalog } from '../catalog/db';
import type { BatchSummary, JobsQueries } from '../catalog/jobs';
import {
  FINAL_JOB_STATES,
  type JobListFilter,
  type JobPatch,
  type JobRecord,
  type JobStateValue,
  type JsonObject,
  type JsonValue,
} from '../catalog/jobs';
import { AtivoError, errnoCode } from '../util/errors';
import { DEFAULT_RETRY, backoffDelay, validateRetryPolicy, type RetryPolicy } from './backoff';
import { systemClock, type Clock } from './clock';
import { JobInterruptedError, JobWaitError, PermanentJobError, type InterruptReason } from './errors';

export type { JobListFilter, JobRecord, JobStateValue, JsonObject, JsonValue };

/** What a handler gets for one run of a job. */
export interface JobContext<C extends JsonObject = JsonObject> {
  /** The job as it was when this run began (state 'running', attempts counting this run). */
  readonly job: JobRecord;
  /** The last saved checkpoint ({} for a fresh job): where to resume from. */
  readonly checkpoint: Partial<C>;
  /** Aborted (reason: a JobInterruptedError) when the job is paused, cancelled or the queue stops. */
  readonly signal: AbortSignal;
  /**
   * Durably stores the checkpoint, with the progress (this value, or the last reported), in one
   * transaction, before returning. Throws if the job is no longer running here.
   */
  saveCheckpoint(checkpoint: C, progress?: number): void;
  /** Reports progress (0..1, clamped); written and announced at most every few hundred ms. */
  progress(fraction: number, detail?: string): void;
  /** Ends this run: the job waits (with `message` for a person) and runs again after retryAfterMs or when poked. */
  wait(message: string, retryAfterMs: number): never;
}

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

export interface EnqueueOptions<C extends JsonObject = JsonObject> {
  assetId?: number;
  checkpoint?: Partial<C>;
  /** While a job with this key is queued, running, paused or waiting, enqueue returns it instead. */
  dedupeKey?: string;
  /** Not before this many ms from now (default: due now). */
  delayMs?: number;
}

type Intent = 'pause' | 'cancel' | 'requeue';

interface Kind {
  handler: JobHandler;
  concurrency: number;
  retry: RetryPolicy;
  isPermanent: (error: unknown) => boolean;
  cancelRefusal: ((checkpoint: JsonObject) => string | null) | undefined;
}

interface Run {
  job: JobRecord;
  kind: string;
  controller: AbortController;
  intent: Intent | null;
  checkpoint: JsonObject;
  progress: number;
  detail: string | null;
  lastWriteAt: number;
  lastEventAt: number;
  settled: boolean;
  done: Promise<void>;
}

const errorMessage = (e: unknown): string => {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  try {
    // JSON.stringify gives undefined (typed string) for undefined and functions.
    return JSON.stringify(e) || String(e);
  } catch {
    return String(e);
  }
};

const positiveInt = (n: number, what: string): number => {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be an integer ≥ 1 (got ${n}).`);
  return n;
};

/**
 * A durable job queue over the catalog's jobs table. Every state change is one transaction; the
 * handler's checkpoint is what survives a crash. One JobQueue per catalog file: start() takes
 * over jobs another process left running.
 */
export class JobQueue {
  private readonly q: JobsQueries;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly defaultRetry: RetryPolicy;
  private readonly progressWriteMs: number;
  private readonly progressEventMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly kinds = new Map<string, Kind>();
  private readonly runs = new Map<number, Run>();
  private readonly listeners = new Set<JobListener>();
  private started = false;
  private paused = false;
  private cancelTimer: (() => void) | undefined;
  private pumping = false;
  private pumpAgain = false;
  private readonly watchMs: number;
  private cancelWatch: (() => void) | undefined;
  private seenVersion = -1;

  constructor(catalog: Catalog, options: JobQueueOptions = {}) {
    this.q = catalog.jobs;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.concurrency = positiveInt(options.concurrency ?? 2, 'concurrency');
    this.defaultRetry = validateRetryPolicy({ ...DEFAULT_RETRY, ...options.retry });
    this.progressWriteMs = options.progressWriteMs ?? 1000;
    this.progressEventMs = options.progressEventMs ?? 200;
    this.onError = options.onError ?? ((e) => { console.error('[jobs]', e); });
    this.watchMs = options.watchMs ?? 1000;
    this.paused = this.q.globalPaused();
  }

  // ── registration and events ──────────────────────────────────────────────

  register<C extends JsonObject = JsonObject, R extends JsonValue = JsonValue>(kind: string, handler: JobHandler<C, R>, options: RegisterOptions = {}): void {
    if (this.kinds.has(kind)) throw new AtivoError('INVALID_INPUT', `A handler for job kind "${kind}" is already registered.`);
    this.kinds.set(kind, {
      handler: handler as unknown as Kind['handler'],
      concurrency: positiveInt(options.concurrency ?? Number.MAX_SAFE_INTEGER, `concurrency of "${kind}"`),
      retry: validateRetryPolicy({ ...this.defaultRetry, ...options.retry }),
      isPermanent: options.isPermanent ?? (() => false),
      cancelRefusal: options.cancelRefusal,
    });
    this.pump();
  }

  /** Subscribes to state and progress events; returns the unsubscribe function. */
  on(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private emit(event: JobEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (e) {
        this.onError(e);
      }
    }
  }

  private emitState(job: JobRecord | undefined, from: JobStateValue | null): void {
    if (job) this.emit({ type: 'state', job, from });
  }

  // ── queries ──────────────────────────────────────────────────────────────

  get(id: number): JobRecord | undefined {
    return this.q.get(id);
  }

  list(filter: JobListFilter = {}): { items: JobRecord[]; total: number } {
    return this.q.list(filter);
  }

  /** Whether the queue-wide pause is on (persisted: it survives a restart). */
  isPaused(): boolean {
    return this.paused;
  }

  /** Resolves with the job once it is in one of `states` (default: done, failed or cancelled). */
  settled(id: number, states: readonly JobStateValue[] = FINAL_JOB_STATES): Promise<JobRecord> {
    return new Promise((resolve, reject) => {
      const off = this.on((e) => {
        if (e.type === 'state' && e.job.id === id && states.includes(e.job.state)) {
          off();
          resolve(e.job);
        }
      });
      const now = this.q.get(id);
      if (!now) {
        off();
        reject(new AtivoError('NOT_FOUND', `No job with id ${id}.`));
      } else if (states.includes(now.state)) {
        off();
        resolve(now);
      }
    });
  }

  // ── commands ─────────────────────────────────────────────────────────────

  enqueue<C extends JsonObject = JsonObject>(kind: string, options: EnqueueOptions<C> = {}): { job: JobRecord; created: boolean } {
    if (!this.kinds.has(kind)) throw new AtivoError('INVALID_INPUT', `Unknown job kind "${kind}" (no handler registered).`);
    let checkpoint: string;
    try {
      checkpoint = JSON.stringify(options.checkpoint ?? {});
    } catch (e) {
      throw new AtivoError('INVALID_INPUT', `The checkpoint of a new ${kind} job cannot be stored as JSON: ${errorMessage(e)}`, { cause: e });
    }
    let r: { job: JobRecord; created: boolean };
    try {
      r = this.q.insert(
        { kind, assetId: options.assetId, checkpoint, dedupeKey: options.dedupeKey, nextRunAt: this.iso(options.delayMs ?? 0) },
        this.iso(),
      );
    } catch (e) {
      if (errnoCode(e) === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new AtivoError('NOT_FOUND', `No asset with id ${options.assetId ?? '?'}.`, { cause: e });
      }
      throw e;
    }
    if (r.created) this.emitState(r.job, null);
    this.pump();
    return r;
  }

  /**
   * Queues many jobs of one kind as one batch, in one transaction (20,000 file uploads take one
   * commit, not 20,000). Jobs whose dedupe key is held by a live job are not queued again (that
   * job is returned). `batch` is the new batch's id, or null when every job already existed.
   */
  enqueueBatch<C extends JsonObject = JsonObject>(kind: string, items: readonly EnqueueOptions<C>[]): { batch: number | null; jobs: JobRecord[]; created: number } {
    if (!this.kinds.has(kind)) throw new AtivoError('INVALID_INPUT', `Unknown job kind "${kind}" (no handler registered).`);
    const now = this.iso();
    const rows = items.map((o) => {
      let checkpoint: string;
      try {
        checkpoint = JSON.stringify(o.checkpoint ?? {});
      } catch (e) {
        throw new AtivoError('INVALID_INPUT', `The checkpoint of a new ${kind} job cannot be stored as JSON: ${errorMessage(e)}`, { cause: e });
      }
      return { kind, assetId: o.assetId, checkpoint, dedupeKey: o.dedupeKey, nextRunAt: this.iso(o.delayMs ?? 0) };
    });
    let r: ReturnType<JobsQueries['insertBatch']>;
    try {
      r = this.q.insertBatch(rows, now);
    } catch (e) {
      if (errnoCode(e) === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new AtivoError('NOT_FOUND', 'A job names an asset that is not in the catalog.', { cause: e });
      throw e;
    }
    let created = 0;
    for (const j of r.jobs) {
      if (!j.created) continue;
      created++;
      this.emitState(j.job, null);
    }
    this.pump();
    return { batch: r.batch, jobs: r.jobs.map((j) => j.job), created };
  }

  /** A batch in numbers, or undefined. */
  batchSummary(batch: number): BatchSummary | undefined {
    return this.q.batchSummary(batch);
  }

  /** Batches with a job not done or cancelled, newest first. */
  openBatches(): number[] {
    return this.q.openBatches();
  }

  /** A batch's failed, waiting and paused jobs (failed first). */
  batchAttention(batch: number, limit = 20): JobRecord[] {
    return this.q.batchAttention(batch, limit);
  }


  /** The jobs running in this process now, with their latest progress and detail line. */
  running(): { id: number; kind: string; assetId: number | null; batch: number | null; progress: number; detail: string | null }[] {
    return [...this.runs.values()].map((r) => ({ id: r.job.id, kind: r.kind, assetId: r.job.assetId, batch: r.job.batch, progress: r.progress, detail: r.detail }));
  }

  /** Queues every failed job of a batch again (see retry); returns how many. */
  retryBatch(batch: number): number {
    let n = 0;
    for (const id of this.q.batchJobIds(batch, ['failed'])) {
      try {
        this.retry(id);
        n++;
      } catch (e) {
        if (!(e instanceof AtivoError)) throw e; // retried meanwhile, or its key is held: skip it
      }
    }
    return n;
  }

  /**
   * Cancels every job of a batch that has not finished, and dismisses its failed ones (they move
   * to cancelled: the person gave up on them); returns how many. The ones not running are
   * cancelled in one statement, so none of them starts meanwhile; then the running ones.
   */
  async cancelBatch(batch: number): Promise<number> {
    let n = 0;
    for (const id of this.q.batchJobIds(batch, ['failed'])) if (this.dismiss(id)) n++;
    return n + (await this.stopBatch(batch, ['queued', 'waiting', 'paused'], (now) => this.q.cancelBatchNotRunning(batch, now), (id) => this.cancel(id)));
  }

  /** Pauses a batch: the jobs not running in one statement, then the running ones (they stop and keep their checkpoints). Returns how many. */
  pauseBatch(batch: number): Promise<number> {
    return this.stopBatch(batch, ['queued', 'waiting'], (now) => this.q.pauseBatchNotRunning(batch, now), (id) => this.pause(id));
  }

  /** Moves a batch's jobs in `from` with one statement (announcing each), then ends its running ones one by one. */
  private async stopBatch(batch: number, from: JobStateValue[], update: (now: string) => JobRecord[], stopRunning: (id: number) => Promise<JobRecord>): Promise<number> {
    const before = new Map(this.q.batchJobStates(batch, from).map((j) => [j.id, j.state]));
    let n = 0;
    for (const job of update(this.iso())) {
      n++;
      this.emitState(job, before.get(job.id) ?? 'queued');
    }
    for (const run of [...this.runs.values()].filter((r) => r.job.batch === batch)) {
      try {
        await stopRunning(run.job.id);
        n++;
      } catch (e) {
        if (!(e instanceof AtivoError)) throw e;
      }
    }
    return n;
  }

  /** Queues a batch's paused jobs again, due now; returns how many. */
  resumeBatch(batch: number): number {
    const resumed = this.q.resumeBatch(batch, this.iso());
    for (const job of resumed) this.emitState(job, 'paused');
    this.pump();
    return resumed.length;
  }

  /** A failed job is given up on: it moves to cancelled (it leaves its batch's open work). False if it was not failed. */
  dismiss(id: number): boolean {
    const job = this.q.get(id);
    return job !== undefined && this.move(job, ['failed'], 'cancelled', { nextRunAt: null }) !== undefined;
  }

  /** Is a job whose dedupe key starts with `prefix` queued, running, paused or waiting? */
  hasLiveKeyPrefix(prefix: string): boolean {
    return this.q.hasLiveKeyPrefix(prefix);
  }

  /** Failed jobs whose dedupe key starts with `prefix`, oldest first. */
  failedWithKeyPrefix(prefix: string): JobRecord[] {
    return this.q.failedWithKeyPrefix(prefix);
  }

  /** Pauses a queued or waiting job at once, or a running one once its handler has returned after the abort. */
  async pause(id: number): Promise<JobRecord> {
    const run = this.runs.get(id);
    if (run) {
      if (run.intent !== 'cancel') this.interrupt(run, 'pause', 'pause');
      await run.done;
      return this.mustGet(id);
    }
    const job = this.mustGet(id);
    if (job.state === 'paused') return job;
    if (job.state === 'running') throw this.notHere(job);
    const paused = this.move(job, ['queued', 'waiting'], 'paused', { nextRunAt: null });
    if (!paused) throw this.wrongState(job, 'paused', 'queued, waiting or running');
    return paused;
  }

  /** A paused job is queued again (due now); a waiting one is made due now. */
  async resume(id: number): Promise<JobRecord> {
    const job = this.mustGet(id);
    if (job.state === 'queued' || job.state === 'running') return job;
    if (job.state === 'waiting') {
      this.q.poke({ id }, this.iso());
      this.pump();
      return this.mustGet(id);
    }
    const resumed = this.move(job, ['paused'], 'queued', { nextRunAt: this.iso() });
    if (!resumed) throw this.wrongState(job, 'resumed', 'paused or waiting');
    this.pump();
    return resumed;
  }

  /** Cancels a job that has not finished; a running one is aborted and cancelled once its handler returns. */
  async cancel(id: number): Promise<JobRecord> {
    const run = this.runs.get(id);
    const current = run?.job ?? this.q.get(id);
    if (current !== undefined && current.state !== 'cancelled') {
      const cp = run ? run.checkpoint : current.checkpoint;
      const refusal = cp === null ? null : this.kinds.get(current.kind)?.cancelRefusal?.(cp);
      if (refusal) throw new AtivoError('BUSY', refusal);
    }
    if (run) {
      this.interrupt(run, 'cancel', 'cancel');
      await run.done;
      return this.mustGet(id);
    }
    const job = this.mustGet(id);
    if (job.state === 'cancelled') return job;
    if (job.state === 'running') throw this.notHere(job);
    const cancelled = this.move(job, ['queued', 'waiting', 'paused'], 'cancelled', { nextRunAt: null });
    if (!cancelled) throw this.wrongState(job, 'cancelled', 'queued, waiting, paused or running');
    return cancelled;
  }

  /**
   * Queues a failed job again with fresh attempts, resuming from its checkpoint, or from the
   * beginning with fromScratch (the way out of a damaged checkpoint).
   */
  retry(id: number, options: { fromScratch?: boolean } = {}): JobRecord {
    const job = this.mustGet(id);
    const patch: JobPatch = { nextRunAt: this.iso(), attemptsDelta: -job.attempts, error: null, result: null };
    if (options.fromScratch) Object.assign(patch, { checkpoint: '{}', progress: 0 });
    let retried: JobRecord | undefined;
    try {
      retried = this.move(job, ['failed'], 'queued', patch);
    } catch (e) {
      if (errnoCode(e) === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new AtivoError('BUSY', `Another job with key "${job.dedupeKey ?? ''}" is already queued or running; job ${id} was not retried.`, { cause: e });
      }
      throw e;
    }
    if (!retried) throw this.wrongState(job, 'retried', 'failed');
    this.pump();
    return retried;
  }

  /** Makes waiting jobs, and queued ones backing off, due now (all, one id, or one kind). Returns how many. */
  poke(target: { id?: number; kind?: string } = {}): number {
    const n = this.q.poke(target, this.iso()).length;
    this.pump();
    return n;
  }

  /**
   * Ends the wait of waiting jobs of `kind` whose wait `matches` (what they waited for has
   * happened, e.g. storage was funded): each goes back in line at once, its wait message
   * cleared and its state announced, so nothing shows it as still waiting. Returns how many.
   */
  wake(kind: string, matches: (waitMessage: string | null) => boolean): number {
    let n = 0;
    for (const job of this.q.list({ state: 'waiting', kind, limit: 100_000 }).items) {
      if (matches(job.error) && this.move(job, ['waiting'], 'queued', { nextRunAt: this.iso(), error: null })) n++;
    }
    if (n > 0) this.pump();
    return n;
  }

  /** Turns the queue-wide pause on (persisted); running jobs are interrupted and queued again. */
  async pauseAll(): Promise<void> {
    this.q.setGlobalPaused(true);
    if (!this.paused) {
      this.paused = true;
      this.emit({ type: 'paused', paused: true });
    }
    this.clearTimer();
    const runs = [...this.runs.values()];
    for (const run of runs) if (!run.intent) this.interrupt(run, 'requeue', 'pause');
    await Promise.all(runs.map((r) => r.done));
  }

  resumeAll(): void {
    this.q.setGlobalPaused(false);
    if (this.paused) {
      this.paused = false;
      this.emit({ type: 'paused', paused: false });
    }
    this.pump();
  }

  /** Starts scheduling; jobs left running by a process that died are queued again first (they resume from their checkpoints). */
  start(): void {
    if (this.started) return;
    this.paused = this.q.globalPaused();
    // Handlers still finishing after a stop({ graceMs }) are ours, not a dead process's.
    for (const job of this.q.recoverRunning(this.iso(), [...this.runs.keys()])) this.emitState(job, 'running');
    this.started = true;
    this.seenVersion = this.q.dataVersion();
    this.watch();
    this.pump();
  }

  /**
   * Looks every watchMs whether another process committed to the catalog; if so, re-reads the
   * pause switch and schedules again (a job it queued or retried is due now). One cheap pragma
   * per tick, no query when nothing changed.
   */
  private watch(): void {
    if (this.watchMs <= 0 || !this.started) return;
    this.cancelWatch = this.clock.setTimer(this.watchMs, () => {
      this.cancelWatch = undefined;
      if (!this.started) return;
      try {
        const v = this.q.dataVersion();
        if (v !== this.seenVersion) {
          this.seenVersion = v;
          const paused = this.q.globalPaused();
          if (paused !== this.paused) {
            this.paused = paused;
            this.emit({ type: 'paused', paused });
          }
          this.pump();
        }
      } catch (e) {
        this.onError(e);
      }
      this.watch();
    });
  }

  /**
   * Stops scheduling, aborts running handlers and waits for them; their jobs are queued again
   * (a restart resumes them). With graceMs, stops waiting after that long: a handler that ignores
   * its signal leaves its job 'running', which the next start() recovers.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    this.started = false;
    this.clearTimer();
    this.cancelWatch?.();
    this.cancelWatch = undefined;
    const runs = [...this.runs.values()];
    for (const run of runs) if (!run.intent) this.interrupt(run, 'requeue', 'stop');
    const all = Promise.all(runs.map((r) => r.done)).then(() => undefined);
    if (options.graceMs === undefined) return all;
    let cancel: (() => void) | undefined;
    const grace = new Promise<void>((resolve) => { cancel = this.clock.setTimer(options.graceMs ?? 0, resolve); });
    await Promise.race([all, grace]);
    cancel?.();
  }

  /** How many handlers are running now (in this process). */
  get runningCount(): number {
    return this.runs.size;
  }

  // ── scheduling ───────────────────────────────────────────────────────────

  private iso(offsetMs = 0): string {
    return new Date(this.clock.now() + offsetMs).toISOString();
  }

  private clearTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /** Kinds that may start another job now. */
  private eligibleKinds(): string[] {
    const running = new Map<string, number>();
    for (const r of this.runs.values()) running.set(r.kind, (running.get(r.kind) ?? 0) + 1);
    return [...this.kinds].filter(([k, spec]) => (running.get(k) ?? 0) < spec.concurrency).map(([k]) => k);
  }

  /** Starts due jobs up to the limits, then sets a timer for the next one that is not due yet. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pumpAgain = false;
    try {
      do this.pumpOnce();
      while (this.takePumpAgain());
    } catch (e) {
      this.onError(e);
    } finally {
      this.pumping = false;
    }
  }

  private takePumpAgain(): boolean {
    const again = this.pumpAgain;
    this.pumpAgain = false;
    return again;
  }

  private pumpOnce(): void {
    this.clearTimer();
    if (!this.started || this.paused) return;
    while (this.runs.size < this.concurrency) {
      const claimed = this.q.claimNext(this.iso(), this.eligibleKinds());
      if (!claimed) break;
      this.launch(claimed.job, claimed.from);
    }
    if (this.runs.size >= this.concurrency) return;
    const next = this.q.nextDueAt(this.eligibleKinds());
    if (next === undefined) return;
    const delay = Math.max(1, Date.parse(next) - this.clock.now());
    this.cancelTimer = this.clock.setTimer(delay, () => {
      this.cancelTimer = undefined;
      this.pump();
    });
  }

  private launch(job: JobRecord, from: JobStateValue): void {
    this.emitState(job, from);
    const spec = this.kinds.get(job.kind);
    if (!spec) return; // unreachable: only registered kinds are claimed
    if (job.checkpoint === null) {
      const reason = job.checkpointError ?? 'the stored checkpoint is unreadable';
      const failed = this.move(job, ['running'], 'failed', {
        nextRunAt: null,
        error: `Job ${job.id} (${job.kind}) cannot resume: ${reason}. Retry it from scratch, or cancel it.`,
      });
      this.onError(new AtivoError('CATALOG_ERROR', failed?.error ?? reason));
      return;
    }
    const now = this.clock.now();
    const run: Run = {
      job,
      kind: job.kind,
      controller: new AbortController(),
      intent: null,
      checkpoint: job.checkpoint,
      progress: job.progress,
      detail: null,
      lastWriteAt: now,
      lastEventAt: Number.NEGATIVE_INFINITY,
      settled: false,
      done: Promise.resolve(),
    };
    this.runs.set(job.id, run);
    run.done = this.execute(run, spec);
  }

  private async execute(run: Run, spec: Kind): Promise<void> {
    let outcome: { ok: true; result: JsonValue | undefined } | { ok: false; error: unknown };
    try {
      await Promise.resolve(); // never run handler code inside pump()
      const result = await spec.handler(this.context(run));
      outcome = { ok: true, result: result ?? undefined };
    } catch (error) {
      outcome = { ok: false, error };
    }
    run.settled = true;
    this.runs.delete(run.job.id);
    try {
      this.finish(run, spec, outcome);
    } catch (e) {
      this.onError(e);
    }
    this.pump();
  }

  private context(run: Run): JobContext {
    const ensureLive = (what: string): void => {
      if (run.settled) throw new AtivoError('INVALID_INPUT', `Job ${run.job.id}: ${what} after its handler returned.`);
    };
    return {
      job: run.job,
      get checkpoint() {
        return run.checkpoint;
      },
      signal: run.controller.signal,
      saveCheckpoint: (checkpoint, progress) => {
        ensureLive('saveCheckpoint called');
        if (progress !== undefined) run.progress = this.clampProgress(progress);
        let text: string;
        try {
          text = JSON.stringify(checkpoint);
        } catch (e) {
          throw new AtivoError('INVALID_INPUT', `Job ${run.job.id}: the checkpoint cannot be stored as JSON: ${errorMessage(e)}`, { cause: e });
        }
        if (typeof checkpoint !== 'object' || Array.isArray(checkpoint)) {
          throw new AtivoError('INVALID_INPUT', `Job ${run.job.id}: a checkpoint must be a JSON object.`);
        }
        const now = this.clock.now();
        if (!this.q.saveCheckpoint(run.job.id, text, run.progress, new Date(now).toISOString())) {
          throw new AtivoError('BUSY', `Job ${run.job.id} is no longer running here (it was removed or taken over); its checkpoint was not saved.`);
        }
        run.checkpoint = JSON.parse(text) as JsonObject;
        run.lastWriteAt = now;
      },
      progress: (fraction, detail) => {
        ensureLive('progress reported');
        run.progress = this.clampProgress(fraction);
        run.detail = detail ?? null;
        const now = this.clock.now();
        const final = run.progress >= 1;
        if (final || now - run.lastWriteAt >= this.progressWriteMs) {
          this.q.saveProgress(run.job.id, run.progress, new Date(now).toISOString());
          run.lastWriteAt = now;
        }
        if (final || now - run.lastEventAt >= this.progressEventMs) {
          run.lastEventAt = now;
          this.emit({ type: 'progress', id: run.job.id, kind: run.kind, assetId: run.job.assetId, batch: run.job.batch, progress: run.progress, detail: run.detail });
        }
      },
      wait: (message, retryAfterMs) => {
        throw new JobWaitError(message, retryAfterMs);
      },
    };
  }

  private clampProgress(n: number): number {
    return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
  }

  /** The one transaction that ends a run. */
  private finish(run: Run, spec: Kind, outcome: { ok: true; result: JsonValue | undefined } | { ok: false; error: unknown }): void {
    const job = run.job;
    const progress = run.progress;
    if (outcome.ok) {
      let result: string | null;
      try {
        result = outcome.result === undefined ? null : JSON.stringify(outcome.result);
      } catch (e) {
        this.move(job, ['running'], 'failed', { nextRunAt: null, progress, error: `The handler's result cannot be stored as JSON: ${errorMessage(e)}` });
        return;
      }
      this.move(job, ['running'], 'done', { nextRunAt: null, progress: 1, error: null, result });
      return;
    }
    const error = outcome.error;
    // A run interrupted on purpose gives its attempt back.
    if (run.intent === 'cancel') {
      this.move(job, ['running'], 'cancelled', { nextRunAt: null, progress, attemptsDelta: -1 });
    } else if (run.intent === 'pause') {
      this.move(job, ['running'], 'paused', { nextRunAt: null, progress, attemptsDelta: -1 });
    } else if (run.intent === 'requeue') {
      this.move(job, ['running'], 'queued', { nextRunAt: this.iso(), progress, attemptsDelta: -1 });
    } else if (error instanceof JobWaitError) {
      const after = Number.isFinite(error.retryAfterMs) ? Math.max(0, error.retryAfterMs) : 60_000;
      this.move(job, ['running'], 'waiting', { nextRunAt: this.iso(after), progress, attemptsDelta: -1, error: error.message });
    } else if (error instanceof PermanentJobError || this.isPermanent(spec, error)) {
      this.move(job, ['running'], 'failed', { nextRunAt: null, progress, error: errorMessage(error) });
    } else if (job.attempts >= spec.retry.maxAttempts) {
      this.move(job, ['running'], 'failed', { nextRunAt: null, progress, error: errorMessage(error) });
    } else {
      const delay = backoffDelay(spec.retry, job.attempts, this.random);
      this.move(job, ['running'], 'queued', { nextRunAt: this.iso(delay), progress, error: errorMessage(error) });
    }
  }

  private isPermanent(spec: Kind, error: unknown): boolean {
    try {
      return spec.isPermanent(error);
    } catch (e) {
      this.onError(e);
      return false;
    }
  }

  private interrupt(run: Run, intent: Intent, reason: InterruptReason): void {
    run.intent = intent;
    if (!run.controller.signal.aborted) run.controller.abort(new JobInterruptedError(reason));
  }

  /** One transition, announced after it commits. */
  private move(job: JobRecord, from: readonly JobStateValue[], to: JobStateValue, patch: JobPatch): JobRecord | undefined {
    const moved = this.q.transition(job.id, from, to, patch, this.iso());
    this.emitState(moved, job.state);
    return moved;
  }

  private mustGet(id: number): JobRecord {
    const job = this.q.get(id);
    if (!job) throw new AtivoError('NOT_FOUND', `No job with id ${id}.`);
    return job;
  }

  private notHere(job: JobRecord): AtivoError {
    return new AtivoError('BUSY', `Job ${job.id} (${job.kind}) is running, but not in this queue (another Ativo process, or a handler that ignored stop).`);
  }

  private wrongState(job: JobRecord, verb: string, allowed: string): AtivoError {
    return new AtivoError('INVALID_INPUT', `Job ${job.id} (${job.kind}) is ${job.state}; only ${allowed} jobs can be ${verb}.`);
  }
}
