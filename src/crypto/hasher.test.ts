/**
 * Large files (≥ 16 MiB) are hashed on the shared hashing thread while the main thread encrypts
 * (reused shared output buffers, see hasher.ts):
 * the sha256 that encryptFile / decryptFile return must be the hash of the bytes on disk, for
 * sizes on and off the 64 KiB chunk grid, for concurrent jobs, and a damaged large file must still
 * fail with no output. The `age` CLI is the reference on both sides. A process whose hashing
 * thread is idle must exit on its own.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fs';
import { generateIdentity, type AgeKeyPair } from './age';
import { CryptoError } from './errors';
import { decryptFile, encryptFile } from './files';
import { createHashedOutput, OFF_THREAD_MIN } from './hasher';
import { CHUNK_SIZE, encryptedSize } from './stream';
import { rejectionOf, requireAgeCli, runAge, sha256Hex, writePatternFile } from './testing';

let dir: ReturnType<typeof tempDir>;
let ours: AgeKeyPair;
let keyFile: string;
let n = 0;
const path = (name: string): string => join(dir.path, `${n++}-${name}`);
const fileSha = (p: string): string => sha256Hex(readFileSync(p));

beforeAll(async () => {
  requireAgeCli();
  dir = tempDir('ativo-age-hasher-');
  ours = await generateIdentity();
  keyFile = join(dir.path, 'ours.key');
  writeFileSync(keyFile, `${ours.identity}\n`, { mode: 0o600 });
});
afterAll(() => { dir.cleanup(); });

describe('hashing on its own thread', () => {
  it.each([
    ['on the hashing thread', OFF_THREAD_MIN],
    ['inline', 1000],
  ])('%s: what is written and hashed is every piece in order, across buffer boundaries', async (_label, expected) => {
    const out = createHashedOutput(expected, 100_000);
    const ref = createHash('sha256');
    const written: Buffer[] = [];
    const write = (b: Buffer): void => { written.push(Buffer.from(b)); };
    for (let i = 0; i < 40; i++) {
      const pieces = [Buffer.alloc(CHUNK_SIZE, i), Buffer.from([i, i + 1, i + 2]), Buffer.alloc(250_000, 255 - i), Buffer.alloc(0)];
      for (const p of pieces) ref.update(p);
      await out.put(pieces, write);
    }
    const all = Buffer.concat(written);
    expect(written.every((b) => b.length <= 100_000)).toBe(true);
    expect(all.length).toBe(40 * (CHUNK_SIZE + 3 + 250_000));
    const want = ref.digest('hex');
    expect(sha256Hex(all)).toBe(want);
    expect(await out.digest()).toBe(want);
  });

  it.each([OFF_THREAD_MIN, OFF_THREAD_MIN + 3 * CHUNK_SIZE + 7])('%i bytes: both sha256 are those of the files on disk; the CLI agrees both ways', async (size) => {
    const plain = path('plain.bin');
    writePatternFile(plain, size, size % 251);
    const enc = path('plain.age');
    const e = await encryptFile(plain, enc, [ours.recipient]);
    expect(e.bytes).toBe(encryptedSize(size));
    expect(e.sha256).toBe(fileSha(enc));
    const viaCli = path('cli.bin');
    runAge(['-d', '-i', keyFile, '-o', viaCli, enc]);
    expect(fileSha(viaCli)).toBe(fileSha(plain));

    const cliEnc = path('cli.age');
    runAge(['-r', ours.recipient, '-o', cliEnc, plain]);
    const out = path('out.bin');
    const d = await decryptFile(cliEnc, out, [ours.identity]);
    expect(d.bytes).toBe(size);
    expect(d.sha256).toBe(fileSha(plain));
  });

  it('three large files at once each get their own, right hash', async () => {
    const jobs = [0, 1, 2].map((i) => {
      const plain = path(`p${i}.bin`);
      writePatternFile(plain, OFF_THREAD_MIN + i * 100_003, 40 + i);
      return { plain, enc: path(`p${i}.age`) };
    });
    const results = await Promise.all(jobs.map((j) => encryptFile(j.plain, j.enc, [ours.recipient])));
    results.forEach((r, i) => { expect(r.sha256).toBe(fileSha((jobs[i] as { enc: string }).enc)); });
  });

  it('a large file damaged in its middle fails CORRUPT with no output, and the next job still hashes right', async () => {
    const plain = path('big.bin');
    writePatternFile(plain, OFF_THREAD_MIN + 12_345, 9);
    const enc = path('big.age');
    await encryptFile(plain, enc, [ours.recipient]);
    const bad = readFileSync(enc);
    const at = Math.floor(bad.length / 2);
    bad[at] = (bad[at] ?? 0) ^ 1;
    const badPath = path('bad.age');
    writeFileSync(badPath, bad);
    const out = path('out.bin');
    const err = await rejectionOf(decryptFile(badPath, out, [ours.identity]));
    expect(err).toBeInstanceOf(CryptoError);
    expect((err as CryptoError).code).toBe('CORRUPT');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir.path).filter((f) => f.endsWith('.partial'))).toEqual([]);
    const ok = await decryptFile(enc, out, [ours.identity]);
    expect(ok.sha256).toBe(fileSha(plain));
  });

  it('a process that used the hashing thread exits by itself once done', () => {
    const plain = path('exit.bin');
    writePatternFile(plain, OFF_THREAD_MIN + 1, 3);
    const files = new URL('./files.ts', import.meta.url).href;
    const script = `
      import { encryptFile } from ${JSON.stringify(files)};
      const r = await encryptFile(${JSON.stringify(plain)}, ${JSON.stringify(`${plain}.age`)}, [${JSON.stringify(ours.recipient)}]);
      console.log(r.sha256);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(fileSha(`${plain}.age`));
  });
});
