import { existsSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from './db';
import { setAsideDamagedCatalog } from './recover';
import { tempDir } from '../test-support/fs';

describe('setting a damaged catalog aside', () => {
  let dir: { path: string; cleanup: () => void };
  beforeEach(() => {
    dir = tempDir('ativo-recover-');
  });
  afterEach(() => {
    dir.cleanup();
  });

  it('reads the folders back from a catalog whose other pages are damaged, and moves it aside', () => {
    const path = join(dir.path, 'catalog.sqlite');
    const c = Catalog.open(path);
    const now = new Date().toISOString();
    c.assets.insert({ kind: 'dataset', name: 'Birds', rootPath: '/data/birds' }, now);
    c.assets.insert({ kind: 'model', name: 'Tiny LM', rootPath: '/models/tiny' }, now);
    // Enough file rows to spread the files table over many pages, then checkpoint into the main file.
    c.transaction(() => {
      for (let i = 0; i < 3000; i++) c.files.upsertHashed(1, [{ relPath: `f${i}-${'x'.repeat(100)}`, size: i, mtimeMs: i, sha256: 'a'.repeat(64) }]);
    });
    c.db.pragma('wal_checkpoint(TRUNCATE)');
    c.close();
    // Damage the last pages (the files table's), not the first ones (schema, assets).
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, size - 8192 * 3);
    closeSync(fd);
    expect(() => {
      const d = Catalog.open(path);
      const check = d.integrityCheck();
      d.close();
      if (check !== 'ok') throw new Error(check);
    }).toThrow();

    const aside = setAsideDamagedCatalog(path, new Date('2026-11-25T12:00:00Z'));
    expect(aside.salvagedFolders).toEqual([
      { path: '/data/birds', kind: 'dataset', name: 'Birds' },
      { path: '/models/tiny', kind: 'model', name: 'Tiny LM' },
    ]);
    expect(aside.movedTo).toBe(`${path}.damaged-2026-11-25T12-00-00-000Z`);
    expect(existsSync(path)).toBe(false);
    expect(statSync(aside.movedTo ?? '').size).toBe(size);
    // A new catalog opens in its place.
    const fresh = Catalog.open(path);
    expect(fresh.integrityCheck()).toBe('ok');
    fresh.close();
  });

  it('moves a file that is not a database at all aside, keeping its bytes, and says why nothing was salvaged', () => {
    const path = join(dir.path, 'catalog.sqlite');
    writeFileSync(path, 'not a database '.repeat(500));
    writeFileSync(`${path}-wal`, 'stray wal');
    const aside = setAsideDamagedCatalog(path);
    expect(aside.salvagedFolders).toEqual([]);
    expect(aside.salvageError).toMatch(/not a database|file is not a database/i);
    expect(readFileSync(aside.movedTo ?? '', 'utf8')).toBe('not a database '.repeat(500));
    expect(readFileSync(`${aside.movedTo}-wal`, 'utf8')).toBe('stray wal');
    // Nothing of the old catalog is left under the catalog's name (companions moved along).
    const base = aside.movedTo?.split('/').pop() ?? '';
    expect(readdirSync(dir.path).filter((f) => f.startsWith('catalog.sqlite') && !f.startsWith(base))).toEqual([]);
  });
});
