import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { AtivoError } from '../util/errors';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  sha256: string;
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Reads `NNNN_name.sql` files; versions must start at 1 and have no gaps. */
export function loadMigrations(dir: string): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const migrations = files.map((file) => {
    const m = FILE_RE.exec(file);
    if (!m) throw new AtivoError('CATALOG_ERROR', `Migration file ${file} is not named NNNN_name.sql.`);
    const sql = readFileSync(join(dir, file), 'utf8');
    return { version: Number(m[1]), name: file.slice(0, -4), sql, sha256: createHash('sha256').update(sql).digest('hex') };
  });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new AtivoError('CATALOG_ERROR', `Migrations must be numbered 0001, 0002, … without gaps; found ${m.name} at position ${i + 1}.`);
  });
  return migrations;
}

interface AppliedRow {
  version: number;
  name: string;
  sha256: string;
}

/**
 * Applies pending migrations, each in its own transaction together with its record.
 * Refuses drift: an applied migration whose text changed, or one this build does not know.
 */
export function migrate(db: Database, migrations: Migration[]): { applied: string[] } {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const applied = db.prepare('SELECT version, name, sha256 FROM schema_migrations ORDER BY version').all() as AppliedRow[];
  for (const row of applied) {
    const known = migrations[row.version - 1];
    if (!known) {
      throw new AtivoError(
        'CATALOG_ERROR',
        `This catalog was written by a newer version of Ativo (it has migration ${row.name}). Update Ativo to open it.`,
      );
    }
    if (known.sha256 !== row.sha256 || known.name !== row.name) {
      throw new AtivoError(
        'CATALOG_ERROR',
        `Migration ${row.name} changed after it was applied to this catalog (drift). Migrations are append-only: restore the file and add a new one.`,
      );
    }
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)');
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const done: string[] = [];
  for (const m of migrations.slice(applied.length)) {
    // IMMEDIATE takes the write lock first and the check runs inside it: when two processes
    // open a new catalog at once, the second one finds the migration applied and skips it.
    db.transaction(() => {
      if (isApplied.get(m.version) !== undefined) return;
      db.exec(m.sql);
      record.run(m.version, m.name, m.sha256, new Date().toISOString());
      db.pragma(`user_version = ${m.version}`);
      done.push(m.name);
    }).immediate();
  }
  return { applied: done };
}
