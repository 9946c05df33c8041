/** `--wait` for uploads and publications run by this process: their events, until they end. */
import type { Backend } from '../api/backend';
import type { EventPayload } from '../api/contract';
import { AtivoError } from '../util/errors';

const FINAL_JOB_STATES = new Set(['done', 'failed', 'cancelled']);

export type WatchedJob = Pick<EventPayload<'job.changed'>, 'id' | 'kind' | 'assetId' | 'state' | 'error'>;

/**
 * Waits (running the jobs in this process) until every job in `ids` and every batch in
 * `batches` has ended. Jobs of a batch send no job.changed: a batch is followed by its
 * coalesced jobs.batch events. Stops early when a job this run is watching goes 'waiting' on
 * something only a person can do (funds), or fails.
 */
export async function waitForJobs(backend: Backend, ids: readonly number[], stopOnWaiting: (j: WatchedJob) => boolean, batches: readonly number[] = [], newBatch: number | null = null): Promise<void> {
  const state = await backend.call('jobs.list', { limit: 1000 });
  if (state.paused) throw new AtivoError('BUSY', 'Background work is paused: resume it (Activity panel, or the jobs.resumeAll command) and try again.');
  const paused = state.items.filter((j) => ids.includes(j.id) && j.state === 'paused');
  if (paused.length) throw new AtivoError('BUSY', `${paused.length} of these jobs are paused (job ${paused.map((j) => j.id).join(', ')}): resume them first.`);
  const pending = new Set(ids);
  const pendingBatches = new Set(batches);
  const failures: string[] = [];
  const seen: { waiting: string | null; paused: number } = { waiting: null, paused: 0 };
  /** `live`: a change seen during this run; a job still 'waiting' from before is about to be retried. */
  const settle = (j: WatchedJob, live: boolean): void => {
    if (pending.has(j.id) && FINAL_JOB_STATES.has(j.state)) {
      pending.delete(j.id);
      if (j.state !== 'done') failures.push(j.error ?? j.state);
    } else if (j.state === 'waiting' && live && stopOnWaiting(j)) {
      seen.waiting = j.error ?? 'waiting';
    }
  };
  const since = new Date().toISOString();
  /** Failed + cancelled jobs of each watched batch when first seen (a batch made by this call: none). */
  const baseline = new Map<number, number>(newBatch === null ? [] : [[newBatch, 0]]);
  const settleBatch = (b: EventPayload<'jobs.batch'>, live: boolean): void => {
    // A batch event lists every job still waiting: only one that went waiting during this run counts.
    for (const j of b.attention) if (j.state === 'waiting') settle(j, live && j.updatedAt >= since);
    if (!pendingBatches.has(b.id)) return;
    const ended = b.counts.failed + b.counts.cancelled;
    if (!baseline.has(b.id)) baseline.set(b.id, ended);
    if (ended > (baseline.get(b.id) ?? 0)) {
      const failed = b.attention.find((j) => j.state === 'failed');
      failures.push(failed ? `${failed.label ?? `job ${failed.id}`}: ${failed.error ?? 'failed'}` : 'uploads were cancelled');
    }
    if (b.finished) pendingBatches.delete(b.id);
  };
  // The queue's own timers are unref'd (they never keep a process alive): this one does, while we wait.
  const keepAlive = setInterval(() => undefined, 60_000);
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if ((pending.size === 0 && pendingBatches.size === 0) || seen.waiting !== null || seen.paused > 0 || failures.length > 0) {
        off();
        clearInterval(keepAlive);
        resolve();
      }
    };
    const off = backend.subscribe((event, payload) => {
      if (event === 'job.changed') settle(payload as EventPayload<'job.changed'>, true);
      else if (event === 'jobs.batch') settleBatch(payload as EventPayload<'jobs.batch'>, true);
      else return;
      check();
    });
    void Promise.all([backend.call('jobs.list', { limit: 1000, batched: false }), backend.call('jobs.batches', {})]).then(([l, open]) => {
      for (const j of l.items) settle(j, false);
      const pausedIn = open.items.filter((b) => pendingBatches.has(b.id) && b.counts.paused > 0);
      if (pausedIn.length > 0) seen.paused = pausedIn.reduce((n, b) => n + b.counts.paused, 0);
      const stillOpen = new Set(open.items.map((b) => b.id));
      for (const b of open.items) settleBatch({ ...b, finished: false }, false);
      // A batch no longer open ended with every job done.
      for (const b of [...pendingBatches]) if (!stillOpen.has(b)) pendingBatches.delete(b);
      check();
    });
  });
  if (failures.length) throw new AtivoError('STORAGE_ERROR', `${failures.length} job(s) failed: ${failures[0] ?? ''}`);
  if (seen.paused > 0) throw new AtivoError('BUSY', `${seen.paused} of these uploads are paused: resume them (Activity panel) and try again.`);
  if (seen.waiting !== null) throw new AtivoError('BUSY', `Uploads are waiting: ${seen.waiting}`);
}
