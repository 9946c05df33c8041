/** Runs the real `ativo` command (src/cli/ativo.js) in a child process. */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ATIVO_BIN = fileURLToPath(new URL('../cli/ativo.js', import.meta.url));

export function ativo(args: string[], opts: { env?: NodeJS.ProcessEnv; prefix?: string[]; input?: string } = {}): SpawnSyncReturns<string> {
  const [cmd, ...pre] = opts.prefix ?? [process.execPath];
  return spawnSync(cmd ?? process.execPath, [...pre, ...(opts.prefix ? [process.execPath] : []), ATIVO_BIN, ...args], {
    encoding: 'utf8',
    input: opts.input ?? '',
    env: { ...process.env, ...opts.env },
    timeout: 120_000,
  });
}

export function ativoAsync(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [ATIVO_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}
