/**
 * Hostile folder trees (issue 8): property-based trees of odd names checked against coreutils,
 * 100,000 empty files, 10-level unicode paths, and files that vanish while they are hashed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { HashPool } from './hash-pool';
import { Ingestor } from './ingest';
import { fingerprintFolder } from './fingerprint';
import { coreutilsManifest, coreutilsRoot, tempDir } from '../test-support/fs';

/** Name characters that break naive tools: separators of other systems, escapes, controls, RTL, emoji, combining marks. */
const ODD_CHARS = ['\\', '\n', '\r', '\t', ' ', '-', '.', '*', '?', '"', "'", '$', '`', '|', ':', '%', 'é', 'e\u0301', 'ß', '日', '🎉', '\u202e', 'Z', 'a', '0'];
const segment = fc
  .array(fc.constantFrom(...ODD_CHARS), { minLength: 1, maxLength: 12 })
  .map((cs) => cs.join(''))
  .filter((s) => s !== '.' && s !== '..' && Buffer.byteLength(s) <= 255);
const relPath = fc.array(segment, { minLength: 1, maxLength: 10 }).map((segs) => segs.join('/'));
/** A set of files where no path is also a directory of another. */
const tree = fc.uniqueArray(fc.record({ path: relPath, content: fc.uint8Array({ maxLength: 64 }) }), { selector: (f) => f.path, minLength: 1, maxLength: 12 }).map((files) =>
  files.filter((f) => !files.some((g) => g.path.startsWith(`${f.path}/`))),
);

describe('hostile trees', () => {
  let dir: { path: string; cleanup: () => void };
  let pool: HashPool;
  beforeAll(() => {
    dir = tempDir('ativo-trees-');
    pool = new HashPool(2);
  });
  afterAll(async () => {
    await pool.close();
    dir.cleanup();
  });

  it('any tree of odd names, up to 10 levels deep, has the manifest and root coreutils computes', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(tree, async (files) => {
        const root = join(dir.path, `prop-${run++}`);
        mkdirSync(root);
        for (const f of files) {
          mkdirSync(join(root, f.path, '..'), { recursive: true });
          writeFileSync(join(root, f.path), f.content);
        }
        const fp = await fingerprintFolder(root, pool);
        expect(fp.skipped).toEqual([]);
        expect(fp.files).toHaveLength(files.length);
        expect(Buffer.from(fp.manifest, 'utf8').equals(coreutilsManifest(root))).toBe(true);
        expect(fp.contentRoot).toBe(coreutilsRoot(root));
        rmSync(root, { recursive: true, force: true });
      }),
      { numRuns: 40 },
    );
  });

  it('catalogs 100,000 empty files with the coreutils root', async () => {
    const root = join(dir.path, 'hundred-k');
    for (let d = 0; d < 100; d++) {
      const sub = join(root, `d${String(d).padStart(2, '0')}`);
      mkdirSync(sub, { recursive: true });
      for (let f = 0; f < 1000; f++) writeFileSync(join(sub, `f${f}`), '');
    }
    const catalog = Catalog.open(join(dir.path, 'hundred-k.sqlite'));
    try {
      const ingestor = new Ingestor({ catalog, pool, onProgress: () => undefined, onChanged: () => undefined });
      const a = await ingestor.add(root, { kind: 'dataset' });
      expect(a.state).toBe('ready');
      expect(a.fileCount).toBe(100_000);
      expect(a.totalBytes).toBe(0);
      expect(a.contentRoot).toBe(coreutilsRoot(root));
      // A rescan of an unchanged tree hashes nothing again.
      const before = pool.filesHashed;
      const again = await ingestor.scan(a.id);
      expect(again.contentRoot).toBe(a.contentRoot);
      expect(pool.filesHashed).toBe(before);
    } finally {
      catalog.close();
      rmSync(root, { recursive: true, force: true });
    }
    // Generous: about 15 s on an idle 2-core machine, much longer when it is shared.
  }, 600_000);

  it('catalogs a 10-level unicode path (NFC and NFD spellings are different files)', async () => {
    const root = join(dir.path, 'deep');
    const levels = ['ünï', 'café', '日本', 'данные', 'עברית', 'ελληνικά', '🎉🎉', 'naïve', 'e\u0301', 'last'];
    const deep = join(root, ...levels);
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'caf\u00e9.txt'), 'NFC');
    writeFileSync(join(deep, 'cafe\u0301.txt'), 'NFD');
    const catalog = Catalog.open(join(dir.path, 'deep.sqlite'));
    try {
      const a = await new Ingestor({ catalog, pool, onProgress: () => undefined, onChanged: () => undefined }).add(root, { kind: 'dataset' });
      expect(a.fileCount).toBe(2);
      expect(a.contentRoot).toBe(coreutilsRoot(root));
      const paths = catalog.files.all(a.id).map((f) => f.relPath);
      expect(paths).toContain(`${levels.join('/')}/caf\u00e9.txt`);
      expect(paths).toContain(`${levels.join('/')}/cafe\u0301.txt`);
    } finally {
      catalog.close();
    }
  });

  it('a file deleted between the walk and its hashing is reported as skipped, and the rest is cataloged', async () => {
    const root = join(dir.path, 'vanishing');
    mkdirSync(root);
    for (let i = 0; i < 200; i++) writeFileSync(join(root, `keep-${i}`), `k${i}`);
    writeFileSync(join(root, 'zz-vanishes'), Buffer.alloc(1024, 7));
    const catalog = Catalog.open(join(dir.path, 'vanishing.sqlite'));
    try {
      let removed = false;
      const ingestor = new Ingestor({
        catalog,
        pool,
        onChanged: () => undefined,
        onProgress: (p) => {
          // After the walk listed it, before the hash workers reach it (it sorts last).
          if (!removed && p.phase === 'hashing') {
            removed = true;
            rmSync(join(root, 'zz-vanishes'));
          }
        },
      });
      const a = await ingestor.add(root, { kind: 'dataset' });
      expect(removed).toBe(true);
      expect(a.state).toBe('ready');
      expect(a.fileCount).toBe(200);
      expect(a.contentRoot).toBe(coreutilsRoot(root));
    } finally {
      catalog.close();
    }
  });
});
