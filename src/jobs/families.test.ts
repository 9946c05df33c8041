/**
 * Typed jobs (a checkpoint parsed by its kind's schema when loaded, never cast) and parent/child
 * jobs (the last child to end wakes its parent: no polling timer), over a real catalog file.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Catalog } from '../catalog/db';
import { tempDir } from '../test-support/fs';
import { AtivoError } from '../util/errors';
import { FakeClock } from './clock';
import { PermanentJobError } from './errors';
import { JobQueue, type JobEvent, type JobRun } from './queue';

const deferred = (): { promise: Promise<void>; resolve: () => void } => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
};

const Payout = z.looseObject({ account: z.string().min(1), amountWei: z.string().regex(/^\d+$/), txHash: z.string().optional() });
type Payout = z.output<typeof Payout>;

const Parent = z.looseObject({ files: z.number().int(), queued: z.boolean().optional() });

describe('typed and parent/child jobs', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A queue over a real catalog file and a fake clock that never moves: nothing can be woken by a timer. */
  const setup = (file?: string) => {
    let path = file;
    if (path === undefined) {
      const d = tempDir();
      cleanups.push(d.cleanup);
      path = join(d.path, 'catalog.sqlite');
    }
    const catalog = Catalog.open(path);
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const queue = new JobQueue(catalog, { clock, watchMs: 0, concurrency: 3, onError: (e) => { errors.push(e); } });
    const events: JobEvent[] = [];
    queue.on((e) => { events.push(e); });
    cleanups.push(async () => {
      await queue.stop();
      catalog.close();
    });
    const transitions = (id: number): string[] => events.flatMap((e) => (e.type === 'state' && e.job.id === id ? [`${e.from ?? 'new'}→${e.job.state}`] : []));
    return { path, catalog, clock, queue, errors, transitions };
  };

  it('a checkpoint that does not fit its kind fails that job with a sentence, the others keep running; bad input is refused at enqueue', async () => {
    const { catalog, queue, errors } = setup();
    const seen: Payout[] = [];
    queue.register('payout', {
      checkpoint: Payout,
      input: Payout,
      concurrency: 1,
      run: async (ctx: JobRun<Payout>) => {
        seen.push(ctx.checkpoint);
        ctx.saveCheckpoint({ ...ctx.checkpoint, txHash: `0x${ctx.checkpoint.amountWei}` }, 0.5);
        return Promise.resolve({ paid: ctx.checkpoint.amountWei });
      },
    });
    const ids = ['1', '2', '3'].map((amountWei) => queue.enqueue('payout', { checkpoint: { account: '0xa', amountWei } }).job.id);
    // Valid JSON (the table's CHECK passes) of the wrong shape: an older build, a hand edit.
    catalog.db.prepare('UPDATE jobs SET checkpoint = ? WHERE id = ?').run('{"account":"0xa","amountWei":2}', ids[1]);

    queue.start();
    const [a, b, c] = await Promise.all(ids.map((id) => queue.settled(id)));
    expect(b?.state).toBe('failed');
    expect(b?.error).toBe(`Job ${ids[1] ?? 0} (payout) cannot resume: its saved progress is damaged (amountWei: Invalid input: expected string, received number). Retry it from scratch, or cancel it.`);
    expect(errors).toHaveLength(1);
    expect([a?.state, c?.state]).toEqual(['done', 'done']);
    expect(a?.result).toEqual({ paid: '1' });
    expect(seen.map((s) => s.amountWei)).toEqual(['1', '3']);
    expect(queue.get(ids[2] ?? 0)?.checkpoint).toEqual({ account: '0xa', amountWei: '3', txHash: '0x3' });

    // What a new job is queued with is checked by its input schema (never stored when wrong).
    const before = queue.list().total;
    expect(() => queue.enqueue('payout', { checkpoint: { account: '', amountWei: '1.5' } })).toThrow(AtivoError);
    expect(() => queue.enqueue('payout', { checkpoint: { account: '', amountWei: '1.5' } })).toThrow(/^A new payout job was refused: account: .+; amountWei: .+\.$/);
    expect(queue.list().total).toBe(before);
  });

  /** A parent that queues `files` children once, then waits for them with no timer; done when none is live. */
  const registerFamily = (queue: JobQueue, child: (id: number, signal: AbortSignal) => Promise<void>): void => {
    queue.register('put', async (ctx) => {
      await child(ctx.job.id, ctx.signal);
      return null;
    });
    queue.register('publish', {
      checkpoint: Parent,
      concurrency: 1,
      run: (ctx) => {
        const cp = ctx.checkpoint;
        if (cp.queued !== true) {
          queue.enqueueBatch('put', Array.from({ length: cp.files }, (_, i) => ({ checkpoint: { n: i } })), { parent: ctx.job.id });
          ctx.saveCheckpoint({ ...cp, queued: true });
        }
        if (queue.liveChildren(ctx.job.id) > 0) ctx.waitForChildren('Uploading files');
        const cancelled = queue.children(ctx.job.id, ['cancelled']).length;
        if (cancelled > 0) throw new PermanentJobError(`${cancelled} of ${cp.files} files were not uploaded (their uploads were cancelled).`);
        return Promise.resolve({ stored: queue.children(ctx.job.id, ['done']).length });
      },
    });
  };

  it('a parent waits for its children with no timer, and the last child to end wakes it', async () => {
    const { clock, queue, transitions } = setup();
    const gates = new Map<number, () => void>();
    const started = deferred();
    registerFamily(queue, (id) => {
      const g = deferred();
      gates.set(id, g.resolve);
      if (gates.size === 3) started.resolve();
      return g.promise;
    });
    const parent = queue.enqueue('publish', { checkpoint: { files: 3 } }).job.id;
    queue.start();
    await started.promise;
    await queue.settled(parent, ['waiting']);
    // Waiting on its children alone: no due time, and no timer anywhere (the fake clock never moves).
    expect(queue.get(parent)).toMatchObject({ state: 'waiting', nextRunAt: null, error: 'Uploading files' });
    expect(clock.nextTimerAt()).toBeUndefined();
    const kids = queue.children(parent, ['running']).map((j) => j.id);
    expect(kids).toHaveLength(3);
    expect(queue.list({ parent }).total).toBe(3);

    for (const id of kids.slice(0, 2)) {
      gates.get(id)?.();
      await queue.settled(id);
    }
    expect(queue.get(parent)?.state).toBe('waiting'); // one child still running
    gates.get(kids[2] ?? 0)?.();
    expect(await queue.settled(parent)).toMatchObject({ state: 'done', result: { stored: 3 } });
    expect(transitions(parent)).toEqual(['new→queued', 'queued→running', 'running→waiting', 'waiting→queued', 'queued→running', 'running→done']);
  });

  it('a child that ends while its parent is still running never leaves the parent waiting for nothing', async () => {
    const { queue, transitions } = setup();
    registerFamily(queue, () => Promise.resolve());
    queue.register('publish-slow', {
      checkpoint: Parent,
      run: async (ctx) => {
        if (ctx.checkpoint.queued !== true) {
          const { jobs } = queue.enqueueBatch('put', [{}], { parent: ctx.job.id });
          ctx.saveCheckpoint({ ...ctx.checkpoint, queued: true });
          await queue.settled(jobs[0]?.id ?? 0); // the child ends before this run does
          ctx.waitForChildren('Uploading files');
        }
        return null;
      },
    });
    const parent = queue.enqueue('publish-slow', { checkpoint: { files: 1 } }).job.id;
    queue.start();
    expect((await queue.settled(parent)).state).toBe('done');
    expect(transitions(parent)).toEqual(['new→queued', 'queued→running', 'running→queued', 'queued→running', 'running→done']);
  });

  it('cancelling the children’s batch (from another process too) wakes the parent, which sees them cancelled', async () => {
    const { path, queue } = setup();
    const started = deferred();
    let n = 0;
    registerFamily(queue, (_id, signal) => {
      if (++n === 1) started.resolve();
      // Never ends on its own: only when interrupted.
      return new Promise<void>((_, reject) => { signal.addEventListener('abort', () => { reject(signal.reason as Error); }, { once: true }); });
    });
    const parent = queue.enqueue('publish', { checkpoint: { files: 4 } }).job.id;
    queue.start();
    await started.promise;
    await queue.settled(parent, ['waiting']);
    const batch = queue.children(parent, ['queued', 'running'])[0]?.batch ?? 0;

    // The CLI: its own connection and queue, not running jobs. Its cancel of the queued children
    // commits the parent's wake-up in the same transaction only once no child is live.
    const cli = setup(path);
    const running = queue.children(parent, ['running']).map((j) => j.id);
    expect(running.length).toBeGreaterThan(0);
    expect(await cli.queue.cancelBatch(batch)).toBeGreaterThan(0);
    expect(queue.get(parent)?.state).toBe('waiting'); // the running children are live still
    // The runner cancels its running ones: the last of them wakes the parent.
    expect(await queue.cancelBatch(batch)).toBe(running.length);
    const failed = await queue.settled(parent);
    expect(failed).toMatchObject({ state: 'failed', error: '4 of 4 files were not uploaded (their uploads were cancelled).' });
  });
});
