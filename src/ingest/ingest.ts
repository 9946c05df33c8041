import { realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Catalog } from '../catalog/db';
import type { AssetKindValue, AssetRecord, SkippedRecord } from '../catalog/assets';
import type { FileRecord } from '../catalog/files';
import { AtivoError, errnoCode } from '../util/errors';
import type { HashPool, HashResult } from './hash-pool';
import { buildManifest, contentRoot } from './manifest';
import { assertRootExists, walk, type WalkedFile } from './walk';

export interface ScanProgress {
  assetId: number;
  phase: 'walking' | 'hashing' | 'saving' | 'done' | 'failed';
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
}

export interface IngestDeps {
  catalog: Catalog;
  pool: HashPool;
  onProgress: (p: ScanProgress) => void;
  onChanged: (assetId: number) => void;
  now?: () => string;
}

/** How many times a file that changes while being read is read again before the scan gives up. */
const MAX_REREADS = 3;
/** Hashed rows are committed at least this often, so a killed scan resumes where it was. */
const COMMIT_EVERY_MS = 250;

/** Resolves and checks a folder path given by a person: absolute, existing, a directory. */
export async function resolveFolder(path: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') throw new AtivoError('NOT_FOUND', `There is no folder at ${path}.`, { cause: e });
    if (code === 'EACCES' || code === 'EPERM') throw new AtivoError('FOLDER_UNREADABLE', `Ativo may not read ${path} (permission denied).`, { cause: e });
    if (code === 'ELOOP') throw new AtivoError('NOT_A_DIRECTORY', `${path} is a symbolic-link loop.`, { cause: e });
    throw new AtivoError('FOLDER_UNREADABLE', `Cannot open ${path}: ${e instanceof Error ? e.message : String(e)}.`, { cause: e });
  }
  const st = await stat(real);
  if (!st.isDirectory()) throw new AtivoError('NOT_A_DIRECTORY', `${path} is a file, not a folder. Choose the folder that holds your dataset or model.`);
  return real;
}

/**
 * Catalogs folders: walks, hashes in worker threads (only new or changed files: size+mtime,
 * then hash), records rows in batches, and finally writes the manifest and content root in
 * one transaction. The previous complete scan stays valid until the new one completes.
 */
export class Ingestor {
  private readonly running = new Map<number, Promise<AssetRecord>>();
  private readonly now: () => string;

  constructor(private readonly deps: IngestDeps) {
    this.now = deps.now ?? (() => new Date().toISOString());
  }

  /** Adds a folder (or rescans it, when it is already in the catalog). */
  async add(path: string, opts: { kind: AssetKindValue; name?: string | undefined }): Promise<AssetRecord> {
    const root = await resolveFolder(path);
    const { catalog } = this.deps;
    const existing = catalog.assets.getByRoot(root);
    const id = existing ? existing.id : catalog.assets.insert({ kind: opts.kind, name: opts.name ?? basename(root), rootPath: root }, this.now());
    if (!existing) this.deps.onChanged(id);
    return this.scan(id);
  }

  /** Rescans an asset; concurrent calls for the same asset share one scan. */
  scan(assetId: number): Promise<AssetRecord> {
    const inflight = this.running.get(assetId);
    if (inflight) return inflight;
    const p = this.doScan(assetId).finally(() => this.running.delete(assetId));
    this.running.set(assetId, p);
    return p;
  }

  isScanning(assetId: number): boolean {
    return this.running.has(assetId);
  }

  private async doScan(assetId: number): Promise<AssetRecord> {
    const { catalog, pool } = this.deps;
    const asset = catalog.assets.get(assetId);
    if (!asset) throw new AtivoError('NOT_FOUND', `No asset with id ${assetId}.`);
    catalog.assets.markScanning(assetId, this.now());
    this.deps.onChanged(assetId);
    const progress: ScanProgress = { assetId, phase: 'walking', filesTotal: 0, filesDone: 0, bytesTotal: 0, bytesDone: 0 };
    const emit = (): void => {
      this.deps.onProgress({ ...progress });
    };
    try {
      await assertRootExists(asset.rootPath);
      emit();
      const walked = await walk(asset.rootPath, (n, bytes) => {
        progress.filesTotal = n;
        progress.bytesTotal = bytes;
        emit();
      });
      const skipped: SkippedRecord[] = [...walked.skipped];
      const known = new Map(catalog.files.all(assetId).map((f) => [f.relPath, f]));
      const unchanged = (f: WalkedFile): boolean => {
        const k = known.get(f.relPath);
        return k !== undefined && k.sha256 !== null && k.size === f.size && k.mtimeMs === f.mtimeMs;
      };
      let todo = walked.files.filter((f) => !unchanged(f));
      const present = new Set<string>();
      progress.phase = 'hashing';
      progress.filesTotal = walked.files.length;
      progress.bytesTotal = walked.files.reduce((s, f) => s + f.size, 0);
      progress.filesDone = walked.files.length - todo.length;
      progress.bytesDone = progress.bytesTotal - todo.reduce((s, f) => s + f.size, 0);
      for (const f of walked.files) if (unchanged(f)) present.add(f.relPath);
      emit();

      for (let attempt = 0; todo.length > 0; attempt++) {
        const again: WalkedFile[] = [];
        let pendingRows: (FileRecord & { sha256: string })[] = [];
        let lastCommit = Date.now();
        let lastEmit = 0;
        const flush = (): void => {
          if (pendingRows.length) catalog.files.upsertHashed(assetId, pendingRows);
          pendingRows = [];
          lastCommit = Date.now();
        };
        await pool.hash(todo.map((f) => ({ ...f, path: f.absPath })), {
          onProgress: (bytes) => {
            progress.bytesDone += bytes;
            if (Date.now() - lastEmit > 100) {
              lastEmit = Date.now();
              emit();
            }
          },
          onResults: (files, results) => {
            files.forEach((f, i) => {
              const r = results[i] as HashResult;
              if ('error' in r) {
                if (r.error.code === 'ENOENT') return; // removed while scanning: no longer part of the folder
                skipped.push({ relPath: f.relPath, reason: fileReason(r.error.code, r.error.message) });
                return;
              }
              if (r.changed) {
                again.push({ ...f, size: r.size, mtimeMs: r.mtimeMs });
                return;
              }
              pendingRows.push({ relPath: f.relPath, size: r.size, mtimeMs: r.mtimeMs, sha256: r.sha256 });
              present.add(f.relPath);
              progress.filesDone++;
            });
            if (Date.now() - lastCommit >= COMMIT_EVERY_MS) flush();
          },
        });
        flush();
        if (again.length && attempt + 1 >= MAX_REREADS) {
          const names = again.slice(0, 3).map((f) => f.relPath).join(', ');
          throw new AtivoError('FILE_UNSTABLE', `${again.length} file(s) kept changing while Ativo read them (${names}). Wait until they are fully written, then rescan.`);
        }
        todo = again;
      }

      await assertRootExists(asset.rootPath);
      progress.phase = 'saving';
      emit();
      const done = catalog.transaction(() => {
        catalog.files.deleteExcept(assetId, present);
        const rows = catalog.files.all(assetId);
        const manifest = buildManifest(rows.map((r) => ({ relPath: r.relPath, sha256: r.sha256 ?? '' })));
        const totalBytes = rows.reduce((s, r) => s + r.size, 0);
        catalog.assets.markReady(assetId, { contentRoot: contentRoot(manifest), manifest, fileCount: rows.length, totalBytes, skipped }, this.now());
        return catalog.assets.get(assetId);
      });
      if (!done) throw new AtivoError('NOT_FOUND', `Asset ${assetId} was removed during its scan.`);
      progress.phase = 'done';
      progress.filesDone = progress.filesTotal;
      progress.bytesDone = progress.bytesTotal;
      emit();
      return done;
    } catch (e) {
      const err = e instanceof AtivoError ? e : new AtivoError('INTERNAL', `Scan failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      if (catalog.assets.get(assetId)) catalog.assets.markError(assetId, err.message, this.now());
      progress.phase = 'failed';
      emit();
      throw err;
    } finally {
      this.deps.onChanged(assetId);
    }
  }
}

function fileReason(code: string, message: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'unreadable file (permission denied)';
    case 'ELOOP':
      return 'symbolic link (not followed)';
    case 'NOT_A_FILE':
      return 'not a regular file';
    default:
      return `unreadable file (${code}: ${message})`;
  }
}
