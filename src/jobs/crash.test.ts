import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { tempDir } from '../test-support/fs';
import { stepsHandler, type StepsResult } from './fixtures/steps';
import { JobQueue } from './queue';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));
const TOTAL = 200;
const KILL_AT = 5;

describe('job queue: a real crash', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    cleanups.splice(0).forEach((c) => { c(); });
  });

  it('resumes a job from its last checkpoint after the process running it is SIGKILLed', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const file = join(dir.path, 'catalog.sqlite');
    const log = join(dir.path, 'steps.log');

    // Enqueue here, run in a child.
    const setup = Catalog.open(file);
    const q0 = new JobQueue(setup);
    q0.register('steps', stepsHandler({ log, total: TOTAL }));
    const id = q0.enqueue('steps').job.id;
    setup.close();

    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, file, log, String(TOTAL)], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes(`checkpoint ${KILL_AT}\n`) && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) => { resolve({ code, signal }); });
    });
    expect(exit, `child output:\n${stdout}\n${stderr}`).toEqual({ code: null, signal: 'SIGKILL' });
    expect(stdout).toContain(`state ${id} running`);

    // What the dead process left: the job still 'running', its last checkpoint durable.
    const catalog = Catalog.open(file);
    cleanups.unshift(() => { catalog.close(); });
    expect(catalog.integrityCheck()).toBe('ok');
    const left = catalog.db.prepare('SELECT state, attempts, checkpoint FROM jobs WHERE id = ?').get(id) as { state: string; attempts: number; checkpoint: string };
    expect(left.state).toBe('running');
    expect(left.attempts).toBe(1);
    const saved = (JSON.parse(left.checkpoint) as { next: number }).next;
    expect(saved).toBeGreaterThanOrEqual(KILL_AT);
    expect(saved).toBeLessThan(TOTAL);
    const printed = [...stdout.matchAll(/^checkpoint (\d+)$/gm)].map((m) => Number(m[1]));
    // Every checkpoint the child announced was already committed.
    expect(Math.max(...printed)).toBeLessThanOrEqual(saved);

    // A new queue takes over: recovers the job and resumes it from the checkpoint.
    const queue = new JobQueue(catalog, { concurrency: 1 });
    queue.register('steps', stepsHandler({ log, total: TOTAL }));
    const recovered: string[] = [];
    queue.on((e) => {
      if (e.type === 'state' && e.job.id === id) recovered.push(`${e.from ?? 'new'}→${e.job.state}`);
    });
    queue.start();
    const done = await queue.settled(id);
    await queue.stop();
    expect(recovered.slice(0, 2)).toEqual(['running→queued', 'queued→running']);
    expect(done.state).toBe('done');
    expect(done.attempts).toBe(2); // the crashed run counts
    expect(done.progress).toBe(1);
    expect(done.checkpoint).toEqual({ next: TOTAL });
    expect((done.result as StepsResult).resumedFrom).toBe(saved);

    // Every step ran; a step ran twice only if it was the one in flight at the kill.
    const counts = new Map<number, number>();
    for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1);
    for (let i = 0; i < TOTAL; i++) expect(counts.get(i), `step ${i}`).toBeGreaterThanOrEqual(1);
    expect(counts.size).toBe(TOTAL);
    const twice = [...counts].filter(([, n]) => n > 1).map(([i]) => i);
    expect(twice.length).toBeLessThanOrEqual(1);
    if (twice.length) expect(twice).toEqual([saved]);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
  });
});
