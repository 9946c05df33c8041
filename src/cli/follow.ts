/**
 * `--wait` while another process runs the jobs (the app, `ativo serve`): that process's runner
 * picks up what this command queued (it watches the catalog for other processes' changes), and
 * this command follows the job by reading its state from the catalog until it ends. Events are
 * not shared between processes, so this reads (once a second: cheap, and no tight timing).
 */
import type { Backend } from '../api/backend';
import type { EventPayload, JobView } from '../api/contract';

const FINAL = new Set(['done', 'failed', 'cancelled']);

export interface FollowOptions {
  /** The job's kind (narrows the listing). */
  kind: string;
  /** Something only a person can fix (e.g. uploads waiting for funds): a sentence stops the wait. */
  blocked?: () => Promise<string | null>;
  /** Called when the job's progress line changes (for people: stderr). */
  onDetail?: (line: string) => void;
  pollMs?: number;
}

export async function followJobElsewhere(backend: Backend, id: number, opts: FollowOptions): Promise<JobView & { blocked: string | null }> {
  const pollMs = opts.pollMs ?? 1000;
  let last = '';
  for (;;) {
    const list = await backend.call('jobs.list', { kind: opts.kind, batched: false, limit: 1000 });
    const j = list.items.find((x) => x.id === id);
    if (j === undefined) throw new Error(`Job ${id} is no longer in the catalog.`);
    if (FINAL.has(j.state)) return { ...j, blocked: null };
    const line = j.state === 'running' ? `${Math.round(j.progress * 100)}%` : j.state === 'waiting' && j.error ? `waiting: ${j.error}` : j.state;
    if (line !== last) {
      last = line;
      opts.onDetail?.(line);
    }
    const blocked = await opts.blocked?.();
    if (blocked) return { ...j, blocked };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Runs the job in this process (it holds the runner lock) and waits for it to end: its events, and one read in case it ended already. */
function waitHere(backend: Backend, id: number): Promise<{ state: string; error: string | null }> {
  const keepAlive = setInterval(() => undefined, 60_000);
  return new Promise<{ state: string; error: string | null }>((resolve) => {
    let done = false;
    const finish = (j: { id: number; state: string; error: string | null }): void => {
      if (done || j.id !== id || !FINAL.has(j.state)) return;
      done = true;
      off();
      resolve(j);
    };
    const off = backend.subscribe((event, payload) => {
      if (event === 'job.changed') finish(payload as EventPayload<'job.changed'>);
    });
    void backend.call('jobs.list', { limit: 1000 }).then((l) => {
      const j = l.items.find((x) => x.id === id);
      if (j) finish(j);
    });
  }).finally(() => {
    clearInterval(keepAlive);
  });
}

/** `--wait` for one job: run here when this process is the runner, else follow the process that is. */
export async function waitForJob(backend: Backend, id: number, kind: string): Promise<{ state: string; error: string | null }> {
  return (await backend.call('jobs.list', { limit: 1 })).runner ? waitHere(backend, id) : followJobElsewhere(backend, id, { kind });
}
