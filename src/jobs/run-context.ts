import type { JobRecord, JobsQueries, JsonObject } from '../catalog/jobs';
import { AtivoError } from '../util/errors';
import type { Clock } from './clock';
import { JobWaitError } from './errors';
import type { JobEvent, JobRun } from './types';

/** One run of a job in this process. */
export interface Run {
  job: JobRecord;
  kind: string;
  controller: AbortController;
  intent: 'pause' | 'cancel' | 'requeue' | null;
  /** The stored checkpoint, as JSON. */
  checkpoint: JsonObject;
  /** What the handler sees: the checkpoint parsed by its kind's schema (typed kinds), else the JSON. */
  view: object;
  progress: number;
  detail: string | null;
  lastWriteAt: number;
  lastEventAt: number;
  settled: boolean;
  done: Promise<void>;
}

/** What a run's context needs of its queue. */
export interface ContextDeps {
  q: JobsQueries;
  clock: Clock;
  progressWriteMs: number;
  progressEventMs: number;
  emit(event: JobEvent): void;
}

export const errorMessage = (e: unknown): string => {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  try {
    // JSON.stringify gives undefined (typed string) for undefined and functions.
    return JSON.stringify(e) || String(e);
  } catch {
    return String(e);
  }
};

const clampProgress = (n: number): number => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0);

/** What a handler gets for one run: its checkpoint, signal, and the calls that save and report. */
export function runContext(run: Run, deps: ContextDeps): JobRun<object> {
  const ensureLive = (what: string): void => {
    if (run.settled) throw new AtivoError('INVALID_INPUT', `Job ${run.job.id}: ${what} after its handler returned.`);
  };
  return {
    job: run.job,
    get checkpoint() {
      return run.view;
    },
    signal: run.controller.signal,
    saveCheckpoint: (checkpoint, progress) => {
      ensureLive('saveCheckpoint called');
      if (progress !== undefined) run.progress = clampProgress(progress);
      let text: string;
      try {
        text = JSON.stringify(checkpoint);
      } catch (e) {
        throw new AtivoError('INVALID_INPUT', `Job ${run.job.id}: the checkpoint cannot be stored as JSON: ${errorMessage(e)}`, { cause: e });
      }
      if (typeof checkpoint !== 'object' || Array.isArray(checkpoint)) {
        throw new AtivoError('INVALID_INPUT', `Job ${run.job.id}: a checkpoint must be a JSON object.`);
      }
      const now = deps.clock.now();
      if (!deps.q.saveCheckpoint(run.job.id, text, run.progress, new Date(now).toISOString())) {
        throw new AtivoError('BUSY', `Job ${run.job.id} is no longer running here (it was removed or taken over); its checkpoint was not saved.`);
      }
      run.checkpoint = JSON.parse(text) as JsonObject;
      run.view = run.checkpoint;
      run.lastWriteAt = now;
    },
    progress: (fraction, detail) => {
      ensureLive('progress reported');
      run.progress = clampProgress(fraction);
      run.detail = detail ?? null;
      const now = deps.clock.now();
      const final = run.progress >= 1;
      if (final || now - run.lastWriteAt >= deps.progressWriteMs) {
        deps.q.saveProgress(run.job.id, run.progress, new Date(now).toISOString());
        run.lastWriteAt = now;
      }
      if (final || now - run.lastEventAt >= deps.progressEventMs) {
        run.lastEventAt = now;
        deps.emit({ type: 'progress', id: run.job.id, kind: run.kind, assetId: run.job.assetId, batch: run.job.batch, progress: run.progress, detail: run.detail });
      }
    },
    wait: (message, retryAfterMs) => {
      throw new JobWaitError(message, retryAfterMs);
    },
    waitForChildren: (message) => {
      throw new JobWaitError(message, Number.POSITIVE_INFINITY, true);
    },
  };
}
