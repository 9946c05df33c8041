import type { Database, Statement } from 'better-sqlite3';
import { COLUMNS, JOB_STATES, LIVE_JOB_STATES, toRecord, type BatchSummary, type JobRecord, type JobRow, type JobStateValue } from './job-rows';

const LIVE = `('queued', 'running', 'paused', 'waiting')`;

/**
 * The jobs table's groups: batches (jobs queued together, shown as one summary) and families
 * (a parent job and the children it owns). JobsQueries (./jobs.ts) adds the single-job queries.
 */
export class JobBatchQueries {
  private readonly setBatchStmt: Statement<{ id: number; batch: number }>;
  private readonly setParentStmt: Statement<{ id: number; parent: number }>;
  private readonly batchCountsStmt: Statement<[number], { state: JobStateValue; n: number; bytes: number | null }>;
  private readonly batchHeadStmt: Statement<[number], { kind: string; asset_id: number | null; created_at: string }>;
  private readonly openBatchesStmt: Statement<[], { batch_id: number }>;
  private readonly batchAttentionStmt: Statement<[number, number], JobRow>;
  private readonly batchIdsStmt: Statement<{ batch: number; states: string }, { id: number; state: JobStateValue }>;
  private readonly failedKeyPrefixStmt: Statement<{ lo: string; hi: string }, JobRow>;
  private readonly cancelBatchStmt: Statement<{ batch: number; now: string }, JobRow>;
  private readonly pauseBatchStmt: Statement<{ batch: number; now: string }, JobRow>;
  private readonly resumeBatchStmt: Statement<{ batch: number; now: string }, JobRow>;
  private readonly liveChildrenStmt: Statement<[number], { n: number }>;
  private readonly childrenStmt: Statement<{ parent: number; states: string }, JobRow>;
  private readonly wakeStmt: Statement<{ parent: number; now: string }, JobRow>;

  constructor(protected readonly db: Database) {
    this.setBatchStmt = db.prepare('UPDATE jobs SET batch_id = @batch WHERE id = @id');
    this.setParentStmt = db.prepare('UPDATE jobs SET parent_id = @parent WHERE id = @id AND id != @parent');
    this.batchCountsStmt = db.prepare(`SELECT state, count(*) AS n, sum(json_extract(checkpoint, '$.size')) AS bytes
      FROM jobs WHERE batch_id = ? GROUP BY state`);
    this.batchHeadStmt = db.prepare('SELECT kind, asset_id, created_at FROM jobs WHERE id = ?');
    this.openBatchesStmt = db.prepare(`SELECT DISTINCT batch_id FROM jobs
      WHERE batch_id IS NOT NULL AND state IN ('queued', 'running', 'paused', 'waiting', 'failed') ORDER BY batch_id DESC`);
    this.batchAttentionStmt = db.prepare(`SELECT ${COLUMNS} FROM jobs
      WHERE batch_id = ? AND state IN ('failed', 'waiting', 'paused') ORDER BY state = 'failed' DESC, id LIMIT ?`);
    this.batchIdsStmt = db.prepare(`SELECT id, state FROM jobs
      WHERE batch_id = @batch AND state IN (SELECT value FROM json_each(@states)) ORDER BY id`);
    // Key range [prefix, prefix + U+FFFF).
    this.failedKeyPrefixStmt = db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE state = 'failed' AND dedupe_key >= @lo AND dedupe_key < @hi ORDER BY id`);
    this.cancelBatchStmt = db.prepare(`UPDATE jobs SET state = 'cancelled', next_run_at = NULL, updated_at = @now
      WHERE batch_id = @batch AND state IN ('queued', 'waiting', 'paused') RETURNING ${COLUMNS}`);
    this.pauseBatchStmt = db.prepare(`UPDATE jobs SET state = 'paused', next_run_at = NULL, updated_at = @now
      WHERE batch_id = @batch AND state IN ('queued', 'waiting') RETURNING ${COLUMNS}`);
    this.resumeBatchStmt = db.prepare(`UPDATE jobs SET state = 'queued', next_run_at = @now, updated_at = @now
      WHERE batch_id = @batch AND state = 'paused' RETURNING ${COLUMNS}`);
    this.liveChildrenStmt = db.prepare(`SELECT count(*) AS n FROM jobs WHERE parent_id = ? AND state IN ${LIVE}`);
    this.childrenStmt = db.prepare(`SELECT ${COLUMNS} FROM jobs
      WHERE parent_id = @parent AND state IN (SELECT value FROM json_each(@states)) ORDER BY id`);
    // A waiting parent with no live child left goes back in line, due now, its wait message cleared.
    this.wakeStmt = db.prepare(`UPDATE jobs SET state = 'queued', next_run_at = @now, error = NULL, updated_at = @now
      WHERE id = @parent AND state = 'waiting'
        AND NOT EXISTS (SELECT 1 FROM jobs WHERE parent_id = @parent AND state IN ${LIVE}) RETURNING ${COLUMNS}`);
  }

  /** Marks a new job as a batch's member. */
  protected setBatch(id: number, batch: number): void {
    this.setBatchStmt.run({ id, batch });
  }

  /** Makes `parent` the owner of these jobs (a job is never its own parent). */
  adoptChildren(parent: number, ids: readonly number[]): void {
    this.db.transaction(() => {
      for (const id of ids) this.setParentStmt.run({ id, parent });
    })();
  }

  /** How many of a parent's children are queued, running, paused or waiting. */
  liveChildren(parent: number): number {
    return this.liveChildrenStmt.get(parent)?.n ?? 0;
  }

  /** A parent's children in these states, oldest first. */
  children(parent: number, states: readonly JobStateValue[]): JobRecord[] {
    return this.childrenStmt.all({ parent, states: JSON.stringify(states) }).map(toRecord);
  }

  /** Wakes `parent` if it waits and has no live child left (call inside the transaction that ended a child); the woken parent, or undefined. */
  protected wakeParent(parent: number | null, now: string): JobRecord | undefined {
    if (parent === null) return undefined;
    const row = this.wakeStmt.get({ parent, now });
    return row ? toRecord(row) : undefined;
  }

  /** The parents woken by these jobs having ended (each parent once). */
  protected wakeParentsOf(jobs: readonly JobRecord[], now: string): JobRecord[] {
    const parents = new Set(jobs.flatMap((j) => (j.parent === null ? [] : [j.parent])));
    return [...parents].flatMap((p) => this.wakeParent(p, now) ?? []);
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

  /**
   * Cancels a batch's queued, waiting and paused jobs in one statement (none can start
   * meanwhile), and wakes the parents left without live children, in one transaction.
   */
  cancelBatchNotRunning(batch: number, now: string): { jobs: JobRecord[]; woken: JobRecord[] } {
    return this.db.transaction(() => {
      const jobs = this.cancelBatchStmt.all({ batch, now }).map(toRecord);
      return { jobs, woken: this.wakeParentsOf(jobs, now) };
    })();
  }
}
