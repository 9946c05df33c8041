import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keychain, KeychainUnavailableError, classifyKeychainFailure, isKeychainUnavailable } from './keychain';
import { SKIP_KEYCHAIN_TESTS, announceSkip, purge, requireKeychain, uniquePrefix } from './test-support';

announceSkip('keychain.test.ts');

describe('keychain failure classification (no keychain needed)', () => {
  // Messages as @napi-rs/keyring 2.x reports them.
  it.each([
    ['Platform failure: DBus error: Failed to connect to socket /nonexistent/sock: No such file or directory', 'no-session-bus'],
    ['Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead', 'no-session-bus'],
    ['zbus error: Failed to connect to address `unix:path=/run/user/0/bus`: No such file or directory (os error 2)', 'no-session-bus'],
    ['Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files', 'no-secret-service'],
    ["Couldn't access platform storage: Secret Service: no result found", 'no-default-collection'],
    ["Couldn't access platform storage: Secret Service: unlock prompt was dismissed", 'locked'],
    ['zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot get secret of a locked object', 'locked'],
  ] as const)('%s -> %s', (message, reason) => {
    expect(classifyKeychainFailure(message, 'linux')).toBe(reason);
  });

  it('leaves other failures unclassified', () => {
    expect(classifyKeychainFailure('Attribute value is not valid UTF-8', 'linux')).toBeNull();
  });

  it('says what is missing and what to do', () => {
    const bus = new KeychainUnavailableError('no-session-bus', 'x');
    expect(bus.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(bus.message).toMatch(/No D-Bus session bus/);
    expect(bus.message).toMatch(/apt-get install -y gnome-keyring dbus/);
    expect(bus.message).toMatch(/never stores keys in plaintext/);
    const ss = new KeychainUnavailableError('no-secret-service', 'x');
    expect(ss.message).toMatch(/^No Secret Service on the session bus: install and unlock gnome-keyring \(apt-get install gnome-keyring\), or run Ativo inside a desktop session\./);
    expect(new KeychainUnavailableError('locked', 'x').message).toMatch(/locked/);
    expect(isKeychainUnavailable(ss)).toBe(true);
  });

  it('validates the prefix and service names', () => {
    expect(() => new Keychain({ prefix: '' })).toThrow(/prefix/);
    expect(() => new Keychain({ prefix: 'a b' })).toThrow(/prefix/);
    expect(new Keychain().prefix).toBe('ativo');
    expect(new Keychain({ prefix: 'ativo-test' }).serviceName('wallet')).toBe('ativo-test.wallet');
    expect(() => new Keychain().serviceName('../x')).toThrow(/service name/);
  });
});

describe.skipIf(SKIP_KEYCHAIN_TESTS)('Keychain (real Secret Service / OS keychain)', () => {
  const kc = new Keychain({ prefix: uniquePrefix('kc') });

  beforeAll(async () => {
    await requireKeychain(kc);
  });
  afterAll(async () => {
    await purge(kc, ['a', 'b']);
  });

  it('set / get / replace / delete round trip', async () => {
    expect(await kc.get('a', 'alice')).toBeNull();
    await kc.set('a', 'alice', 'first');
    expect(await kc.get('a', 'alice')).toBe('first');
    await kc.set('a', 'alice', 'second ✓ ünïcödé');
    expect(await kc.get('a', 'alice')).toBe('second ✓ ünïcödé');
    expect(await kc.list('a')).toEqual([{ account: 'alice', secret: 'second ✓ ünïcödé' }]);
    expect(await kc.delete('a', 'alice')).toBe(true);
    expect(await kc.delete('a', 'alice')).toBe(false);
    expect(await kc.get('a', 'alice')).toBeNull();
  });

  it('lists only the entries of one service under this prefix', async () => {
    await kc.set('a', 'x', '1');
    await kc.set('a', 'y', '2');
    await kc.set('b', 'x', '3');
    const other = new Keychain({ prefix: uniquePrefix('kc-other') });
    await other.set('a', 'z', '4');
    try {
      const a = (await kc.list('a')).sort((p, q) => p.account.localeCompare(q.account));
      expect(a).toEqual([
        { account: 'x', secret: '1' },
        { account: 'y', secret: '2' },
      ]);
      expect(await kc.list('b')).toEqual([{ account: 'x', secret: '3' }]);
      expect(await other.list('a')).toEqual([{ account: 'z', secret: '4' }]);
    } finally {
      await purge(other, ['a']);
    }
  });

  it('refuses empty secrets and account names', async () => {
    await expect(kc.set('a', 'x', '')).rejects.toThrow(/empty secret/);
    await expect(kc.get('a', '')).rejects.toThrow(/account/);
  });

  it('check() passes when the keychain is usable', async () => {
    await expect(kc.check()).resolves.toBeUndefined();
    expect(await kc.list('probe')).toEqual([]);
  });
});
