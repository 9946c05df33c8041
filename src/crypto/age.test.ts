import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fs';
import { generateIdentity, parseIdentities, parseIdentity, parseIdentityFile, parseRecipient, parseRecipients, recipientOf } from './age';
import { CryptoError } from './errors';
import type { CryptoErrorCode } from './errors';
import { AGE_CLI_MISSING, ageKeygen, requireAgeCli } from './testing';

const IDENTITY_RE = /^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$/;
const RECIPIENT_RE = /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/;

/** Flips one bech32 character in the middle (breaks the checksum). */
const mistype = (s: string): string => {
  const i = Math.floor(s.length / 2);
  const alphabet = s === s.toUpperCase() ? 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L' : 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  const c = s[i] === alphabet[0] ? alphabet[1] : alphabet[0];
  return s.slice(0, i) + String(c) + s.slice(i + 1);
};

function expectCryptoError(fn: () => unknown, code: CryptoErrorCode, secrets: string[] = []): CryptoError {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CryptoError);
  const ce = err as CryptoError;
  expect(ce.code).toBe(code);
  expect(ce.message.length).toBeGreaterThan(20);
  for (const s of secrets) {
    for (const text of [ce.message, String(ce.stack), JSON.stringify(ce)]) expect(text.includes(s)).toBe(false);
  }
  return ce;
}

describe('the age CLI', () => {
  it('is installed (the interop tests need it: apt-get install age)', () => {
    expect(requireAgeCli()).toMatch(/\d+\.\d+/);
  });

  it('when missing, fails with a message naming `apt-get install age` (never a silent skip)', () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent-ativo-path';
    try {
      expect(() => requireAgeCli()).toThrow(/apt-get install age/);
      expect(AGE_CLI_MISSING).toMatch(/not found/);
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('keys', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeAll(() => {
    requireAgeCli();
    dir = tempDir('ativo-age-keys-');
  });
  afterAll(() => { dir.cleanup(); });

  it('generateIdentity makes an X25519 pair whose recipient age-keygen agrees with', async () => {
    const k = await generateIdentity();
    expect(k.identity).toMatch(IDENTITY_RE);
    expect(k.recipient).toMatch(RECIPIENT_RE);
    expect(await recipientOf(k.identity)).toBe(k.recipient);
    const file = join(dir.path, 'ours.txt');
    writeFileSync(file, `${k.identity}\n`, { mode: 0o600 });
    const r = spawnSync('age-keygen', ['-y', file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(k.recipient);
    const other = await generateIdentity();
    expect(other.identity).not.toBe(k.identity);
  });

  it('recipientOf matches the public key age-keygen prints, and parseIdentityFile reads its file', async () => {
    const k = ageKeygen();
    expect(await recipientOf(k.identity)).toBe(k.recipient);
    expect(await recipientOf(`  ${k.identity}\n`)).toBe(k.recipient);
    expect(parseIdentityFile(k.file)).toEqual([k.identity]);
    expect(parseIdentityFile(`# two keys\r\n${k.identity}\r\n\r\n${k.identity}\r\n`)).toEqual([k.identity, k.identity]);
  });

  it('rejects malformed recipients with INVALID_RECIPIENT and never echoes a pasted secret', async () => {
    const k = await generateIdentity();
    for (const bad of ['', '   ', 'hello', 'age1', k.recipient.slice(0, -1), mistype(k.recipient), `${k.recipient}q`, k.recipient.toUpperCase()]) {
      expectCryptoError(() => parseRecipient(bad), 'INVALID_RECIPIENT');
    }
    const secret = expectCryptoError(() => parseRecipient(k.identity), 'INVALID_RECIPIENT', [k.identity, k.identity.slice(16, 40)]);
    expect(secret.message).toMatch(/secret identity, not a public recipient/);
    const pq = expectCryptoError(() => parseRecipient(`age1pq1${'q'.repeat(60)}`), 'INVALID_RECIPIENT');
    expect(pq.message).toMatch(/only X25519/);
    expect(parseRecipient(` ${k.recipient}\n`)).toBe(k.recipient);
    expectCryptoError(() => parseRecipient(42 as unknown as string), 'INVALID_RECIPIENT');
  });

  it('rejects malformed identities with INVALID_IDENTITY and never echoes them', async () => {
    const k = await generateIdentity();
    const bads = ['', 'AGE-SECRET-KEY-1', k.identity.slice(0, -1), mistype(k.identity), `${k.identity}Q`, k.identity.toLowerCase(), `AGE-SECRET-KEY-PQ-1${'Q'.repeat(58)}`];
    for (const bad of bads) {
      const e = expectCryptoError(() => parseIdentity(bad), 'INVALID_IDENTITY', bad.length > 20 ? [bad, bad.slice(16, 40)] : []);
      expect(e.message).toMatch(/AGE-SECRET-KEY-1…/);
    }
    expect(expectCryptoError(() => parseIdentity(k.recipient), 'INVALID_IDENTITY').message).toMatch(/public recipient/);
    await expect(recipientOf(mistype(k.identity))).rejects.toMatchObject({ code: 'INVALID_IDENTITY' });
    const fileErr = expectCryptoError(() => parseIdentityFile(`# comment\n${k.identity}\n${mistype(k.identity)}\n`), 'INVALID_IDENTITY', [mistype(k.identity)]);
    expect(fileErr.message).toMatch(/Line 3/);
    expectCryptoError(() => parseIdentityFile('# only a comment\n'), 'INVALID_IDENTITY');
  });

  it('lists must be non-empty; duplicates are dropped, order kept', async () => {
    const a = await generateIdentity();
    const b = await generateIdentity();
    expectCryptoError(() => parseRecipients([]), 'INVALID_RECIPIENT');
    expectCryptoError(() => parseIdentities([]), 'INVALID_IDENTITY');
    expect(parseRecipients([b.recipient, a.recipient, b.recipient])).toEqual([b.recipient, a.recipient]);
    expect(parseIdentities([a.identity, a.identity])).toEqual([a.identity]);
    expectCryptoError(() => parseRecipients([a.recipient, 'nope']), 'INVALID_RECIPIENT');
  });
});
