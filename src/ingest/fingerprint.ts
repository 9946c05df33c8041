import { AtivoError } from '../util/errors';
import type { HashPool, HashResult } from './hash-pool';
import { buildManifest, contentRoot } from './manifest';
import { walk, type Skipped } from './walk';

export interface Fingerprint {
  files: { relPath: string; size: number; sha256: string }[];
  skipped: Skipped[];
  manifest: string;
  contentRoot: string;
}

/**
 * A folder's manifest and content root, computed without the catalog (for `ativo verify`):
 * the same walk, worker-thread hashing and manifest rules as an ingest.
 */
export async function fingerprintFolder(folder: string, pool: HashPool): Promise<Fingerprint> {
  const walked = await walk(folder);
  const files: Fingerprint['files'] = [];
  const skipped = [...walked.skipped];
  await pool.hash(
    walked.files.map((f) => ({ ...f, path: f.absPath })),
    {
      onResults: (batch, results) => {
        batch.forEach((f, i) => {
          const r = results[i] as HashResult;
          if ('error' in r) skipped.push({ relPath: f.relPath, reason: `unreadable file (${r.error.code})` });
          else if (r.changed) throw new AtivoError('FILE_UNSTABLE', `${f.relPath} changed while Ativo read it: verify again when it is written.`);
          else files.push({ relPath: f.relPath, size: r.size, sha256: r.sha256 });
        });
      },
    },
  );
  const manifest = buildManifest(files);
  return { files, skipped, manifest, contentRoot: contentRoot(manifest) };
}
