import type { BatchSummary, JobsQueries } from '../catalog/jobs';
import type { JobListFilter, JobPatch, JobRecord, JobStateValue, JsonObject, JsonValue } from '../catalog/jobs';
import { AtivoError, errnoCode } from '../util/errors';
import { JobScheduler, describeIssues, errorMessage } from './scheduler';
import type { EnqueueOptions } from './types';

export type { JobListFilter, JobRecord, JobStateValue, JsonObject, JsonValue };
export type { EnqueueOptions, JobContext, JobEvent, JobHandler, JobListener, JobQueueOptions, JobRun, JobSpec, RegisterOptions } from './types';

/** Where a new job goes: its options, and the job that owns it (see JobRecord.parent). */
export type EnqueueWith<C extends object> = EnqueueOptions<C> & { parent?: number };

/**
 * A durable job queue over the catalog's jobs table: the commands (enqueue, batches, parent and
 * children, pause, resume, cancel, retry) over the scheduling core (./scheduler.ts). One
 * JobQueue per catalog file: start() takes over jobs another process left running.
 */
export class JobQueue extends JobScheduler {
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

  /** How many of a parent's children are queued, running, paused or waiting. */
  liveChildren(parent: number): number {
    return this.q.liveChildren(parent);
  }

  /** A parent's children in these states, oldest first. */
  children(parent: number, states: readonly JobStateValue[]): JobRecord[] {
    return this.q.children(parent, states);
  }

  /** Makes `parent` the owner of these jobs (e.g. failed uploads retried for a publication). */
  adoptChildren(parent: number, ids: readonly number[]): void {
    this.q.adoptChildren(parent, ids);
  }

  // ── commands ─────────────────────────────────────────────────────────────

  /** The checkpoint of a new job as JSON text; a typed kind's `input` schema checks it first. */
  private newCheckpoint(kind: string, checkpoint: object | undefined): string {
    const spec = this.kinds.get(kind);
    if (!spec) throw new AtivoError('INVALID_INPUT', `Unknown job kind "${kind}" (no handler registered).`);
    const cp = checkpoint ?? {};
    if (spec.input) {
      const parsed = spec.input.safeParse(cp);
      if (!parsed.success) throw new AtivoError('INVALID_INPUT', `A new ${kind} job was refused: ${describeIssues(parsed.error)}.`);
    }
    try {
      return JSON.stringify(cp);
    } catch (e) {
      throw new AtivoError('INVALID_INPUT', `The checkpoint of a new ${kind} job cannot be stored as JSON: ${errorMessage(e)}`, { cause: e });
    }
  }

  enqueue<C extends object = JsonObject>(kind: string, options: EnqueueWith<C> = {}): { job: JobRecord; created: boolean } {
    const checkpoint = this.newCheckpoint(kind, options.checkpoint);
    let r: { job: JobRecord; created: boolean };
    try {
      r = this.q.insert(
        { kind, assetId: options.assetId, checkpoint, dedupeKey: options.dedupeKey, nextRunAt: this.iso(options.delayMs ?? 0), parent: options.parent },
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
   * job is returned, and adopted by `parent` when given): with `parent`, the batch's jobs are
   * its children, and the last of them to end wakes it. `batch` is the new batch's id, or null when every job already existed.
   */
  enqueueBatch<C extends object = JsonObject>(kind: string, items: readonly EnqueueOptions<C>[], options: { parent?: number } = {}): { batch: number | null; jobs: JobRecord[]; created: number } {
    const now = this.iso();
    const rows = items.map((o) => ({ kind, assetId: o.assetId, checkpoint: this.newCheckpoint(kind, o.checkpoint), dedupeKey: o.dedupeKey, nextRunAt: this.iso(o.delayMs ?? 0), parent: options.parent }));
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
    const cancel = (now: string): JobRecord[] => {
      const r = this.q.cancelBatchNotRunning(batch, now);
      queueMicrotask(() => { this.announceWoken(r.woken); }); // after the batch's own events
      return r.jobs;
    };
    return n + (await this.stopBatch(batch, ['queued', 'waiting', 'paused'], cancel, (id) => this.cancel(id)));
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

}
