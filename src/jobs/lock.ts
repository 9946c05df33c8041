import { tryExclusiveLock } from '../catalog/lock';

/**
 * One job runner per data dir: the job queue treats jobs left 'running' as orphans of a dead
 * process, so two live processes must never both run it. The desktop app or `ativo serve`
 * takes this lock; a CLI command run meanwhile leaves the jobs to them. The lock is an OS file
 * lock (see catalog/lock.ts): it is released when its process exits, however it exits.
 */
export function tryLock(path: string): { release: () => void } | null {
  return tryExclusiveLock(path);
}
