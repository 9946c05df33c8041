import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { FakeClock } from '../jobs/clock';
import { JobQueue } from '../jobs/queue';
import { tempDir } from '../test-support/fs';
import { BatchTracker, estimateEta } from './batches';
import type { JobBatchView } from './contract';

describe('estimateEta', () => {
  it('is null until the rate has been watched 3 s, then the slower of the file rate and the byte rate decides', () => {
    expect(estimateEta([], 10, 100)).toBeNull();
    expect(estimateEta([{ t: 0, files: 0, bytes: 0 }, { t: 2_000, files: 5, bytes: 50 }], 10, 100)).toBeNull();
    // 10 files/s and 100 B/s: 100 files left → 10 s; 100 bytes left → 1 s: the files decide.
    expect(estimateEta([{ t: 0, files: 0, bytes: 0 }, { t: 4_000, files: 40, bytes: 400 }], 100, 100)).toBe(10);
    // One big file: the bytes decide.
    expect(estimateEta([{ t: 0, files: 0, bytes: 0 }, { t: 4_000, files: 0, bytes: 4_000 }], 1, 60_000)).toBe(60);
    expect(estimateEta([{ t: 0, files: 0, bytes: 0 }, { t: 4_000, files: 0, bytes: 0 }], 3, 30)).toBeNull(); // nothing moved
    expect(estimateEta([{ t: 0, files: 0, bytes: 0 }], 0, 0)).toBe(0);
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
});
