/**
 * The way back from a damaged catalog (issue 8). The catalog is a cache of what lives elsewhere:
 * the user's folders (never modified), the chain (registrations) and storage (the bytes). So a
 * damaged file is moved aside, never deleted, and a new catalog is built by adding the folders
 * again; assets already certified are found on chain by their content root, and publishing them
 * again adopts the registration and reuses the stored files (nothing is paid twice).
 */
import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface SetAside {
  /** Where the damaged catalog now is. */
  movedTo: string | null;
  /** Folders read back from the damaged file (best effort: what SQLite can still read). */
  salvagedFolders: { path: string; kind: 'dataset' | 'model'; name: string }[];
  /** Why salvaging found nothing, if it did not. */
  salvageError: string | null;
}

/**
 * Reads what it can from the damaged catalog (folder paths, kinds and names), then moves it and
 * its -wal/-shm companions to `<name>.damaged-<time>`. Never throws for unreadable content.
 */
export function setAsideDamagedCatalog(path: string, now: Date = new Date()): SetAside {
  if (!existsSync(path)) return { movedTo: null, salvagedFolders: [], salvageError: 'there is no catalog file' };
  let salvagedFolders: SetAside['salvagedFolders'] = [];
  let salvageError: string | null = null;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT root_path, kind, name FROM assets ORDER BY id').all() as { root_path: unknown; kind: unknown; name: unknown }[];
      salvagedFolders = rows
        .filter((r) => typeof r.root_path === 'string' && r.root_path.length > 0)
        .map((r) => ({ path: r.root_path as string, kind: r.kind === 'model' ? 'model' : 'dataset', name: typeof r.name === 'string' && r.name.trim() ? r.name : (r.root_path as string) }));
    } finally {
      db.close();
    }
  } catch (e) {
    salvageError = e instanceof Error ? e.message : String(e);
  }
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const movedTo = `${path}.damaged-${stamp}`;
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
  }
  renameSync(path, movedTo);
  return { movedTo, salvagedFolders, salvageError };
}
