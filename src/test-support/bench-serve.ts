/**
 * For benchmarks that drive the app like a person does: a real `ativo serve` (its sandbox
 * chain and storage node, a throwaway keyring through .ci/with-keyring.sh), its API over HTTP,
 * and Chromium pages that record long tasks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Serve {
  child: ChildProcess;
  openUrl: string;
  call<T>(name: string, input?: unknown): Promise<T>;
}

export async function startServe(dataDir: string): Promise<Serve> {
  // ATIVO_BENCH_NODE_ARGS: extra node flags for the server (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const nodeArgs = (process.env.ATIVO_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn('bash', [join(REPO, '.ci/with-keyring.sh'), process.execPath, ...nodeArgs, join(REPO, 'src/cli/ativo.js'), 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: REPO,
    env: { ...process.env, ATIVO_DATA_DIR: dataDir, ATIVO_KEYCHAIN_PREFIX: `ativo-bench-${randomBytes(4).toString('hex')}`, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const deadline = Date.now() + 60_000;
  let openUrl = '';
  while (openUrl === '') {
    const m = /Ativo is running at (http:\/\/\S+)/.exec(log);
    if (m?.[1] !== undefined) openUrl = m[1];
    else if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ativo serve did not start:\n${log}`);
    else await new Promise((r) => setTimeout(r, 50));
  }
  const url = new URL(openUrl);
  const token = /^#token=(.+)$/.exec(url.hash)?.[1] ?? '';
  const call = async <T>(name: string, input: unknown = {}): Promise<T> => {
    const res = await fetch(`${url.origin}/api/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(input) });
    const r = (await res.json()) as { ok: true; value: T } | { ok: false; error: { message: string } };
    if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
    return r.value;
  };
  return { child, openUrl, call };
}

/** Removes the server's wallets from the keyring, stops it (and its dbus session), removes its data. */
export async function stopServe(serve: Serve, dataDir: string): Promise<void> {
  await serve.call('wallet.list').then(
    async (l) => {
      for (const w of (l as { wallets: { address: string }[] }).wallets) await serve.call('wallet.remove', { address: w.address });
    },
    () => undefined,
  );
  const pid = serve.child.pid;
  if (pid !== undefined) {
    try {
      process.kill(-pid, 'SIGTERM'); // the process group: with-keyring's dbus session and the server
    } catch {
      // already gone
    }
  }
  await new Promise((r) => setTimeout(r, 1000));
  rmSync(dataDir, { recursive: true, force: true });
}

/** Page script (as text: bench modules compile without the DOM library) that collects long tasks. */
export const LONGTASK_RECORDER = `window.__longtasks = []; new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longtasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });`;
