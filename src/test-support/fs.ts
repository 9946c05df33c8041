/** Helpers for tests: real temp folders and the coreutils reference for content roots. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function tempDir(prefix = 'ativo-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => { rmSync(path, { recursive: true, force: true }); } };
}

/** Writes files given as { 'rel/path': content }. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

/** The manifest exactly as coreutils prints it (DESIGN.md's one-liner, without the last sha256sum). */
export function coreutilsManifest(root: string): Buffer {
  return execFileSync('sh', ['-c', "find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 -r sha256sum --"], { cwd: root, maxBuffer: 1 << 30 });
}

/**
 * The content root by DESIGN.md's one-liner, with `-r` and `--` added: without `--` a file
 * named `-d…` is taken for an option, and without `-r` an empty folder hashes stdin (README
 * documents the corrected one-liner).
 */
export function coreutilsRoot(root: string): string {
  const out = execFileSync('sh', ['-c', "find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0r sha256sum -- | sha256sum"], { cwd: root, maxBuffer: 1 << 30 });
  return out.toString().split(' ')[0] ?? '';
}

/** A tree with the names that break naive tools. */
export const ODD_NAMES: Record<string, string> = {
  'plain.txt': 'plain\n',
  'with space.txt': 'space',
  'back\\slash.bin': 'backslash',
  'new\nline.txt': 'newline',
  'carriage\rreturn': 'cr',
  'ünïcødé/naïve café.csv': 'a,b\n1,2\n',
  '日本語/データ.json': '{"k":1}',
  '.hidden': 'hidden files count',
  'deep/a/b/c/d/e/f.txt': 'deep',
  'emoji 🎉.md': '# party',
  'Zebra.txt': 'uppercase sorts before lowercase in C order',
  'apple.txt': 'lowercase',
  '-dash-first.txt': 'dash',
  'empty.dat': '',
  '\ufeffbom-first.txt': 'a name starting with a byte-order mark',
};
