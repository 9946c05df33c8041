import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HASH_WORKER_SOURCE } from './hash-worker-source';

export interface HashInput {
  path: string;
  size: number;
}
export type HashResult =
  | { sha256: string; size: number; mtimeMs: number; changed: boolean }
  | { error: { code: string; message: string } };

interface Batch<T extends HashInput> {
  id: number;
  files: T[];
}

type WorkerMsg =
  | { type: 'progress'; id: number; bytes: number }
  | { type: 'done'; id: number; results: HashResult[] };

/** Small files travel to a worker together; a big file goes alone. */
const BATCH_FILES = 64;
const BATCH_BYTES = 8 * 1024 * 1024;

export function makeBatches<T extends HashInput>(files: readonly T[]): T[][] {
  const batches: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const f of files) {
    if (cur.length > 0 && (cur.length >= BATCH_FILES || bytes + f.size > BATCH_BYTES)) {
      batches.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(f);
    bytes += f.size;
  }
  if (cur.length) batches.push(cur);
  // Largest batches first, so one huge file does not start last and finish alone.
  return batches
    .map((b) => ({ b, bytes: b.reduce((s, f) => s + f.size, 0) }))
    .sort((x, y) => y.bytes - x.bytes)
    .map((x) => x.b);
}

/**
 * A pool of worker threads that stream-hash files with SHA-256. Heavy work never runs
 * on the caller's thread (the Electron main process or the server's event loop).
 */
export class HashPool {
  private readonly workers: Worker[] = [];
  private nextId = 1;
  private closed = false;
  /** Files this pool has hashed so far (tests and benchmarks read it). */
  filesHashed = 0;

  constructor(readonly size = Math.max(1, Math.min(4, availableParallelism()))) {}

  private worker(i: number): Worker {
    let w = this.workers[i];
    if (!w) {
      // execArgv: [] so that a parent flag such as --input-type=module cannot turn the CommonJS source into ESM.
      w = new Worker(HASH_WORKER_SOURCE, { eval: true, name: `ativo-hash-${i}`, execArgv: [] });
      this.workers[i] = w;
    }
    return w;
  }

  /**
   * Hashes `files`, calling `onResults` for each finished batch (in completion order) and
   * `onProgress` with bytes read as they are read. Rejects if a worker dies or `signal` aborts.
   */
  async hash<T extends HashInput>(
    files: readonly T[],
    hooks: {
      onResults: (files: T[], results: HashResult[]) => void;
      onProgress?: (bytes: number) => void;
      signal?: AbortSignal;
    },
  ): Promise<void> {
    if (this.closed) throw new Error('hash pool is closed');
    const queue: Batch<T>[] = makeBatches(files).map((b) => ({ id: this.nextId++, files: b }));
    const lanes = Math.min(this.size, queue.length);
    const runLane = (w: Worker): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        let current: Batch<T> | undefined;
        const cleanup = (): void => {
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
          hooks.signal?.removeEventListener('abort', onAbort);
        };
        const next = (): void => {
          if (hooks.signal?.aborted) {
            fail(new Error('aborted'));
            return;
          }
          current = queue.shift();
          if (!current) {
            cleanup();
            resolve();
            return;
          }
          w.postMessage({ id: current.id, files: current.files.map((f) => ({ path: f.path, size: f.size })) });
        };
        const fail = (e: unknown): void => {
          cleanup();
          reject(e instanceof Error ? e : new Error(String(e)));
        };
        const onMessage = (m: WorkerMsg): void => {
          if (!current || m.id !== current.id) return;
          if (m.type === 'progress') {
            hooks.onProgress?.(m.bytes);
            return;
          }
          this.filesHashed += m.results.length;
          try {
            hooks.onResults(current.files, m.results);
          } catch (e) {
            fail(e);
            return;
          }
          next();
        };
        const onError = (e: unknown): void => {
          fail(e);
        };
        const onExit = (code: number): void => {
          fail(new Error(`hash worker exited with code ${code}`));
        };
        const onAbort = (): void => {
          fail(new Error('aborted'));
        };
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        hooks.signal?.addEventListener('abort', onAbort, { once: true });
        next();
      });
    const lanesRun = Array.from({ length: lanes }, (_, i) => runLane(this.worker(i)));
    const settled = await Promise.allSettled(lanesRun);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      // A lane that failed may leave its worker mid-batch: replace all workers.
      await this.reset();
      throw failed.reason;
    }
  }

  private async reset(): Promise<void> {
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.reset();
  }
}
