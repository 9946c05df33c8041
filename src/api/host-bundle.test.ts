/**
 * The built Electron main bundle (electron-vite's out/main/index.js) stays a thin shell: it
 * starts the backend host with utilityProcess.fork and loads neither better-sqlite3 nor any
 * backend module (the catalog, the backend itself), directly or through a chunk it imports.
 * Reads out/main/index.js when `npm run build` made it from the current sources; else builds
 * the same config into a temp dir (never rewriting out/ under other tests' feet).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fs';

const root = join(import.meta.dirname, '../..');

/** Newest modification time of the files a main/host build depends on (the shell and src/). */
function newestSource(): number {
  let t = statSync(join(root, 'electron.vite.config.ts')).mtimeMs;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|sql)$/.test(e.name) && !/\.(test|bench)\.ts$/.test(e.name)) t = Math.max(t, statSync(p).mtimeMs);
    }
  };
  walk(join(root, 'electron'));
  walk(join(root, 'src'));
  return t;
}

/** Every file `entry` loads: relative static and dynamic imports, followed transitively. */
function moduleGraph(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const code = readFileSync(file, 'utf8');
    seen.set(file, code);
    const specs = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
    for (const s of specs) if (s.startsWith('.')) visit(resolve(dirname(file), s));
  };
  visit(entry);
  return seen;
}

const loadsSqlite = (code: string): boolean => /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']better-sqlite3["']/.test(code);
/** Rollup keeps a `// src/…` comment before each module's code. */
const backendModules = (code: string): string[] => [...code.matchAll(/^\/\/ (src\/(?:catalog|api\/backend|api\/host\.ts|ingest|publish|storage|chain)[^\n]*)$/gm)].map((m) => m[1]!);

describe('the Electron main bundle', () => {
  let outDir = join(root, 'out');
  let tmp: { path: string; cleanup: () => void } | null = null;

  beforeAll(() => {
    const main = join(outDir, 'main/index.js');
    if (existsSync(main) && existsSync(join(outDir, 'main/host.js')) && statSync(main).mtimeMs >= newestSource()) return;
    tmp = tempDir('ativo-main-bundle-');
    outDir = tmp.path;
    execFileSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir, '-l', 'warn'], { cwd: root, stdio: 'pipe' });
  });
  afterAll(() => {
    tmp?.cleanup();
  });

  it('starts the backend host with utilityProcess.fork and loads no backend module or better-sqlite3', () => {
    const main = join(outDir, 'main/index.js');
    const graph = moduleGraph(main);
    const own = graph.get(main)!;
    expect(own).toMatch(/\butilityProcess\.fork\(/);
    expect(own).toMatch(/["']host\.js["']/);
    for (const [file, code] of graph) {
      expect(loadsSqlite(code), `${file} loads better-sqlite3`).toBe(false);
      expect(backendModules(code), `${file} bundles backend modules`).toEqual([]);
      expect(code, file).not.toContain('schema_migrations');
    }
  });

  it('the host bundle beside it is the one that carries the backend (the checks above would see it)', () => {
    const host = join(outDir, 'main/host.js');
    const graph = moduleGraph(host);
    const all = [...graph.values()].join('\n');
    expect(loadsSqlite(all)).toBe(true);
    expect(backendModules(all)).toEqual(expect.arrayContaining([expect.stringMatching(/^src\/catalog\//), 'src/api/backend.ts', 'src/api/host.ts']));
    // The catalog finds its migrations beside the host bundle.
    expect(existsSync(join(outDir, 'main/migrations'))).toBe(true);
  });
});
