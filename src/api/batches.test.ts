import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { FakeClock } from '../jobs/clock';
import { JobQueue } from '../jobs/queue';
import { tempDir } from '../test-support/fs';
import { BatchTracker, estimateEta } from './batches';
import { batchProgress } from './progress';
import type { JobBatchView } from './contract';

describe('estimateEta', () => {
  it('is null until the rate has been watched 10 s, then the slower of the file rate and the byte rate decides', () => {
    expect(estimateEta([], 10, 100)).toBeNull();
    expect(estimateEta([{ t: 0, files: 0, bytes: 0 }, { t: 4_000, files: 40, bytes: 400 }], 100, 100)).toBeNull();
    // 10 files/s and 100 B/s: 100 files left → 10 s; 100 bytes left → 1 s: the files decide.
    expect(estimateEta([{ t: 0, files: 0, bytes: 0 }, { t: 10_000, files: 100, bytes: 1_000 }], 100, 100)).toBe(10);
    // One big file: the bytes decide.
    expect(estimateEta([{ t: 0, files: 0, bytes: 0 }, { t: 10_000, files: 0, bytes: 10_000 }], 1, 60_000)).toBe(60);
    expect(estimateEta([{ t: 0, files: 0, bytes: 0 }, { t: 10_000, files: 0, bytes: 0 }], 3, 30)).toBeNull(); // nothing moved
    expect(estimateEta([{ t: 0, files: 0, bytes: 0 }], 0, 0)).toBe(0);
  });

  it('gives no time left while the rate is not steady (a slow start, a burst), and one once both halves agree', () => {
    const steady = [0, 2, 4, 6, 8, 10, 12].map((s) => ({ t: s * 1000, files: s, bytes: s * 1000 }));
    expect(estimateEta(steady, 24, 24_000)).toBe(24);
    // Nothing for 6 s, then fast: the halves disagree (a slow start said "about 1146 h left").
    const slowStart = [0, 3, 6, 9, 12].map((s) => ({ t: s * 1000, files: s < 6 ? 0 : (s - 6) * 10, bytes: 0 }));
    expect(estimateEta(slowStart, 100, 0)).toBeNull();
    const burst = [0, 3, 6, 9, 12].map((s) => ({ t: s * 1000, files: s <= 6 ? s * 10 : 60 + (s - 6), bytes: 0 }));
    expect(estimateEta(burst, 100, 0)).toBeNull();
  });
});

describe('batchProgress', () => {
  const counts = { queued: 0, running: 3, waiting: 40, paused: 0, done: 5, failed: 0, cancelled: 0 };
  const b = { kind: 'upload', total: 48, counts, bytes: 8_690_000, bytesDone: 423_000, etaSeconds: 95 };
  it('says the counts and bytes, and a time left only while nothing holds the batch', () => {
    expect(batchProgress(b, { queuePaused: false, waitingForFunds: false })).toEqual({
      percent: 4,
      counts: '5 of 48 files stored · 3 running · 40 waiting',
      bytes: '423 KB of 8.7 MB',
      status: 'about 2 min left',
      blocked: false,
    });
    expect(batchProgress(b, { queuePaused: false, waitingForFunds: true })).toMatchObject({ status: 'waiting for funds', blocked: true });
    expect(batchProgress(b, { queuePaused: true, waitingForFunds: false })).toMatchObject({ status: 'paused', blocked: true });
    const pausedOnly = { ...counts, running: 0, waiting: 0, paused: 43 };
    expect(batchProgress({ ...b, counts: pausedOnly }, { queuePaused: false, waitingForFunds: false })).toMatchObject({ status: 'paused', blocked: true });
    expect(batchProgress({ ...b, etaSeconds: null }, { queuePaused: false, waitingForFunds: false }).status).toBeNull();
    const done = { ...counts, running: 0, waiting: 0, done: 48 };
    expect(batchProgress({ ...b, counts: done, bytesDone: 8_690_000 }, { queuePaused: false, waitingForFunds: false })).toMatchObject({ percent: 100, status: null, counts: '48 of 48 files stored' });
  });
});

describe('BatchTracker', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('sends one summary per batch however many of its jobs changed, with counts, bytes and the jobs needing a person', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const catalog = Catalog.open(join(dir.path, 'catalog.sqlite'));
    const queue = new JobQueue(catalog, { clock: new FakeClock(), concurrency: 4 });
    cleanups.push(async () => {
      await queue.stop();
      catalog.close();
    });
    const assetId = catalog.assets.insert({ kind: 'dataset', name: 'd', rootPath: '/data/d' }, new Date().toISOString());
    queue.register<{ relPath: string; size: number }, null>('upload', async (ctx) => {
      await Promise.resolve();
      if (ctx.checkpoint.relPath === 'bad.csv') throw new Error('bad.csv: unreadable');
      return null;
    }, { retry: { maxAttempts: 1 } });
    const sent: (JobBatchView & { finished: boolean })[] = [];
    const tracker = new BatchTracker(queue, (b) => sent.push(b), 60_000);
    cleanups.push(() => { tracker.stop(); });
    queue.on((ev) => {
      if (ev.type === 'state' && ev.job.batch !== null) tracker.touch(ev.job.batch);
    });
    const names = Array.from({ length: 50 }, (_, i) => `f-${String(i)}.csv`).concat('bad.csv');
    const r = queue.enqueueBatch('upload', names.map((relPath) => ({ assetId, checkpoint: { relPath, size: 100 } })));
    queue.start();
    for (const j of r.jobs) await queue.settled(j.id);
    expect(sent).toEqual([]); // nothing sent before the interval, however many events
    tracker.flush();
    expect(sent).toHaveLength(1);
    const b = sent[0];
    expect(b).toMatchObject({ id: r.batch, kind: 'upload', assetId, total: 51, bytes: 5_100, bytesDone: 5_000, finished: true, running: [], etaSeconds: null });
    expect(b?.counts).toMatchObject({ done: 50, failed: 1, queued: 0, running: 0 });
    expect(b?.attention.map((j) => [j.label, j.state, j.error])).toEqual([['bad.csv', 'failed', 'bad.csv: unreadable']]);
    expect(tracker.list().map((x) => x.id)).toEqual([r.batch]); // open: it has a failure
    tracker.flush();
    expect(sent).toHaveLength(1); // nothing changed since: nothing sent
  });

  it('tells every screen the same numbers: the pushed summary equals the listed one; short funds or a pause replace the time left', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const catalog = Catalog.open(join(dir.path, 'catalog.sqlite'));
    const queue = new JobQueue(catalog, { clock: new FakeClock(), concurrency: 2 });
    cleanups.push(async () => {
      await queue.stop();
      catalog.close();
    });
    const assetId = catalog.assets.insert({ kind: 'dataset', name: 'd', rootPath: '/data/d' }, new Date().toISOString());
    queue.register<{ relPath: string; size: number }, null>('upload', async (ctx) => {
      await Promise.resolve();
      const rel = ctx.checkpoint.relPath ?? '';
      if (rel.startsWith('big')) ctx.wait(`Your storage balance is short by 0.001 ETH: fund it and the upload of ${rel} continues.`, 3_600_000);
      return null;
    });
    const sent: (JobBatchView & { finished: boolean })[] = [];
    const tracker = new BatchTracker(queue, (b) => sent.push(b), 60_000);
    cleanups.push(() => { tracker.stop(); });
    queue.on((ev) => {
      if (ev.type === 'state' && ev.job.batch !== null) tracker.touch(ev.job.batch);
    });
    const names = ['a.csv', 'b.csv', 'c.csv', 'big-1.bin', 'big-2.bin'];
    const r = queue.enqueueBatch('upload', names.map((relPath) => ({ assetId, checkpoint: { relPath, size: relPath.startsWith('big') ? 1_000_000 : 1_000 } })));
    queue.start();
    for (const j of r.jobs) await queue.settled(j.id, ['done', 'waiting']);
    tracker.flush();
    const pushed = sent.at(-1);
    const listed = tracker.list().find((x) => x.id === r.batch);
    expect(pushed?.summary).toEqual(listed?.summary);
    expect(listed?.summary).toEqual({ percent: 0, counts: '3 of 5 files stored · 2 waiting', bytes: '3.0 KB of 2.0 MB', status: 'waiting for funds', blocked: true });
    expect(listed?.etaSeconds).toBeNull();

    await queue.pauseAll();
    tracker.flush(); // the pause touched the open batch
    expect(sent.at(-1)?.summary.status).toBe('waiting for funds'); // funds still decide first
    expect(tracker.list()[0]?.summary).toEqual(sent.at(-1)?.summary);
  });
});
