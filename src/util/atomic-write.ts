/** The one atomic file write: temp file beside the target, fsync, rename (or link, for exclusive). */
import { randomBytes } from 'node:crypto';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A fresh temp path next to `path` (same directory, so a rename is atomic). */
export const tempPathFor = (path: string): string => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

/**
 * Writes `data` to a temp file, fsyncs it and renames it over `path`: readers see the old
 * content or the new, never a part, and a crash never leaves an empty file under the final name.
 * With `exclusive`, fails with EEXIST if `path` exists. On any error the temp file is removed
 * and `path` is untouched.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: { mode?: number; exclusive?: boolean } = {}): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, 'wx', opts.mode ?? 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (opts.exclusive === true) {
      await link(tmp, path);
      await rm(tmp, { force: true });
    } else {
      await rename(tmp, path);
    }
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
