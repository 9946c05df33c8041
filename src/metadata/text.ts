/**
 * Reading a folder's metadata files as hostile input: regular files only (a symlink could point
 * anywhere, and what is read here is published), size caps, strict UTF-8, YAML without aliases
 * bombs or custom tags (the `yaml` library never executes code; its core schema has no functions).
 */
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { AtivoError, errnoCode } from '../util/errors';

/** The most a README is read: its first paragraph lives near the top. */
export const README_CAP = 256 * 1024;
/** A CITATION.cff or CONTRIBUTORS file larger than this is refused. */
export const SMALL_FILE_CAP = 64 * 1024;
/** YAML front matter larger than this is refused. */
export const FRONT_MATTER_CAP = 32 * 1024;

/**
 * The text of `name` in `dir`, or undefined when there is none. `truncate` reads at most `cap`
 * bytes (for a README); otherwise a larger file is an error.
 */
export async function readText(dir: string, name: string, cap: number, truncate = false): Promise<string | undefined> {
  const path = join(dir, name);
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw new AtivoError('FOLDER_UNREADABLE', `${name} could not be read. Check that the folder is readable and try again.`, { cause: e });
  }
  if (!st.isFile()) return undefined; // a symlink or a folder named like it is not read
  if (st.size > cap && !truncate) {
    throw new AtivoError('INVALID_INPUT', `${name} is larger than ${String(cap / 1024)} KB. Shorten it and try again.`);
  }
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(st.size, cap));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return decodeUtf8(buf.subarray(0, bytesRead), name, bytesRead < st.size);
  } finally {
    await fh.close();
  }
}

/** Strict UTF-8 (a leading BOM dropped); `partial` allows a sequence cut at the end. */
export function decodeUtf8(bytes: Uint8Array, name: string, partial = false): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: partial });
    return text.replace(/^\uFEFF/, '');
  } catch (e) {
    throw new AtivoError('INVALID_INPUT', `${name} is not UTF-8 text. Save it as UTF-8 and try again.`, { cause: e });
  }
}

/** A YAML mapping, parsed safely; anything else (a list, a scalar, a syntax error) is an error. */
export function parseYamlMapping(text: string, name: string): Record<string, unknown> {
  let doc;
  try {
    doc = parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true, customTags: [] });
  } catch (e) {
    throw new AtivoError('INVALID_INPUT', `${name} is not valid YAML. Fix it and try again.`, { cause: e });
  }
  if (doc.errors.length > 0) {
    throw new AtivoError('INVALID_INPUT', `${name} is not valid YAML (line ${String(doc.errors[0]?.linePos?.[0].line ?? '?')}). Fix it and try again.`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 16 });
  } catch (e) {
    throw new AtivoError('INVALID_INPUT', `${name} repeats references too many times. Write the values out and try again.`, { cause: e });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AtivoError('INVALID_INPUT', `${name} must be a list of fields (key: value). Fix it and try again.`);
  }
  return value as Record<string, unknown>;
}

/** A trimmed string field, or undefined; numbers (a `version: 1.0`) are read as their text. */
export function str(v: unknown, max = 1000): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  return s ? s.slice(0, max) : undefined;
}

/** A list of strings from a string or a list (Hugging Face allows both). */
export function strList(v: unknown, maxItems = 64): string[] {
  const items = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return items.map((x) => str(x, 200)).filter((x): x is string => x !== undefined).slice(0, maxItems);
}
