import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from './db';

// The desktop shell loads a better-sqlite3 rebuilt for Electron through ATIVO_SQLITE_BINDING.
describe('ATIVO_SQLITE_BINDING', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ativo-binding-'));
  afterEach(() => {
    delete process.env.ATIVO_SQLITE_BINDING;
  });

  it('opens the catalog with the binding it names', () => {
    const require = createRequire(import.meta.url);
    process.env.ATIVO_SQLITE_BINDING = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
    const c = Catalog.open(join(dir, 'a.sqlite'));
    expect(c.integrityCheck()).toBe('ok');
    c.close();
  });

  it('says what to run when the binding it names is missing, and creates nothing', () => {
    process.env.ATIVO_SQLITE_BINDING = join(dir, 'nope', 'better_sqlite3.node');
    // The app's sentence says what to do; the command line's names the variable and the fix.
    let thrown: unknown;
    try {
      Catalog.open(join(dir, 'b.sqlite'));
    } catch (e) {
      thrown = e;
    }
    expect((thrown as Error).message).toMatch(/^Ativo's database module is missing \(expected at .*\)\. Reinstall Ativo\.$/);
    expect((thrown as { cli?: string }).cli).toMatch(/does not exist: run npm run setup:electron/);
    expect(existsSync(join(dir, 'b.sqlite'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
