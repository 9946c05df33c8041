import { execFileSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ativo } from '../test-support/run-cli';
import { tempDir } from '../test-support/fs';
import { requireKeychain } from '../vault/test-support';
import { Keychain } from '../vault/keychain';

// Real keychain: run under .ci/with-keyring.sh (npm test does).
const HARDHAT0 = { key: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80', address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' };
const MNEMONIC = 'test test test test test test test test test test test junk';

describe('ativo wallet (real OS keychain)', () => {
  let dir: { path: string; cleanup: () => void };
  let env: NodeJS.ProcessEnv;
  const run = (args: string[], input?: string, extraEnv: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> =>
    ativo(args, { env: { ...env, ...extraEnv }, ...(input !== undefined ? { input } : {}) });
  beforeEach(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    dir = tempDir();
    env = { ATIVO_DATA_DIR: join(dir.path, 'data'), ATIVO_KEYCHAIN_PREFIX: `ativo-test-${randomBytes(4).toString('hex')}` };
  });
  afterEach(() => {
    for (const w of (JSON.parse(ativo(['wallet', 'list', '--json'], { env }).stdout || '{"wallets":[]}') as { wallets: { address: string }[] }).wallets) {
      ativo(['wallet', 'remove', w.address], { env });
    }
    dir.cleanup();
  });

  it('imports from stdin (never argv), lists, exports an encrypted keystore, removes', async () => {
    const imported = run(['wallet', 'import', '--label', 'dev', '--json'], HARDHAT0.key);
    expect(imported.status, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ address: HARDHAT0.address, label: 'dev', source: 'private-key' });
    const fromPhrase = run(['wallet', 'import', '--mnemonic', '--path', "m/44'/60'/0'/0/1", '--json'], MNEMONIC);
    expect(JSON.parse(fromPhrase.stdout)).toMatchObject({ address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', source: 'mnemonic' });

    const list = JSON.parse(run(['wallet', 'list', '--json']).stdout) as { wallets: { address: string }[]; current: string };
    expect(list.current).toBe(HARDHAT0.address); // the first wallet is the one in use
    expect(list.wallets).toHaveLength(2);
    expect(run(['wallet', 'list']).stdout).toMatch(new RegExp(`^\\*\\s+${HARDHAT0.address}`, 'm'));

    const out = join(dir.path, 'backup.json');
    const exp = run(['wallet', 'export', HARDHAT0.address, '--out', out], undefined, { ATIVO_WALLET_PASSWORD: 'correct horse battery' });
    expect(exp.status, exp.stderr).toBe(0);
    expect(exp.stdout.trim()).toBe(`Wrote the encrypted keystore of ${HARDHAT0.address} to ${out}.`);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const decrypted = await Wallet.fromEncryptedJson(readFileSync(out, 'utf8'), 'correct horse battery');
    expect(decrypted.address).toBe(HARDHAT0.address);

    // Never over an existing file (the backup just written stays as it was).
    const before = readFileSync(out, 'utf8');
    const again = run(['wallet', 'export', HARDHAT0.address, '--out', out], undefined, { ATIVO_WALLET_PASSWORD: 'another password' });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists .*never replaces a file: choose another name/);
    expect(readFileSync(out, 'utf8')).toBe(before);

    // Without --out: a new file in the data dir's exports folder; stdout has its path, never the keystore.
    const dflt = run(['wallet', 'export', HARDHAT0.address, '--json'], undefined, { ATIVO_WALLET_PASSWORD: 'correct horse battery' });
    expect(dflt.status, dflt.stderr).toBe(0);
    const { file } = JSON.parse(dflt.stdout) as { address: string; file: string };
    expect(file.startsWith(join(dir.path, 'data', 'exports', `ativo-wallet-${HARDHAT0.address.slice(0, 10)}-`))).toBe(true);
    expect(dflt.stdout).not.toMatch(/ciphertext|kdfparams/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await Wallet.fromEncryptedJson(readFileSync(file, 'utf8'), 'correct horse battery')).address).toBe(HARDHAT0.address);

    // The catalog and the data dir never hold the key.
    const grep = execFileSync('sh', ['-c', `grep -r -l -i -e ${HARDHAT0.key.slice(2)} ${JSON.stringify(join(dir.path, 'data'))} || true`]).toString();
    expect(grep).toBe('');

    expect(run(['wallet', 'use', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8']).stdout).toMatch(/Now using 0x7099/);
    expect(run(['wallet', 'remove', HARDHAT0.address]).status).toBe(0);
    expect((JSON.parse(run(['wallet', 'list', '--json']).stdout) as { wallets: unknown[] }).wallets).toHaveLength(1);
  });

  it('bad input: one line, non-zero, and never the secret in the output', () => {
    const bad = run(['wallet', 'import'], '0x1234notakey');
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).not.toContain('1234notakey');
    const phrase = run(['wallet', 'import', '--mnemonic'], 'these are not twelve real words at all');
    expect(phrase.status).toBe(1);
    expect(phrase.stderr).not.toContain('twelve real words');
    expect(run(['wallet', 'export', '0xnot'], undefined, { ATIVO_WALLET_PASSWORD: 'longenough' }).status).toBe(1);
    const short = run(['wallet', 'export', HARDHAT0.address], undefined, { ATIVO_WALLET_PASSWORD: 'short' });
    expect(short.stderr).toMatch(/at least 8 characters/);
    expect(run(['wallet', 'remove', HARDHAT0.address]).stderr).toMatch(/^ativo: /);
  });
});

