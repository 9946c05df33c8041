/**
 * Child process for no-keychain.test.ts: runs vault operations in an environment where no
 * keychain is reachable and reports, as JSON on stdout, how each one failed. Secrets come
 * in on stdin (never argv) and are never printed.
 *
 * It also reports whether anything under the vault's prefix reached the kernel keyring
 * (/proc/keys): unpinned, @napi-rs/keyring falls back to keyutils when the Secret Service
 * is unreachable. (There is deliberately no "unpinned control" here: in containers that
 * fallback was seen to create the kernel key and then fail with AccessDenied, leaving the
 * key behind where the library itself cannot delete it.)
 */
import { readFileSync } from 'node:fs';
import { Vault } from './vault';

interface Input {
  prefix: string;
  privateKey: string;
  mnemonic: string;
  identity: string;
}

export interface OpResult {
  op: string;
  ok: boolean;
  name?: string;
  code?: string;
  reason?: string;
  message?: string;
}

export interface ChildReport {
  results: OpResult[];
  procKeysReadable: boolean;
  /** /proc/keys lines mentioning the vault's prefix (must be none). */
  vaultKeysInKernel: number;
}

const input = JSON.parse(readFileSync(0, 'utf8')) as Input;

function describeError(op: string, e: unknown): OpResult {
  const r: OpResult = { op, ok: false, name: e instanceof Error ? e.name : typeof e, message: e instanceof Error ? e.message : String(e) };
  if (typeof e === 'object' && e !== null) {
    if ('code' in e && typeof e.code === 'string') r.code = e.code;
    if ('reason' in e && typeof e.reason === 'string') r.reason = e.reason;
  }
  return r;
}

function procKeys(): string | null {
  try {
    return readFileSync('/proc/keys', 'utf8');
  } catch {
    return null;
  }
}

const vault = new Vault({ servicePrefix: input.prefix, keystoreScryptN: 1024 });
const ops: [string, () => Promise<unknown>][] = [
  ['check', () => vault.keychain.check()],
  ['importPrivateKey', () => vault.importPrivateKey(input.privateKey, 'x')],
  ['importMnemonic', () => vault.importMnemonic(input.mnemonic, 'y')],
  ['create', () => vault.create('z')],
  ['list', () => vault.list()],
  ['has', () => vault.has('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')],
  ['exportKeystore', () => vault.exportKeystore('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 'pw')],
  ['putAssetIdentity', () => vault.putAssetIdentity('asset-1', input.identity)],
  ['getAssetIdentity', () => vault.getAssetIdentity('asset-1')],
];

const results: OpResult[] = [];
for (const [op, fn] of ops) {
  try {
    await fn();
    results.push({ op, ok: true });
  } catch (e) {
    results.push(describeError(op, e));
  }
}

const keysAfter = procKeys();
const vaultKeysInKernel = keysAfter === null ? 0 : keysAfter.split('\n').filter((l) => l.includes(input.prefix)).length;

const report: ChildReport = { results, procKeysReadable: keysAfter !== null, vaultKeysInKernel };
process.stdout.write(JSON.stringify(report));
