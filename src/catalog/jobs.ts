import type { Database, Statement } from 'better-sqlite3';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type JobStateValue = 'queued' | 'running' | 'paused' | 'waiting' | 'done' | 'failed' | 'cancelled';
export const JOB_STATES: readonly JobStateValue[] = ['queued', 'running', 'paused', 'waiting', 'done', 'failed', 'cancelled'];
/** States that hold a job's dedupe key (jobs_dedupe_live in 0002_jobs.sql lists the same). */
export const LIVE_JOB_STATES: readonly JobStateValue[] = ['queued', 'running', 'paused', 'waiting'];
export const FINAL_JOB_STATES: readonly JobStateValue[] = ['done', 'failed', 'cancelled'];

export interface JobRecord {
  id: number;
  kind: string;
  assetId: number | null;
  state: JobStateValue;
  /** Runs begun and not given back (an interrupted run — pause, stop, wait — is given back; a crashed one is not). */
  attempts: number;
  /** When a queued or waiting job becomes due (ISO); null in the other states. */
  nextRunAt: string | null;
  progress: number;
  /** The parsed checkpoint, or null when the stored text is not a JSON object (see checkpointError). */
  checkpoint: JsonObject | null;
  /** Why the stored checkpoint cannot be used, or null when it can. */
  checkpointError: string | null;
  /** The last error of a failed or retrying job, or the human message of a waiting one. */
  error: string | null;
  dedupeKey: string | null;
  result: JsonValue | null;
  createdAt: string;
  updatedAt: string;
  /** The batch it was queued in (the id of the batch's first job), or null. */
  batch: number | null;
}

interface JobRow {
  id: number;
  kind: string;
  asset_id: number | null;
  state: JobStateValue;
  attempts: number;
  next_run_at: string | null;
  progress: number;
  checkpoint: string;
  error: string | null;
  dedupe_key: string | null;
  result: string | null;
  created_at: string;
  updated_at: string;
  batch_id: number | null;
}

const COLUMNS = `id, kind, asset_id, state, attempts, next_run_at, progress, checkpoint, error, dedupe_key, result,
  created_at, updated_at, batch_id`;

const preview = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}…` : s);

/** Parses a stored checkpoint without throwing: a damaged one is reported, not fatal. */
export function parseCheckpoint(text: string): { checkpoint: JsonObject; error: null } | { checkpoint: null; error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { checkpoint: null, error: `the stored checkpoint is not valid JSON (${why}): ${preview(text)}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return { checkpoint: null, error: `the stored checkpoint is not a JSON object: ${preview(text)}` };
  }
  return { checkpoint: v as JsonObject, error: null };
}

const parseResult = (text: string | null): JsonValue | null => {
  if (text === null) return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return null;
  }
};

const toRecord = (r: JobRow): JobRecord => {
  const cp = parseCheckpoint(r.checkpoint);
  return {
    id: r.id,
    kind: r.kind,
    assetId: r.asset_id,
    state: r.state,
    attempts: r.attempts,
    nextRunAt: r.next_run_at,
    progress: r.progress,
    checkpoint: cp.checkpoint,
    checkpointError: cp.error,
    error: r.error,
    dedupeKey: r.dedupe_key,
    result: parseResult(r.result),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    batch: r.batch_id,
  };
};

/** A batch in numbers (see JobsQueries.batchSummary). */
export interface BatchSummary {
  id: number;
  kind: string;
  assetId: number | null;
  total: number;
  counts: Record<JobStateValue, number>;
  /** Sum of the checkpoints' `size` (upload jobs), and of the done jobs' sizes. */
  bytes: number;
  bytesDone: number;
  /** Sum of the sizes of the jobs not finished (queued, running, waiting, paused). */
  bytesLive: number;
  createdAt: string;
}

export interface JobInsert {
  kind: string;
  assetId?: number | null | undefined;
  /** JSON text of an object. */
  checkpoint?: string | undefined;
  dedupeKey?: string | null | undefined;
  nextRunAt: string;
}

/** A state change; fields left undefined keep their stored value. */
export interface JobPatch {
  nextRunAt: string | null;
  attemptsDelta?: number;
  progress?: number;
  error?: string | null;
  /** JSON text. */
  result?: string | null;
  /** JSON text of an object. */
  checkpoint?: string;
}

export interface JobListFilter {
  state?: JobStateValue | readonly JobStateValue[] | undefined;
  kind?: string | undefined;
  assetId?: number | undefined;
  /** false: only jobs queued on their own; true: only jobs of a batch. */
  batched?: boolean | undefined;
  batch?: number | undefined;
  offset?: number | undefined;
  limit?: number | undefined;
}

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

/** The durable job queue's table (and its global pause flag in settings). Each method is one transaction. */
export class JobsQueries {
  private readonly byId: Statement<[number], JobRow>;
  private readonly liveByKey: Statement<[string], JobRow>;
  private readonly insertStmt: Statement<{ kind: string; assetId: number | null; checkpoint: string; dedupeKey: string | null; nextRunAt: string; now: string }, JobRow>;
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
  private readonly setBatchStmt: Statement<{ id: number; batch: number }>;
  private readonly batchCountsStmt: Statement<[number], { state: JobStateValue; n: number; bytes: number | null }>;
  private readonly batchHeadStmt: Statement<[number], { kind: string; asset_id: number | null; created_at: string }>;
  private readonly openBatchesStmt: Statement<[], { batch_id: number }>;
  private readonly batchAttentionStmt: Statement<[number, number], JobRow>;
  private readonly batchIdsStmt: Statement<{ batch: number; states: string }, { id: number; state: JobStateValue }>;
  private readonly liveKeyPrefixStmt: Statement<{ lo: string; hi: string }, { id: number }>;
  private readonly failedKeyPrefixStmt: Statement<{ lo: string; hi: string }, JobRow>;
  private readonly cancelBatchStmt: Statement<{ batch: number; now: string }, JobRow>;
  private readonly pauseBatchStmt: Statement<{ batch: number; now: string }, JobRow>;
  private readonly resumeBatchStmt: Statement<{ batch: number; now: string }, JobRow>;

  constructor(private readonly db: Database) {
    this.byId = db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`);
    this.liveByKey = db.prepare(
      `SELECT ${COLUMNS} FROM jobs WHERE dedupe_key = ? AND state IN ('queued', 'running', 'paused', 'waiting')`,
    );
    this.insertStmt = db.prepare(`INSERT INTO jobs (kind, asset_id, state, next_run_at, checkpoint, dedupe_key, created_at, updated_at)
      VALUES (@kind, @assetId, 'queued', @nextRunAt, @checkpoint, @dedupeKey, @now, @now) RETURNING ${COLUMNS}`);
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
      WHERE state IN ('queued', 'waiting') AND next_run_at > @now
        AND (@id IS NULL OR id = @id) AND (@kind IS NULL OR kind = @kind) RETURNING id`);
    this.setBatchStmt = db.prepare('UPDATE jobs SET batch_id = @batch WHERE id = @id');
    this.batchCountsStmt = db.prepare(`SELECT state, count(*) AS n, sum(json_extract(checkpoint, '$.size')) AS bytes
      FROM jobs WHERE batch_id = ? GROUP BY state`);
    this.batchHeadStmt = db.prepare('SELECT kind, asset_id, created_at FROM jobs WHERE id = ?');
    this.openBatchesStmt = db.prepare(`SELECT DISTINCT batch_id FROM jobs
      WHERE batch_id IS NOT NULL AND state IN ('queued', 'running', 'paused', 'waiting', 'failed') ORDER BY batch_id DESC`);
    this.batchAttentionStmt = db.prepare(`SELECT ${COLUMNS} FROM jobs
      WHERE batch_id = ? AND state IN ('failed', 'waiting', 'paused') ORDER BY state = 'failed' DESC, id LIMIT ?`);
    this.batchIdsStmt = db.prepare(`SELECT id, state FROM jobs
      WHERE batch_id = @batch AND state IN (SELECT value FROM json_each(@states)) ORDER BY id`);
    // Key ranges [prefix, prefix + U+FFFF): on the live-key index (jobs_dedupe_live) for live jobs.
    this.liveKeyPrefixStmt = db.prepare(`SELECT id FROM jobs INDEXED BY jobs_dedupe_live WHERE dedupe_key >= @lo AND dedupe_key < @hi
      AND dedupe_key IS NOT NULL AND state IN ('queued', 'running', 'paused', 'waiting') LIMIT 1`);
    this.failedKeyPrefixStmt = db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE state = 'failed' AND dedupe_key >= @lo AND dedupe_key < @hi ORDER BY id`);
    this.cancelBatchStmt = db.prepare(`UPDATE jobs SET state = 'cancelled', next_run_at = NULL, updated_at = @now
      WHERE batch_id = @batch AND state IN ('queued', 'waiting', 'paused') RETURNING ${COLUMNS}`);
    this.pauseBatchStmt = db.prepare(`UPDATE jobs SET state = 'paused', next_run_at = NULL, updated_at = @now
      WHERE batch_id = @batch AND state IN ('queued', 'waiting') RETURNING ${COLUMNS}`);
    this.resumeBatchStmt = db.prepare(`UPDATE jobs SET state = 'queued', next_run_at = @now, updated_at = @now
      WHERE batch_id = @batch AND state = 'paused' RETURNING ${COLUMNS}`);
    this.getSetting = db.prepare('SELECT value FROM settings WHERE key = ?');
    this.putSetting = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(id: number): JobRecord | undefined {
    const row = this.byId.get(id);
    return row ? toRecord(row) : undefined;
  }

  /**
   * Inserts a queued job, unless a live job (queued, running, paused, waiting) holds the same
   * dedupe key: then that job is returned and nothing is written.
   */
  insert(j: JobInsert, now: string): { job: JobRecord; created: boolean } {
    return this.db.transaction(() => {
      if (j.dedupeKey != null) {
        const live = this.liveByKey.get(j.dedupeKey);
        if (live) return { job: toRecord(live), created: false };
      }
      const row = this.insertStmt.get({
        kind: j.kind,
        assetId: j.assetId ?? null,
        checkpoint: j.checkpoint ?? '{}',
        dedupeKey: j.dedupeKey ?? null,
        nextRunAt: j.nextRunAt,
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
        this.setBatchStmt.run({ id: r.job.id, batch });
        return { job: { ...r.job, batch }, created: true };
      });
      return { batch, jobs };
    })();
  }

  /** A batch's numbers, or undefined if no job has this batch id. */
  batchSummary(batch: number): BatchSummary | undefined {
    return this.db.transaction(() => {
      const head = this.batchHeadStmt.get(batch);
      const rows = this.batchCountsStmt.all(batch);
      if (!head || rows.length === 0) return undefined;
      const counts = Object.fromEntries(JOB_STATES.map((st) => [st, 0])) as Record<JobStateValue, number>;
      let total = 0;
      let bytes = 0;
      let bytesDone = 0;
      let bytesLive = 0;
      for (const r of rows) {
        counts[r.state] = r.n;
        total += r.n;
        bytes += r.bytes ?? 0;
        if (r.state === 'done') bytesDone += r.bytes ?? 0;
        if (LIVE_JOB_STATES.includes(r.state)) bytesLive += r.bytes ?? 0;
      }
      return { id: batch, kind: head.kind, assetId: head.asset_id, total, counts, bytes, bytesDone, bytesLive, createdAt: head.created_at };
    })();
  }

  /** Batches with a job that is not done or cancelled (work left, or a failure to look at), newest first. */
  openBatches(): number[] {
    return this.openBatchesStmt.all().map((r) => r.batch_id);
  }

  /** A batch's failed, waiting and paused jobs (failed first), at most `limit`. */
  batchAttention(batch: number, limit = 20): JobRecord[] {
    return this.batchAttentionStmt.all(batch, limit).map(toRecord);
  }

  /** Ids of a batch's jobs in these states. */
  batchJobIds(batch: number, states: readonly JobStateValue[]): number[] {
    return this.batchJobStates(batch, states).map((r) => r.id);
  }

  /** A batch's jobs in these states, with their state. */
  batchJobStates(batch: number, states: readonly JobStateValue[]): { id: number; state: JobStateValue }[] {
    return this.batchIdsStmt.all({ batch, states: JSON.stringify(states) });
  }

  /** Is a job whose dedupe key starts with `prefix` queued, running, paused or waiting? */
  hasLiveKeyPrefix(prefix: string): boolean {
    return this.liveKeyPrefixStmt.get({ lo: prefix, hi: `${prefix}\uffff` }) !== undefined;
  }

  /** Failed jobs whose dedupe key starts with `prefix`, oldest first. */
  failedWithKeyPrefix(prefix: string): JobRecord[] {
    return this.failedKeyPrefixStmt.all({ lo: prefix, hi: `${prefix}\uffff` }).map(toRecord);
  }

  /** Pauses a batch's queued and waiting jobs in one statement; returns them. */
  pauseBatchNotRunning(batch: number, now: string): JobRecord[] {
    return this.pauseBatchStmt.all({ batch, now }).map(toRecord);
  }

  /** Queues a batch's paused jobs again (due now) in one statement; returns them. */
  resumeBatch(batch: number, now: string): JobRecord[] {
    return this.resumeBatchStmt.all({ batch, now }).map(toRecord);
  }

  /** Cancels a batch's queued, waiting and paused jobs in one statement (none can start meanwhile); returns them. */
  cancelBatchNotRunning(batch: number, now: string): JobRecord[] {
    return this.cancelBatchStmt.all({ batch, now }).map(toRecord);
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

  /** Moves a job from one of `from` to `to` with `patch`; undefined if it was in none of them (or is gone). */
  transition(id: number, from: readonly JobStateValue[], to: JobStateValue, patch: JobPatch, now: string): JobRecord | undefined {
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
