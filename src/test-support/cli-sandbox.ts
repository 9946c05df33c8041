/**
 * For tests that drive the real `ativo` CLI with a real keychain: a temp data dir and a keychain
 * prefix of their own per test, and the wallets they created removed afterwards.
 */
import type { SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { Keychain } from '../vault/keychain';
import { requireKeychain } from '../vault/test-support';
import { tempDir } from './fs';
import { ativo } from './run-cli';

export interface CliSandbox {
  /** The test's temp folder (the data dir is `<dir>/data`). */
  dir: () => string;
  dataDir: () => string;
  /** The keychain prefix of this test's wallets (for a backend opened on the same data dir). */
  keychainPrefix: () => string;
  run: (args: string[], extraEnv?: NodeJS.ProcessEnv) => SpawnSyncReturns<string>;
}

export function useCliSandbox(tag: string): CliSandbox {
  let dir: { path: string; cleanup: () => void } | undefined;
  let env: NodeJS.ProcessEnv = {};
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> => ativo(args, { env: { ...env, ...extraEnv } });
  beforeEach(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    dir = tempDir();
    env = { ATIVO_DATA_DIR: join(dir.path, 'data'), ATIVO_KEYCHAIN_PREFIX: `ativo-test-${tag}-${randomBytes(4).toString('hex')}` };
  });
  afterEach(() => {
    const list = run(['wallet', 'list', '--json']);
    if (list.status === 0) for (const w of (JSON.parse(list.stdout) as { wallets: { address: string }[] }).wallets) run(['wallet', 'remove', w.address]);
    dir?.cleanup();
  });
  const must = (): string => {
    if (!dir) throw new Error('useCliSandbox: only inside a test');
    return dir.path;
  };
  return { dir: must, dataDir: () => join(must(), 'data'), keychainPrefix: () => env.ATIVO_KEYCHAIN_PREFIX ?? '', run };
}
