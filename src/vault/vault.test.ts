import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Wallet, decryptKeystoreJson, verifyMessage } from 'ethers';
import { createGrant, generateIdentity, openGrant, recipientOf } from '../crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Keychain } from './keychain';
import { DEFAULT_KEYSTORE_SCRYPT_N, Vault, VaultError } from './vault';
import type { VaultErrorCode } from './vault';
import { SKIP_KEYCHAIN_TESTS, announceSkip, findTraces, purge, requireKeychain, secretNeedles, tracesInText, uniquePrefix } from './test-support';

announceSkip('vault.test.ts');

const run = promisify(execFile);

// Hardhat / anvil's well-known test mnemonic and its first two accounts.
const TEST_MNEMONIC = 'test test test test test test test test test test test junk';
const ACCOUNT_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ACCOUNT_0_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const ACCOUNT_1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

const SERVICES = ['wallet', 'wallet-meta', 'asset-identity', 'requester-identity'] as const;
const FAST_N = 1024;

/** Expects a VaultError with this code whose message leaks none of `secrets`. */
async function expectVaultError(p: Promise<unknown>, code: VaultErrorCode, secrets: string[] = []): Promise<VaultError> {
  const err: unknown = await p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VaultError);
  const ve = err as VaultError;
  expect(ve.code).toBe(code);
  expect(ve.message.length).toBeGreaterThan(20);
  for (const s of secrets) {
    expect(ve.message.includes(s)).toBe(false);
    expect(JSON.stringify(ve).includes(s)).toBe(false);
    expect(String(ve.stack).includes(s)).toBe(false);
  }
  return ve;
}

describe.skipIf(SKIP_KEYCHAIN_TESTS)('Vault (real Secret Service / OS keychain)', () => {
  const vaults: Vault[] = [];
  /** A fresh vault with its own keychain prefix, so tests never see each other's wallets. */
  const freshVault = (tag = 'v'): Vault => {
    const v = new Vault({ servicePrefix: uniquePrefix(tag), keystoreScryptN: FAST_N });
    vaults.push(v);
    return v;
  };

  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: uniquePrefix('gate') }));
  });
  afterAll(async () => {
    for (const v of vaults) await purge(v.keychain, SERVICES);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('create() makes a usable wallet that list / has / signer see', async () => {
    const vault = freshVault();
    const before = Date.now();
    const info = await vault.create('  Main  ');
    expect(info.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(info.label).toBe('Main');
    expect(info.source).toBe('created');
    expect(Date.parse(info.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(await vault.list()).toEqual([info]);
    expect(await vault.has(info.address)).toBe(true);
    expect(await vault.has(info.address.toLowerCase())).toBe(true);

    const signer = await vault.signer(info.address.toLowerCase());
    expect(signer).toBeInstanceOf(Wallet);
    expect(signer.address).toBe(info.address);
    const sig = await signer.signMessage('hello ativo');
    expect(verifyMessage('hello ativo', sig)).toBe(info.address);

    const second = await vault.create();
    expect(second.address).not.toBe(info.address);
    expect(second.label).toBe('');
    expect((await vault.list()).map((w) => w.address).sort()).toEqual([info.address, second.address].sort());
  });

  it('importPrivateKey() derives the right address and is idempotent (with/without 0x, any case)', async () => {
    const vault = freshVault();
    const info = await vault.importPrivateKey(ACCOUNT_0_KEY, 'dev');
    expect(info).toMatchObject({ address: ACCOUNT_0, label: 'dev', source: 'private-key' });
    const again = await vault.importPrivateKey(ACCOUNT_0_KEY.slice(2).toUpperCase(), 'other label');
    expect(again).toEqual(info);
    await vault.importPrivateKey(`  ${ACCOUNT_0_KEY}\n`);
    expect(await vault.list()).toEqual([info]);
    expect((await vault.signer(ACCOUNT_0)).privateKey).toBe(ACCOUNT_0_KEY);
  });

  it('concurrent imports of one key leave exactly one entry', async () => {
    const vault = freshVault();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => vault.importPrivateKey(ACCOUNT_0_KEY, `n${String(i)}`)));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(await vault.list()).toHaveLength(1);
    expect(await vault.keychain.list('wallet')).toHaveLength(1);
  });

  it('importMnemonic() gives the known address of the standard test mnemonic, and honours the path', async () => {
    const vault = freshVault();
    const info = await vault.importMnemonic(TEST_MNEMONIC, 'hardhat #0');
    expect(info).toMatchObject({ address: ACCOUNT_0, label: 'hardhat #0', source: 'mnemonic' });
    // Messy whitespace and case are normalised; same account => idempotent.
    const same = await vault.importMnemonic(`  ${TEST_MNEMONIC.toUpperCase().replaceAll(' ', '   ')} \n`);
    expect(same).toEqual(info);
    const second = await vault.importMnemonic(TEST_MNEMONIC, 'hardhat #1', "m/44'/60'/0'/0/1");
    expect(second.address).toBe(ACCOUNT_1);
    expect((await vault.list()).map((w) => w.address)).toEqual([ACCOUNT_0, ACCOUNT_1]);
    // Importing the raw key of an account that came from the mnemonic is idempotent too.
    expect(await vault.importPrivateKey(ACCOUNT_0_KEY)).toEqual(info);
    // Only the derived key is kept, never the phrase.
    const stored = [...(await vault.keychain.list('wallet')), ...(await vault.keychain.list('wallet-meta'))];
    expect(stored.some((c) => c.secret.includes('junk'))).toBe(false);
  });

  it('exportKeystore() returns a scrypt keystore that decrypts back to the same key', async () => {
    const vault = freshVault();
    const info = await vault.importPrivateKey(ACCOUNT_0_KEY);
    const json = await vault.exportKeystore(info.address, 'correct horse battery staple');
    type Crypto = { kdf: string; kdfparams: { n: number } };
    const parsed = JSON.parse(json) as { version: number; address: string; crypto?: Crypto; Crypto?: Crypto };
    expect(parsed.version).toBe(3);
    expect(parsed.address.toLowerCase()).toBe(ACCOUNT_0.slice(2).toLowerCase());
    const crypto = parsed.crypto ?? parsed.Crypto; // ethers writes "Crypto"; the v3 spec says "crypto"
    expect(crypto?.kdf).toBe('scrypt');
    expect(crypto?.kdfparams.n).toBe(FAST_N);
    expect(tracesInText(json, secretNeedles(ACCOUNT_0_KEY))).toEqual([]);

    const account = await decryptKeystoreJson(json, 'correct horse battery staple');
    expect(account.address).toBe(ACCOUNT_0);
    expect(account.privateKey).toBe(ACCOUNT_0_KEY);
    expect((await Wallet.fromEncryptedJson(json, 'correct horse battery staple')).address).toBe(ACCOUNT_0);
    await expect(decryptKeystoreJson(json, 'wrong password')).rejects.toThrow();

    // A created wallet round-trips too.
    const created = await vault.create();
    const back = await decryptKeystoreJson(await vault.exportKeystore(created.address, 'pw'), 'pw');
    expect(back.address).toBe(created.address);
    expect(back.privateKey).toBe((await vault.signer(created.address)).privateKey);
  });

  it('uses ethers’ scrypt cost (2^17) by default', () => {
    expect(DEFAULT_KEYSTORE_SCRYPT_N).toBe(131_072);
    expect(() => new Vault({ keystoreScryptN: 1000 })).toThrow(/power of two/);
  });

  it('remove() deletes key and metadata', async () => {
    const vault = freshVault();
    const a = await vault.importPrivateKey(ACCOUNT_0_KEY);
    const b = await vault.create();
    await vault.remove(a.address.toLowerCase());
    expect(await vault.has(a.address)).toBe(false);
    expect((await vault.list()).map((w) => w.address)).toEqual([b.address]);
    expect(await vault.keychain.get('wallet', a.address)).toBeNull();
    expect(await vault.keychain.get('wallet-meta', a.address)).toBeNull();
    await expectVaultError(vault.remove(a.address), 'WALLET_NOT_FOUND');
    await expectVaultError(vault.signer(a.address), 'WALLET_NOT_FOUND');
    // Re-import after removal works and is fresh.
    expect((await vault.importPrivateKey(ACCOUNT_0_KEY, 'back')).label).toBe('back');
  });

  it('the key is really in the Secret Service: `secret-tool search` finds it', async () => {
    if (process.platform !== 'linux') return;
    const vault = freshVault();
    const info = await vault.importPrivateKey(ACCOUNT_0_KEY, 'findme');
    const service = vault.keychain.serviceName('wallet');
    // secret-tool prints the secret on stdout and the attributes on stderr.
    const search = async (svc: string): Promise<string> => {
      const { stdout, stderr } = await run('secret-tool', ['search', '--all', 'service', svc]);
      return stdout + stderr;
    };
    const stdout = await search(service);
    // Assert on booleans so a failure never prints the key.
    expect(stdout.includes(`attribute.service = ${service}`)).toBe(true);
    expect(stdout.includes(`attribute.username = ${info.address}`)).toBe(true);
    expect(stdout.includes(`secret = ${ACCOUNT_0_KEY}`)).toBe(true);
    expect((await search(vault.keychain.serviceName('wallet-meta'))).includes('"label":"findme"')).toBe(true);

    await vault.remove(info.address);
    expect((await search(service)).includes(info.address)).toBe(false);
  });

  it('leaves no trace of keys or phrases in the data dir, the keyring files or the logs', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ativo-vault-data-'));
    const control = await mkdtemp(join(tmpdir(), 'ativo-vault-control-'));
    const logged: string[] = [];
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
      });
    }
    try {
      const vault = freshVault('trace');
      const created = await vault.create('created');
      const createdKey = (await vault.signer(created.address)).privateKey;
      const pkWallet = Wallet.createRandom();
      await vault.importPrivateKey(pkWallet.privateKey, 'imported');
      const mnWallet = Wallet.createRandom();
      const phrase = mnWallet.mnemonic!.phrase;
      const fromPhrase = await vault.importMnemonic(phrase, 'from phrase');
      expect(fromPhrase.address).toBe(mnWallet.address);
      await vault.putAssetIdentity('asset-1', 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ');
      // What the app would persist: the wallet list and an exported (encrypted) keystore.
      await writeFile(join(dataDir, 'wallets.json'), JSON.stringify(await vault.list()));
      await writeFile(join(dataDir, 'export.keystore.json'), await vault.exportKeystore(created.address, 'pw'));
      // Make the daemon flush, then look.
      await vault.list();

      const needles = [
        ...secretNeedles(createdKey),
        ...secretNeedles(pkWallet.privateKey),
        ...secretNeedles(mnWallet.privateKey, phrase),
        { name: 'asset identity', bytes: Buffer.from('AGE-SECRET-KEY-1QQQQ') },
      ];
      const keyringDir = join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'keyrings');
      expect(await findTraces([dataDir, keyringDir], needles)).toEqual([]);
      expect(logged.flatMap((l) => tracesInText(l, needles))).toEqual([]);

      // The scanner itself works (a planted plaintext key is found).
      await writeFile(join(control, 'leak.txt'), `key=${pkWallet.privateKey.slice(2)}\n`);
      expect(await findTraces([control], secretNeedles(pkWallet.privateKey))).toEqual([`${join(control, 'leak.txt')}: private key hex (no 0x, lower case)`]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await rm(control, { recursive: true, force: true });
    }
  });

  it('rejects bad input with typed, plain-English errors that never echo the secret', async () => {
    const vault = freshVault();
    const badKeys = [
      '',
      '0x1234',
      ACCOUNT_0_KEY.slice(0, -1) + 'g',
      ACCOUNT_0_KEY + '00',
      '0x' + '0'.repeat(64),
      '0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141', // the group order n
      TEST_MNEMONIC,
    ];
    for (const k of badKeys) {
      await expectVaultError(vault.importPrivateKey(k), 'INVALID_PRIVATE_KEY', k.length > 4 ? [k, k.replace(/^0x/, '')] : []);
    }
    const badPhrases = [
      'test test test test test test test test test test test test', // bad checksum
      'test test test test test test test test test test test', // 11 words
      'test test test test test test test test test test test junk notaword',
      'zzzz test test test test test test test test test test junk',
    ];
    for (const p of badPhrases) {
      await expectVaultError(vault.importMnemonic(p), 'INVALID_MNEMONIC', [p, 'zzzz', 'notaword']);
    }
    await expectVaultError(vault.importMnemonic(TEST_MNEMONIC, undefined, "m/44'/60'/x"), 'INVALID_DERIVATION_PATH', ['junk']);
    await expectVaultError(vault.importMnemonic(TEST_MNEMONIC, undefined, '44/60'), 'INVALID_DERIVATION_PATH');
    await expectVaultError(vault.create('x'.repeat(101)), 'INVALID_LABEL');
    await expectVaultError(vault.create('two\nlines'), 'INVALID_LABEL');

    const unknown = Wallet.createRandom().address;
    await expectVaultError(vault.signer(unknown), 'WALLET_NOT_FOUND');
    await expectVaultError(vault.exportKeystore(unknown, 'pw'), 'WALLET_NOT_FOUND');
    await expectVaultError(vault.remove(unknown), 'WALLET_NOT_FOUND');
    expect(await vault.has(unknown)).toBe(false);
    for (const bad of ['', '0x123', 'hello', '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267' /* bad checksum */]) {
      await expectVaultError(vault.has(bad), 'INVALID_ADDRESS');
      await expectVaultError(vault.signer(bad), 'INVALID_ADDRESS');
    }

    const info = await vault.importPrivateKey(ACCOUNT_0_KEY);
    await expectVaultError(vault.exportKeystore(info.address, ''), 'EMPTY_PASSWORD', [ACCOUNT_0_KEY]);

    // Nothing was stored by the failed calls.
    expect((await vault.list()).map((w) => w.address)).toEqual([ACCOUNT_0]);
  });

  it('detects a keychain entry whose key does not match its address', async () => {
    const vault = freshVault();
    const info = await vault.importPrivateKey(ACCOUNT_0_KEY);
    await vault.keychain.set('wallet', info.address, Wallet.createRandom().privateKey);
    await expectVaultError(vault.signer(info.address), 'CORRUPT_ENTRY');
    await vault.keychain.set('wallet', info.address, 'not a key');
    const e = await expectVaultError(vault.exportKeystore(info.address, 'pw'), 'CORRUPT_ENTRY', ['not a key']);
    expect(e.message).toMatch(/re-import/);
    // Re-importing the right key repairs the entry.
    await vault.importPrivateKey(ACCOUNT_0_KEY);
    expect((await vault.signer(info.address)).privateKey).toBe(ACCOUNT_0_KEY);
  });

  it('keeps vaults with different prefixes apart', async () => {
    const a = freshVault('a');
    const b = freshVault('b');
    await a.importPrivateKey(ACCOUNT_0_KEY);
    expect(await b.list()).toEqual([]);
    expect(await b.has(ACCOUNT_0)).toBe(false);
  });

  it('stores per-asset age identities under their own service', async () => {
    const vault = freshVault();
    const id1 = 'AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX';
    const id2 = 'AGE-SECRET-KEY-1XYZ';
    expect(await vault.getAssetIdentity('asset-1')).toBeNull();
    await vault.putAssetIdentity('asset-1', id1);
    await vault.putAssetIdentity('asset/2 ✓', id2);
    expect(await vault.getAssetIdentity('asset-1')).toBe(id1);
    expect(await vault.getAssetIdentity('asset/2 ✓')).toBe(id2);
    await vault.putAssetIdentity('asset-1', id2);
    expect(await vault.getAssetIdentity('asset-1')).toBe(id2);
    // Distinct from wallets.
    expect(await vault.list()).toEqual([]);
    expect((await vault.keychain.list('asset-identity')).map((c) => c.account).sort()).toEqual(['asset-1', 'asset/2 ✓']);
    expect(await vault.removeAssetIdentity('asset-1')).toBe(true);
    expect(await vault.removeAssetIdentity('asset-1')).toBe(false);
    expect(await vault.getAssetIdentity('asset-1')).toBeNull();
    expect(await vault.getAssetIdentity('asset/2 ✓')).toBe(id2);

    await expectVaultError(vault.putAssetIdentity('', id1), 'INVALID_ASSET_ID', [id1]);
    await expectVaultError(vault.putAssetIdentity('a\nb', id1), 'INVALID_ASSET_ID', [id1]);
    await expectVaultError(vault.putAssetIdentity('asset-3', '   '), 'INVALID_IDENTITY');
    await expectVaultError(vault.getAssetIdentity('x'.repeat(201)), 'INVALID_ASSET_ID');
  });

  it('keeps one requester age identity per wallet, in the keychain only, made once even when asked concurrently', async () => {
    const vault = freshVault();
    const w = await vault.create();
    const other = await vault.importPrivateKey(ACCOUNT_0_KEY);
    expect(await vault.requesterIdentity(w.address)).toBeNull();
    const [a, b] = await Promise.all([vault.getOrCreateRequesterIdentity(w.address), vault.getOrCreateRequesterIdentity(w.address.toLowerCase())]);
    expect(a).toEqual(b);
    expect(a.identity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]+$/);
    expect(a.recipient).toBe(await recipientOf(a.identity));
    expect(await vault.getOrCreateRequesterIdentity(w.address)).toEqual(a);
    expect(await vault.requesterIdentity(w.address)).toEqual(a);
    expect(await vault.keychain.get('requester-identity', w.address)).toBe(a.identity);
    // Each wallet has its own; a grant made to one opens only with it.
    const o = await vault.getOrCreateRequesterIdentity(other.address);
    expect(o.recipient).not.toBe(a.recipient);
    const asset = await generateIdentity();
    const grant = await createGrant(asset.identity, a.recipient);
    expect(await openGrant(grant, a.identity)).toBe(asset.identity);
    await expect(openGrant(grant, o.identity)).rejects.toThrow(/made for another key/);
    // Not for a wallet the vault does not hold; removed with its wallet.
    await expectVaultError(vault.getOrCreateRequesterIdentity(ACCOUNT_1), 'WALLET_NOT_FOUND');
    await expectVaultError(vault.getOrCreateRequesterIdentity('0x123'), 'INVALID_ADDRESS');
    await vault.remove(w.address);
    expect(await vault.keychain.get('requester-identity', w.address)).toBeNull();
    expect(await vault.requesterIdentity(other.address)).toEqual(o);
    // A damaged entry is reported, never echoed.
    await vault.keychain.set('requester-identity', other.address, 'not-a-key-XYZ');
    await expectVaultError(vault.requesterIdentity(other.address), 'CORRUPT_ENTRY', ['not-a-key-XYZ']);
  });
});
