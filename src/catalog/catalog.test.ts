import { appendFileSync, cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog, MIGRATIONS_DIR } from './db';
import { loadMigrations } from './migrate';
import { DAMAGED_CATALOG_APP, DAMAGED_CATALOG_CLI } from '../util/errors';
import { tempDir } from '../test-support/fs';

describe('catalog', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    cleanups.splice(0).forEach((c) => { c(); });
  });
  const tmp = (): string => {
    const d = tempDir();
    cleanups.push(d.cleanup);
    return d.path;
  };

  it('creates a WAL-mode file with every migration recorded, once', () => {
    const file = join(tmp(), 'c.sqlite');
    const c = Catalog.open(file);
    expect(c.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(c.db.pragma('foreign_keys', { simple: true })).toBe(1);
    const applied = c.db.prepare('SELECT name FROM schema_migrations ORDER BY version').pluck().all();
    expect(applied).toEqual(loadMigrations(MIGRATIONS_DIR).map((m) => m.name));
    c.close();
    const again = Catalog.open(file);
    expect(again.db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(applied.length);
    expect(again.integrityCheck()).toBe('ok');
    again.close();
  });

  it('has STRICT tables for every aggregate DESIGN.md lists', () => {
    const c = Catalog.open(join(tmp(), 'c.sqlite'));
    const tables = c.db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table'").all() as { name: string; sql: string }[];
    const names = tables.map((t) => t.name);
    for (const t of ['assets', 'files', 'versions', 'jobs', 'uploads', 'certificates', 'access_requests', 'grants', 'payouts', 'chain_cursor', 'audit_log', 'networks', 'settings']) {
      expect(names).toContain(t);
    }
    // A full-text index (FTS5 virtual table, 0011 discover_fts) and the shadow tables SQLite makes for it cannot be STRICT.
    const virtual = tables.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql)).map((t) => t.name);
    const own = tables.filter((t) => !virtual.some((v) => t.name === v || t.name.startsWith(`${v}_`)));
    expect(own.length).toBeGreaterThan(10);
    for (const t of own) expect(t.sql, t.name).toMatch(/\)\s*STRICT/);
    // STRICT really rejects a wrongly typed value.
    expect(() =>
      c.db.prepare("INSERT INTO assets (kind, name, root_path, state, created_at, updated_at, file_count) VALUES ('dataset','x','/x','ready','t','t','many')").run(),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
    c.close();
  });

  it('refuses a catalog whose applied migration changed (drift)', () => {
    const dir = tmp();
    const migrations = join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
    const file = join(dir, 'c.sqlite');
    Catalog.open(file, { migrationsDir: migrations }).close();
    appendFileSync(join(migrations, '0001_init.sql'), '\n-- edited after release\n');
    expect(() => Catalog.open(file, { migrationsDir: migrations })).toThrow(/0001_init changed after it was applied/);
  });

  it('refuses a catalog written by a newer Ativo', () => {
    const dir = tmp();
    const migrations = join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
    const next = String(loadMigrations(migrations).length + 1).padStart(4, '0');
    writeFileSync(join(migrations, `${next}_future.sql`), 'CREATE TABLE future (x INTEGER) STRICT;');
    const file = join(dir, 'c.sqlite');
    Catalog.open(file, { migrationsDir: migrations }).close();
    expect(() => Catalog.open(file)).toThrow(/newer version of Ativo/);
  });

  it('applies a new migration to an existing catalog, and rolls back a failing one whole', () => {
    const dir = tmp();
    const migrations = join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
    const file = join(dir, 'c.sqlite');
    Catalog.open(file, { migrationsDir: migrations }).close();
    const n = loadMigrations(migrations).length;
    const bad = `${String(n + 1).padStart(4, '0')}_bad.sql`;
    writeFileSync(join(migrations, bad), 'CREATE TABLE half (x INTEGER) STRICT; INSERT INTO nowhere VALUES (1);');
    expect(() => Catalog.open(file, { migrationsDir: migrations })).toThrow(/no such table: nowhere/);
    const db = new Database(file);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half'").pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(n);
    db.close();
    writeFileSync(join(migrations, bad), 'CREATE TABLE half (x INTEGER) STRICT;');
    const c = Catalog.open(file, { migrationsDir: migrations });
    expect(c.db.pragma('user_version', { simple: true })).toBe(n + 1);
    c.close();
  });

  it('two processes creating the same catalog at once both succeed (migrations run once)', async () => {
    const dir = tmp();
    const file = join(dir, 'c.sqlite');
    const script = `
      import { Catalog } from ${JSON.stringify(fileURLToPath(new URL('./db.ts', import.meta.url)))};
      const c = Catalog.open(process.argv[1]);
      console.log(c.integrityCheck());
      c.close();`;
    const runOne = (): Promise<{ code: number | null; out: string }> =>
      new Promise((ok) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        child.stderr.on('data', (b: Buffer) => (out += b.toString()));
        child.on('exit', (code) => {
          ok({ code, out });
        });
      });
    const results = await Promise.all([runOne(), runOne(), runOne()]);
    for (const r of results) expect(r, r.out).toMatchObject({ code: 0, out: 'ok\n' });
    const c = Catalog.open(file);
    expect(c.db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(loadMigrations(MIGRATIONS_DIR).length);
    c.close();
  });

  it('rejects migration files with gaps or bad names', () => {
    const dir = tmp();
    writeFileSync(join(dir, '0001_a.sql'), '');
    writeFileSync(join(dir, '0003_c.sql'), '');
    expect(() => loadMigrations(dir)).toThrow(/without gaps/);
    const dir2 = tmp();
    writeFileSync(join(dir2, '1_a.sql'), '');
    expect(() => loadMigrations(dir2)).toThrow(/NNNN_name.sql/);
  });

  it('gives an actionable error for a file that is not a catalog', () => {
    const file = join(tmp(), 'c.sqlite');
    writeFileSync(file, 'this is not a database, just text '.repeat(200));
    expect(() => Catalog.open(file)).toThrow(expect.objectContaining({ code: 'CATALOG_ERROR', message: DAMAGED_CATALOG_APP, cli: DAMAGED_CATALOG_CLI }));
    expect(existsSync(file)).toBe(true);
  });

  it('searches assets by name, folder path and file path, with paging and LIKE escaping', () => {
    const c = Catalog.open(join(tmp(), 'c.sqlite'));
    const now = new Date().toISOString();
    const a = c.assets.insert({ kind: 'dataset', name: 'Birds 100%', rootPath: '/data/birds' }, now);
    const b = c.assets.insert({ kind: 'model', name: 'Llama_tiny', rootPath: '/models/llama' }, now);
    c.files.upsertHashed(b, [{ relPath: 'weights/model.safetensors', size: 1, mtimeMs: 1, sha256: 'f'.repeat(64) }]);
    expect(c.assets.list({ query: 'birds', offset: 0, limit: 10 }).items.map((x) => x.id)).toEqual([a]);
    expect(c.assets.list({ query: '/models', offset: 0, limit: 10 }).items.map((x) => x.id)).toEqual([b]);
    expect(c.assets.list({ query: 'safetensors', offset: 0, limit: 10 }).items.map((x) => x.id)).toEqual([b]);
    expect(c.assets.list({ query: '100%', offset: 0, limit: 10 }).items.map((x) => x.id)).toEqual([a]);
    expect(c.assets.list({ query: '_', offset: 0, limit: 10 }).items.map((x) => x.id)).toEqual([b]);
    expect(c.assets.list({ kind: 'model', offset: 0, limit: 10 }).total).toBe(1);
    const page = c.assets.list({ offset: 1, limit: 1 });
    expect(page.total).toBe(2);
    expect(page.items).toHaveLength(1);
    c.assets.remove(b);
    expect(c.db.prepare('SELECT count(*) FROM files').pluck().get()).toBe(0);
    c.close();
  });
});
