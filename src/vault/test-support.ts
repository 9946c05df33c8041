/**
 * Helpers shared by the vault tests (not used by production code).
 *
 * The vault tests use the REAL OS keychain. Outside a session with a Secret Service
 * (CI: `bash .ci/with-keyring.sh npx vitest run src/vault`) they fail loudly; they are
 * skipped only when ATIVO_SKIP_KEYCHAIN_TESTS=1 is set explicitly.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isKeychainError } from './keychain';
import type { Keychain } from './keychain';

export const SKIP_KEYCHAIN_TESTS = process.env.ATIVO_SKIP_KEYCHAIN_TESTS === '1';

export const RUN_UNDER_WRAPPER = 'bash .ci/with-keyring.sh npx vitest run src/vault';

/** Prints (once per file) why keychain tests are skipped; call at module level. */
export function announceSkip(file: string): void {
  if (SKIP_KEYCHAIN_TESTS) {
    console.warn(
      `[${file}] SKIPPING real-keychain tests because ATIVO_SKIP_KEYCHAIN_TESTS=1 is set. ` +
        `Run them with: ${RUN_UNDER_WRAPPER}`,
    );
  }
}

/** A prefix no other run (or test) uses, so runs never see each other's entries. */
export function uniquePrefix(tag: string): string {
  return `ativo-test-${tag}-${String(process.pid)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Throws (failing the suite) unless a usable keychain is reachable: tests must never
 * silently pass without having touched a real keychain.
 */
export async function requireKeychain(keychain: Keychain): Promise<void> {
  try {
    await keychain.check();
  } catch (e) {
    const why = isKeychainError(e) ? e.message : String(e);
    throw new Error(
      `No usable OS keychain is reachable, so the vault tests cannot run. ` +
        `Run them inside a private D-Bus session with an unlocked gnome-keyring: ${RUN_UNDER_WRAPPER} ` +
        `(needs apt-get install -y gnome-keyring dbus libsecret-tools). ` +
        `To skip them deliberately, set ATIVO_SKIP_KEYCHAIN_TESTS=1. Cause: ${why}`,
      { cause: e },
    );
  }
}

/** Deletes every entry of the given short service names under the keychain's prefix. */
export async function purge(keychain: Keychain, services: readonly string[]): Promise<void> {
  for (const service of services) {
    for (const { account } of await keychain.list(service)) await keychain.delete(service, account);
  }
}

export interface Needle {
  /** What it is, for reports; never the secret itself. */
  name: string;
  bytes: Buffer;
}

/** The byte patterns under which a private key (and optionally a phrase) could leak to disk. */
export function secretNeedles(privateKey: string, mnemonic?: string): Needle[] {
  const hex = privateKey.replace(/^0x/i, '').toLowerCase();
  const needles: Needle[] = [
    { name: 'private key hex (0x, lower case)', bytes: Buffer.from(`0x${hex}`) },
    { name: 'private key hex (no 0x, lower case)', bytes: Buffer.from(hex) },
    { name: 'private key hex (upper case)', bytes: Buffer.from(hex.toUpperCase()) },
    { name: 'private key raw bytes', bytes: Buffer.from(hex, 'hex') },
    { name: 'private key hex (UTF-16LE)', bytes: Buffer.from(hex, 'utf16le') },
  ];
  if (mnemonic !== undefined) {
    needles.push({ name: 'mnemonic', bytes: Buffer.from(mnemonic) });
    needles.push({ name: 'mnemonic (UTF-16LE)', bytes: Buffer.from(mnemonic, 'utf16le') });
  }
  return needles;
}

/** Every regular file under `dirs` (recursively; missing dirs are ignored). */
export async function filesUnder(dirs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  for (const d of dirs) await walk(d);
  return out;
}

/** Files under `dirs` that contain any needle, as "path: needle name" (never the needle). */
export async function findTraces(dirs: readonly string[], needles: readonly Needle[]): Promise<string[]> {
  const hits: string[] = [];
  for (const file of await filesUnder(dirs)) {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      continue;
    }
    for (const n of needles) if (data.includes(n.bytes)) hits.push(`${file}: ${n.name}`);
  }
  return hits;
}

/** Needle names found in a text (stdout, an error message...), never the needle. */
export function tracesInText(text: string, needles: readonly Needle[]): string[] {
  const buf = Buffer.from(text);
  return needles.filter((n) => buf.includes(n.bytes)).map((n) => n.name);
}
