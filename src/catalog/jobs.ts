import type { Database, Statement } from 'better-sqlite3';
import { JobBatchQueries } from './job-batches';
import { COLUMNS, FINAL_JOB_STATES, toRecord, type JobInsert, type JobListFilter, type JobPatch, type JobRecord, type JobRow, type JobStateValue } from './job-rows';

export * from './job-rows';
const PAUSED_KEY = 'jobs.paused';

interface TransitionParams {
  id: number;
  from: string;
  to: JobStateValue;
  nextRunAt: string | null;
  attemptsDelta: number;
  progress: number | null;
  setError: number;
  error: string | null;
  setResult: number;
  result: string | null;
  checkpoint: string | null;
  now: string;
}

/**
 * The durable job queue's table (and its global pause flag in settings). Each method is one
 * transaction. Batches and parent/child families: ./job-batches.ts; records: ./job-rows.ts.
 */
export class JobsQueries extends JobBatchQueries {
  private readonly byId: Statement<[number], JobRow>;
  private readonly liveByKey: Statement<[string], JobRow>;
  private readonly insertStmt: Statement<{ kind: string; assetId: number | null; checkpoint: string; dedupeKey: string | null; nextRunAt: string; parent: number | null; now: string }, JobRow>;
  private readonly dueStmt: Statement<{ now: string; kinds: string }, { id: number; state: JobStateValue }>;
  private readonly claimStmt: Statement<{ id: number; now: string }, JobRow>;
  private readonly nextDueStmt: Statement<[string], { t: string | null }>;
  private readonly checkpointStmt: Statement<{ id: number; checkpoint: string; progress: number; now: string }>;
  private readonly progressStmt: Statement<{ id: number; progress: number; now: string }>;
  private readonly transitionStmt: Statement<TransitionParams, JobRow>;
  private readonly transitionCheckpointStmt: Statement<TransitionParams, JobRow>;
  private readonly recoverStmt: Statement<{ now: string; keep: string }, JobRow>;
  private readonly pokeStmt: Statement<{ now: string; id: number | null; kind: string | null }, { id: number }>;
  private readonly getSetting: Statement<[string], { value: string }>;
  private readonly putSetting: Statement<[string, string]>;

  constructor(db: Database) {
    super(db);
    this.byId = db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`);
    this.liveByKey = db.prepare(
      `SELECT ${COLUMNS} FROM jobs WHERE dedupe_key = ? AND state IN ('queued', 'running', 'paused', 'waiting')`,
    );
    this.insertStmt = db.prepare(`INSERT INTO jobs (kind, asset_id, state, next_run_at, checkpoint, dedupe_key, parent_id, created_at, updated_at)
      VALUES (@kind, @assetId, 'queued', @nextRunAt, @checkpoint, @dedupeKey, @parent, @now, @now) RETURNING ${COLUMNS}`);
    // The first due job of each state, by the (state, next_run_at) index in order, then the
    // earlier of the two: no sort of every queued job (20,000 uploads) on each claim.
    const firstDue = (state: string): string => `SELECT * FROM (SELECT id, state, next_run_at FROM jobs
      WHERE state = '${state}' AND next_run_at <= @now AND kind IN (SELECT value FROM json_each(@kinds))
      ORDER BY next_run_at, id LIMIT 1)`;
    this.dueStmt = db.prepare(`SELECT id, state FROM (${firstDue('queued')} UNION ALL ${firstDue('waiting')})
      ORDER BY next_run_at, id LIMIT 1`);
    this.claimStmt = db.prepare(`UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = @now
      WHERE id = @id AND state IN ('queued', 'waiting') RETURNING ${COLUMNS}`);
    this.nextDueStmt = db.prepare(`SELECT min(next_run_at) AS t FROM jobs
      WHERE state IN ('queued', 'waiting') AND kind IN (SELECT value FROM json_each(?))`);
    this.checkpointStmt = db.prepare(`UPDATE jobs SET checkpoint = @checkpoint, progress = @progress, updated_at = @now
      WHERE id = @id AND state = 'running'`);
    this.progressStmt = db.prepare(`UPDATE jobs SET progress = @progress, updated_at = @now WHERE id = @id AND state = 'running'`);
    // Two variants: SQLite re-checks json_valid(checkpoint) only when an UPDATE sets that column,
    // so a job whose stored checkpoint is damaged can still change state (e.g. to failed).
    const transition = (setCheckpoint: boolean): Statement<TransitionParams, JobRow> =>
      db.prepare(`UPDATE jobs SET state = @to,
          attempts = max(0, attempts + @attemptsDelta),
          next_run_at = @nextRunAt,
          progress = coalesce(@progress, progress),
          error = CASE WHEN @setError THEN @error ELSE error END,
          result = CASE WHEN @setResult THEN @result ELSE result END,
          ${setCheckpoint ? 'checkpoint = @checkpoint,' : ''}
          updated_at = @now
        WHERE id = @id AND state IN (SELECT value FROM json_each(@from)) RETURNING ${COLUMNS}`);
    this.transitionStmt = transition(false);
    this.transitionCheckpointStmt = transition(true);
    this.recoverStmt = db.prepare(`UPDATE jobs SET state = 'queued', next_run_at = @now, updated_at = @now
      WHERE state = 'running' AND id NOT IN (SELECT value FROM json_each(@keep)) RETURNING ${COLUMNS}`);
    this.pokeStmt = db.prepare(`UPDATE jobs SET next_run_at = @now, updated_at = @now
      WHERE state IN ('queued', 'waiting') AND (next_run_at IS NULL OR next_run_at > @now)
        AND (@id IS NULL OR id = @id) AND (@kind IS NULL OR kind = @kind) RETURNING id`);
    this.getSetting = db.prepare('SELECT value FROM settings WHERE key = ?');
    this.putSetting = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(id: number): JobRecord | undefined {
    const row = this.byId.get(id);
    return row ? toRecord(row) : undefined;
  }

  /**
   * Inserts a queued job, unless a live job (queued, running, paused, waiting) holds the same
   * dedupe key: then that job is returned (adopted by j.parent when one is given) and nothing
   * else is written.
   */
  insert(j: JobInsert, now: string): { job: JobRecord; created: boolean } {
    return this.db.transaction(() => {
      if (j.dedupeKey != null) {
        const live = this.liveByKey.get(j.dedupeKey);
        if (live && j.parent != null && live.parent_id !== j.parent && live.id !== j.parent) {
          this.adoptChildren(j.parent, [live.id]);
          return { job: { ...toRecord(live), parent: j.parent }, created: false };
        }
        if (live) return { job: toRecord(live), created: false };
      }
      const row = this.insertStmt.get({
        kind: j.kind,
        assetId: j.assetId ?? null,
        checkpoint: j.checkpoint ?? '{}',
        dedupeKey: j.dedupeKey ?? null,
        nextRunAt: j.nextRunAt,
        parent: j.parent ?? null,
        now,
      });
      if (!row) throw new Error('INSERT … RETURNING gave no row');
      return { job: toRecord(row), created: true };
    })();
  }

  /**
   * Inserts many queued jobs in one transaction as one batch (batch id = the first new job's id).
   * Like insert(), a job whose dedupe key is held by a live job is not inserted: that job is
   * returned instead (and keeps its own batch). `batch` is null when nothing was inserted.
   */
  insertBatch(items: readonly JobInsert[], now: string): { batch: number | null; jobs: { job: JobRecord; created: boolean }[] } {
    return this.db.transaction(() => {
      let batch: number | null = null;
      const jobs = items.map((j) => {
        const r = this.insert(j, now);
        if (!r.created) return r;
        if (batch === null) batch = r.job.id;
        this.setBatch(r.job.id, batch);
        return { job: { ...r.job, batch }, created: true };
      });
      return { batch, jobs };
    })();
  }

  /** Moves the first due job (by next_run_at, then id) of one of `kinds` to running, counting an attempt. */
  claimNext(now: string, kinds: readonly string[]): { job: JobRecord; from: JobStateValue } | undefined {
    if (kinds.length === 0) return undefined;
    return this.db.transaction(() => {
      const due = this.dueStmt.get({ now, kinds: JSON.stringify(kinds) });
      if (!due) return undefined;
      const row = this.claimStmt.get({ id: due.id, now });
      return row ? { job: toRecord(row), from: due.state } : undefined;
    })();
  }

  /** The earliest next_run_at of a queued or waiting job of one of `kinds`. */
  nextDueAt(kinds: readonly string[]): string | undefined {
    if (kinds.length === 0) return undefined;
    return this.nextDueStmt.get(JSON.stringify(kinds))?.t ?? undefined;
  }

  /** Stores a running job's checkpoint and progress together. False if the job is no longer running. */
  saveCheckpoint(id: number, checkpoint: string, progress: number, now: string): boolean {
    return this.checkpointStmt.run({ id, checkpoint, progress, now }).changes > 0;
  }

  saveProgress(id: number, progress: number, now: string): boolean {
    return this.progressStmt.run({ id, progress, now }).changes > 0;
  }

  /**
   * Moves a job from one of `from` to `to` with `patch`; undefined if it was in none of them (or
   * is gone). A child that ends (done, failed, cancelled) wakes its waiting parent when it was
   * the last live one, in the same transaction (`woken`): no wake-up is lost between processes.
   */
  transition(id: number, from: readonly JobStateValue[], to: JobStateValue, patch: JobPatch, now: string): { job: JobRecord; woken: JobRecord | undefined } | undefined {
    return this.db.transaction(() => {
      const job = this.transitionOnly(id, from, to, patch, now);
      if (!job) return undefined;
      return { job, woken: FINAL_JOB_STATES.includes(to) ? this.wakeParent(job.parent, now) : undefined };
    })();
  }

  /**
   * A running parent waits for its children: to 'waiting' with no due time (its last child
   * wakes it), or, when no child is live any more, straight back to 'queued', due now. One
   * transaction, so a child ending meanwhile never leaves it waiting for nothing.
   */
  waitForChildren(id: number, patch: { progress: number; error: string }, now: string): JobRecord | undefined {
    return this.db.transaction(() =>
      this.liveChildren(id) > 0
        ? this.transitionOnly(id, ['running'], 'waiting', { nextRunAt: null, progress: patch.progress, attemptsDelta: -1, error: patch.error }, now)
        : this.transitionOnly(id, ['running'], 'queued', { nextRunAt: now, progress: patch.progress, attemptsDelta: -1 }, now),
    )();
  }

  private transitionOnly(id: number, from: readonly JobStateValue[], to: JobStateValue, patch: JobPatch, now: string): JobRecord | undefined {
    const stmt = patch.checkpoint === undefined ? this.transitionStmt : this.transitionCheckpointStmt;
    const row = stmt.get({
      id,
      from: JSON.stringify(from),
      to,
      nextRunAt: patch.nextRunAt,
      attemptsDelta: patch.attemptsDelta ?? 0,
      progress: patch.progress ?? null,
      setError: patch.error === undefined ? 0 : 1,
      error: patch.error ?? null,
      setResult: patch.result === undefined ? 0 : 1,
      result: patch.result ?? null,
      checkpoint: patch.checkpoint ?? null,
      now,
    });
    return row ? toRecord(row) : undefined;
  }

  /** Jobs left running by a process that died go back to queued, due now (one statement); `keep` are still running here. */
  recoverRunning(now: string, keep: readonly number[] = []): JobRecord[] {
    return this.recoverStmt.all({ now, keep: JSON.stringify(keep) }).map(toRecord);
  }

  /** Makes queued and waiting jobs due now (all, or one id, or one kind); returns their ids. */
  poke(target: { id?: number | undefined; kind?: string | undefined }, now: string): number[] {
    return this.pokeStmt.all({ now, id: target.id ?? null, kind: target.kind ?? null }).map((r) => r.id);
  }

  list(f: JobListFilter = {}): { items: JobRecord[]; total: number } {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (f.state !== undefined) {
      params.states = JSON.stringify(typeof f.state === 'string' ? [f.state] : f.state);
      where.push('state IN (SELECT value FROM json_each(@states))');
    }
    if (f.kind !== undefined) {
      params.kind = f.kind;
      where.push('kind = @kind');
    }
    if (f.assetId !== undefined) {
      params.assetId = f.assetId;
      where.push('asset_id = @assetId');
    }
    if (f.batched !== undefined) where.push(f.batched ? 'batch_id IS NOT NULL' : 'batch_id IS NULL');
    if (f.batch !== undefined) {
      params.batch = f.batch;
      where.push('batch_id = @batch');
    }
    if (f.parent !== undefined) {
      params.parent = f.parent;
      where.push('parent_id = @parent');
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM jobs ${clause}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM jobs ${clause} ORDER BY id DESC LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit: f.limit ?? 100, offset: f.offset ?? 0 }) as JobRow[];
    return { items: rows.map(toRecord), total };
  }

  /**
   * SQLite's data_version for this connection: it changes when ANOTHER connection (another
   * process: the CLI, the app, `ativo serve`) commits to the database, never for our own writes.
   */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** The queue-wide pause switch (settings 'jobs.paused'); a damaged value reads as not paused. */
  globalPaused(): boolean {
    const r = this.getSetting.get(PAUSED_KEY);
    if (!r) return false;
    try {
      return JSON.parse(r.value) === true;
    } catch {
      return false;
    }
  }

  setGlobalPaused(paused: boolean): void {
    this.putSetting.run(PAUSED_KEY, JSON.stringify(paused));
  }
}
