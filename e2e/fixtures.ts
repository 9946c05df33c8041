/**
 * Playwright fixtures for the browser shell.
 *
 * - `server`: a real `ativo serve --port 0 --data-dir <tmp>` (one per test file: the first
 *   test of a file starts it, the next file's first test replaces it; killed at the end).
 * - `page`: opens the server's token URL (which sets the session cookie) and fails the test
 *   on any console error or warning and on any uncaught page error.
 *
 * The server serves out/renderer: run `npm run build` before the e2e tests.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect } from '@playwright/test';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY = /Ativo is running at (http:\/\/\S+)/;
const START_TIMEOUT_MS = 60_000;

export interface AtivoServer {
  /** The link `ativo serve` printed (carries the session token). */
  openUrl: string;
  /** Origin + "/" without the token. */
  url: string;
  dataDir: string;
  /** Everything the server printed so far. */
  output(): string;
}

class RunningServer implements AtivoServer {
  openUrl = '';
  url = '';
  private log = '';
  private hasExited = false;
  private readonly child: ChildProcess;
  private exited: Promise<void>;

  constructor(
    readonly file: string,
    readonly dataDir: string,
  ) {
    this.child = spawn(process.execPath, ['src/cli/ativo.js', 'serve', '--port', '0', '--data-dir', dataDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, ATIVO_DATA_DIR: dataDir, NO_COLOR: '1' },
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

  async ready(): Promise<this> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const m = READY.exec(this.log);
      if (m?.[1] !== undefined) {
        this.openUrl = m[1];
        const u = new URL(m[1]);
        this.url = `${u.origin}/`;
        return this;
      }
      if (this.hasExited) throw new Error(`ativo serve exited before it was ready (code ${String(this.child.exitCode)}):\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`ativo serve did not print "Ativo is running at" within ${START_TIMEOUT_MS} ms:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
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

  async forFile(file: string): Promise<RunningServer> {
    if (this.current?.file === file) return this.current;
    await this.stop();
    if (!existsSync(join(REPO_ROOT, 'out/renderer/index.html'))) {
      throw new Error('out/renderer is missing: run `npm run build` before the e2e tests.');
    }
    const server = new RunningServer(file, mkdtempSync(join(tmpdir(), 'ativo-e2e-data-')));
    this.current = server;
    return server.ready();
  }

  async stop(): Promise<void> {
    const s = this.current;
    this.current = null;
    await s?.stop();
  }
}

export const test = base.extend<{ server: AtivoServer; problems: string[] }, { serverPool: ServerPool }>({
  serverPool: [
    // eslint-disable-next-line no-empty-pattern -- Playwright needs the destructuring pattern
    async ({}, use) => {
      const pool = new ServerPool();
      await use(pool);
      await pool.stop();
    },
    { scope: 'worker' },
  ],

  server: async ({ serverPool }, use, testInfo) => {
    const server = await serverPool.forFile(testInfo.file);
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

  page: async ({ page, server, problems }, use) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') {
        const where = msg.location().url ? ` (${msg.location().url}:${msg.location().lineNumber})` : '';
        problems.push(`console.${msg.type()}: ${msg.text()}${where}`);
      }
    });
    page.on('pageerror', (err) => {
      problems.push(`page error: ${err.message}`);
    });
    await page.goto(server.openUrl);
    await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
    await use(page);
    expect(problems, 'the page logged errors or warnings').toEqual([]);
  },
});

export { expect };
