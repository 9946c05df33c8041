/**
 * Downloading from My access as a durable job (issue 16), all real parts (sandbox chain and
 * storage node, keychain wallets, two wallets in one data dir as the app's wallet switch does):
 * a private dataset of 12 files, auto-approved; the buyer's download runs in a child process
 * (the app's backend) that is SIGKILLed once its first file is written. Then nothing stands under
 * the chosen name (only the job's temporary folder beside it), and the backend opened again
 * resumes the job to a folder whose coreutils content root is the registered one, leaving no
 * temporary folder behind; My access shows it done, with per-file progress reported on the way.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from './backend';
import { tempDir } from '../test-support/fs';
import { until } from '../test-support/backend-sandbox';
import { Keychain } from '../vault/keychain';
import { requireKeychain, uniquePrefix } from '../vault/test-support';

const WORKER = fileURLToPath(new URL('./fixtures/download-worker.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

function coreutilsRoot(folder: string): string {
  const out = execFileSync('bash', ['-c', "set -o pipefail; find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0r sha256sum -- | sha256sum"], { cwd: folder, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  return out.split(' ')[0] ?? '';
}

describe('a download from My access killed with SIGKILL (sandbox, real keychain)', () => {
  let dir: { path: string; cleanup: () => void };
  let dataDir: string;
  let prefix: string;
  let backend: Backend | undefined;
  const open = (): Promise<Backend> => createBackend({ dataDir, keychainPrefix: prefix, keystoreScryptN: 1024 });

  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    process.env.ATIVO_ACCESS_POLL_MS = '200';
    dir = tempDir('ativo-download-');
    dataDir = join(dir.path, 'data');
    prefix = uniquePrefix('download');
  });
  afterAll(async () => {
    await backend?.close();
    const b = await createBackend({ dataDir, keychainPrefix: prefix, runJobs: false });
    for (const w of (await b.call('wallet.list', {})).wallets) await b.call('wallet.remove', { address: w.address });
    await b.close();
    dir.cleanup();
  });

  it('leaves no folder under the chosen name, and resumes to a matching folder', { timeout: 600_000 }, async () => {
    let b = await open();
    backend = b;
    const owner = await b.call('wallet.create', { label: 'owner' });
    const folder = join(dir.path, 'Tide gauges');
    mkdirSync(join(folder, 'stations'), { recursive: true });
    for (let i = 1; i <= 11; i++) writeFileSync(join(folder, 'stations', `s${String(i).padStart(2, '0')}.bin`), randomBytes(40_000 + i));
    writeFileSync(join(folder, 'README.md'), '# Tide gauges\n\nHourly sea level at eleven stations.\n');
    const assetId = (await b.call('assets.add', { path: folder })).id;
    await until('the scan', async () => (await b.call('assets.get', { id: assetId })).state === 'ready');
    await b.call('storage.fund', { ether: '0.01' });
    await b.call('assets.publish', { id: assetId, visibility: 'private', priceEth: '0.01', approval: 'auto' });
    const pub = await until('the publication', async () => {
      const p = (await b.call('assets.get', { id: assetId })).publication;
      return p?.tokenId != null ? p : undefined;
    }, 240_000);
    const st = await b.call('chain.status', {});
    const root = (await b.call('assets.get', { id: assetId })).contentRoot ?? '';

    const buyer = await b.call('wallet.create', { label: 'buyer' });
    await b.call('sandbox.fund', { address: buyer.address, ether: '1' });
    await b.call('wallet.use', { address: buyer.address });
    const offer = await b.call('buyer.offer', { chainId: st.chainId, registry: st.registry ?? '', tokenId: pub.tokenId ?? '' });
    const { requestId } = await b.call('access.request', { tokenId: offer.tokenId, termsHash: offer.termsHash, priceWei: offer.priceWei, message: 'for a tide study' });
    // The owner's app (the owner's wallet in use) approves it by its rule and delivers the grant.
    await b.call('wallet.use', { address: owner.address });
    await until('the automatic approval', async () => {
      const j = (await b.call('jobs.list', { kind: 'access.approve', limit: 100 })).items[0];
      if (j?.state === 'failed') throw new Error(`approval failed: ${j.error ?? ''}`);
      return j?.state === 'done';
    }, 240_000);
    await b.call('wallet.use', { address: buyer.address });
    expect((await b.call('buyer.requests', {})).items[0]).toMatchObject({ requestId, state: 'approved', download: null });
    await b.close();
    backend = undefined;

    const parent = join(dir.path, 'downloads');
    mkdirSync(parent);
    const out = join(parent, 'Tide gauges');
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, dataDir, prefix, requestId, out], { cwd: REPO, env: { ...process.env, ATIVO_FAULT: 'fetch:after-first-file' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exit = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => { resolve(signal); }));
    expect(exit, log).toBe('SIGKILL');
    // Killed mid-download: nothing under the chosen name, only the job's temporary folder beside it.
    expect(existsSync(out)).toBe(false);
    const left = readdirSync(parent);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.Tide gauges\.ativo-download-\d+$/);

    b = await open();
    backend = b;
    const progress: string[] = [];
    b.subscribe((event, payload) => {
      if (event === 'job.changed') {
        const p = payload as { kind: string; detail: string | null };
        if (p.kind === 'access.download' && p.detail !== null) progress.push(p.detail);
      }
    });
    const job = await until('the resumed download', async () => {
      const j = (await b.call('jobs.list', { kind: 'access.download', limit: 100 })).items[0];
      if (j?.state === 'failed') throw new Error(`download failed: ${j.error ?? ''}`);
      return j?.state === 'done' ? j : undefined;
    }, 240_000);
    expect(coreutilsRoot(out)).toBe(root);
    expect(readdirSync(parent)).toEqual(['Tide gauges']);
    expect(progress.some((p) => /^Downloading \d+ of 12 files$/.test(p))).toBe(true);
    const mine = (await b.call('buyer.requests', {})).items[0];
    expect(mine?.download).toMatchObject({ jobId: job.id, state: 'done', out, files: 12, contentRoot: root });

    // Asking again for the same (now full) folder is refused at once, with what to do.
    await expect(b.call('buyer.download', { requestId, out })).rejects.toThrow(/is not empty: choose a new or empty folder/);
  });
});
