import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ativo, ativoAsync } from '../test-support/run-cli';
import { coreutilsManifest, coreutilsRoot, ODD_NAMES, tempDir, writeTree } from '../test-support/fs';

describe('ativo CLI', () => {
  let dir: { path: string; cleanup: () => void };
  let dataDir: string;
  let folder: string;
  beforeEach(() => {
    dir = tempDir();
    dataDir = join(dir.path, 'data');
    folder = join(dir.path, 'odd names');
    mkdirSync(folder);
  });
  afterEach(() => {
    dir.cleanup();
  });

  it('add, list, show and manifest match the coreutils one-liner byte for byte', () => {
    writeTree(folder, ODD_NAMES);
    const add = ativo(['add', folder, '--kind', 'model', '--name', 'Odd', '--json', '--data-dir', dataDir]);
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    const asset = JSON.parse(add.stdout) as { id: number; contentRoot: string; fileCount: number; kind: string; name: string };
    expect(asset).toMatchObject({ kind: 'model', name: 'Odd', fileCount: Object.keys(ODD_NAMES).length, contentRoot: coreutilsRoot(folder) });

    const manifest = ativo(['manifest', String(asset.id), '--data-dir', dataDir]);
    expect(manifest.status).toBe(0);
    expect(Buffer.from(manifest.stdout, 'utf8').equals(coreutilsManifest(folder))).toBe(true);

    // ATIVO_DATA_DIR works as well as --data-dir
    const list = ativo(['list', '--json'], { env: { ATIVO_DATA_DIR: dataDir } });
    expect((JSON.parse(list.stdout) as { id: number }[]).map((a) => a.id)).toEqual([asset.id]);
    const human = ativo(['list', '--data-dir', dataDir]);
    expect(human.stdout).toMatch(/ID\s+KIND\s+NAME/);
    expect(human.stdout).toContain(asset.contentRoot.slice(0, 12));

    const show = ativo(['show', String(asset.id), '--data-dir', dataDir]);
    expect(show.stdout).toContain(`content root  ${asset.contentRoot}`);
    const search = ativo(['list', '--query', 'nothing-like-this', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(search.stdout)).toEqual([]);
  });

  it('bad input: non-zero exit and a one-line error', () => {
    const cases: [string[], number, RegExp][] = [
      [['add', join(dir.path, 'missing')], 1, /There is no folder at/],
      [['add'], 2, /give the folder to add/],
      [['show', 'abc'], 2, /"abc" is not an asset id/],
      [['show', '42'], 1, /No asset with id 42/],
      [['manifest', '-1'], 2, /not an asset id|Unknown option/],
      [['add', folder, '--kind', 'video'], 2, /--kind must be dataset or model/],
      [['frobnicate'], 2, /unknown command "frobnicate"/],
      [['list', '--bogus'], 2, /Unknown option '--bogus'/],
    ];
    for (const [args, code, message] of cases) {
      const r = ativo([...args, '--data-dir', dataDir]);
      expect(r.status, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^ativo: /);
    }
  });

  it('remove takes the asset out of the catalog and never touches the files', () => {
    writeTree(folder, { 'keep.txt': 'mine' });
    const asset = JSON.parse(ativo(['add', folder, '--json', '--data-dir', dataDir]).stdout) as { id: number };
    const r = ativo(['remove', String(asset.id), '--data-dir', dataDir]);
    expect(r.stdout).toMatch(/was not touched/);
    expect(ativo(['list', '--json', '--data-dir', dataDir]).stdout.trim()).toBe('[]');
    expect(coreutilsManifest(folder).toString()).toContain('keep.txt');
  });

  it('skips and reports files and folders it may not read (run as an unprivileged user)', () => {
    writeTree(folder, { 'ok.txt': 'fine', 'secret.txt': 'no', 'locked/inner.txt': 'x' });
    chmodSync(join(folder, 'secret.txt'), 0o000);
    chmodSync(join(folder, 'locked'), 0o000);
    chmodSync(dir.path, 0o755);
    mkdirSync(dataDir, { mode: 0o777 });
    chmodSync(dataDir, 0o777);
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : undefined;
    const r = ativo(['add', folder, '--json', '--data-dir', dataDir], { ...(asNobody ? { prefix: asNobody } : {}), env: { HOME: dir.path } });
    expect(r.stderr).toBe('');
    const asset = JSON.parse(r.stdout) as { fileCount: number; skipped: { relPath: string; reason: string }[] };
    expect(asset.fileCount).toBe(1);
    expect(asset.skipped).toEqual(
      expect.arrayContaining([
        { relPath: 'secret.txt', reason: 'unreadable file (permission denied)' },
        { relPath: 'locked/', reason: 'unreadable folder (permission denied)' },
      ]),
    );
  });

  it('SIGKILL mid-ingest leaves a sound catalog, and the next add completes it', async () => {
    // Enough data that the scan is surely still running when the first batch is committed.
    for (let i = 0; i < 300; i++) writeFileSync(join(folder, `part-${String(i).padStart(3, '0')}.bin`), Buffer.alloc(2 * 1024 * 1024, i % 251));
    const child = ativoAsync(['add', folder, '--data-dir', dataDir], { ATIVO_HASH_WORKERS: '1' });
    const exited = new Promise<NodeJS.Signals | null>((ok) => child.on('exit', (_code, signal) => { ok(signal); }));
    const catalogFile = join(dataDir, 'catalog.sqlite');
    const filesRecorded = (): number => {
      try {
        const db = new Database(catalogFile, { readonly: true, fileMustExist: true });
        try {
          return db.prepare('SELECT count(*) FROM files').pluck().get() as number;
        } finally {
          db.close();
        }
      } catch {
        return 0; // not created yet, or mid-migration
      }
    };
    while (filesRecorded() === 0) await new Promise((ok) => setTimeout(ok, 10));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const db = new Database(catalogFile);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const row = db.prepare('SELECT state, content_root FROM assets').get() as { state: string; content_root: string | null };
    expect(row).toEqual({ state: 'scanning', content_root: null });
    const kept = db.prepare('SELECT count(*) FROM files').pluck().get() as number;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(300);
    db.close();

    const again = ativo(['add', folder, '--json', '--data-dir', dataDir]);
    expect(again.stderr).toBe('');
    const asset = JSON.parse(again.stdout) as { state: string; fileCount: number; contentRoot: string };
    expect(asset).toMatchObject({ state: 'ready', fileCount: 300, contentRoot: coreutilsRoot(folder) });
  });
});
