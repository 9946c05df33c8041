import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { FakeClock } from '../jobs/clock';
import { JobQueue } from '../jobs/queue';
import { tempDir } from '../test-support/fs';
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
});
