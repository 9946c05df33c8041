/**
 * The keychain's retry on a Secret Service daemon that went away mid-call: which failures are
 * asked again (unit), and a real daemon killed and restarted under .ci/with-keyring.sh.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Keychain, KeychainError, KeychainUnavailableError, isTransientKeychainError, withKeychainRetry } from './keychain';
import { SKIP_KEYCHAIN_TESTS, purge, uniquePrefix } from './test-support';

// Messages as @napi-rs/keyring (zbus) reports them.
const NO_REPLY = 'Platform failure: zbus error: org.freedesktop.DBus.Error.NoReply: Message recipient disconnected from message bus without replying';
const SERVICE_UNKNOWN = 'Platform failure: zbus error: org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files';
const LOCKED = 'zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot get secret of a locked object';
const NO_COLLECTION = "Couldn't access platform storage: Secret Service: no result found";

describe('keychain retry classification (no keychain needed)', () => {
  it.each([
    [NO_REPLY, true],
    [SERVICE_UNKNOWN, true],
    ['zbus error: Disconnected', true],
    [LOCKED, false],
    [NO_COLLECTION, false],
    ['Attribute value is not valid UTF-8', false],
  ] as const)('%s -> transient %s', (detail, transient) => {
    expect(isTransientKeychainError(new KeychainError('KEYCHAIN_FAILURE', 'x', detail))).toBe(transient);
  });

  const failing = (messages: string[], value = 'ok'): { f: () => Promise<string>; calls: () => number } => {
    let n = 0;
    return {
      f: () => {
        const m = messages[n++];
        return m === undefined ? Promise.resolve(value) : Promise.reject(new Error(m));
      },
      calls: () => n,
    };
  };

  it('asks again while the daemon is away, and succeeds once it is back', async () => {
    const op = failing([NO_REPLY, SERVICE_UNKNOWN]);
    await expect(withKeychainRetry('read a secret', undefined, op.f, [1, 1, 1])).resolves.toBe('ok');
    expect(op.calls()).toBe(3);
  });

  it('gives up after its few tries, saying the keychain is not there', async () => {
    const op = failing([SERVICE_UNKNOWN, SERVICE_UNKNOWN, SERVICE_UNKNOWN, SERVICE_UNKNOWN, SERVICE_UNKNOWN]);
    const err = await withKeychainRetry('read a secret', undefined, op.f, [1, 1, 1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeychainUnavailableError);
    expect((err as KeychainUnavailableError).reason).toBe('no-secret-service');
    expect(op.calls()).toBe(4);
  });

  it('never asks again for a locked keyring or a missing collection (a person must act)', async () => {
    for (const m of [LOCKED, NO_COLLECTION]) {
      const op = failing([m]);
      await expect(withKeychainRetry('read a secret', undefined, op.f, [1, 1, 1])).rejects.toBeInstanceOf(KeychainUnavailableError);
      expect(op.calls()).toBe(1);
    }
  });

  it('never puts the secret being written in the error', async () => {
    const op = failing([`${NO_REPLY} while writing hunter2-secret`, `${LOCKED} hunter2-secret`]);
    const err = await withKeychainRetry('store a secret', 'hunter2-secret', op.f, [1]).catch((e: unknown) => e);
    expect((err as Error).message).not.toContain('hunter2-secret');
    expect((err as Error).message).toContain('[redacted]');
  });
});

/** The pid of the Secret Service daemon on this session bus (ours: .ci/with-keyring.sh's private bus). */
function secretServicePid(): number | null {
  try {
    const out = execFileSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.GetConnectionUnixProcessID', 'string:org.freedesktop.secrets'], { encoding: 'utf8' });
    const m = /uint32 (\d+)/.exec(out);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

// Only on .ci/with-keyring.sh's private bus, whose watchdog restarts the daemon it started.
const PRIVATE_BUS = (process.env.XDG_RUNTIME_DIR ?? '').includes('ativo-keyring.');

describe.skipIf(SKIP_KEYCHAIN_TESTS || !PRIVATE_BUS)('a restarting Secret Service daemon (real, private bus)', () => {
  const prefix = uniquePrefix('retry');
  // Longer than the app's 3 s budget, so a busy machine's slow restart does not fail the test.
  const kc = new Keychain({ prefix, retryDelaysMs: [250, 500, 1000, 2000, 4000, 8000] });
  afterAll(async () => {
    await purge(kc, ['retry']).catch(() => undefined);
  });

  it('a secret is read (and written) across the daemon being killed and restarted', async () => {
    await kc.set('retry', 'acct', 'kept across restarts');
    const pid = secretServicePid();
    expect(pid).not.toBeNull();
    process.kill(pid ?? 0, 'SIGKILL');
    // Right away: the daemon is gone until the watchdog restarts it (a few hundred ms).
    await expect(kc.get('retry', 'acct')).resolves.toBe('kept across restarts');
    await kc.set('retry', 'acct2', 'written after');
    expect(await kc.get('retry', 'acct2')).toBe('written after');
    expect(secretServicePid()).not.toBe(pid);
  }, 30_000);
});
