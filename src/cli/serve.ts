/** `ativo serve` (the browser shell on 127.0.0.1) and `ativo start` (the desktop app, else the browser shell). */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../api/backend';
import { out } from './args';
import { startShellServer } from './server';
import { UsageError } from './usage';

/** Path of the Electron binary, or the reason there is none. */
export function electronBinary(): { path: string } | { why: string } {
  try {
    const require = createRequire(import.meta.url);
    const p = require('electron') as unknown;
    if (typeof p === 'string' && existsSync(p)) {
      // Electron's main process needs better-sqlite3 rebuilt for its ABI (setup:electron does it).
      const binding = fileURLToPath(new URL('../../native/electron/better_sqlite3.node', import.meta.url));
      if (!existsSync(binding)) return { why: 'the Electron binary is installed but better-sqlite3 has not been rebuilt for it (run `npm run setup:electron`)' };
      return { path: p };
    }
    return { why: 'the electron package is installed but its binary is missing' };
  } catch {
    // electron's index.js throws "Electron failed to install correctly…" when its download never ran.
    return { why: 'the Electron binary is not installed (npm install does not download it: allowScripts leaves its download step off)' };
  }
}

export async function serve(backend: Backend, portRaw: string | undefined): Promise<never> {
  const port = portRaw === undefined ? 0 : Number(portRaw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (got "${portRaw ?? ''}")`);
  const server = await startShellServer(backend, { port });
  out(`Ativo is running at ${server.openUrl}`);
  out(`Open that link in your browser (it carries this session's token). Data: ${backend.dataDir}. Press Ctrl+C to stop.`);
  return new Promise<never>(() => {
    const stop = (): void => {
      void server.close().then(() => backend.close()).finally(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * `ativo start`: the desktop app when the Electron binary is here (its exit code), else null
 * after saying why the browser shell starts instead.
 */
export async function startDesktop(dataDir: string | undefined): Promise<number | null> {
  const bin = electronBinary();
  if ('path' in bin) {
    const appDir = resolve(fileURLToPath(new URL('../..', import.meta.url)));
    const child = spawn(bin.path, [appDir], { stdio: 'inherit', env: { ...process.env, ...(dataDir ? { ATIVO_DATA_DIR: dataDir } : {}) } });
    return new Promise((ok) => child.on('exit', (code) => {
      ok(code ?? 0);
    }));
  }
  out(`Starting the browser shell instead of the desktop app: ${bin.why}.`);
  out('(To get the desktop app, run `npm run setup:electron` on a machine that can reach GitHub.)');
  return null;
}
