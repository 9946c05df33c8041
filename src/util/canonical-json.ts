/**
 * The one canonical JSON: RFC 8785 (JCS) for the values JSON.parse produces, used by certificates,
 * public metadata documents and the audit log's hash chain (their hashes and signatures depend
 * on these exact bytes).
 *
 * Hand-written rather than the `canonicalize` package: that package is not among the project's
 * dependencies, and for JSON values this is all of JCS (ECMAScript number text, keys sorted by
 * UTF-16 code units, JSON.stringify's string escaping). Object members that are undefined are
 * left out (as JSON.stringify does); any other value JSON cannot hold (NaN, Infinity, undefined
 * in an array, a bigint, a function) is refused rather than written in some lossy form.
 *
 * The audit log used its own copy (keys sorted with Array.prototype.sort, the same order) that
 * wrote such values as null instead of refusing them; for everything stored and re-verified (read
 * back with JSON.parse, so never holding such values) both give the same bytes, so no stored hash
 * changes (src/util/canonical-json.test.ts).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonical JSON has no NaN or Infinity');
    return JSON.stringify(value); // ECMAScript number serialization is what JCS specifies
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      // JCS sorts keys by their UTF-16 code units, which is JavaScript's default string order.
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new Error(`canonical JSON cannot hold a ${typeof value}`);
}
