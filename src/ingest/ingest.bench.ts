/**
 * Ingest benchmark (issue 2): a generated tree (2,000 files totalling 1 GiB, plus one 1 GiB
 * file) fingerprinted by Ativo vs GNU sha256sum over the same files, in the same run, with a
 * warm page cache for both. Prints ratios and peak RSS; never asserts (targets live here, not in tests).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test-support/fs';

const MiB = 1024 * 1024;

function writeFile(path: string, bytes: number, seed: number): void {
  const block = Buffer.alloc(4 * MiB);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  const fd = openSync(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
  } finally {
    closeSync(fd);
  }
}

const seconds = (fn: () => void): number => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
};

/** Runs the real backend in a child process; returns its add time and peak RSS. */
function ativoIngest(folder: string, dataDir: string): { seconds: number; maxRssMiB: number } {
  const script = `
    import { createBackend } from './src/api/backend.ts';
    const b = await createBackend({ dataDir: ${JSON.stringify(dataDir)} });
    const t = process.hrtime.bigint();
    const a = await b.call('assets.add', { path: ${JSON.stringify(folder)}, kind: 'dataset' });
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    await b.close();
    console.log(JSON.stringify({ seconds: s, maxRssMiB: process.resourceUsage().maxRSS / 1024, files: a.fileCount }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`ingest failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { seconds: number; maxRssMiB: number };
}

const sha256sum = (folder: string, parallel: number): number =>
  seconds(() => {
    execFileSync('sh', ['-c', `find . -type f -print0 | xargs -0 -P ${parallel} -n 64 sha256sum -- > /dev/null`], { cwd: folder });
  });

export function benchIngest(): string[] {
  const dir = tempDir('ativo-bench-');
  try {
    const many = join(dir.path, 'many');
    const big = join(dir.path, 'big');
    mkdirSync(many);
    mkdirSync(big);
    for (let i = 0; i < 2000; i++) writeFile(join(many, `f${String(i).padStart(4, '0')}.bin`), Math.floor((1024 * MiB) / 2000), i);
    writeFile(join(big, 'model.bin'), 1024 * MiB, 7);
    const lines: string[] = [];
    for (const [label, folder] of [['2,000 files, 1 GiB', many], ['one 1 GiB file', big]] as const) {
      execFileSync('sh', ['-c', 'cat ./* > /dev/null'], { cwd: folder }); // warm the page cache for both contenders
      const base = sha256sum(folder, 1);
      const base2 = sha256sum(folder, 2);
      const ours = ativoIngest(folder, join(dir.path, `data-${label.length}`));
      lines.push(
        `ingest ${label}: ativo ${ours.seconds.toFixed(2)} s, sha256sum ${base.toFixed(2)} s, ` +
          `ratio ${(ours.seconds / base).toFixed(2)}x (goal <= 1.0x, limit 1.2x); vs sha256sum on 2 cores ${(ours.seconds / base2).toFixed(2)}x; ` +
          `peak RSS ${ours.maxRssMiB.toFixed(0)} MiB (limit 300 MiB)`,
      );
    }
    return lines;
  } finally {
    dir.cleanup();
  }
}
