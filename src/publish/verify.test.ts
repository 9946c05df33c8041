import { describe, expect, it } from 'vitest';
import { buildManifest } from '../ingest/manifest';
import { parseManifestText } from './verify';

describe('verify helpers', () => {
  it('a version manifest parses back into its per-file hashes, escaped names included', () => {
    const files = [
      { relPath: 'plain.txt', sha256: 'a'.repeat(64) },
      { relPath: 'back\\slash', sha256: 'b'.repeat(64) },
      { relPath: 'new\nline', sha256: 'c'.repeat(64) },
    ];
    const parsed = parseManifestText(buildManifest(files));
    expect(Object.fromEntries(parsed)).toEqual(Object.fromEntries(files.map((f) => [f.relPath, f.sha256])));
  });
});
