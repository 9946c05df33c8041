import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { isProcessAlive } from '../util/process';


/**
 * One job runner per data dir: the job queue treats jobs left 'running' as orphans of a dead
 * process, so two live processes must never both run it. The desktop app or `ativo serve`
 * takes this lock; a CLI command run meanwhile leaves the jobs to them. A lock whose process
 * is gone is taken over.
 */
export function tryLock(path: string): { release: () => void } | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        process.removeListener('exit', release);
        if (holder(path) === process.pid) rmSync(path, { force: true });
      };
      process.on('exit', release);
      return { release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = holder(path);
      if (pid !== undefined && pid !== process.pid && isProcessAlive(pid)) return null;
      if (pid === process.pid) return null; // held by another backend in this process
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  return null;
}

/** The pid holding the lock, if readable. */
export function holder(path: string): number | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown };
    return typeof v.pid === 'number' ? v.pid : undefined;
  } catch {
    return undefined;
  }
}
