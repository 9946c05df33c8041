/**
 * Encryption benchmark (issue 4): Ativo's streaming age encryption of a generated 512 MiB
 * file vs the reference Go `age` CLI on the same file, in the same run, warm page cache for
 * both, alternating runs, medians. Prints ratios and RSS; never asserts.
 *
 * Ativo's encryptFile also hashes its output (sha256) and fsyncs before renaming; the CLI
 * does neither, so the file-to-file line is the app's real cost, and the /dev/null lines
 * compare the cryptographic pipeline alone. Decryption is compared file to file (both write
 * the plaintext to disk) and stream to /dev/null.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Encrypter } from 'age-encryption';
import { tempDir } from '../test-support/fs';
import { generateIdentity } from './age';
import { decryptFile, encryptFile } from './files';
import { createDecryptStream, createEncryptStream } from './stream';
import { requireAgeCli, writePatternFile } from './testing';

const MiB = 1024 * 1024;
const SIZE = 512 * MiB;
const RUNS = 5;

async function timed(fn: () => Promise<void> | void): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * Baseline and ours alternate RUNS times (the machine is shared: load changes within seconds);
 * the ratio is the median of the per-pair ratios, the times are medians.
 */
async function paired(base: () => Promise<void> | void, ours: () => Promise<void> | void): Promise<{ base: number; ours: number; ratio: number; spread: string }> {
  const b: number[] = [];
  const o: number[] = [];
  const r: number[] = [];
  await ours(); // warm-up (JIT, the hashing thread)
  for (let i = 0; i < RUNS; i++) {
    const tb = await timed(base);
    const to = await timed(ours);
    b.push(tb);
    o.push(to);
    r.push(to / tb);
  }
  return { base: median(b), ours: median(o), ratio: median(r), spread: `${Math.min(...r).toFixed(2)}-${Math.max(...r).toFixed(2)}` };
}

function age(args: string[]): void {
  const r = spawnSync('age', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`age ${args.join(' ')} failed: ${r.stderr.toString()}`);
}

const drain = async (source: AsyncIterable<unknown>): Promise<void> => {
  for await (const _ of source) {
    // discard
  }
};

const mbps = (bytes: number, s: number): string => `${(bytes / MiB / s).toFixed(0)} MiB/s`;
const line = (what: string, p: { base: number; ours: number; ratio: number; spread: string }, baseName: string, target?: number): string =>
  `${what}: ativo ${p.ours.toFixed(2)} s (${mbps(SIZE, p.ours)}), ${baseName} ${p.base.toFixed(2)} s (${mbps(SIZE, p.base)}); ratio ${p.ratio.toFixed(2)}x (runs ${p.spread})` +
  (target === undefined ? '' : ` target <= ${target}x ${p.ratio <= target ? 'OK' : 'OVER TARGET'}`);

export async function benchEncryption(): Promise<string[]> {
  const version = requireAgeCli();
  const dir = tempDir('ativo-bench-crypto-');
  try {
    const plain = join(dir.path, 'asset.bin');
    writePatternFile(plain, SIZE, 11);
    spawnSync('cat', [plain], { stdio: 'ignore' }); // warm the page cache for both contenders
    const k = await generateIdentity();
    const keyFile = join(dir.path, 'key.txt');
    writeFileSync(keyFile, `${k.identity}\n`, { mode: 0o600 });
    const oursOut = join(dir.path, 'ours.age');
    const cliOut = join(dir.path, 'cli.age');
    const oursDecOut = join(dir.path, 'ours.out');
    const cliDecOut = join(dir.path, 'cli.out');

    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);

    const enc = await paired(
      () => {
        rmSync(cliOut, { force: true });
        age(['-r', k.recipient, '-o', cliOut, plain]);
      },
      async () => {
        await encryptFile(plain, oursOut, [k.recipient]);
      },
    );
    const encNoSync = await paired(
      () => {
        rmSync(cliOut, { force: true });
        age(['-r', k.recipient, '-o', cliOut, plain]);
      },
      async () => {
        await encryptFile(plain, oursOut, [k.recipient], { fsync: false });
      },
    );
    const encNull = await paired(
      () => {
        age(['-r', k.recipient, '-o', '/dev/null', plain]);
      },
      async () => {
        await pipeline(createReadStream(plain, { highWaterMark: MiB }), createEncryptStream([k.recipient]), drain);
      },
    );
    const dec = await paired(
      () => {
        rmSync(cliDecOut, { force: true });
        age(['-d', '-i', keyFile, '-o', cliDecOut, cliOut]);
      },
      async () => {
        await decryptFile(oursOut, oursDecOut, [k.identity], { fsync: false });
      },
    );
    const decNull = await paired(
      () => {
        age(['-d', '-i', keyFile, '-o', '/dev/null', cliOut]);
      },
      async () => {
        await pipeline(createReadStream(oursOut, { highWaterMark: MiB }), createDecryptStream([k.identity]), drain);
      },
    );
    clearInterval(timer);
    const growth = (Math.max(peak, process.memoryUsage().rss) - rss0) / 1e6;

    // typage's own pure-JS stream, on 64 MiB (the reason the payload runs on node:crypto).
    const typageBytes = 64 * MiB;
    const typage = await timed(async () => {
      const e = new Encrypter();
      e.addRecipient(k.recipient);
      const src = Readable.toWeb(createReadStream(plain, { start: 0, end: typageBytes - 1, highWaterMark: MiB })) as unknown as ReadableStream<Uint8Array>;
      await drain(Readable.fromWeb(await e.encrypt(src)));
    });

    return [
      `age CLI ${version}; 512 MiB file, warm cache; ${RUNS} runs each, baseline and ativo alternating; medians`,
      line('encrypt file->file (ativo with sha256 + fsync)', enc, 'age -o file', 1.5),
      line('encrypt file->file without fsync', encNoSync, 'age -o file'),
      line('encrypt stream->/dev/null (no hashing)', encNull, 'age -o /dev/null'),
      line('decrypt file->file (ativo with sha256, no fsync)', dec, 'age -d -o file', 1.5),
      line('decrypt stream->/dev/null (no hashing)', decNull, 'age -d -o /dev/null'),
      `typage pure-JS stream (64 MiB): ${mbps(typageBytes, typage)} vs ativo ${mbps(SIZE, encNull.ours)}`,
      `RSS growth during the runs: ${growth.toFixed(0)} MB (limit 100 MB)`,
    ];
  } finally {
    dir.cleanup();
  }
}
