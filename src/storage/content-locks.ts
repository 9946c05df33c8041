import type { Catalog } from '../catalog/db';

/**
 * Runs one upload at a time per content (network + sha256 + encryption) in this process: with
 * several uploads at once, two files with the same bytes (empty files, copies) would both miss
 * the catalog and the node and be paid twice. The second waits, then finds the first's item.
 * A publication preparing items (src/publish/prepare.ts) takes the same lock, so a content is
 * never prepared while it is being uploaded, nor uploaded as another item while it is prepared.
 */
export class ContentLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, signal: AbortSignal, f: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((r) => { release = r; });
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    try {
      await new Promise<void>((resolve, reject) => {
        const stop = (): void => { reject(signal.reason instanceof Error ? signal.reason : new Error('aborted')); };
        if (signal.aborted) stop();
        signal.addEventListener('abort', stop, { once: true });
        void before.then(() => {
          signal.removeEventListener('abort', stop);
          resolve();
        });
      });
      return await f();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

const LOCKS = new WeakMap<Catalog, ContentLocks>();

/** The content locks of a catalog (one set per catalog in this process, shared by uploads and publications). */
export function contentLocks(catalog: Catalog): ContentLocks {
  let l = LOCKS.get(catalog);
  if (!l) {
    l = new ContentLocks();
    LOCKS.set(catalog, l);
  }
  return l;
}

/** The key of a content in contentLocks. */
export const contentKey = (network: string, sha256: string, encryption: string | null): string => `${network}|${sha256}|${encryption ?? ''}`;
