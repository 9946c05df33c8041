/**
 * Path manifests (the Arweave path manifest format, which Irys uses under the names
 * "irys/paths" / "arweave/paths"):
 *
 *   { "manifest": "irys/paths", "version": "0.1.0"|"0.2.0",
 *     "index": { "path": "index.html" } | { "id": "<item id>" },   (optional)
 *     "fallback": { "id": "<item id>" },                            (optional, 0.2.0)
 *     "paths": { "a/b.txt": { "id": "<item id>" }, ... } }
 *
 * An item is a manifest when its Content-Type tag is application/x.irys-manifest+json or
 * application/x.arweave-manifest+json, or it has the tag Type=manifest (the Irys uploader adds both),
 * and its data parses as a manifest.
 */
import { z } from 'zod';
import { tagValue, type Tag } from './items';

export const MANIFEST_CONTENT_TYPES = ['application/x.irys-manifest+json', 'application/x.arweave-manifest+json'];
/** Manifests larger than this are not resolved (they are still stored and served raw). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

const Ref = z.object({ id: z.string().min(1) });
const Manifest = z.object({
  manifest: z.enum(['irys/paths', 'arweave/paths']),
  version: z.string(),
  index: z.union([z.object({ path: z.string() }), Ref]).optional(),
  fallback: Ref.optional(),
  paths: z.record(z.string(), Ref),
});
export type PathManifest = z.infer<typeof Manifest>;

export function isManifestItem(tags: readonly Tag[]): boolean {
  const ct = tagValue(tags, 'Content-Type')?.split(';')[0]?.trim().toLowerCase();
  if (ct !== undefined && MANIFEST_CONTENT_TYPES.includes(ct)) return true;
  return tagValue(tags, 'Type')?.toLowerCase() === 'manifest';
}

/** Undefined if `data` is not a valid path manifest. */
export function parseManifest(data: Buffer): PathManifest | undefined {
  try {
    const r = Manifest.safeParse(JSON.parse(data.toString('utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The item id a path resolves to: `paths[path]`; for the empty path the index; else the
 * fallback; undefined when nothing matches. `path` is already URL-decoded, without a leading '/'.
 */
export function resolveManifestPath(m: PathManifest, path: string): string | undefined {
  if (path === '' || path === '/') {
    if (m.index === undefined) return undefined;
    if ('id' in m.index) return m.index.id;
    return m.paths[m.index.path]?.id;
  }
  const direct = Object.hasOwn(m.paths, path) ? m.paths[path] : undefined;
  if (direct !== undefined) return direct.id;
  return m.fallback?.id;
}
