import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from './backend';
import { tryLock } from '../jobs/lock';
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

  it('a process that wanted to run the jobs takes over when the runner goes away', async () => {
    const first = await open();
    const second = await createBackend({ dataDir: join(dir.path, 'data'), runnerRetryMs: 20 });
    backends.push(second);
    expect((await second.call('jobs.list', {})).runner).toBe(false);
    await first.close();
    for (let i = 0; i < 500 && !(await second.call('jobs.list', {})).runner; i++) await new Promise((ok) => setTimeout(ok, 20));
    expect((await second.call('jobs.list', {})).runner).toBe(true);
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

  it('a lock held by a killed process is free again (the OS releases it), and is exclusive meanwhile', async () => {
    const lockFile = join(dir.path, 'jobs.lock');
    const script = `
      import { tryLock } from ${JSON.stringify(fileURLToPath(new URL('../jobs/lock.ts', import.meta.url)))};
      const l = tryLock(process.argv[1]);
      console.log(l ? 'locked' : 'busy');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, lockFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    const first = await new Promise<string>((ok) => child.stdout.once('data', (b: Buffer) => { ok(b.toString().trim()); }));
    expect(first).toBe('locked');
    expect(tryLock(lockFile)).toBeNull(); // held by the live child
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGKILL');
    await exited;
    const lock = tryLock(lockFile);
    expect(lock).not.toBeNull();
    expect(tryLock(lockFile)).toBeNull(); // exclusive within one process too
    lock?.release();
    const again = tryLock(lockFile);
    expect(again).not.toBeNull();
    again?.release();
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
