import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HashPool, makeBatches, type HashResult } from './hash-pool';
import { tempDir } from '../test-support/fs';

describe('hash pool', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    cleanups.splice(0).forEach((c) => { c(); });
  });

  it('batches small files together and sends big ones alone, biggest first', () => {
    const files = [
      ...Array.from({ length: 130 }, (_, i) => ({ path: `s${i}`, size: 10 })),
      { path: 'big', size: 100 * 1024 * 1024 },
    ];
    const batches = makeBatches(files);
    expect(batches[0]).toEqual([{ path: 'big', size: 100 * 1024 * 1024 }]);
    expect(batches.flat()).toHaveLength(131);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(64);
  });

  it('hashes in worker threads and reports per-file errors without failing the batch', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const content = Buffer.alloc(9 * 1024 * 1024 + 3, 7); // more than one read buffer
    writeFileSync(join(dir.path, 'a.bin'), content);
    mkdirSync(join(dir.path, 'adir'));
    const pool = new HashPool(2);
    const got = new Map<string, HashResult>();
    let progressBytes = 0;
    try {
      await pool.hash(
        [
          { path: join(dir.path, 'a.bin'), size: content.length },
          { path: join(dir.path, 'missing'), size: 1 },
          { path: join(dir.path, 'adir'), size: 0 },
        ],
        {
          onResults: (files, results) => {
            files.forEach((f, i) => got.set(f.path, results[i]!));
          },
          onProgress: (b) => (progressBytes += b),
        },
      );
    } finally {
      await pool.close();
    }
    expect(got.get(join(dir.path, 'a.bin'))).toMatchObject({ sha256: createHash('sha256').update(content).digest('hex'), size: content.length, changed: false });
    expect(got.get(join(dir.path, 'missing'))).toMatchObject({ error: { code: 'ENOENT' } });
    expect(got.get(join(dir.path, 'adir'))).toMatchObject({ error: { code: expect.stringMatching(/EISDIR|NOT_A_FILE/) as unknown } });
    expect(progressBytes).toBe(content.length);
    expect(pool.filesHashed).toBe(3);
  });

  it('works when the parent runs as an ES module from --input-type=module (workers do not inherit it)', () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    writeFileSync(join(dir.path, 'x'), 'abc');
    const script = `
      import { HashPool } from ${JSON.stringify(new URL('./hash-pool.ts', import.meta.url).pathname)};
      const pool = new HashPool(1);
      await pool.hash([{ path: ${JSON.stringify(join(dir.path, 'x'))}, size: 3 }], { onResults: (_f, r) => console.log(r[0].sha256) });
      await pool.close();`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(createHash('sha256').update('abc').digest('hex'));
  });
});
