/**
 * `ativo start` (what `npm start` runs) without a usable Electron: it says why and serves the
 * browser shell instead. On these machines the Electron binary cannot be downloaded, so this is
 * the path that runs; where it exists but better-sqlite3 was not rebuilt for it, the reason
 * names `npm run setup:electron`.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { ativoAsync } from '../test-support/run-cli';
import { tempDir } from '../test-support/fs';

describe('ativo start', () => {
  let child: ChildProcess | undefined;
  const dir = tempDir('ativo-start-');
  afterEach(() => {
    child?.kill('SIGTERM');
    dir.cleanup();
  });

  it('falls back to the browser shell with a clear reason, and serves it', async () => {
    child = ativoAsync(['start', '--port', '0', '--data-dir', join(dir.path, 'data')]);
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`no shell URL; output so far:\n${out}`)); }, 60_000);
      child?.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Ativo is running at (http:\/\/\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child?.on('exit', (code) => { reject(new Error(`exited ${String(code)}:\n${out}`)); });
    });
    expect(out).toMatch(/Starting the browser shell instead of the desktop app: the Electron binary is (not installed|installed but better-sqlite3 has not been rebuilt)/);
    expect(out).toContain('npm run setup:electron');
    const page = await fetch(url, { redirect: 'manual' });
    expect([200, 302, 303]).toContain(page.status);
  });
});
