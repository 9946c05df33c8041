import type { z } from 'zod';
import type { Catalog } from '../catalog/db';
import { FINAL_JOB_STATES, type JobPatch, type JobRecord, type JobsQueries, type JobStateValue, type JsonObject, type JsonValue } from '../catalog/jobs';
import { AtivoError } from '../util/errors';
import { DEFAULT_RETRY, backoffDelay, validateRetryPolicy, type RetryPolicy } from './backoff';
import { systemClock, type Clock } from './clock';
import { JobInterruptedError, JobWaitError, PermanentJobError, type InterruptReason } from './errors';
import { errorMessage, runContext, type Run } from './run-context';

export { errorMessage };
import type { JobEvent, JobHandler, JobListener, JobQueueOptions, JobRun, JobSpec, RegisterOptions } from './types';

export interface Kind {
  handler: (ctx: JobRun<object>) => Promise<JsonValue | undefined> | Promise<void>;
  /** Typed kinds: parses the stored checkpoint before each run, and a new job's input. */
  checkpoint: z.ZodType<object> | undefined;
  input: z.ZodType<object> | undefined;
  concurrency: number;
  retry: RetryPolicy;
  isPermanent: (error: unknown) => boolean;
  cancelRefusal: ((checkpoint: JsonObject) => string | null) | undefined;
}

type Intent = 'pause' | 'cancel' | 'requeue';



const positiveInt = (n: number, what: string): number => {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be an integer ≥ 1 (got ${n}).`);
  return n;
};

/** Zod's complaints about a checkpoint, as the end of a sentence ("amountWei: Invalid input: expected string, received number"). */
export const describeIssues = (error: z.ZodError): string =>
  error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'the whole checkpoint'}: ${i.message}`)
    .join('; ');

/**
 * The scheduling core of the durable job queue (JobQueue, ./queue.ts, adds the commands): kinds,
 * events, start/stop, claiming due jobs, running handlers and the one transaction that ends
 * each run. Every state change is one transaction; the handler's checkpoint is what survives a
 * crash.
 */
export class JobScheduler {
  protected readonly q: JobsQueries;
  protected readonly clock: Clock;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly defaultRetry: RetryPolicy;
  private readonly progressWriteMs: number;
  private readonly progressEventMs: number;
  protected readonly onError: (error: unknown) => void;
  protected readonly kinds = new Map<string, Kind>();
  protected readonly runs = new Map<number, Run>();
  private readonly listeners = new Set<JobListener>();
  protected started = false;
  protected paused = false;
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

  /**
   * Registers a kind. Typed (preferred): `register(kind, { checkpoint: zodSchema, input?, run, ...options })`:
   * the checkpoint is validated when the job is loaded. Untyped: `register(kind, handler, options)`.
   */
  register<S extends z.ZodType<object>, R extends JsonValue = JsonValue>(kind: string, spec: JobSpec<S, R>): void;
  register<C extends JsonObject = JsonObject, R extends JsonValue = JsonValue>(kind: string, handler: JobHandler<C, R>, options?: RegisterOptions): void;
  register(kind: string, specOrHandler: JobSpec<z.ZodType<object>> | JobHandler, options: RegisterOptions = {}): void {
    if (this.kinds.has(kind)) throw new AtivoError('INVALID_INPUT', `A handler for job kind "${kind}" is already registered.`);
    const spec = typeof specOrHandler === 'function' ? { ...options, run: specOrHandler, checkpoint: undefined, input: undefined } : specOrHandler;
    const run: Kind['handler'] = (ctx) => spec.run(ctx);
    this.kinds.set(kind, {
      handler: run,
      checkpoint: spec.checkpoint,
      input: spec.input,
      concurrency: positiveInt(spec.concurrency ?? Number.MAX_SAFE_INTEGER, `concurrency of "${kind}"`),
      retry: validateRetryPolicy({ ...this.defaultRetry, ...spec.retry }),
      isPermanent: spec.isPermanent ?? (() => false),
      cancelRefusal: spec.cancelRefusal,
    });
    this.pump();
  }

  /** Subscribes to state and progress events; returns the unsubscribe function. */
  on(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  protected emit(event: JobEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (e) {
        this.onError(e);
      }
    }
  }

  protected emitState(job: JobRecord | undefined, from: JobStateValue | null): void {
    if (job) this.emit({ type: 'state', job, from });
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

  protected iso(offsetMs = 0): string {
    return new Date(this.clock.now() + offsetMs).toISOString();
  }

  protected clearTimer(): void {
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
  protected pump(): void {
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
    let view: object = job.checkpoint;
    if (spec.checkpoint) {
      // A typed kind's checkpoint is parsed, never cast: one that does not fit fails its job alone.
      const parsed = spec.checkpoint.safeParse(job.checkpoint);
      if (!parsed.success) {
        const failed = this.move(job, ['running'], 'failed', {
          nextRunAt: null,
          error: `Job ${job.id} (${job.kind}) cannot resume: its saved progress is damaged (${describeIssues(parsed.error)}). Retry it from scratch, or cancel it.`,
        });
        this.onError(new AtivoError('CATALOG_ERROR', failed?.error ?? `Job ${job.id}: damaged checkpoint`));
        return;
      }
      view = parsed.data;
    }
    const now = this.clock.now();
    const run: Run = {
      job,
      kind: job.kind,
      controller: new AbortController(),
      intent: null,
      checkpoint: job.checkpoint,
      view,
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
      const result = await spec.handler(runContext(run, { q: this.q, clock: this.clock, progressWriteMs: this.progressWriteMs, progressEventMs: this.progressEventMs, emit: (e) => { this.emit(e); } }));
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
    } else if (error instanceof JobWaitError && error.forChildren) {
      this.emitState(this.q.waitForChildren(job.id, { progress, error: error.message }, this.iso()), job.state);
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

  protected interrupt(run: Run, intent: Intent, reason: InterruptReason): void {
    run.intent = intent;
    if (!run.controller.signal.aborted) run.controller.abort(new JobInterruptedError(reason));
  }

  /** One transition, announced after it commits (with the parent it woke, if it was the last live child). */
  protected move(job: JobRecord, from: readonly JobStateValue[], to: JobStateValue, patch: JobPatch): JobRecord | undefined {
    const moved = this.q.transition(job.id, from, to, patch, this.iso());
    this.emitState(moved?.job, job.state);
    this.announceWoken(moved?.woken ? [moved.woken] : []);
    return moved?.job;
  }

  /** Parents woken by their last child: announced, and scheduled. */
  protected announceWoken(parents: readonly JobRecord[]): void {
    for (const p of parents) this.emitState(p, 'waiting');
    if (parents.length > 0) this.pump();
  }

  protected mustGet(id: number): JobRecord {
    const job = this.q.get(id);
    if (!job) throw new AtivoError('NOT_FOUND', `No job with id ${id}.`);
    return job;
  }

  protected notHere(job: JobRecord): AtivoError {
    return new AtivoError('BUSY', `Job ${job.id} (${job.kind}) is running, but not in this queue (another Ativo process, or a handler that ignored stop).`);
  }

  protected wrongState(job: JobRecord, verb: string, allowed: string): AtivoError {
    return new AtivoError('INVALID_INPUT', `Job ${job.id} (${job.kind}) is ${job.state}; only ${allowed} jobs can be ${verb}.`);
  }
}
