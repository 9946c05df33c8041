import { createHash } from 'node:crypto';

/**
 * One manifest line exactly as GNU sha256sum (coreutils 9) prints it: `<hex>  <path>`;
 * a name holding `\`, a newline or a carriage return is escaped and the line starts with `\`.
 */
export function manifestLine(sha256: string, relPath: string): string {
  if (!/[\\\n\r]/.test(relPath)) return `${sha256}  ${relPath}\n`;
  const escaped = relPath.replace(/[\\\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : '\\r'));
  return `\\${sha256}  ${escaped}\n`;
}

/** Compares paths by their UTF-8 bytes (LC_ALL=C sort order). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The manifest text: one line per file, sorted by the path's UTF-8 bytes. Equals
 * `find . -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 sha256sum`.
 */
export function buildManifest(files: Iterable<{ relPath: string; sha256: string }>): string {
  const sorted = [...files].sort((a, b) => compareUtf8(a.relPath, b.relPath));
  return sorted.map((f) => manifestLine(f.sha256, f.relPath)).join('');
}

/** The content root: sha256 of the manifest text. */
export function contentRoot(manifest: string): string {
  return createHash('sha256').update(manifest, 'utf8').digest('hex');
}
