import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dirent } from 'node:fs';
import { AtivoError, errnoCode } from '../util/errors';

export interface WalkedFile {
  relPath: string;
  absPath: string;
  size: number;
  mtimeMs: number;
}
export interface Skipped {
  relPath: string;
  reason: string;
}

// ignoreBOM: a name may start with U+FEFF; stripping it would point at a file that does not exist.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const kindOf = (d: Dirent<Buffer> | { isSymbolicLink(): boolean; isSocket(): boolean; isFIFO(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string =>
  d.isSymbolicLink()
    ? 'symbolic link (not followed)'
    : d.isSocket()
      ? 'socket (not a regular file)'
      : d.isFIFO()
        ? 'named pipe (not a regular file)'
        : d.isBlockDevice() || d.isCharacterDevice()
          ? 'device (not a regular file)'
          : 'not a regular file';

const reasonFor = (e: unknown, what: string): string => {
  switch (errnoCode(e)) {
    case 'EACCES':
    case 'EPERM':
      return `unreadable ${what} (permission denied)`;
    case 'ELOOP':
      return `${what} is part of a symbolic-link loop`;
    case 'ENAMETOOLONG':
      return `${what} path is too long`;
    default:
      return `unreadable ${what} (${errnoCode(e) ?? (e instanceof Error ? e.message : String(e))})`;
  }
};

/**
 * Lists every regular file under `root` (hidden ones too) without following symbolic links.
 * Everything else is reported in `skipped` with a reason. Names that are not valid UTF-8
 * are skipped too (the manifest is UTF-8 text).
 * Throws FOLDER_GONE if the root disappears while walking.
 */
export async function walk(
  root: string,
  onProgress?: (filesFound: number, bytesFound: number) => void,
): Promise<{ files: WalkedFile[]; skipped: Skipped[] }> {
  const files: WalkedFile[] = [];
  const skipped: Skipped[] = [];
  let bytes = 0;
  const stack: { abs: string; rel: string }[] = [{ abs: root, rel: '' }];
  let lastReport = 0;
  while (stack.length) {
    const dir = stack.pop();
    if (!dir) break;
    let entries: Dirent<Buffer>[];
    try {
      entries = await readdir(dir.abs, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      if (dir.rel === '' || errnoCode(e) === 'ENOENT') await assertRootExists(root, e);
      if (dir.rel === '') throw new AtivoError('FOLDER_UNREADABLE', `Cannot read the folder ${root}: ${reasonFor(e, 'folder')}.`, { cause: e });
      if (errnoCode(e) !== 'ENOENT') skipped.push({ relPath: dir.rel, reason: reasonFor(e, 'folder') });
      continue;
    }
    for (const d of entries) {
      const rawName = d.name;
      let name: string;
      try {
        name = utf8.decode(rawName);
      } catch {
        skipped.push({ relPath: dir.rel + rawName.toString('latin1'), reason: 'name is not valid UTF-8' });
        continue;
      }
      const rel = dir.rel + name;
      const abs = join(dir.abs, name);
      if (d.isDirectory()) {
        stack.push({ abs, rel: `${rel}/` });
      } else if (d.isFile()) {
        try {
          const st = await lstat(abs);
          if (!st.isFile()) {
            skipped.push({ relPath: rel, reason: kindOf(st) });
            continue;
          }
          files.push({ relPath: rel, absPath: abs, size: st.size, mtimeMs: st.mtimeMs });
          bytes += st.size;
        } catch (e) {
          if (errnoCode(e) === 'ENOENT') {
            await assertRootExists(root, e);
            continue; // removed while we walked: not part of the folder any more
          }
          skipped.push({ relPath: rel, reason: reasonFor(e, 'file') });
        }
      } else {
        skipped.push({ relPath: rel, reason: kindOf(d) });
      }
      if (onProgress && files.length - lastReport >= 1000) {
        lastReport = files.length;
        onProgress(files.length, bytes);
      }
    }
  }
  onProgress?.(files.length, bytes);
  return { files, skipped };
}

export async function assertRootExists(root: string, cause?: unknown): Promise<void> {
  try {
    const st = await lstat(root);
    if (st.isDirectory()) return;
  } catch {
    // fall through
  }
  throw new AtivoError('FOLDER_GONE', `The folder ${root} was removed or moved while Ativo was reading it. The catalog keeps its last complete scan; rescan when the folder is back.`, { cause });
}
