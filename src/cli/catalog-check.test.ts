/** `ativo catalog check` on a file that is not a catalog: what is wrong, and the way out said once. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fs';
import { ativo } from '../test-support/run-cli';

describe('ativo catalog check', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('names the damage and says to rebuild exactly once, without backticks', () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const dataDir = join(dir.path, 'data');
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'catalog.sqlite');
    writeFileSync(path, randomBytes(64 * 1024));
    const r = ativo(['catalog', 'check'], { env: { ATIVO_DATA_DIR: dataDir } });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(
      `The catalog at ${path} is damaged (file is not a database). Your folders and files are safe.\nRun ativo catalog rebuild to set it aside and build a new one from your folders.\n`,
    );
    expect(r.stdout.match(/ativo catalog rebuild/g)).toHaveLength(1);
    expect(r.stdout).not.toContain('`');
  });
});
