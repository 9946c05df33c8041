import { armor } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { ArmorDecoder, ArmorEncoder } from './armor';
import { CryptoError } from './errors';
import { pattern } from './testing';

/** Feeds `data` to a push/end codec in pieces of the given sizes (cycled). */
function run(codec: { push(b: Buffer): Buffer; end(): Buffer }, data: Buffer, sizes: number[]): Buffer {
  const out: Buffer[] = [];
  let off = 0;
  for (let i = 0; off < data.length; i++) {
    const n = sizes[i % sizes.length] ?? 1;
    out.push(codec.push(data.subarray(off, off + n)));
    off += n;
  }
  out.push(codec.end());
  return Buffer.concat(out);
}

describe('streaming armor', () => {
  it.each([0, 1, 47, 48, 49, 1000, 48 * 64 + 5])('%i bytes: matches typage armor.encode and decodes back, in any split', (n) => {
    const data = pattern(n, n + 3);
    const reference = armor.encode(data);
    for (const sizes of [[n || 1], [1], [7, 48, 100], [4096]]) {
      const text = run(new ArmorEncoder(), data, sizes);
      expect(text.toString('latin1')).toBe(reference);
      expect(run(new ArmorDecoder(), text, sizes).equals(data)).toBe(true);
      expect(Buffer.from(armor.decode(text.toString('latin1'))).equals(data)).toBe(true);
    }
  });

  it.each([
    ['no BEGIN line', (t: string) => t.replace('-----BEGIN AGE ENCRYPTED FILE-----\n', '')],
    ['no END line', (t: string) => t.replace('-----END AGE ENCRYPTED FILE-----\n', '')],
    ['a short line in the middle', (t: string) => t.replace(/\n([A-Za-z0-9+/]{64})\n/, (_m, l: string) => `\n${l.slice(0, 60)}\n${l.slice(60)}\n`)],
    ['a line longer than 64 columns', (t: string) => t.replace(/\n([A-Za-z0-9+/]{64})\n([A-Za-z0-9+/]{4})/, '\n$1$2\n')],
    ['a non-base64 character', (t: string) => t.replace(/\n[A-Za-z0-9+/]/, '\n!')],
    ['data after END', (t: string) => `${t}garbage\n`],
    ['a BEGIN line for something else', (t: string) => t.replace('AGE ENCRYPTED FILE-----\n', 'PGP MESSAGE-----\n')],
  ])('rejects %s with CORRUPT', (_label, damage) => {
    const text = damage(armor.encode(pattern(500, 1)));
    expect(() => run(new ArmorDecoder(), Buffer.from(text, 'latin1'), [37])).toThrow(CryptoError);
    try {
      run(new ArmorDecoder(), Buffer.from(text, 'latin1'), [37]);
    } catch (e) {
      expect((e as CryptoError).code).toBe('CORRUPT');
    }
  });

  it('accepts CRLF and surrounding whitespace', () => {
    const data = pattern(300, 2);
    const text = `\r\n \t${armor.encode(data).replaceAll('\n', '\r\n')}\r\n\n`;
    expect(run(new ArmorDecoder(), Buffer.from(text, 'latin1'), [5]).equals(data)).toBe(true);
  });

  it('does not buffer an endless line', () => {
    const d = new ArmorDecoder();
    expect(() => d.push(Buffer.alloc(5000, 0x41))).toThrow(/line too long/);
  });
});
