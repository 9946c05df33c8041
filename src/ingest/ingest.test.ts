import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { HashPool } from './hash-pool';
import { Ingestor, type ScanProgress } from './ingest';
import { coreutilsManifest, coreutilsRoot, ODD_NAMES, tempDir, writeTree } from '../test-support/fs';
import { AtivoError } from '../util/errors';

describe('ingest', () => {
  let dir: { path: string; cleanup: () => void };
  let catalog: Catalog;
  let pool: HashPool;
  let ingestor: Ingestor;
  let progress: ScanProgress[];
  let changed: number[];
  let folder: string;

  beforeEach(() => {
    dir = tempDir();
    folder = join(dir.path, 'my dataset');
    mkdirSync(folder);
    catalog = Catalog.open(join(dir.path, 'data', 'catalog.sqlite'));
    pool = new HashPool(2);
    progress = [];
    changed = [];
    ingestor = new Ingestor({ catalog, pool, onProgress: (p) => progress.push(p), onChanged: (id) => changed.push(id) });
  });
  afterEach(async () => {
    await pool.close();
    catalog.close();
    dir.cleanup();
  });

  it('catalogs odd names with the same manifest and root as coreutils, and reports progress', async () => {
    writeTree(folder, ODD_NAMES);
    const a = await ingestor.add(folder, { kind: 'dataset' });
    expect(a.state).toBe('ready');
    expect(a.name).toBe('my dataset');
    expect(a.fileCount).toBe(Object.keys(ODD_NAMES).length);
    expect(a.totalBytes).toBe(Object.values(ODD_NAMES).reduce((s, c) => s + Buffer.byteLength(c), 0));
    expect(a.contentRoot).toBe(coreutilsRoot(folder));
    expect(Buffer.from(catalog.assets.manifest(a.id)?.manifest ?? '', 'utf8').equals(coreutilsManifest(folder))).toBe(true);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', filesDone: a.fileCount, filesTotal: a.fileCount });
    expect(progress.some((p) => p.phase === 'hashing')).toBe(true);
    expect(changed).toContain(a.id);
  });

  it('skips and reports symlinks (never followed), symlink loops, FIFOs and sockets', async () => {
    writeTree(folder, { 'real.txt': 'data', 'sub/inner.txt': 'inner' });
    symlinkSync(join(folder, 'real.txt'), join(folder, 'link.txt'));
    symlinkSync('/etc', join(folder, 'outside'));
    symlinkSync('loop-b', join(folder, 'loop-a'));
    symlinkSync('loop-a', join(folder, 'loop-b'));
    symlinkSync(folder, join(folder, 'sub', 'parent-loop'));
    execFileSync('mkfifo', [join(folder, 'pipe')]);
    const sock = createServer();
    await new Promise<void>((ok) => sock.listen(join(folder, 'sock'), ok));
    try {
      const a = await ingestor.add(folder, { kind: 'dataset' });
      expect(a.fileCount).toBe(2);
      const reasons = Object.fromEntries(a.skipped.map((s) => [s.relPath, s.reason]));
      expect(reasons).toMatchObject({
        'link.txt': expect.stringMatching(/symbolic link/) as unknown,
        outside: expect.stringMatching(/symbolic link/) as unknown,
        'loop-a': expect.stringMatching(/symbolic link/) as unknown,
        'sub/parent-loop': expect.stringMatching(/symbolic link/) as unknown,
        pipe: expect.stringMatching(/named pipe/) as unknown,
        sock: expect.stringMatching(/socket/) as unknown,
      });
      expect(a.contentRoot).toBe(coreutilsRoot(folder));
    } finally {
      await new Promise((ok) => sock.close(ok));
    }
  });

  it('rescans only new or changed files (size+mtime), and drops deleted ones', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`f${i}.txt`] = `file ${i}`;
    writeTree(folder, files);
    const first = await ingestor.add(folder, { kind: 'dataset' });
    expect(pool.filesHashed).toBe(50);

    const second = await ingestor.scan(first.id);
    expect(pool.filesHashed).toBe(50); // nothing changed: nothing hashed
    expect(second.contentRoot).toBe(first.contentRoot);

    writeFileSync(join(folder, 'f1.txt'), 'changed content'); // size changes
    writeFileSync(join(folder, 'f2.txt'), 'FILE 2'); // same size…
    utimesSync(join(folder, 'f2.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1)); // …but another mtime
    rmSync(join(folder, 'f3.txt'));
    writeFileSync(join(folder, 'new.txt'), 'new');
    const third = await ingestor.add(folder, { kind: 'dataset' }); // re-adding = rescanning
    expect(third.id).toBe(first.id);
    expect(pool.filesHashed).toBe(53);
    expect(third.fileCount).toBe(50);
    expect(third.contentRoot).toBe(coreutilsRoot(folder));
    expect(catalog.assets.list({ offset: 0, limit: 10 }).total).toBe(1);
  });

  it('re-reads a file that changes while it is hashed, and records its final bytes', async () => {
    const big = join(folder, 'growing.bin');
    writeFileSync(big, Buffer.alloc(192 * 1024 * 1024, 1));
    let appended = false;
    const grower = new Ingestor({
      catalog,
      pool,
      onChanged: () => undefined,
      onProgress: (p) => {
        if (!appended && p.phase === 'hashing' && p.bytesDone > 0) {
          appended = true;
          appendFileSync(big, 'more bytes at the end');
        }
      },
    });
    const a = await grower.add(folder, { kind: 'dataset' });
    expect(appended).toBe(true);
    expect(a.totalBytes).toBe(192 * 1024 * 1024 + 'more bytes at the end'.length);
    expect(a.contentRoot).toBe(coreutilsRoot(folder));
    expect(pool.filesHashed).toBe(2);
  });

  it('a folder deleted mid-scan gives FOLDER_GONE and keeps the catalog consistent', async () => {
    writeTree(folder, { 'a.txt': 'a' });
    const first = await ingestor.add(folder, { kind: 'dataset' });
    for (let i = 0; i < 40; i++) writeFileSync(join(folder, `big${i}.bin`), Buffer.alloc(4 * 1024 * 1024, i));
    let removed = false;
    const deleter = new Ingestor({
      catalog,
      pool,
      onChanged: () => undefined,
      onProgress: (p) => {
        if (!removed && p.phase === 'hashing') {
          removed = true;
          rmSync(folder, { recursive: true, force: true });
        }
      },
    });
    const err = await deleter.scan(first.id).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AtivoError);
    expect((err as AtivoError).code).toBe('FOLDER_GONE');
    expect((err as AtivoError).message).toMatch(/removed or moved while Ativo was reading it/);
    const after = catalog.assets.get(first.id);
    expect(after?.state).toBe('error');
    expect(after?.error).toMatch(/removed or moved/);
    expect(after?.contentRoot).toBe(first.contentRoot); // the last complete scan stays
    expect(catalog.integrityCheck()).toBe('ok');
    expect(existsSync(folder)).toBe(false);
  });

  it('refuses a missing path, a file, and names the problem', async () => {
    await expect(ingestor.add(join(dir.path, 'nope'), { kind: 'dataset' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/There is no folder at/) as unknown });
    writeFileSync(join(dir.path, 'file.txt'), 'x');
    await expect(ingestor.add(join(dir.path, 'file.txt'), { kind: 'model' })).rejects.toMatchObject({ code: 'NOT_A_DIRECTORY' });
    expect(catalog.assets.list({ offset: 0, limit: 10 }).total).toBe(0);
  });

  it('shares one scan between concurrent requests for the same asset', async () => {
    writeTree(folder, { 'a.txt': 'a', 'b.txt': 'b' });
    const first = await ingestor.add(folder, { kind: 'dataset' });
    writeFileSync(join(folder, 'c.txt'), 'c');
    const [x, y] = await Promise.all([ingestor.scan(first.id), ingestor.scan(first.id)]);
    expect(x).toEqual(y);
    expect(pool.filesHashed).toBe(3);
  });

  it('an empty folder is cataloged with the root of the empty manifest', async () => {
    const a = await ingestor.add(folder, { kind: 'model', name: 'Empty' });
    expect(a).toMatchObject({ fileCount: 0, kind: 'model', name: 'Empty', contentRoot: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    expect(a.contentRoot).toBe(coreutilsRoot(folder));
  });
});
