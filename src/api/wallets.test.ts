/**
 * wallet.export writes a file and answers its path: never key material (issue 12, attack 4).
 * Real OS keychain (run under .ci/with-keyring.sh), a real backend, real files.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from './backend';
import { tempDir } from '../test-support/fs';
import { requireKeychain } from '../vault/test-support';
import { Keychain } from '../vault/keychain';

/** Hardhat / anvil dev account #0 (a public test key). */
const KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const PASSWORD = 'correct horse battery staple';

describe('wallet.export (real keychain)', () => {
  let dir: { path: string; cleanup: () => void };
  let backend: Backend;
  let exportsDir: string;
  const keychainPrefix = `ativo-test-export-${randomBytes(4).toString('hex')}`;

  beforeEach(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    dir = tempDir('ativo-export-');
    backend = await createBackend({ dataDir: join(dir.path, 'data'), keychainPrefix, keystoreScryptN: 1024, runJobs: false });
    await backend.call('wallet.import', { privateKey: KEY, label: 'dev' });
    exportsDir = (await backend.call('app.info', {})).exportsDir;
  });
  afterEach(async () => {
    await backend.invoke('wallet.remove', { address: ADDRESS });
    await backend.close();
    dir.cleanup();
  });

  /** The Result exactly as it would cross IPC or HTTP. */
  const wire = async (input: unknown): Promise<string> => JSON.stringify(await backend.invoke('wallet.export', input));

  it('writes a 0600 keystore that ethers decrypts to the wallet; the answer is the path and nothing else', async () => {
    const target = join(dir.path, 'backup.json');
    const answer = await wire({ address: ADDRESS, password: PASSWORD, path: target });
    expect(JSON.parse(answer)).toEqual({ ok: true, value: { address: ADDRESS, path: target } });
    // No key material in the answer: not the key, not the keystore (its fields or ciphertext).
    const keystore = readFileSync(target, 'utf8');
    const parsed = JSON.parse(keystore) as { crypto?: { ciphertext: string }; Crypto?: { ciphertext: string } };
    const ciphertext = (parsed.crypto ?? parsed.Crypto)?.ciphertext ?? '';
    expect(ciphertext.length).toBeGreaterThan(0);
    for (const secret of [KEY.slice(2), ciphertext, '"crypto"', 'kdfparams']) expect(answer.toLowerCase()).not.toContain(secret.toLowerCase());

    expect(statSync(target).mode & 0o777).toBe(0o600);
    const back = await Wallet.fromEncryptedJson(keystore, PASSWORD);
    expect(back.address).toBe(ADDRESS);
    expect(back.privateKey).toBe(KEY);
  });

  it('never replaces a file: an existing path, an existing file name, a planted symlink', async () => {
    const target = join(dir.path, 'taken.json');
    writeFileSync(target, 'my thesis');
    const r = await backend.invoke('wallet.export', { address: ADDRESS, password: PASSWORD, path: target });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: `A file already exists at ${target}. Ativo never replaces a file: choose another name.` } });
    expect(readFileSync(target, 'utf8')).toBe('my thesis');

    mkdirSync(exportsDir, { recursive: true });
    writeFileSync(join(exportsDir, 'mine.json'), 'not yours');
    const byName = await backend.invoke('wallet.export', { address: ADDRESS, password: PASSWORD, fileName: 'mine.json' });
    expect(byName).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/already exists .*choose another name/) as unknown } });
    expect(readFileSync(join(exportsDir, 'mine.json'), 'utf8')).toBe('not yours');

    // A symlink to somewhere else is not followed (O_EXCL | O_NOFOLLOW).
    const elsewhere = join(dir.path, 'elsewhere.json');
    symlinkSync(elsewhere, join(exportsDir, 'link.json'));
    const linked = await backend.invoke('wallet.export', { address: ADDRESS, password: PASSWORD, fileName: 'link.json' });
    expect(linked).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(() => statSync(elsewhere)).toThrow();
  });

  it('without a path: a dated file in the exports folder (0700), a new name each time; a file name goes there too', async () => {
    const first = await backend.call('wallet.export', { address: ADDRESS, password: PASSWORD });
    const second = await backend.call('wallet.export', { address: ADDRESS, password: PASSWORD });
    const day = new Date().toISOString().slice(0, 10);
    expect(first.path).toBe(join(exportsDir, `ativo-wallet-${ADDRESS.slice(0, 10)}-${day}.json`));
    expect(second.path).toBe(join(exportsDir, `ativo-wallet-${ADDRESS.slice(0, 10)}-${day}-2.json`));
    expect(statSync(exportsDir).mode & 0o777).toBe(0o700);
    const named = await backend.call('wallet.export', { address: ADDRESS, password: PASSWORD, fileName: 'studio backup.json' });
    expect(named.path).toBe(join(exportsDir, 'studio backup.json'));
    for (const p of [first.path, second.path, named.path]) {
      expect(statSync(p).mode & 0o777).toBe(0o600);
      expect((await Wallet.fromEncryptedJson(readFileSync(p, 'utf8'), PASSWORD)).address).toBe(ADDRESS);
    }
  });

  it('bad input gets a sentence saying what to do, and writes nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{ address: ADDRESS, password: PASSWORD, fileName: '../escape.json' }, /file name only, without a folder/],
      [{ address: ADDRESS, password: PASSWORD, fileName: 'a\\b.json' }, /file name only, without a folder/],
      [{ address: ADDRESS, password: PASSWORD, fileName: '..' }, /file name only/],
      [{ address: ADDRESS, password: PASSWORD, path: 'relative/backup.json' }, /absolute path/],
      [{ address: ADDRESS, password: PASSWORD, path: join(dir.path, 'no-such-folder', 'b.json') }, /does not exist: choose an existing folder/],
      [{ address: ADDRESS, password: PASSWORD, path: join(dir.path, 'x.json'), fileName: 'x.json' }, /either a path or a file name/],
      [{ address: ADDRESS, password: 'short', fileName: 'x.json' }, /at least 8 characters/],
      [{ address: ADDRESS, password: PASSWORD, keystore: true }, /keystore/],
    ];
    for (const [input, message] of cases) {
      const r = await backend.invoke('wallet.export', input);
      expect(r.ok, JSON.stringify(input)).toBe(false);
      if (!r.ok) expect(r.error.message, JSON.stringify(input)).toMatch(message);
    }
    const unknown = await backend.invoke('wallet.export', { address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', password: PASSWORD, fileName: 'nobody.json' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // Nothing was written: not in the temp folder, not in the exports folder.
    expect(readdirSync(dir.path).sort()).toEqual(['data']);
    expect(readdirSync(exportsDir)).toEqual([]);
  });
});
