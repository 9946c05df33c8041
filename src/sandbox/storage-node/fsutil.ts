/** Small file-system helpers: errno checks, a mutex (atomic writes: src/util/atomic-write). */

export const errnoCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

/** The disk (or the user's quota) is full. */
export const isNoSpace = (e: unknown): boolean => {
  const c = errnoCode(e);
  return c === 'ENOSPC' || c === 'EDQUOT';
};

/** Runs tasks one at a time, in call order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
