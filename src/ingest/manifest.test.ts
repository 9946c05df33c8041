import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildManifest, compareUtf8, contentRoot, manifestLine } from './manifest';
import { coreutilsManifest, coreutilsRoot, ODD_NAMES, tempDir, writeTree } from '../test-support/fs';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('manifest', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    cleanups.splice(0).forEach((c) => { c(); });
  });

  it('escapes backslash, newline and carriage return like sha256sum', () => {
    const h = 'a'.repeat(64);
    expect(manifestLine(h, 'plain')).toBe(`${h}  plain\n`);
    expect(manifestLine(h, 'a\\b')).toBe(`\\${h}  a\\\\b\n`);
    expect(manifestLine(h, 'a\nb')).toBe(`\\${h}  a\\nb\n`);
    expect(manifestLine(h, 'a\rb')).toBe(`\\${h}  a\\rb\n`);
  });

  it('sorts by UTF-8 bytes (LC_ALL=C), not by UTF-16 code units or locale', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) vs U+1F600 (4 bytes, F0 9F 98 80): UTF-16 order says the emoji (D83D) is smaller.
    expect(compareUtf8('\uff5e', '\u{1f600}')).toBeLessThan(0);
    expect(['\u{1f600}', '\uff5e'].sort()).toEqual(['\u{1f600}', '\uff5e']); // what a naive sort would do
    expect(compareUtf8('Zebra', 'apple')).toBeLessThan(0);
    const m = buildManifest([
      { relPath: 'b', sha256: sha('b') },
      { relPath: 'B', sha256: sha('B') },
      { relPath: 'a/z', sha256: sha('a/z') },
      { relPath: 'a-b', sha256: sha('a-b') },
    ]);
    expect(m.split('\n').filter(Boolean).map((l) => l.slice(66))).toEqual(['B', 'a-b', 'a/z', 'b']);
  });

  it('the empty manifest has the sha256 of the empty string as root', () => {
    expect(contentRoot(buildManifest([]))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('equals the coreutils one-liner byte for byte on a tree with odd names', () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    writeTree(dir.path, ODD_NAMES);
    const files = Object.entries(ODD_NAMES).map(([relPath, content]) => ({ relPath, sha256: sha(content) }));
    const manifest = buildManifest(files);
    expect(Buffer.from(manifest, 'utf8').equals(coreutilsManifest(dir.path))).toBe(true);
    expect(contentRoot(manifest)).toBe(coreutilsRoot(dir.path));
  });
});
