import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { FakeClock } from '../jobs/clock';
import { JobQueue } from '../jobs/queue';
import { tempDir } from '../test-support/fs';
import { createBackend } from './backend';
import { workAtStart } from './resumed';

describe('workAtStart', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('names the work a restart picks up: one entry per batch with its count, one per job on its own; nothing finished or paused', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const catalog = Catalog.open(join(dir.path, 'catalog.sqlite'));
    const queue = new JobQueue(catalog, { clock: new FakeClock(), concurrency: 2 });
    cleanups.push(async () => {
      await queue.stop();
      catalog.close();
    });
    for (const kind of ['upload', 'publish', 'withdraw']) queue.register(kind, () => Promise.resolve(null));
    const at = new Date().toISOString();
    const a = catalog.assets.insert({ kind: 'dataset', name: 'a', rootPath: '/data/a' }, at);
    const b = catalog.assets.insert({ kind: 'dataset', name: 'b', rootPath: '/data/b' }, at);
    const uploads = queue.enqueueBatch('upload', ['x', 'y', 'z'].map((relPath) => ({ assetId: a, checkpoint: { relPath, size: 1 } })));
    queue.enqueue('publish', { assetId: a, checkpoint: {} });
    const paused = queue.enqueue('publish', { assetId: b, checkpoint: {} }).job;
    await queue.pause(paused.id);
    const cancelled = queue.enqueue('withdraw', { checkpoint: {} }).job;
    await queue.cancel(cancelled.id);
    expect(uploads.jobs).toHaveLength(3);
    expect(workAtStart(queue).sort((p, q) => p.kind.localeCompare(q.kind))).toEqual([
      { kind: 'publish', assetId: a, count: 1 },
      { kind: 'upload', assetId: a, count: 3 },
    ]);
  });

  it('jobs.list tells what the runner picked up when it started; a process that runs no jobs says nothing', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const dataDir = join(dir.path, 'data');
    // Work left by an earlier run (a kind this backend has no handler for: it stays queued).
    const first = await createBackend({ dataDir, runJobs: false });
    await first.close();
    const catalog = Catalog.open(join(dataDir, 'catalog.sqlite'));
    const now = new Date().toISOString();
    catalog.jobs.insert({ kind: 'test.left-over', nextRunAt: now }, now);
    catalog.close();

    const oneShot = await createBackend({ dataDir, runJobs: false });
    cleanups.push(() => oneShot.close());
    expect((await oneShot.call('jobs.list', {})).resumed).toBeNull();
    const app = await createBackend({ dataDir });
    cleanups.push(() => app.close());
    const list = await app.call('jobs.list', {});
    expect(list.runner).toBe(true);
    expect(list.resumed?.items).toEqual([{ kind: 'test.left-over', assetId: null, count: 1 }]);
    expect(Date.parse(list.resumed?.at ?? '')).toBeGreaterThan(Date.parse(now) - 1);
  });
});
