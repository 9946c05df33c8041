/**
 * Flat memory on a large file: 512 MiB (sparse, so creating it is instant) encrypted and
 * decrypted through the real file functions, each in its own process, and the ciphertext
 * checked with the age CLI. RSS growth is sampled while streaming and printed; the bound
 * (100 MB) is generous and nothing here depends on timing.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fs';
import { generateIdentity } from './age';
import { encryptedSize } from './stream';
import { requireAgeCli, runAge } from './testing';

const MiB = 1024 * 1024;
const SIZE = 512 * MiB;
const LIMIT_MB = 100;

let dir: ReturnType<typeof tempDir>;
beforeAll(() => {
  requireAgeCli();
  dir = tempDir('ativo-age-memory-');
});
afterAll(() => { dir.cleanup(); });

/**
 * Runs encryptFile/decryptFile in a fresh Node process (so neither the test runner's heap
 * nor the other operation's garbage is counted), sampling process.memoryUsage().rss every
 * 5 ms from a warmed-up baseline. Returns the result and the peak growth in MB.
 */
function measured(op: 'encrypt' | 'decrypt', input: string, output: string, key: string): { bytes: number; sha256: string; growthMB: number; baseMB: number } {
  const files = new URL('./files.ts', import.meta.url).href;
  const script = `
    import { writeFileSync } from 'node:fs';
    import { encryptFile, decryptFile } from ${JSON.stringify(files)};
    import { generateIdentity } from ${JSON.stringify(new URL('./age.ts', import.meta.url).href)};
    const [op, input, output, key] = ${JSON.stringify([op, input, output, key])};
    const warm = await generateIdentity(); // load and exercise every module before the baseline
    writeFileSync(output + '.warm', 'x');
    await encryptFile(output + '.warm', output + '.warm.age', [warm.recipient]);
    await decryptFile(output + '.warm.age', output + '.warm', [warm.identity]);
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
    const r = op === 'encrypt' ? await encryptFile(input, output, [key]) : await decryptFile(input, output, [key]);
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(JSON.stringify({ ...r, growthMB: (peak - base) / 1e6, baseMB: base / 1e6 }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${op} child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { bytes: number; sha256: string; growthMB: number; baseMB: number };
}

function zerosSha256(bytes: number): string {
  const h = createHash('sha256');
  const block = Buffer.alloc(4 * MiB);
  for (let left = bytes; left > 0; left -= block.length) h.update(left >= block.length ? block : block.subarray(0, left));
  return h.digest('hex');
}

describe('large files stream with flat memory', () => {
  it('512 MiB: encrypt and decrypt keep RSS growth under 100 MB; the CLI reads the result', async () => {
    const plain = join(dir.path, 'big.bin');
    const fd = openSync(plain, 'w');
    ftruncateSync(fd, SIZE); // sparse: reads as zeros
    closeSync(fd);
    const k = await generateIdentity();
    const enc = join(dir.path, 'big.bin.age');

    const e = measured('encrypt', plain, enc, k.recipient);
    expect(e.bytes).toBe(encryptedSize(SIZE));
    expect(statSync(enc).size).toBe(encryptedSize(SIZE));

    const out = join(dir.path, 'big.out');
    const d = measured('decrypt', enc, out, k.identity);
    expect({ bytes: d.bytes, sha256: d.sha256 }).toEqual({ bytes: SIZE, sha256: zerosSha256(SIZE) });

    console.log(
      `[crypto memory] 512 MiB: encryptFile RSS +${e.growthMB.toFixed(1)} MB (from ${e.baseMB.toFixed(0)} MB), ` +
        `decryptFile RSS +${d.growthMB.toFixed(1)} MB (from ${d.baseMB.toFixed(0)} MB); limit ${LIMIT_MB} MB`,
    );
    expect(e.growthMB).toBeLessThan(LIMIT_MB);
    expect(d.growthMB).toBeLessThan(LIMIT_MB);

    // Interop at scale: the Go implementation authenticates every chunk of our 512 MiB file.
    const keyFile = join(dir.path, 'k.txt');
    writeFileSync(keyFile, `${k.identity}\n`, { mode: 0o600 });
    runAge(['-d', '-i', keyFile, '-o', '/dev/null', enc]);
  });
});
