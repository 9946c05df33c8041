/**
 * encryptFile / decryptFile progress (onBytes) and cancellation (signal), with real files and
 * Debian's `age` CLI as the reference decrypter.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fs';
import { generateIdentity } from './age';
import type { AgeKeyPair } from './age';
import { decryptFile, encryptFile } from './files';
import { pattern, rejectionOf, requireAgeCli, runAge, sha256Hex, writePatternFile } from './testing';

const MiB = 1024 * 1024;

let dir: ReturnType<typeof tempDir>;
let ours: AgeKeyPair;
let keyFile: string;
let n = 0;
const path = (name: string): string => join(dir.path, `${n++}-${name}`);
const partials = (): string[] => readdirSync(dir.path).filter((f) => f.endsWith('.partial'));

beforeAll(async () => {
  requireAgeCli();
  dir = tempDir('ativo-age-files-');
  ours = await generateIdentity();
  keyFile = join(dir.path, 'ours.key');
  writeFileSync(keyFile, `${ours.identity}\n`, { mode: 0o600 });
});
afterAll(() => { dir.cleanup(); });

describe('onBytes', () => {
  it('encryptFile reports the plaintext read so far, once per 1 MiB block, up to the size; `age -d` still reads the output', async () => {
    const size = 5 * MiB + 12_345;
    const data = pattern(size, 7);
    const plain = path('plain.bin');
    writeFileSync(plain, data);
    const enc = path('plain.age');
    const seen: number[] = [];
    const r = await encryptFile(plain, enc, [ours.recipient], { onBytes: (b) => seen.push(b) });
    expect(seen).toEqual([1, 2, 3, 4, 5].map((i) => i * MiB).concat(size));
    expect(r.sha256).toBe(sha256Hex(readFileSync(enc)));
    expect(runAge(['-d', '-i', keyFile, enc]).equals(data)).toBe(true);
  });

  it('armored output reports the same plaintext counts', async () => {
    const size = 2 * MiB + 1;
    const data = pattern(size, 8);
    const plain = path('plain.bin');
    writeFileSync(plain, data);
    const enc = path('plain.age.txt');
    const seen: number[] = [];
    await encryptFile(plain, enc, [ours.recipient], { armor: true, onBytes: (b) => seen.push(b) });
    expect(seen).toEqual([MiB, 2 * MiB, size]);
    expect(runAge(['-d', '-i', keyFile, enc]).equals(data)).toBe(true);
  });

  it('decryptFile reports the ciphertext read so far, up to its size', async () => {
    const size = 3 * MiB + 5;
    const data = pattern(size, 9);
    const enc = path('cli.age');
    writeFileSync(enc, runAge(['-r', ours.recipient], data));
    const encSize = statSync(enc).size;
    const out = path('out.bin');
    const seen: number[] = [];
    const r = await decryptFile(enc, out, [ours.identity], { onBytes: (b) => seen.push(b) });
    expect(r.sha256).toBe(sha256Hex(data));
    expect(seen.length).toBe(Math.ceil(encSize / MiB));
    expect(seen.at(-1)).toBe(encSize);
    expect(seen.every((b, i) => i === 0 || b > (seen[i - 1] ?? 0))).toBe(true);
  });

  it('an empty file: no report, a valid empty age file', async () => {
    const plain = path('empty.bin');
    writeFileSync(plain, '');
    const enc = path('empty.age');
    const seen: number[] = [];
    await encryptFile(plain, enc, [ours.recipient], { onBytes: (b) => seen.push(b) });
    expect(seen).toEqual([]);
    expect(runAge(['-d', '-i', keyFile, enc]).length).toBe(0);
  });
});

describe('signal', () => {
  it('aborting mid-way rejects with the AbortError, removes the partial output and leaves an existing output untouched', async () => {
    const plain = path('big.bin');
    writePatternFile(plain, 16 * MiB, 3);
    const enc = path('big.age');
    writeFileSync(enc, 'the previous version');
    const ac = new AbortController();
    const seen: number[] = [];
    const err = await rejectionOf(
      encryptFile(plain, enc, [ours.recipient], {
        signal: ac.signal,
        onBytes: (b) => {
          seen.push(b);
          if (b >= 3 * MiB) ac.abort();
        },
      }),
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('AbortError');
    expect(err).toBe(ac.signal.reason);
    expect(seen.at(-1)).toBe(3 * MiB); // stopped at the next block
    expect(readFileSync(enc, 'utf8')).toBe('the previous version');
    expect(partials()).toEqual([]);
  });

  it('rejects with the signal’s own reason, and decryptFile stops the same way', async () => {
    const data = pattern(4 * MiB, 4);
    const enc = path('four.age');
    writeFileSync(enc, runAge(['-r', ours.recipient], data));
    const out = path('four.bin');
    const ac = new AbortController();
    const reason = new Error('paused by the user');
    const err = await rejectionOf(
      decryptFile(enc, out, [ours.identity], {
        signal: ac.signal,
        onBytes: () => {
          ac.abort(reason);
        },
      }),
    );
    expect(err).toBe(reason);
    expect(existsSync(out)).toBe(false);
    expect(partials()).toEqual([]);
  });

  it('an already aborted signal: nothing is read or created', async () => {
    const plain = path('small.bin');
    writeFileSync(plain, pattern(1000, 5));
    const enc = path('small.age');
    const seen: number[] = [];
    const err = await rejectionOf(encryptFile(plain, enc, [ours.recipient], { signal: AbortSignal.abort(), onBytes: (b) => seen.push(b) }));
    expect((err as Error).name).toBe('AbortError');
    expect(seen).toEqual([]);
    expect(existsSync(enc)).toBe(false);
    expect(partials()).toEqual([]);
  });

  it('a signal that is never aborted changes nothing', async () => {
    const data = pattern(MiB + 3, 6);
    const plain = path('ok.bin');
    writeFileSync(plain, data);
    const enc = path('ok.age');
    await encryptFile(plain, enc, [ours.recipient], { signal: new AbortController().signal });
    expect(runAge(['-d', '-i', keyFile, enc]).equals(data)).toBe(true);
  });
});
