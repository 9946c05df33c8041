/**
 * `ativo catalog check` and `ativo catalog rebuild [--folder F]…`: the recovery path for a damaged
 * catalog (see src/catalog/recover.ts). Runs before the backend opens the catalog.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createBackend, toResultError, type BackendOptions } from '../api/backend';
import { Catalog } from '../catalog/db';
import { setAsideDamagedCatalog } from '../catalog/recover';
import { defaultDataDir } from '../util/paths';
import { UsageError, type Print } from './usage';
import { cliMessage } from './errors';

export interface RebuildReport {
  movedTo: string | null;
  added: { path: string; assetId: number | null; error: string | null; certifiedAs: string | null }[];
  salvageError: string | null;
}

export async function catalogCommand(args: string[], values: { folder?: string[] | undefined; 'data-dir'?: string | undefined }, backendOptions: BackendOptions, print: Print): Promise<number> {
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const path = join(dataDir, 'catalog.sqlite');
  switch (args[0]) {
    case 'check': {
      if (!existsSync(path)) {
        print({ path, ok: true, detail: 'no catalog yet' }, () => `There is no catalog at ${path} yet.`);
        return 0;
      }
      let detail: string;
      try {
        const c = Catalog.open(path);
        detail = c.integrityCheck();
        c.close();
      } catch (e) {
        // What SQLite found ("file is not a database"); the way out is said once, below.
        const err = toResultError(e);
        const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : null;
        detail = err.code === 'CATALOG_ERROR' && cause !== null ? cause : cliMessage(err);
      }
      const ok = detail === 'ok';
      print({ path, ok, detail }, () =>
        ok
          ? `The catalog at ${path} is intact.`
          : `The catalog at ${path} is damaged (${detail.replace(/\.$/, '')}). Your folders and files are safe.\nRun ativo catalog rebuild to set it aside and build a new one from your folders.`,
      );
      return ok ? 0 : 1;
    }
    case 'rebuild': {
      const aside = setAsideDamagedCatalog(path);
      const folders = new Map<string, 'dataset' | 'model'>();
      for (const f of aside.salvagedFolders) folders.set(f.path, f.kind);
      for (const f of values.folder ?? []) folders.set(resolve(f), folders.get(resolve(f)) ?? 'dataset');
      const backend = await createBackend({ ...backendOptions, dataDir, runJobs: false });
      const report: RebuildReport = { movedTo: aside.movedTo, added: [], salvageError: aside.salvageError };
      try {
        for (const [folder, kind] of folders) {
          const r = await backend.invoke('assets.add', { path: folder, kind });
          if (!r.ok) {
            report.added.push({ path: folder, assetId: null, error: r.error.message, certifiedAs: null });
            continue;
          }
          const asset = r.value as { id: number; contentRoot: string | null };
          report.added.push({ path: folder, assetId: asset.id, error: null, certifiedAs: await certifiedToken(backend, asset.contentRoot) });
        }
      } finally {
        await backend.close();
      }
      print(report, () => describeRebuild(report));
      return report.added.some((a) => a.error !== null) ? 1 : 0;
    }
    default:
      throw new UsageError('the catalog commands are: ativo catalog check | ativo catalog rebuild [--folder F]…');
  }
}

/** The token id a content root is registered as on the current network, or null (also when the chain cannot be reached). */
async function certifiedToken(backend: Awaited<ReturnType<typeof createBackend>>, contentRoot: string | null): Promise<string | null> {
  if (contentRoot === null) return null;
  const r = await backend.invoke('assets.registration', { contentRoot });
  return r.ok ? ((r.value as { tokenId: string | null }).tokenId ?? null) : null;
}

function describeRebuild(r: RebuildReport): string {
  const lines: string[] = [];
  lines.push(r.movedTo ? `The old catalog was moved to ${r.movedTo} (kept, not deleted).` : 'There was no catalog file; a new one was created.');
  if (r.added.length === 0) {
    lines.push(r.salvageError ? `No folders could be read back from it (${r.salvageError}).` : 'It listed no folders.');
    lines.push('Add your folders again: ativo catalog rebuild --folder <folder> (repeatable), or ativo add <folder>.');
  }
  for (const a of r.added) {
    if (a.error !== null) lines.push(`  could not add ${a.path}: ${a.error}`);
    else if (a.certifiedAs !== null) lines.push(`  #${a.assetId} ${a.path}: certified on chain as token ${a.certifiedAs}; run \`ativo publish ${a.assetId}\` to restore its certificate (nothing is registered or uploaded twice).`);
    else lines.push(`  #${a.assetId} ${a.path}: added`);
  }
  return lines.join('\n');
}
