/**
 * Encryption benchmark (issue 4): Ativo's streaming age encryption of a generated 512 MiB
 * file vs the reference Go `age` CLI on the same file, in the same run, warm page cache for
 * both, best of 3 each. Prints ratios and RSS; never asserts.
 *
 * Ativo's encryptFile also hashes its output (sha256) and fsyncs before renaming; the CLI
 * does neither, so the file-to-file line is the app's real cost, and the /dev/null line
 * compares the cryptographic pipeline alone.
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
import { createEncryptStream } from './stream';
import { requireAgeCli, writePatternFile } from './testing';

const MiB = 1024 * 1024;
const SIZE = 512 * MiB;
const RUNS = 3;

async function best(fn: () => Promise<void> | void): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    await fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return min;
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
const ratio = (ours: number, base: number): string => `${(ours / base).toFixed(2)}x`;

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

    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);

    const cliFile = await best(() => {
      rmSync(cliOut, { force: true });
      age(['-r', k.recipient, '-o', cliOut, plain]);
    });
    const oursFile = await best(async () => {
      await encryptFile(plain, oursOut, [k.recipient]);
    });
    const oursNoSync = await best(async () => {
      await encryptFile(plain, oursOut, [k.recipient], { fsync: false });
    });
    const cliNull = await best(() => {
      age(['-r', k.recipient, '-o', '/dev/null', plain]);
    });
    const oursNull = await best(async () => {
      await pipeline(createReadStream(plain, { highWaterMark: MiB }), createEncryptStream([k.recipient]), drain);
    });
    const cliDec = await best(() => {
      age(['-d', '-i', keyFile, '-o', '/dev/null', cliOut]);
    });
    const oursDec = await best(async () => {
      await decryptFile(oursOut, join(dir.path, 'ours.out'), [k.identity], { fsync: false });
      rmSync(join(dir.path, 'ours.out'));
    });
    clearInterval(timer);
    const growth = (Math.max(peak, process.memoryUsage().rss) - rss0) / 1e6;

    // typage's own pure-JS stream, on 64 MiB (the reason the payload runs on node:crypto).
    const typageBytes = 64 * MiB;
    const typage = await best(async () => {
      const e = new Encrypter();
      e.addRecipient(k.recipient);
      const src = Readable.toWeb(createReadStream(plain, { start: 0, end: typageBytes - 1, highWaterMark: MiB })) as unknown as ReadableStream<Uint8Array>;
      await drain(Readable.fromWeb(await e.encrypt(src)));
    });

    return [
      `age CLI ${version}; 512 MiB file, warm cache, best of ${RUNS}`,
      `encrypt file->file: ativo ${oursFile.toFixed(2)} s (${mbps(SIZE, oursFile)}, with sha256 + fsync), age ${cliFile.toFixed(2)} s (${mbps(SIZE, cliFile)}), ratio ${ratio(oursFile, cliFile)}`,
      `encrypt file->file without fsync: ativo ${oursNoSync.toFixed(2)} s, ratio ${ratio(oursNoSync, cliFile)}`,
      `encrypt stream->/dev/null (no hashing): ativo ${oursNull.toFixed(2)} s (${mbps(SIZE, oursNull)}), age ${cliNull.toFixed(2)} s (${mbps(SIZE, cliNull)}), ratio ${ratio(oursNull, cliNull)}`,
      `decrypt: ativo decryptFile ${oursDec.toFixed(2)} s (with sha256, no fsync), age -d >/dev/null ${cliDec.toFixed(2)} s, ratio ${ratio(oursDec, cliDec)}`,
      `typage pure-JS stream (64 MiB): ${mbps(typageBytes, typage)} vs ativo ${mbps(SIZE, oursNull)}`,
      `RSS growth during the runs: ${growth.toFixed(0)} MB (limit 100 MB)`,
    ];
  } finally {
    dir.cleanup();
  }
}
