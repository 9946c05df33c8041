#!/usr/bin/env node
// `npm run setup:electron`: what the desktop app needs beyond `npm install`, on a machine that
// can reach GitHub and electronjs.org (here, in CI, it cannot: the browser shell is used instead).
//   1. the Electron binary (its own install script, which allowScripts keeps from running offline);
//   2. better-sqlite3 rebuilt for Electron's ABI with @electron/rebuild, in a scratch copy, into
//      native/electron/better_sqlite3.node. node_modules keeps the Node build the CLI and tests use;
//      Electron's main process loads this one (electron/main.ts sets ATIVO_SQLITE_BINDING).
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const electronVersion = require('electron/package.json').version;

console.log(`setup:electron: fetching the Electron ${electronVersion} binary…`);
try {
  execFileSync(process.execPath, [require.resolve('electron/install.js')], { stdio: 'inherit', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' } });
} catch {
  console.error('setup:electron: could not download Electron (no route to GitHub?). `npm start` will keep using the browser shell.');
  process.exit(1);
}

console.log(`setup:electron: rebuilding better-sqlite3 for Electron ${electronVersion}…`);
const scratch = mkdtempSync(join(tmpdir(), 'ativo-electron-native-'));
try {
  const pkgDir = dirname(require.resolve('better-sqlite3/package.json'));
  const copy = join(scratch, 'node_modules', 'better-sqlite3');
  mkdirSync(dirname(copy), { recursive: true });
  cpSync(pkgDir, copy, { recursive: true, filter: (src) => !src.includes(`${join('build', 'Release', 'obj')}`) });
  cpSync(join(root, 'package.json'), join(scratch, 'package.json'));
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath: scratch, electronVersion, onlyModules: ['better-sqlite3'], force: true });
  const built = join(copy, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(built)) throw new Error(`no ${built} after the rebuild`);
  const dest = join(root, 'native', 'electron');
  mkdirSync(dest, { recursive: true });
  copyFileSync(built, join(dest, 'better_sqlite3.node'));
  console.log(`setup:electron: wrote ${join(dest, 'better_sqlite3.node')}`);
} catch (e) {
  console.error(`setup:electron: rebuilding better-sqlite3 for Electron failed: ${e instanceof Error ? e.message : String(e)}`);
  console.error('(It needs Electron\'s headers from electronjs.org and a C++ toolchain: apt-get install -y build-essential python3.)');
  process.exit(1);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
