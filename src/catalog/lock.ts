import Database from 'better-sqlite3';

/**
 * An exclusive lock that the OS releases when its process dies: a SQLite file held in an
 * EXCLUSIVE transaction (SQLite's file locks are POSIX/Windows locks, dropped by the kernel
 * with the process, and also exclusive between connections inside one process). A pid file
 * could be left behind by a crash, or name a pid reused by another process.
 */
export function tryExclusiveLock(path: string): { release: () => void } | null {
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY') === true) return null;
    throw e;
  }
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      try {
        db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    },
  };
}
