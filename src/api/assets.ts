/** The library: adding, scanning, listing, reading and removing assets; the folder browser; the app's facts. */
import { readdir } from 'node:fs/promises';
import { homedir, platform } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { AssetRecord } from '../catalog/assets';
import { AtivoError, errnoCode } from '../util/errors';
import { detail, summary, withOwnerAndTerms, withStatus } from './asset-views';
import type { AssetDetail } from './contract';
import type { CoreContext, FeatureService } from './context';
import { VERSION } from './version';

export type AssetsCommand =
  | 'app.info'
  | 'assets.add'
  | 'assets.list'
  | 'assets.get'
  | 'assets.files'
  | 'assets.manifest'
  | 'assets.rescan'
  | 'assets.remove'
  | 'system.browse';

/** The asset screen's view of an asset: its scan, latest certificate, versions, owner and terms. */
export function withPublication(ctx: CoreContext, a: AssetRecord): Promise<AssetDetail> {
  const { catalog } = ctx;
  const versions = catalog.versions.list(a.id);
  return withOwnerAndTerms(catalog, ctx.networks.current(), detail(a, catalog.certificates.latest(a.id), versions, catalog.access.autoApprove(a.id)), versions);
}

export function createAssetsService(ctx: CoreContext): FeatureService<AssetsCommand> {
  const { catalog, ingestor, mustGet } = ctx;
  return {
    handlers: {
      'app.info': () => Promise.resolve({ version: VERSION, dataDir: ctx.dataDir, catalogPath: ctx.catalogPath, exportsDir: ctx.exportsDir, platform: platform() }),
      'assets.add': async (input) => {
        if (!isAbsolute(input.path)) throw new AtivoError('INVALID_INPUT', `Give the folder as an absolute path (got "${input.path}").`);
        return withPublication(ctx, await ingestor.add(input.path, { kind: input.kind, name: input.name }));
      },
      'assets.list': (input) => {
        const { items, total } = catalog.assets.list(input);
        return Promise.resolve({ items: withStatus(catalog, ctx.networks.current(), items.map(summary)), total });
      },
      'assets.get': (input) => {
        return withPublication(ctx, mustGet(input.id));
      },
      'assets.files': (input) => {
        mustGet(input.id);
        return Promise.resolve(catalog.files.page(input.id, input));
      },
      'assets.manifest': (input) => {
        const a = mustGet(input.id);
        const m = catalog.assets.manifest(a.id);
        if (!m) throw new AtivoError('NOT_FOUND', `${a.name} has no complete scan yet${a.state === 'scanning' ? ' (it is being scanned now)' : ''}: rescan it first.`);
        return Promise.resolve({ text: m.manifest, contentRoot: m.contentRoot });
      },
      'assets.rescan': async (input) => {
        mustGet(input.id);
        return withPublication(ctx, await ingestor.scan(input.id));
      },
      'assets.remove': (input) => {
        mustGet(input.id);
        if (ingestor.isScanning(input.id)) throw new AtivoError('BUSY', 'This asset is being scanned; remove it when the scan ends.');
        catalog.assets.remove(input.id);
        ctx.emit('asset.changed', { assetId: input.id, removed: true });
        return Promise.resolve({ removed: true as const, id: input.id });
      },
      'system.browse': async (input) => {
        const path = resolve(input.path ?? homedir());
        let dirents;
        try {
          dirents = await readdir(path, { withFileTypes: true });
        } catch (e) {
          const code = errnoCode(e);
          if (code === 'ENOENT') throw new AtivoError('NOT_FOUND', `There is no folder at ${path}.`);
          if (code === 'ENOTDIR') throw new AtivoError('NOT_A_DIRECTORY', `${path} is a file, not a folder.`);
          throw new AtivoError('FOLDER_UNREADABLE', `Cannot open ${path} (${code ?? 'error'}).`);
        }
        const entries = dirents
          .filter((d) => d.isDirectory() && (input.showHidden || !d.name.startsWith('.')))
          .map((d) => ({ name: d.name, path: join(path, d.name), isDir: true }))
          .sort((a, b) => a.name.localeCompare(b.name));
        const parent = dirname(path);
        return { path, parent: parent === path ? null : parent, entries };
      },
    },
    start() {
      // A scan that was running when the previous runner (app, serve) was killed: say so (hashed
      // files are kept, so the next scan resumes). Only the runner does this: a one-shot CLI
      // command must not flag a scan the app is doing right now.
      for (const a of catalog.assets.list({ state: 'scanning', offset: 0, limit: 1000 }).items) {
        catalog.assets.markError(a.id, 'The last scan was interrupted. Rescan to finish it: files already fingerprinted are kept.', new Date().toISOString());
      }
    },
  };
}
