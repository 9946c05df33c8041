import { homedir, platform } from 'node:os';
import { join } from 'node:path';

/**
 * Ativo's data directory (catalog, sandbox chain state, storage node data).
 * `ATIVO_DATA_DIR` wins; otherwise the OS's per-user application-data directory,
 * shared by the Electron app, the CLI and the browser shell.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.ATIVO_DATA_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const home = homedir();
  switch (platform()) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Ativo');
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Ativo');
    default:
      return join(env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(home, '.local', 'share'), 'ativo');
  }
}
