import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from './backend';
import { holder, tryLock } from '../jobs/lock';
import { tempDir } from '../test-support/fs';

describe('background jobs through the backend', () => {
  let dir: { path: string; cleanup: () => void };
  const backends: Backend[] = [];
  const open = async (runJobs?: boolean): Promise<Backend> => {
    const b = await createBackend({ dataDir: join(dir.path, 'data'), ...(runJobs !== undefined ? { runJobs } : {}) });
    backends.push(b);
    return b;
  };
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
    dir.cleanup();
  });

  it('one process per data dir runs the jobs; the lock passes on when it closes', async () => {
    const app = await open();
    expect((await app.call('jobs.list', {})).runner).toBe(true);
    const cli = await open();
    expect((await cli.call('jobs.list', {})).runner).toBe(false);
    const oneShot = await open(false);
    expect((await oneShot.call('jobs.list', {})).runner).toBe(false);
    await app.close();
    const next = await open();
    expect((await next.call('jobs.list', {})).runner).toBe(true);
  });

  it('a lock left by a dead process is taken over', () => {
    const lockFile = join(dir.path, 'jobs.lock');
    writeFileSync(lockFile, JSON.stringify({ pid: 2 ** 22 + 12345, at: 'then' })); // no such pid
    const lock = tryLock(lockFile);
    expect(lock).not.toBeNull();
    expect(holder(lockFile)).toBe(process.pid);
    expect(tryLock(lockFile)).toBeNull(); // this process holds it already
    lock?.release();
    expect(holder(lockFile)).toBeUndefined();
  });

  it('global pause persists and is announced; unknown jobs are NOT_FOUND', async () => {
    const b = await open();
    const events: unknown[] = [];
    b.subscribe((event, payload) => {
      if (event === 'jobs.paused') events.push(payload);
    });
    expect(await b.call('jobs.pauseAll', {})).toEqual({ paused: true });
    expect(events).toEqual([{ paused: true }]);
    await b.close();
    const again = await open();
    expect((await again.call('jobs.list', {})).paused).toBe(true);
    await again.call('jobs.resumeAll', {});
    expect((await again.call('jobs.list', {})).paused).toBe(false);
    await expect(again.call('jobs.cancel', { id: 99 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
