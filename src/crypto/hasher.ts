/**
 * SHA-256 of a large output, computed on a second thread while the first one encrypts.
 *
 * Profiled on a 512 MiB file: ChaCha20-Poly1305 (~2 GB/s) and SHA-256 (~1.9 GB/s) cost the same,
 * and the per-chunk work around them is ~5%. Hashing on the encrypting thread therefore doubled
 * the CPU time on the critical path; on its own thread it overlaps. Output is gathered into SLOTS
 * reused shared buffers (one write each, no allocation per block): the hashing thread reads them
 * in place, and a buffer is filled again only once hashed (memory is fixed if it falls behind).
 *
 * Small outputs (< OFF_THREAD_MIN) are hashed inline: posting them would cost more than hashing.
 * The worker is one per process, started on first use from inline source (no separate file to
 * bundle for the CLI or Electron), unref'd (it never keeps the process alive), and serves any
 * number of concurrent jobs.
 */
import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export const OFF_THREAD_MIN = 16 * 1024 * 1024;
/** Output buffers per large job: one being filled and written, the others being hashed. */
const SLOTS = 4;

// Dynamic imports: the eval'd source runs as CommonJS or as a module depending on the parent's
// flags (--input-type=module); messages wait in the port until the listener is attached.
const WORKER_SOURCE = `
Promise.all([import('node:worker_threads'), import('node:crypto')]).then(([{ parentPort }, { createHash }]) => {
  const jobs = new Map();
  parentPort.on('message', (m) => {
    if (m.t === 's') jobs.set(m.id, { h: createHash('sha256'), slots: m.slots.map((b) => new Uint8Array(b)) });
    else if (m.t === 'd') {
      const j = jobs.get(m.id);
      if (j) j.h.update(j.slots[m.i].subarray(0, m.n));
      parentPort.postMessage({ id: m.id, ack: m.i });
    } else if (m.t === 'e') {
      const j = jobs.get(m.id);
      jobs.delete(m.id);
      parentPort.postMessage({ id: m.id, hex: j ? j.h.digest('hex') : null });
    } else if (m.t === 'x') jobs.delete(m.id);
  });
});`;

interface Job {
  freed: (slot: number) => void;
  done: (hex: string) => void;
  fail: (e: Error) => void;
}

let worker: Worker | null = null;
let nextId = 1;
const jobs = new Map<number, Job>();

/** A running job keeps the process alive (its caller awaits the digest); an idle worker does not. */
function remember(id: number, job: Job): void {
  jobs.set(id, job);
  if (jobs.size === 1) worker?.ref();
}

function forget(id: number): boolean {
  const had = jobs.delete(id);
  if (had && jobs.size === 0) worker?.unref();
  return had;
}

function shared(): Worker {
  if (worker !== null) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.on('message', (m: { id: number; ack?: number; hex?: string | null }) => {
    const job = jobs.get(m.id);
    if (job === undefined) return;
    if (m.ack !== undefined) job.freed(m.ack);
    else {
      forget(m.id);
      if (typeof m.hex === 'string') job.done(m.hex);
      else job.fail(new Error('the hashing thread lost this job'));
    }
  });
  const lost = (e: unknown): void => {
    worker = null;
    const err = e instanceof Error ? e : new Error('the hashing thread stopped');
    const failed = [...jobs.values()];
    jobs.clear();
    for (const job of failed) job.fail(err);
  };
  w.on('error', lost);
  w.on('exit', () => { lost(new Error('the hashing thread stopped')); });
  w.unref(); // after the listeners (adding one refs the worker again); ref'd while jobs run
  worker = w;
  return w;
}

/**
 * The output side of a file operation: pieces are gathered into a few large reused buffers,
 * each written with one write and then hashed (on the hashing thread for large outputs).
 */
export interface HashedOutput {
  /** Writes `pieces` in order through `write` (which must write the whole buffer) and hashes them. */
  put(pieces: readonly Buffer[], write: (buf: Buffer) => void): Promise<void>;
  /** The sha256 (hex) of everything put. */
  digest(): Promise<string>;
  /** Forgets the job (after an error). */
  abort(): void;
}

abstract class RingOutput implements HashedOutput {
  protected abstract readonly slots: Buffer[];
  private cur = -1;
  private used = 0;

  protected abstract acquire(): Promise<number>;
  protected abstract commit(slot: number, bytes: number): void;
  abstract digest(): Promise<string>;
  abstract abort(): void;

  async put(pieces: readonly Buffer[], write: (buf: Buffer) => void): Promise<void> {
    for (const p of pieces) {
      let off = 0;
      while (off < p.length) {
        if (this.cur < 0) {
          this.cur = await this.acquire();
          this.used = 0;
        }
        const slot = this.slots[this.cur] as Buffer;
        const n = p.copy(slot, this.used, off);
        this.used += n;
        off += n;
        if (this.used === slot.length) this.flush(write);
      }
    }
    this.flush(write);
  }

  private flush(write: (buf: Buffer) => void): void {
    if (this.cur < 0) return;
    const slot = this.cur;
    this.cur = -1;
    if (this.used === 0) {
      this.commit(slot, 0);
      return;
    }
    write((this.slots[slot] as Buffer).subarray(0, this.used));
    this.commit(slot, this.used);
  }
}

class InlineOutput extends RingOutput {
  protected readonly slots: Buffer[];
  private readonly h: Hash = createHash('sha256');
  constructor(slotBytes: number) {
    super();
    this.slots = [Buffer.allocUnsafe(slotBytes)];
  }
  protected acquire(): Promise<number> {
    return Promise.resolve(0);
  }
  protected commit(slot: number, bytes: number): void {
    this.h.update((this.slots[slot] as Buffer).subarray(0, bytes));
  }
  digest(): Promise<string> {
    return Promise.resolve(this.h.digest('hex'));
  }
  abort(): void {
    // nothing held
  }
}

class ThreadOutput extends RingOutput {
  protected readonly slots: Buffer[];
  private readonly id = nextId++;
  private readonly free: number[] = [];
  private waiting: (() => void) | null = null;
  private error: Error | null = null;
  private readonly result: Promise<string>;

  constructor(
    private readonly w: Worker,
    slotBytes: number,
  ) {
    super();
    const sabs = Array.from({ length: SLOTS }, () => new SharedArrayBuffer(slotBytes));
    this.slots = sabs.map((b) => Buffer.from(b));
    this.free = sabs.map((_, i) => i);
    let done: (hex: string) => void = () => undefined;
    let fail: (e: Error) => void = () => undefined;
    this.result = new Promise<string>((res, rej) => {
      done = res;
      fail = rej;
    });
    this.result.catch(() => undefined);
    remember(this.id, {
      freed: (i) => {
        this.free.push(i);
        this.wake();
      },
      done,
      fail: (e) => {
        this.error = e;
        fail(e);
        this.wake();
      },
    });
    w.postMessage({ t: 's', id: this.id, slots: sabs });
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }

  protected async acquire(): Promise<number> {
    for (;;) {
      if (this.error !== null) throw this.error;
      const i = this.free.pop();
      if (i !== undefined) return i;
      await new Promise<void>((r) => {
        this.waiting = r;
      });
    }
  }

  protected commit(slot: number, bytes: number): void {
    if (bytes === 0) this.free.push(slot);
    else this.w.postMessage({ t: 'd', id: this.id, i: slot, n: bytes });
  }

  digest(): Promise<string> {
    if (this.error === null) this.w.postMessage({ t: 'e', id: this.id });
    return this.result;
  }

  abort(): void {
    if (!forget(this.id)) return;
    this.w.postMessage({ t: 'x', id: this.id });
  }
}

/**
 * The output for about `expectedBytes`, written in buffers of `slotBytes`: hashed on the shared
 * hashing thread when large (SLOTS shared buffers, so memory is fixed), inline otherwise.
 */
export function createHashedOutput(expectedBytes: number, slotBytes: number): HashedOutput {
  if (expectedBytes < OFF_THREAD_MIN) return new InlineOutput(slotBytes);
  return new ThreadOutput(shared(), slotBytes);
}
