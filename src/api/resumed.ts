/**
 * The work a restart picked up: what was left to do (queued, running when the last process
 * stopped or died, or waiting) when this process became the job runner. Activity says so
 * ("Resumed after restart: uploads of “Songbirds” (40 files)"), so a person knows the app
 * carried on where it was. A batch of 20,000 uploads is one entry with its count.
 *
 *   const resumed = workAtStart(jobs);  // before jobs.start()
 */
import type { JobQueue } from '../jobs/queue';

export interface ResumedWork {
  kind: string;
  assetId: number | null;
  /** Jobs of this kind and asset left to do. */
  count: number;
}

const LIVE = ['queued', 'running', 'waiting'] as const;

export function workAtStart(jobs: JobQueue): ResumedWork[] {
  const out = new Map<string, ResumedWork>();
  const add = (kind: string, assetId: number | null, n: number): void => {
    if (n <= 0) return;
    const key = `${kind}:${String(assetId)}`;
    const cur = out.get(key);
    if (cur) cur.count += n;
    else out.set(key, { kind, assetId, count: n });
  };
  for (const batch of jobs.openBatches()) {
    const s = jobs.batchSummary(batch);
    if (s) add(s.kind, s.assetId, s.counts.queued + s.counts.running + s.counts.waiting);
  }
  // Jobs on their own (publications, approvals, withdrawals): a few at a time, never thousands.
  for (const j of jobs.list({ batched: false, state: LIVE, limit: 200 }).items) add(j.kind, j.assetId, 1);
  return [...out.values()];
}
