import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { tempDir } from '../test-support/fs';
import { backoffCeiling, backoffDelay, type RetryPolicy } from './backoff';
import { FakeClock } from './clock';
import { JobInterruptedError, PermanentJobError } from './errors';
import { JobQueue, type JobContext, type JobEvent, type JobQueueOptions, type JobRecord } from './queue';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}
const deferred = <T = void>(): Deferred<T> => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
};

/** Rejects with the signal's reason once aborted: a handler that works until interrupted. */
const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise<never>((_, reject) => {
    const fail = (): void => { reject(signal.reason as Error); };
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });

type StepCp = { next: number };

describe('JobQueue', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const tmp = (): string => {
    const d = tempDir();
    cleanups.push(d.cleanup);
    return d.path;
  };

  /** A queue over a real catalog file, with a fake clock; closed after the test. */
  const open = (file: string, clock: FakeClock, options: JobQueueOptions = {}) => {
    const catalog = Catalog.open(file);
    const errors: unknown[] = [];
    // The fake-clock tests are about scheduling: no watching for other processes (tested below, on the real clock).
    const queue = new JobQueue(catalog, { clock, watchMs: 0, onError: (e) => { errors.push(e); }, ...options });
    const events: JobEvent[] = [];
    queue.on((e) => { events.push(e); });
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await queue.stop();
      catalog.close();
    };
    cleanups.push(close);
    const transitions = (id: number): string[] =>
      events.flatMap((e) => (e.type === 'state' && e.job.id === id ? [`${e.from ?? 'new'}→${e.job.state}`] : []));
    return { catalog, queue, errors, events, transitions, close };
  };

  const setup = (options: JobQueueOptions = {}) => {
    const file = join(tmp(), 'catalog.sqlite');
    const clock = new FakeClock();
    return { file, clock, ...open(file, clock, options) };
  };

  const addAsset = (catalog: Catalog): number => catalog.assets.insert({ kind: 'dataset', name: 'd', rootPath: `/data/${Math.random()}` }, new Date().toISOString());

  it('a job queued by another process (another connection to the catalog) starts in the running queue without a poke', async () => {
    const file = join(tmp(), 'catalog.sqlite');
    // The runner (the app, `ativo serve`): real clock, looks every 50 ms.
    const runner = Catalog.open(file);
    const queue = new JobQueue(runner, { watchMs: 50 });
    const ran: number[] = [];
    queue.register('note', (ctx) => { ran.push(ctx.job.id); return Promise.resolve(null); });
    queue.start();
    // The CLI: its own connection and queue, never started (it does not run jobs).
    const cli = Catalog.open(file);
    cleanups.push(async () => { await queue.stop(); runner.close(); cli.close(); });
    const other = new JobQueue(cli);
    other.register('note', () => Promise.resolve(null));
    const { job } = other.enqueue('note', {});
    const done = await queue.settled(job.id);
    expect(done.state).toBe('done');
    expect(ran).toEqual([job.id]);
    // The pause switch set by the other process is seen too.
    await other.pauseAll();
    await new Promise((r) => setTimeout(r, 300));
    expect(queue.isPaused()).toBe(true);
    const second = other.enqueue('note', {}).job;
    await new Promise((r) => setTimeout(r, 300));
    expect(queue.get(second.id)?.state).toBe('queued');
    other.resumeAll();
    expect((await queue.settled(second.id)).state).toBe('done');
  });

  it('runs a job through queued → running → done, storing its result, with throttled progress', async () => {
    const { catalog, queue, clock, events, transitions } = setup({ progressWriteMs: 1000, progressEventMs: 200 });
    const assetId = addAsset(catalog);
    const seen: { progressInDb: number[]; job?: JobRecord } = { progressInDb: [] };
    queue.register<StepCp, { files: number }>('hash', async (ctx) => {
      seen.job = ctx.job;
      const db = (): number => queue.get(ctx.job.id)?.progress ?? -1;
      ctx.progress(0.1, '1 of 10');
      ctx.progress(0.2, '2 of 10'); // same instant: neither written nor announced
      seen.progressInDb.push(db());
      clock.advance(200);
      ctx.progress(0.3, '3 of 10'); // announced, not yet written
      seen.progressInDb.push(db());
      clock.advance(800);
      ctx.progress(0.4, '4 of 10'); // written and announced
      seen.progressInDb.push(db());
      ctx.progress(7, 'clamped'); // ≥ 1: always written
      seen.progressInDb.push(db());
      return { files: 10 };
    });
    const { job, created } = queue.enqueue('hash', { assetId });
    expect(created).toBe(true);
    expect(job).toMatchObject({ kind: 'hash', assetId, state: 'queued', attempts: 0, progress: 0, checkpoint: {}, error: null });
    expect(job.nextRunAt).toBe(new Date(clock.now()).toISOString());
    expect(queue.get(job.id)?.state).toBe('queued'); // not started yet: nothing runs

    queue.start();
    const done = await queue.settled(job.id);
    expect(done).toMatchObject({ state: 'done', attempts: 1, progress: 1, error: null, result: { files: 10 }, nextRunAt: null });
    expect(seen.job).toMatchObject({ id: job.id, state: 'running', attempts: 1 });
    expect(seen.progressInDb).toEqual([0, 0, 0.4, 1]);
    expect(transitions(job.id)).toEqual(['new→queued', 'queued→running', 'running→done']);
    const progress = events.flatMap((e) => (e.type === 'progress' ? [[e.progress, e.detail]] : []));
    expect(progress).toEqual([[0.1, '1 of 10'], [0.3, '3 of 10'], [0.4, '4 of 10'], [1, 'clamped']]);
    expect(queue.list({ state: 'done' }).items.map((j) => j.id)).toEqual([job.id]);
    expect(queue.list({ assetId, kind: 'hash' }).total).toBe(1);
    expect(queue.list({ state: ['queued', 'running'] }).total).toBe(0);
  });

  it('refuses unknown kinds and missing assets with clear errors', () => {
    const { queue } = setup();
    queue.register('hash', async () => undefined);
    expect(() => queue.enqueue('hsah')).toThrow(/Unknown job kind "hsah"/);
    expect(() => queue.enqueue('hash', { assetId: 999 })).toThrow(/No asset with id 999/);
    expect(() => { queue.register('hash', async () => undefined); }).toThrow(/already registered/);
    expect(queue.list().total).toBe(0);
  });

  it('retries a transient error after a backoff, and fails a permanent one at once', async () => {
    const retry: Partial<RetryPolicy> = { baseMs: 1000, factor: 2, maxDelayMs: 10_000, jitter: 0, maxAttempts: 3 };
    const { queue, clock, transitions } = setup({ retry });
    let calls = 0;
    queue.register('flaky', async () => {
      calls++;
      if (calls === 1) throw new Error('connection reset');
      return 'ok';
    });
    queue.register('bad', async () => { throw new PermanentJobError('the asset folder is gone'); });
    queue.register('classified', async () => { throw Object.assign(new Error('HTTP 400'), { status: 400 }); }, {
      isPermanent: (e) => (e as { status?: number }).status === 400,
    });
    queue.start();
    const flaky = queue.enqueue('flaky').job.id;
    const retried = await queue.settled(flaky, ['queued']);
    expect(retried).toMatchObject({ attempts: 1, error: 'connection reset', nextRunAt: new Date(clock.now() + 1000).toISOString() });
    clock.advance(1000);
    expect(await queue.settled(flaky)).toMatchObject({ state: 'done', attempts: 2, error: null, result: 'ok' });
    expect(transitions(flaky)).toEqual(['new→queued', 'queued→running', 'running→queued', 'queued→running', 'running→done']);

    for (const kind of ['bad', 'classified']) {
      const id = queue.enqueue(kind).job.id;
      const failed = await queue.settled(id);
      expect(failed).toMatchObject({ state: 'failed', attempts: 1, nextRunAt: null });
      expect(failed.error).toBe(kind === 'bad' ? 'the asset folder is gone' : 'HTTP 400');
    }
  });

  it('backs off exponentially with jitter on the fake clock, then fails with the last error', async () => {
    const policy: RetryPolicy = { baseMs: 1000, factor: 2, maxDelayMs: 5000, jitter: 0.5, maxAttempts: 5 };
    const draws = [0, 0.5, 0.999, 0.25];
    let drawn = 0;
    const random = (): number => draws[drawn++] ?? 0;
    const { queue, clock } = setup({ retry: policy, random });
    let attempt = 0;
    const attemptsSeen: number[] = [];
    queue.register('upload', async (ctx) => {
      attempt++;
      attemptsSeen.push(ctx.job.attempts);
      throw new Error(`storage node said 503 (attempt ${attempt})`);
    });
    queue.start();
    const id = queue.enqueue('upload').job.id;
    const delays: number[] = [];
    for (let n = 1; n < policy.maxAttempts; n++) {
      const job = await queue.settled(id, ['queued']);
      expect(job.attempts).toBe(n);
      expect(job.error).toBe(`storage node said 503 (attempt ${n})`);
      const delay = Date.parse(job.nextRunAt ?? '') - clock.now();
      delays.push(delay);
      const ceiling = backoffCeiling(policy, n);
      expect(delay).toBe(backoffDelay(policy, n, () => draws[n - 1] ?? 0));
      expect(delay).toBeGreaterThanOrEqual(ceiling * (1 - policy.jitter));
      expect(delay).toBeLessThanOrEqual(ceiling);
      // Not a millisecond early …
      clock.advance(delay - 1);
      expect(queue.get(id)).toMatchObject({ state: 'queued', attempts: n });
      // … and on time.
      clock.advance(1);
      expect(queue.get(id)).toMatchObject({ state: 'running', attempts: n + 1 });
    }
    expect(delays).toEqual([1000, 1500, 2002, 4375]);
    expect([1, 2, 3, 4].map((n) => backoffCeiling(policy, n))).toEqual([1000, 2000, 4000, 5000]);
    const failed = await queue.settled(id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 5, nextRunAt: null, error: 'storage node said 503 (attempt 5)' });
    expect(drawn).toBe(4);
    expect(clock.nextTimerAt()).toBeUndefined(); // nothing left to schedule
    clock.advance(60_000);
    expect(attempt).toBe(5);
    expect(attemptsSeen).toEqual([1, 2, 3, 4, 5]);

    // retry() gives it fresh attempts.
    queue.retry(id);
    expect(await queue.settled(id, ['queued', 'failed'])).toMatchObject({ state: 'queued', attempts: 1, error: 'storage node said 503 (attempt 6)' });
    expect(() => queue.retry(id)).toThrow(/is queued; only failed jobs can be retried/);
  });

  it('keeps checkpoints across a graceful stop and a restart; stop aborts handlers and waits for them', async () => {
    const file = join(tmp(), 'catalog.sqlite');
    const clock = new FakeClock();
    const first = open(file, clock);
    const saved = deferred();
    let stopReason: unknown;
    first.queue.register<StepCp>('steps', async (ctx) => {
      expect(ctx.checkpoint).toEqual({});
      ctx.saveCheckpoint({ next: 3 }, 0.3);
      expect(ctx.checkpoint).toEqual({ next: 3 });
      // Durable at once, before the handler goes on.
      expect(first.queue.get(ctx.job.id)).toMatchObject({ checkpoint: { next: 3 }, progress: 0.3, state: 'running' });
      saved.resolve();
      try {
        return await untilAborted(ctx.signal);
      } catch (e) {
        stopReason = e;
        throw e;
      }
    });
    first.queue.start();
    const id = first.queue.enqueue('steps').job.id;
    await saved.promise;
    await first.queue.stop();
    expect(stopReason).toBeInstanceOf(JobInterruptedError);
    expect((stopReason as JobInterruptedError).reason).toBe('stop');
    // Back to queued, the interrupted attempt given back, the checkpoint kept.
    expect(first.queue.get(id)).toMatchObject({ state: 'queued', attempts: 0, checkpoint: { next: 3 }, progress: 0.3 });
    await first.close();

    const second = open(file, clock);
    const resumedWith: unknown[] = [];
    second.queue.register<StepCp>('steps', async (ctx) => {
      resumedWith.push(ctx.checkpoint);
      for (let i = ctx.checkpoint.next ?? 0; i < 5; i++) ctx.saveCheckpoint({ next: i + 1 }, (i + 1) / 5);
      return null;
    });
    second.queue.start();
    expect(await second.queue.settled(id)).toMatchObject({ state: 'done', checkpoint: { next: 5 }, attempts: 1 });
    expect(resumedWith).toEqual([{ next: 3 }]);
  });

  it('pauses, resumes and cancels a running job; its handler sees the abort', async () => {
    const { queue, transitions } = setup();
    const entered: Deferred<JobContext<StepCp>>[] = [deferred(), deferred()];
    const reasons: unknown[] = [];
    let runs = 0;
    queue.register<StepCp>('upload', async (ctx) => {
      entered[runs++]?.resolve(ctx);
      try {
        return await untilAborted(ctx.signal);
      } catch (e) {
        reasons.push(e);
        throw e;
      }
    });
    queue.start();
    const id = queue.enqueue('upload').job.id;

    const ctx1 = await entered[0]!.promise;
    ctx1.saveCheckpoint({ next: 7 }, 0.5);
    const paused = await queue.pause(id);
    expect(paused).toMatchObject({ state: 'paused', attempts: 0, progress: 0.5, checkpoint: { next: 7 }, nextRunAt: null });
    expect((reasons[0] as JobInterruptedError).reason).toBe('pause');
    expect(ctx1.signal.aborted).toBe(true);
    expect(() => { ctx1.progress(0.6); }).toThrow(/after its handler returned/);
    expect(await queue.pause(id)).toMatchObject({ state: 'paused' }); // idempotent

    await queue.resume(id);
    const ctx2 = await entered[1]!.promise;
    expect(ctx2.checkpoint).toEqual({ next: 7 });
    expect(ctx2.signal.aborted).toBe(false);
    const cancelled = await queue.cancel(id);
    expect(cancelled).toMatchObject({ state: 'cancelled', nextRunAt: null });
    expect((reasons[1] as JobInterruptedError).reason).toBe('cancel');
    expect(queue.runningCount).toBe(0);
    expect(transitions(id)).toEqual(['new→queued', 'queued→running', 'running→paused', 'paused→queued', 'queued→running', 'running→cancelled']);

    await expect(queue.resume(id)).rejects.toThrow(/is cancelled; only paused or waiting jobs can be resumed/);
    await expect(queue.pause(id)).rejects.toThrow(/is cancelled/);
    await expect(queue.cancel(12345)).rejects.toThrow(/No job with id 12345/);
  });

  it('pauses and cancels jobs that are not running without running them', async () => {
    const { queue } = setup();
    let ran = 0;
    queue.register('x', async () => { ran++; });
    const a = queue.enqueue('x').job.id;
    const b = queue.enqueue('x').job.id;
    expect(await queue.pause(a)).toMatchObject({ state: 'paused', nextRunAt: null });
    expect(await queue.cancel(b)).toMatchObject({ state: 'cancelled' });
    queue.start();
    expect(queue.runningCount).toBe(0);
    expect(ran).toBe(0);
    expect(await queue.cancel(a)).toMatchObject({ state: 'cancelled' });
    expect(ran).toBe(0);
  });

  it('pauseAll interrupts running jobs, holds new ones, and persists across a restart', async () => {
    const file = join(tmp(), 'catalog.sqlite');
    const clock = new FakeClock();
    const first = open(file, clock);
    const entered = deferred();
    first.queue.register('upload', async (ctx) => {
      entered.resolve();
      return untilAborted(ctx.signal);
    });
    first.queue.start();
    const a = first.queue.enqueue('upload').job.id;
    await entered.promise;
    await first.queue.pauseAll();
    expect(first.queue.isPaused()).toBe(true);
    expect(first.queue.get(a)).toMatchObject({ state: 'queued', attempts: 0 });
    const b = first.queue.enqueue('upload').job.id;
    expect(first.queue.runningCount).toBe(0);
    expect(first.queue.get(b)?.state).toBe('queued');
    expect(first.events.filter((e) => e.type === 'paused')).toEqual([{ type: 'paused', paused: true }]);
    await first.close();

    const second = open(file, clock);
    expect(second.queue.isPaused()).toBe(true);
    const ran: number[] = [];
    second.queue.register('upload', async (ctx) => { ran.push(ctx.job.id); });
    second.queue.start();
    clock.advance(3_600_000);
    expect(second.queue.runningCount).toBe(0);
    expect(second.queue.list({ state: 'queued' }).total).toBe(2);
    second.queue.resumeAll();
    expect(second.queue.isPaused()).toBe(false);
    await second.queue.settled(a);
    await second.queue.settled(b);
    expect(ran).toEqual([a, b]);
    await second.close();

    const third = open(file, clock);
    expect(third.queue.isPaused()).toBe(false);
  });

  it('never runs more than the concurrency limit (global and per kind)', async () => {
    const { queue } = setup({ concurrency: 3 });
    const gates = new Map<number, Deferred<void>>();
    let entered = 0;
    let notify = deferred();
    const active = { all: 0, maxAll: 0, solo: 0, maxSolo: 0 };
    const handler = (kind: 'work' | 'solo') => async (ctx: JobContext): Promise<undefined> => {
      active.all++;
      active.maxAll = Math.max(active.maxAll, active.all);
      if (kind === 'solo') active.maxSolo = Math.max(active.maxSolo, ++active.solo);
      const gate = deferred();
      gates.set(ctx.job.id, gate);
      entered++;
      notify.resolve();
      await gate.promise;
      active.all--;
      if (kind === 'solo') active.solo--;
      return undefined;
    };
    queue.register('work', handler('work'));
    queue.register('solo', handler('solo'), { concurrency: 1 });
    const ids = [
      ...Array.from({ length: 3 }, () => queue.enqueue('solo').job.id),
      ...Array.from({ length: 7 }, () => queue.enqueue('work').job.id),
    ];
    const untilEntered = async (n: number): Promise<void> => {
      while (entered < n) {
        await notify.promise;
        notify = deferred();
      }
    };
    queue.start();
    await untilEntered(3);
    // One solo (its limit) and two work jobs, in queue order.
    expect([...gates.keys()]).toEqual([ids[0], ids[3], ids[4]]);
    expect(queue.runningCount).toBe(3);
    expect(queue.list({ state: 'running' }).total).toBe(3);

    const finished = new Set<number>();
    while (finished.size < ids.length) {
      const next = [...gates].find(([id]) => !finished.has(id));
      if (!next) throw new Error('no running job to release');
      const [id, gate] = next;
      gate.resolve();
      await queue.settled(id);
      finished.add(id);
      expect(queue.runningCount).toBeLessThanOrEqual(3);
      expect(queue.list({ state: 'running' }).total).toBeLessThanOrEqual(3);
      await untilEntered(Math.min(ids.length, finished.size + 3));
    }
    expect(active.maxAll).toBe(3);
    expect(active.maxSolo).toBe(1);
    expect(queue.list({ state: 'done' }).total).toBe(10);
  });

  it('keeps one live job per dedupe key', async () => {
    const { catalog, queue, transitions } = setup({ retry: { maxAttempts: 1 } });
    const assetId = addAsset(catalog);
    const release = deferred();
    let fail = true;
    queue.register('publish', async () => {
      if (fail) throw new Error('chain unreachable');
      await release.promise;
      return 'published';
    });
    const first = queue.enqueue('publish', { assetId, dedupeKey: `publish:${assetId}` });
    const again = queue.enqueue('publish', { assetId, dedupeKey: `publish:${assetId}`, checkpoint: { other: true } });
    expect(first.created).toBe(true);
    expect(again).toEqual({ job: first.job, created: false });
    expect(transitions(first.job.id)).toEqual(['new→queued']); // the duplicate announced nothing
    const other = queue.enqueue('publish', { dedupeKey: 'publish:other' });
    expect(other.created).toBe(true);
    expect(queue.list({ kind: 'publish' }).total).toBe(2);

    queue.start();
    expect(await queue.settled(first.job.id)).toMatchObject({ state: 'failed', error: 'chain unreachable' });
    // The key is free again once the job is over …
    fail = false;
    const second = queue.enqueue('publish', { assetId, dedupeKey: `publish:${assetId}` });
    expect(second.created).toBe(true);
    expect(await queue.settled(second.job.id, ['running'])).toMatchObject({ state: 'running' });
    expect(queue.enqueue('publish', { assetId, dedupeKey: `publish:${assetId}` }).job.id).toBe(second.job.id);
    // … and a failed job cannot be retried while another holds it.
    expect(() => queue.retry(first.job.id)).toThrow(/Another job with key "publish:\d+" is already queued or running/);
    expect(queue.get(first.job.id)?.state).toBe('failed');
    release.resolve();
    expect(await queue.settled(second.job.id)).toMatchObject({ state: 'done', result: 'published' });
    expect(queue.retry(first.job.id).state).toBe('queued');
    expect(await queue.settled(first.job.id)).toMatchObject({ state: 'done' });
  });

  it('moves a blocked job to waiting with a message, and runs it again when poked or when due', async () => {
    const { queue, clock, transitions } = setup({ retry: { maxAttempts: 1 } });
    let funded = false;
    const runs: number[] = [];
    queue.register('upload', async (ctx) => {
      runs.push(ctx.job.id);
      if (!funded) ctx.wait('Insufficient storage balance: fund your account (0.02 ETH needed).', 60_000);
      return 'uploaded';
    });
    queue.start();
    const a = queue.enqueue('upload').job.id;
    const waiting = await queue.settled(a, ['waiting']);
    expect(waiting).toMatchObject({
      state: 'waiting',
      attempts: 0, // waiting does not use up attempts (maxAttempts is 1 here)
      error: 'Insufficient storage balance: fund your account (0.02 ETH needed).',
      nextRunAt: new Date(clock.now() + 60_000).toISOString(),
    });
    clock.advance(59_999);
    expect(queue.get(a)?.state).toBe('waiting');
    expect(runs).toEqual([a]);

    // Still unfunded when it comes due: waits again.
    clock.advance(1);
    expect(queue.get(a)?.state).toBe('running');
    expect(await queue.settled(a, ['waiting'])).toMatchObject({ attempts: 0 });
    expect(runs).toEqual([a, a]);

    // The user funds the account; the storage service pokes the waiting jobs.
    funded = true;
    expect(queue.poke({ kind: 'upload' })).toBe(1);
    expect(await queue.settled(a)).toMatchObject({ state: 'done', error: null, result: 'uploaded', attempts: 1 });
    expect(transitions(a)).toEqual([
      'new→queued', 'queued→running', 'running→waiting', 'waiting→running', 'running→waiting', 'waiting→running', 'running→done',
    ]);

    // resume() on a waiting job is a poke too.
    funded = false;
    const b = queue.enqueue('upload').job.id;
    await queue.settled(b, ['waiting']);
    funded = true;
    await queue.resume(b);
    expect(await queue.settled(b)).toMatchObject({ state: 'done' });
  });

  it('reports a damaged checkpoint clearly, fails only that job, and can retry it from scratch', async () => {
    const { catalog, queue, errors } = setup();
    const seen: unknown[] = [];
    queue.register<StepCp>('steps', async (ctx) => {
      seen.push(ctx.checkpoint);
      return ctx.checkpoint.next ?? 0;
    });
    const broken = queue.enqueue('steps').job.id;
    const notObject = queue.enqueue('steps').job.id;
    const good = queue.enqueue('steps', { checkpoint: { next: 4 } }).job.id;
    // Damage written behind the CHECK constraint (an older build, a disk fault, a hand edit).
    catalog.db.pragma('ignore_check_constraints = ON');
    catalog.db.prepare('UPDATE jobs SET checkpoint = ? WHERE id = ?').run('{"next": 3', broken);
    catalog.db.prepare('UPDATE jobs SET checkpoint = ? WHERE id = ?').run('[1, 2]', notObject);
    catalog.db.pragma('ignore_check_constraints = OFF');

    // Reading never throws: the problem is part of the record.
    const listed = queue.list().items;
    expect(listed).toHaveLength(3);
    expect(queue.get(broken)).toMatchObject({ checkpoint: null, checkpointError: expect.stringMatching(/not valid JSON .*\{"next": 3/) as unknown });
    expect(queue.get(notObject)?.checkpointError).toMatch(/not a JSON object: \[1, 2\]/);

    queue.start();
    const f1 = await queue.settled(broken);
    const f2 = await queue.settled(notObject);
    expect(f1.state).toBe('failed');
    expect(f1.error).toMatch(new RegExp(`^Job ${broken} \\(steps\\) cannot resume: the stored checkpoint is not valid JSON \\(.+\\): \\{"next": 3\\. Retry it from scratch, or cancel it\\.$`));
    expect(f2.error).toMatch(/cannot resume: the stored checkpoint is not a JSON object/);
    expect(await queue.settled(good)).toMatchObject({ state: 'done', result: 4 });
    expect(errors.map((e) => (e as Error).message)).toEqual([f1.error, f2.error]);
    expect(seen).toEqual([{ next: 4 }]);

    queue.retry(broken, { fromScratch: true });
    expect(await queue.settled(broken)).toMatchObject({ state: 'done', result: 0, checkpoint: {}, checkpointError: null });
    expect(seen).toEqual([{ next: 4 }, {}]);
  });

  it('requeues jobs a dead process left running, keeping their checkpoints', async () => {
    const { catalog, queue, transitions } = setup();
    const seen: unknown[] = [];
    queue.register<StepCp>('steps', async (ctx) => { seen.push([ctx.checkpoint, ctx.job.attempts]); });
    const id = queue.enqueue('steps').job.id;
    catalog.db.prepare(`UPDATE jobs SET state = 'running', attempts = 1, checkpoint = '{"next":9}' WHERE id = ?`).run(id);
    queue.start();
    expect(await queue.settled(id)).toMatchObject({ state: 'done', attempts: 2 });
    expect(seen).toEqual([[{ next: 9 }, 2]]);
    expect(transitions(id)).toEqual(['new→queued', 'running→queued', 'queued→running', 'running→done']);
  });

  it('stop({ graceMs }) gives up on a handler that ignores its signal; start() again does not run the job twice', async () => {
    const { queue, clock } = setup();
    const release = deferred();
    const entered = deferred();
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    queue.register('stubborn', async () => {
      calls++;
      maxActive = Math.max(maxActive, ++active);
      entered.resolve();
      if (calls === 1) await release.promise; // ignores ctx.signal
      active--;
      return calls;
    });
    queue.start();
    const id = queue.enqueue('stubborn').job.id;
    await entered.promise;
    const stopped = queue.stop({ graceMs: 5000 });
    clock.advance(5000);
    await stopped;
    expect(queue.get(id)?.state).toBe('running'); // left for the next start() to recover …
    queue.start(); // … but this queue still owns it: not recovered, not run again
    expect(queue.get(id)?.state).toBe('running');
    expect(calls).toBe(1);
    release.resolve();
    // It finished its work after all: done (work completed is never thrown away), and run once.
    expect(await queue.settled(id)).toMatchObject({ state: 'done', result: 1, attempts: 1 });
    expect(calls).toBe(1);
    expect(maxActive).toBe(1);
  });

  it('survives a throwing listener and a handler that ignores its checkpoint type', async () => {
    const { queue, errors } = setup();
    queue.on(() => { throw new Error('listener bug'); });
    queue.register('x', async (ctx) => {
      expect(() => { ctx.saveCheckpoint([1] as unknown as StepCp); }).toThrow(/must be a JSON object/);
      expect(() => { ctx.saveCheckpoint({ big: 1n } as unknown as StepCp); }).toThrow(/cannot be stored as JSON/);
      return 1;
    });
    const id = queue.enqueue('x').job.id;
    queue.start();
    expect(await queue.settled(id)).toMatchObject({ state: 'done', result: 1, checkpoint: {} });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => (e as Error).message === 'listener bug')).toBe(true);
  });

  it('queues a batch in one transaction: one batch id, dedupe against live jobs, counts and bytes, retry and cancel of the batch', async () => {
    const { catalog, queue, events } = setup({ concurrency: 3 });
    const assetId = addAsset(catalog);
    const gate = deferred();
    queue.register<{ name: string; size: number; fail?: boolean }>('put', async (ctx) => {
      if (ctx.checkpoint.fail === true) throw new PermanentJobError(`${ctx.checkpoint.name ?? '?'} is unreadable`);
      await gate.promise;
      return null;
    });
    // Queued on its own, not due for a minute (the fake clock does not move): it never runs here.
    const single = queue.enqueue('put', { assetId, checkpoint: { name: 'c', size: 5 }, dedupeKey: 'put:c', delayMs: 60_000 });
    const items = ['a', 'b', 'c', 'd'].map((name, i) => ({ assetId, checkpoint: { name, size: 10 * (i + 1), ...(name === 'd' ? { fail: true } : {}) }, dedupeKey: `put:${name}` }));
    const r = queue.enqueueBatch('put', items);
    // 'c' is already queued on its own: returned, not queued twice, and not part of the batch.
    expect(r.created).toBe(3);
    expect(r.batch).toBe(r.jobs[0]?.id);
    expect(r.jobs.map((j) => j.batch)).toEqual([r.batch, r.batch, null, r.batch]);
    expect(r.jobs[2]?.id).toBe(single.job.id);
    expect(events.filter((e) => e.type === 'state' && e.from === null && e.job.batch === r.batch)).toHaveLength(3);
    const batch = r.batch ?? -1;
    const [a, b, , d] = r.jobs.map((j) => j.id);
    expect(queue.enqueueBatch('put', items)).toMatchObject({ batch: null, created: 0 }); // all live: nothing new
    expect(queue.list({ batched: false }).items.map((j) => j.id)).toEqual([single.job.id]);
    expect(queue.list({ batch }).total).toBe(3);
    expect(queue.list({ state: ['queued', 'running', 'paused', 'waiting'] }).total).toBe(4);

    queue.start();
    await queue.settled(d ?? -1); // 'd' fails at once; 'a' and 'b' wait at the gate
    expect(queue.batchSummary(batch)).toMatchObject({ id: batch, kind: 'put', assetId, total: 3, bytes: 10 + 20 + 40, bytesDone: 0, counts: { failed: 1, running: 2 } });
    expect(queue.batchAttention(batch).map((j) => [j.id, j.state, j.error])).toEqual([[d, 'failed', 'd is unreadable']]);
    expect(queue.openBatches()).toEqual([batch]);
    expect(queue.running().map((j) => [j.id, j.batch]).sort()).toEqual([[a, batch], [b, batch]].sort());

    gate.resolve();
    await queue.settled(a ?? -1);
    await queue.settled(b ?? -1);
    expect(queue.batchSummary(batch)).toMatchObject({ total: 3, bytesDone: 30, bytesLive: 0, counts: { done: 2, failed: 1, queued: 0, running: 0 } });
    expect(queue.openBatches()).toEqual([batch]); // a failure keeps it open

    expect(queue.retryBatch(batch)).toBe(1);
    await queue.settled(d ?? -1);
    expect(queue.get(d ?? -1)?.attempts).toBe(1);
    await queue.pauseAll();
    expect(queue.retryBatch(batch)).toBe(1);
    expect(queue.get(d ?? -1)?.state).toBe('queued'); // paused queue: it waits
    // Cancelling a batch ends what is left, failures included (the person gives up on them).
    expect(await queue.cancelBatch(batch)).toBe(1);
    expect(queue.batchSummary(batch)?.counts).toMatchObject({ done: 2, failed: 0, cancelled: 1 });
    expect(queue.openBatches()).toEqual([]);
    expect(queue.list({ state: ['queued', 'running', 'paused', 'waiting'] }).items.map((j) => j.id)).toEqual([single.job.id]); // only the single job is live
  });

  it('cancelling a batch also dismisses its failed jobs', async () => {
    const { catalog, queue } = setup();
    const assetId = addAsset(catalog);
    queue.register('put', async () => { throw new PermanentJobError('gone'); });
    const r = queue.enqueueBatch('put', [{ assetId }, { assetId }]);
    queue.start();
    for (const j of r.jobs) await queue.settled(j.id);
    expect(queue.openBatches()).toEqual([r.batch]);
    expect(await queue.cancelBatch(r.batch ?? -1)).toBe(2);
    expect(queue.batchSummary(r.batch ?? -1)?.counts).toMatchObject({ failed: 0, cancelled: 2 });
    expect(queue.openBatches()).toEqual([]);
  });

  it('pauses a batch (queued ones in one go, running ones stop with their checkpoint) and resumes it', async () => {
    const { catalog, queue } = setup({ concurrency: 2 });
    const assetId = addAsset(catalog);
    const started: number[] = [];
    queue.register<{ step: number }>('put', async (ctx) => {
      started.push(ctx.job.id);
      if (started.length === 1) {
        // The first run works until it is interrupted, having saved a step.
        ctx.saveCheckpoint({ step: 1 });
        await untilAborted(ctx.signal);
      }
      return null;
    }, { concurrency: 1 });
    const r = queue.enqueueBatch('put', [{ assetId }, { assetId }, { assetId }]);
    const batch = r.batch ?? -1;
    queue.start();
    await queue.settled(r.jobs[0]?.id ?? -1, ['running']);
    expect(await queue.pauseBatch(batch)).toBe(3);
    expect(queue.batchSummary(batch)?.counts).toMatchObject({ paused: 3, running: 0, queued: 0 });
    expect(queue.get(r.jobs[0]?.id ?? -1)?.checkpoint).toEqual({ step: 1 }); // kept for the resume
    expect(started).toEqual([r.jobs[0]?.id]); // nothing else started meanwhile
    expect(queue.resumeBatch(batch)).toBe(3);
    for (const j of r.jobs) await queue.settled(j.id);
    expect(queue.batchSummary(batch)?.counts).toMatchObject({ done: 3 });
  });
});
