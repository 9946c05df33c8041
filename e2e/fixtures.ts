/**
 * Playwright fixtures for the browser shell.
 *
 * - `server`: a real `ativo serve --port 0 --data-dir <tmp>` (one per test file: the first
 *   test of a file starts it, the next file's first test replaces it; killed at the end).
 *   Each server gets its own keychain namespace (`ATIVO_KEYCHAIN_PREFIX=ativo-e2e-<random>`),
 *   so tests never touch the person's real Ativo wallets; wallets a test file leaves behind
 *   are removed through the API before its server stops. `server.call()` runs a command
 *   over HTTP with the session token (an Authorization header). A file can change the server's environment with
 *   `test.use({ serverEnv: { ... } })`.
 * - `firstRun`: false (the default) marks the first-run steps as skipped in the page's storage,
 *   so a test starts on the Library even before it creates a wallet; e2e/newcomer.spec.ts sets
 *   it to true and starts on the welcome.
 * - `page`: opens the server's link (its `#token=…` fragment signs the tab in: the page keeps
 *   the token in sessionStorage and sends it as a header; no cookie) and fails the test
 *   on any console error or warning and on any uncaught page error.
 *
 * The server serves out/renderer: run `npm run build` before the e2e tests.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect } from '@playwright/test';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY = /Ativo is running at (http:\/\/\S+)/;
const START_TIMEOUT_MS = 60_000;

export interface AtivoServer {
  /** The link `ativo serve` printed (carries the session token in its fragment, `#token=…`). */
  openUrl: string;
  /** The session token (sent as `Authorization: Bearer …`). */
  token: string;
  /** Origin + "/" without the token. */
  url: string;
  dataDir: string;
  /** The keychain service prefix this server uses (unique per server). */
  keychainPrefix: string;
  /** Everything the server printed so far. */
  output(): string;
  /** Runs a backend command over HTTP (as the page does); resolves the Result envelope. */
  call(name: string, input?: unknown): Promise<ApiResult>;
}

export type ApiResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

class RunningServer implements AtivoServer {
  openUrl = '';
  url = '';
  token = '';
  private log = '';
  private hasExited = false;
  private readonly child: ChildProcess;
  private exited: Promise<void>;

  readonly keychainPrefix = `ativo-e2e-${randomBytes(6).toString('hex')}`;

  constructor(
    readonly file: string,
    readonly dataDir: string,
    readonly env: Record<string, string | undefined> = {},
  ) {
    this.child = spawn(process.execPath, ['src/cli/ativo.js', 'serve', '--port', '0', '--data-dir', dataDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, ATIVO_DATA_DIR: dataDir, ATIVO_KEYCHAIN_PREFIX: this.keychainPrefix, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => {
        this.hasExited = true;
        resolve();
      });
    });
    this.child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      this.log += s;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.log += s;
    });
  }

  output(): string {
    return this.log;
  }

  async call(name: string, input: unknown = {}): Promise<ApiResult> {
    const res = await fetch(`${this.url}api/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.token}` },
      body: JSON.stringify(input),
    });
    return (await res.json()) as ApiResult;
  }

  /** Removes every wallet this server's keychain namespace holds (best effort). */
  async removeWallets(): Promise<void> {
    if (this.hasExited || this.openUrl === '') return;
    try {
      const list = await this.call('wallet.list');
      if (!list.ok) return;
      const { wallets } = list.value as { wallets: { address: string }[] };
      for (const w of wallets) await this.call('wallet.remove', { address: w.address });
    } catch {
      // The server is gone or the keychain unavailable: nothing was stored then.
    }
  }

  async ready(): Promise<this> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const m = READY.exec(this.log);
      if (m?.[1] !== undefined) {
        this.openUrl = m[1];
        const u = new URL(m[1]);
        this.url = `${u.origin}/`;
        this.token = /^#token=(.+)$/.exec(u.hash)?.[1] ?? '';
        return this;
      }
      if (this.hasExited) throw new Error(`ativo serve exited before it was ready (code ${String(this.child.exitCode)}):\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`ativo serve did not print "Ativo is running at" within ${START_TIMEOUT_MS} ms:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    await this.removeWallets();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const killed = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => { r(false); }, 5000))]);
      if (!killed) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** One server per test file within a worker. */
class ServerPool {
  private current: RunningServer | null = null;

  async forFile(file: string, env: Record<string, string | undefined>): Promise<RunningServer> {
    if (this.current?.file === file) return this.current;
    await this.stop();
    if (!existsSync(join(REPO_ROOT, 'out/renderer/index.html'))) {
      throw new Error('out/renderer is missing: run `npm run build` before the e2e tests.');
    }
    const server = new RunningServer(file, mkdtempSync(join(tmpdir(), 'ativo-e2e-data-')), env);
    this.current = server;
    return server.ready();
  }

  async stop(): Promise<void> {
    const s = this.current;
    this.current = null;
    await s?.stop();
  }
}

export const test = base.extend<
  { server: AtivoServer; problems: string[]; serverEnv: Record<string, string | undefined>; firstRun: boolean },
  { serverPool: ServerPool }
>({
  /** Extra environment for this file's `ativo serve` (set with `test.use`). */
  serverEnv: [{}, { option: true }],
  /** Show the first-run steps when there is no wallet (see the header). */
  firstRun: [false, { option: true }],

  serverPool: [
    // eslint-disable-next-line no-empty-pattern -- Playwright needs the destructuring pattern
    async ({}, use) => {
      const pool = new ServerPool();
      await use(pool);
      await pool.stop();
    },
    { scope: 'worker' },
  ],

  server: async ({ serverPool, serverEnv }, use, testInfo) => {
    const server = await serverPool.forFile(testInfo.file, serverEnv);
    const before = server.output().length;
    await use(server);
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('ativo serve output', { body: server.output().slice(before), contentType: 'text/plain' });
    }
  },

  // eslint-disable-next-line no-empty-pattern -- Playwright needs the destructuring pattern
  problems: async ({}, use) => {
    await use([]);
  },

  page: async ({ page, server, problems, firstRun }, use) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') {
        const where = msg.location().url ? ` (${msg.location().url}:${msg.location().lineNumber})` : '';
        problems.push(`console.${msg.type()}: ${msg.text()}${where}`);
      }
    });
    page.on('pageerror', (err) => {
      problems.push(`page error: ${err.message}`);
    });
    if (!firstRun) {
      // A string: e2e has no DOM types.
      await page.addInitScript("window.localStorage.setItem('ativo.firstRun', 'skipped')");
    }
    await page.goto(server.openUrl);
    await expect(page.getByRole('heading', { name: firstRun ? 'Welcome to Ativo' : 'Library', level: 1 })).toBeVisible();
    await use(page);
    expect(problems, 'the page logged errors or warnings').toEqual([]);
  },
});

export { expect };
