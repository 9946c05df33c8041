/** The jobs table's records as the queue sees them: states, the row → record mapping, the write shapes. */
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
  /** The job that owns this one (a publication owns its uploads), or null; the last child to end wakes it. */
  parent: number | null;
}

export interface JobRow {
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
  parent_id: number | null;
}

export const COLUMNS = `id, kind, asset_id, state, attempts, next_run_at, progress, checkpoint, error, dedupe_key, result,
  created_at, updated_at, batch_id, parent_id`;

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

export const toRecord = (r: JobRow): JobRecord => {
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
    parent: r.parent_id,
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
  /** The job that owns it (see JobRecord.parent). */
  parent?: number | null | undefined;
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
  /** Only the children of this job. */
  parent?: number | undefined;
  offset?: number | undefined;
  limit?: number | undefined;
}

