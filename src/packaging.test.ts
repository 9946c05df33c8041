/**
 * The desktop packaging config (electron-builder.yml). `npm run dist` needs the internet (Electron
 * and its headers), so CI cannot build the packages; this checks what it can: the targets, and
 * that every production dependency with native code is unpacked from the asar (or, for
 * better-sqlite3, shipped as the Electron build from `npm run setup:electron`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..');
interface BuilderConfig {
  files: string[];
  npmRebuild: boolean;
  asarUnpack: string[];
  extraResources: { from: string; to: string }[];
  linux: { target: string[] };
  mac: { target: string[] };
  win: { target: string[] };
}
const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; scripts: Record<string, string> };

/** electron-builder's globs, enough of them: `**` any depth, `*` within a path segment. */
const globToRegExp = (glob: string): RegExp =>
  new RegExp(`^${glob.split('**').map((part) => part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*')}$`);

/** Files under node_modules/<dir> that are native code (.node addons, executables in bin dirs). */
function nativeFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(path);
      } else if (e.name.endsWith('.node') || (/\/bin\/[^/]+$/.test(path) && (statSync(join(root, path)).mode & 0o111) !== 0 && !/\.(c?js|mjs|sh)$/.test(e.name))) out.push(path);
    }
  };
  walk(dir);
  return out;
}

/** Production dependencies, transitively (those electron-builder ships), as node_modules paths. */
function productionPackages(): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    let manifest: { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    try {
      manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as typeof manifest;
    } catch {
      return; // an optional dependency for another platform
    }
    seen.add(name);
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) visit(dep);
  };
  for (const dep of Object.keys(pkg.dependencies)) visit(dep);
  return [...seen];
}

describe('desktop packaging (electron-builder.yml)', () => {
  it('targets AppImage and deb on Linux, dmg on macOS, NSIS on Windows', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(pkg.scripts.dist).toMatch(/setup:electron.*electron-vite build.*electron-builder --config electron-builder\.yml/);
  });

  it('ships the built app and the Electron build of better-sqlite3 without rebuilding node_modules', () => {
    expect(config.files).toContain('out/**');
    expect(config.npmRebuild).toBe(false);
    expect(config.extraResources).toContainEqual({ from: 'native/electron/better_sqlite3.node', to: 'native/better_sqlite3.node' });
  });

  it('unpacks every native file of the production dependencies from the asar', () => {
    const unpack = config.asarUnpack.map(globToRegExp);
    const excluded = config.files.filter((f) => f.startsWith('!')).map((f) => globToRegExp(f.slice(1)));
    const natives = productionPackages()
      .flatMap((name) => nativeFiles(`node_modules/${name}`))
      .filter((f) => !excluded.some((re) => re.test(f)));
    // The anvil binary and the keychain addon at least: an empty list would mean the scan is broken.
    expect(natives.some((f) => f.includes('@foundry-rs/anvil-'))).toBe(true);
    expect(natives.some((f) => f.includes('@napi-rs/keyring'))).toBe(true);
    const packed = natives.filter((f) => !f.startsWith('node_modules/better-sqlite3/') && !unpack.some((re) => re.test(f)));
    expect(packed).toEqual([]);
  });
});
