/**
 * Thin wrapper over the OS keychain (@napi-rs/keyring).
 *
 * Rules this module enforces:
 * - On Linux every entry is pinned to the Secret Service (gnome-keyring, KWallet's
 *   Secret Service bridge, KeePassXC...). Unpinned, @napi-rs/keyring silently falls
 *   back to the kernel keyring (keyutils), which is not persistent and not what the
 *   user sees in their keyring manager; we never do that.
 * - When no keychain is reachable we throw a `KeychainUnavailableError` (code
 *   `KEYCHAIN_UNAVAILABLE`) that says what is missing and what to do. There is no
 *   plaintext fallback, ever.
 * - Secrets never appear in error messages (native messages are scrubbed of the
 *   secret being written, just in case).
 */
import { AtivoFault } from '../util/errors';
import type * as Keyring from '@napi-rs/keyring';
import type { AsyncEntry, EntryOptions } from '@napi-rs/keyring';

/** The native keyring, loaded on the first keychain call: a command that reads no key (\`ativo list\`) never loads it. */
let native: Promise<typeof Keyring> | undefined;
const keyring = (): Promise<typeof Keyring> => (native ??= import('@napi-rs/keyring'));

/** Pins entries to the Secret Service on Linux; ignored on macOS and Windows. */
const PINNED: EntryOptions = { linux: { store: 'secret-service' } };

export const DEFAULT_KEYCHAIN_PREFIX = 'ativo';

export type KeychainErrorCode = 'KEYCHAIN_UNAVAILABLE' | 'KEYCHAIN_FAILURE';

/** Why the keychain cannot be used (Linux reasons are specific; elsewhere `unavailable`). */
export type KeychainUnavailableReason =
  | 'no-session-bus'
  | 'no-secret-service'
  | 'no-default-collection'
  | 'locked'
  | 'unavailable';

/** Any keychain failure. `detail` is the native library's message (never holds a secret). */
export class KeychainError extends AtivoFault {
  readonly family = 'keychain';
  override name = 'KeychainError';
  readonly code: KeychainErrorCode;
  readonly detail: string;
  constructor(code: KeychainErrorCode, message: string, detail: string) {
    super(message);
    this.code = code;
    this.detail = detail;
  }
}

/** The keychain cannot be reached or used at all: tell the person how to fix it. */
export class KeychainUnavailableError extends KeychainError {
  override name = 'KeychainUnavailableError';
  declare readonly code: 'KEYCHAIN_UNAVAILABLE';
  readonly reason: KeychainUnavailableReason;
  constructor(reason: KeychainUnavailableReason, detail: string) {
    super('KEYCHAIN_UNAVAILABLE', `${advice(reason)} (Details: ${detail})`, detail);
    this.reason = reason;
  }
}

export const isKeychainError = (e: unknown): e is KeychainError => e instanceof KeychainError;
export const isKeychainUnavailable = (e: unknown): e is KeychainUnavailableError => e instanceof KeychainUnavailableError;

const NEVER_PLAINTEXT = 'Ativo never stores keys in plaintext, so it will not continue without a keychain.';

function advice(reason: KeychainUnavailableReason): string {
  switch (reason) {
    case 'no-session-bus':
      return (
        'No D-Bus session bus is reachable, so the OS keychain (Secret Service) cannot be used: run Ativo inside your ' +
        'desktop session. On a headless machine, start a session bus with an unlocked gnome-keyring ' +
        '(apt-get install -y gnome-keyring dbus; Ativo\'s repository has a helper: bash .ci/with-keyring.sh <command>). ' +
        NEVER_PLAINTEXT
      );
    case 'no-secret-service':
      return (
        'No Secret Service on the session bus: install and unlock gnome-keyring (apt-get install gnome-keyring), ' +
        'or run Ativo inside a desktop session. ' +
        NEVER_PLAINTEXT
      );
    case 'no-default-collection':
      return (
        'The Secret Service has no default keyring to store secrets in: create and unlock a "login" keyring ' +
        '(for example with Seahorse, or by starting gnome-keyring-daemon --unlock), then retry. ' +
        NEVER_PLAINTEXT
      );
    case 'locked':
      return (
        'The keyring is locked and could not be unlocked (the unlock prompt was dismissed or could not be shown): ' +
        'unlock your login keyring (log in to the desktop session, or open Seahorse and unlock it), then retry. ' +
        NEVER_PLAINTEXT
      );
    case 'unavailable':
      return `The OS keychain is not available on this system. ${NEVER_PLAINTEXT}`;
  }
}

const nativeMessage = (e: unknown): string => {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  return 'unknown error';
};

/**
 * Classifies a native keyring failure. Returns null when it is not a "cannot reach /
 * use the keychain" failure (then it is a KEYCHAIN_FAILURE). Exported for tests.
 */
export function classifyKeychainFailure(message: string, platform: NodeJS.Platform = process.platform): KeychainUnavailableReason | null {
  const m = message;
  // Secret Service not on the bus (checked before the generic bus failures, it is more specific).
  if (/ServiceUnknown|not provided by any \.service files|No DBus session or Secret Service provider|name org\.freedesktop\.secrets/i.test(m)) {
    return 'no-secret-service';
  }
  if (
    /DBUS_SESSION_BUS_ADDRESS|autolaunch|Failed to connect to (socket|address)|Could not connect|Connection refused|\/run\/user\/\d+\/bus|Unable to autolaunch|No such file or directory \(os error 2\)|NoServer|Disconnected/i.test(
      m,
    )
  ) {
    return 'no-session-bus';
  }
  if (/prompt was dismissed|IsLocked|object locked|is locked|Cannot get secret of a locked/i.test(m)) return 'locked';
  if (/Secret Service: no result found|NoSuchObject|No such (object|collection)/i.test(m)) return 'no-default-collection';
  if (platform !== 'linux' && /Platform failure|NoStorageAccess|Couldn't access platform storage/i.test(m)) return 'unavailable';
  return null;
}

function scrub(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < 4) return text;
  return text.split(secret).join('[redacted]');
}

function toKeychainError(e: unknown, action: string, secret?: string): KeychainError {
  if (e instanceof KeychainError) return e;
  const detail = scrub(nativeMessage(e), secret);
  const reason = classifyKeychainFailure(detail);
  if (reason) return new KeychainUnavailableError(reason, detail);
  return new KeychainError('KEYCHAIN_FAILURE', `The OS keychain could not ${action}. (Details: ${detail})`, detail);
}

/**
 * The Secret Service daemon went away in the middle of a call (it restarts, or is being
 * activated): worth asking again shortly. A machine with no keychain at all fails the same way,
 * so only a few short tries (about 3 s in all) are made before saying so.
 */
const RETRY_DELAYS_MS = [250, 750, 2000];
/** Is this a failure worth asking again for (the daemon went away mid-call)? Exported for tests. */
export const isTransientKeychainError = (e: KeychainError): boolean => /NoReply|ServiceUnknown|not provided by any \.service files|Disconnected/i.test(e.detail);

/**
 * Runs a keychain call, asking again after each of `delaysMs` while it fails transiently; other
 * failures (locked, no collection, …) are thrown at once, as KeychainErrors. Exported for tests.
 */
export async function withKeychainRetry<T>(action: string, secret: string | undefined, f: () => Promise<T>, delaysMs: readonly number[] = RETRY_DELAYS_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      const err = toKeychainError(e, action, secret);
      const delay = delaysMs[attempt];
      if (delay === undefined || !isTransientKeychainError(err)) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}


export interface KeychainCredential {
  account: string;
  secret: string;
}

export interface KeychainOptions {
  /**
   * Prefix of every service name (`<prefix>.<service>`). Production: `ativo`.
   * Tests use a unique prefix per run so runs never see each other's entries.
   */
  prefix?: string;
  /** Waits between the tries of a call that failed because the daemon went away (default about 3 s in all). */
  retryDelaysMs?: readonly number[];
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * A keychain namespace. `service` arguments are short names (`wallet`, `asset-identity`);
 * the stored service name is `<prefix>.<service>`. All calls are async (D-Bus round trips
 * must not block the event loop).
 */
export class Keychain {
  readonly prefix: string;
  private readonly retryDelaysMs: readonly number[];

  constructor(options: KeychainOptions = {}) {
    this.retryDelaysMs = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    const prefix = options.prefix ?? DEFAULT_KEYCHAIN_PREFIX;
    if (!NAME_RE.test(prefix)) {
      throw new TypeError('Keychain prefix must be 1-64 characters: letters, digits, ".", "_" or "-", starting with a letter or digit.');
    }
    this.prefix = prefix;
  }

  /** The full service name stored in the keychain for a short service name. */
  serviceName(service: string): string {
    if (!NAME_RE.test(service)) {
      throw new TypeError('Keychain service name must be 1-64 characters: letters, digits, ".", "_" or "-".');
    }
    return `${this.prefix}.${service}`;
  }

  /** Checks the names (TypeError, before any keychain call). */
  private names(service: string, account: string): string {
    if (account.length === 0) throw new TypeError('Keychain account name must not be empty.');
    return this.serviceName(service);
  }

  private async entry(service: string, account: string, action: string): Promise<AsyncEntry> {
    const full = this.names(service, account);
    const { AsyncEntry } = await keyring();
    try {
      return new AsyncEntry(full, account, PINNED);
    } catch (e) {
      throw toKeychainError(e, action);
    }
  }

  /** The secret stored for (service, account), or null when there is none. */
  async get(service: string, account: string): Promise<string | null> {
    this.names(service, account);
    // The entry is made inside the retry: making it talks to the daemon too (and fails while it restarts).
    return withKeychainRetry('read a secret', undefined, async () => (await this.entry(service, account, 'read a secret')).getPassword(), this.retryDelaysMs);
  }

  /** Stores (or replaces) the secret for (service, account). */
  async set(service: string, account: string, secret: string): Promise<void> {
    if (secret.length === 0) throw new TypeError('Refusing to store an empty secret.');
    this.names(service, account);
    await withKeychainRetry('store a secret', secret, async () => (await this.entry(service, account, 'store a secret')).setPassword(secret), this.retryDelaysMs);
  }

  /** Deletes the secret for (service, account). Resolves false when there was none. */
  async delete(service: string, account: string): Promise<boolean> {
    this.names(service, account);
    return withKeychainRetry('delete a secret', undefined, async () => (await this.entry(service, account, 'delete a secret')).deleteCredential(), this.retryDelaysMs);
  }

  /**
   * Every (account, secret) stored under a service. On Linux this queries the Secret
   * Service directly (findCredentials never uses the kernel keyring).
   */
  async list(service: string): Promise<KeychainCredential[]> {
    const full = this.serviceName(service);
    const found = await withKeychainRetry('list secrets', undefined, async () => (await keyring()).findCredentialsAsync(full), this.retryDelaysMs);
    return found.map((c) => ({ account: c.account, secret: c.password }));
  }

  /**
   * Proves the keychain is usable right now with a write / read / delete round trip
   * (a read alone succeeds on a Secret Service with no default collection).
   * Throws KeychainUnavailableError (or KeychainError) when it is not.
   */
  async check(): Promise<void> {
    const account = `probe-${String(process.pid)}-${Date.now().toString(36)}`;
    const value = `probe-${Math.random().toString(36).slice(2)}`;
    await this.set('probe', account, value);
    try {
      const back = await this.get('probe', account);
      if (back !== value) {
        throw new KeychainError('KEYCHAIN_FAILURE', 'The OS keychain did not return the value just stored in it.', 'probe mismatch');
      }
    } finally {
      await this.delete('probe', account);
    }
  }
}
