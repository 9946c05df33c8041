import { describe, expect, it } from 'vitest';
import { checkRelPath } from './fetch';

// The path manifest comes from storage: a path in it must never lead outside --out.
describe('fetch: paths from a stored file list', () => {
  it('accepts the names a folder can hold', () => {
    for (const p of ['a.txt', 'images/0001.png', '.hidden', 'deep/a/b/c.txt', 'back\\slash.bin', 'new\nline.txt', 'ünïcødé/naïve café.csv', '-dash.txt', '..dots', 'a..b/c'])
      expect(checkRelPath(p)).toBe(p);
  });

  it('refuses absolute, dot-dot, empty and NUL paths with a message naming them', () => {
    for (const p of ['/etc/passwd', '../escape', 'a/../../escape', 'a/./b', 'a//b', 'a/', '', 'nul\0byte', '..', `${'x'.repeat(256)}/a`])
      expect(() => checkRelPath(p), JSON.stringify(p)).toThrow(/unsafe path .*nothing was written/);
  });
});
