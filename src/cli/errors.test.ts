/**
 * What a person reads on the command line when something is wrong: the flag that was given
 * badly (never the API's command or field name), and a damaged catalog with the way to repair it.
 * Through the real `ativo` CLI, on a real catalog file.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../test-support/cli-sandbox';

const DAMAGED =
  'ativo: the catalog is damaged, so it cannot be read (your folders and files are safe). Run ativo catalog check to see what is wrong, then ativo catalog rebuild: it sets the damaged file aside and builds a new catalog from your folders.\n';

describe('ativo: errors a person reads', () => {
  const { run, dir, dataDir } = useCliSandbox('errors');

  const addFolder = (): number => {
    const folder = join(dir(), 'Soil samples');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.csv'), 'x,y\n1,2\n');
    const added = run(['add', folder, '--json']);
    expect(added.stderr).toBe('');
    return (JSON.parse(added.stdout) as { id: number }).id;
  };

  it('a bad flag value names the flag and what it must be, never the command or field', () => {
    const id = addFolder();
    const r = run(['publish', String(id), '--price', 'abc']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('ativo: --price must be an amount like 0.01 (in ETH; 0 makes it free)\n');
    expect(r.stderr).not.toMatch(/assets\.publish|priceEth|Invalid input/);

    const fund = run(['storage', 'fund', '--ether', 'lots']);
    expect(fund.stderr).toBe('ativo: --ether must be an amount like 0.01 (in ETH)\n');
    const net = run(['network', 'set', 'testnet', '--rpc', 'not a url']);
    expect(net.stderr).toBe('ativo: --rpc must be an http:// or https:// URL\n');
  });

  it('a catalog file overwritten with random bytes says it is damaged and how to repair it', () => {
    addFolder();
    writeFileSync(join(dataDir(), 'catalog.sqlite'), randomBytes(64 * 1024));
    const r = run(['list']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(DAMAGED);
  });

  it('a catalog row whose JSON is broken says the catalog is damaged, not an internal error', () => {
    const id = addFolder();
    const db = new Database(join(dataDir(), 'catalog.sqlite'));
    db.prepare('UPDATE assets SET skipped_json = ? WHERE id = ?').run('[{"path":"a\u0001', id);
    db.close();
    const r = run(['show', String(id)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(DAMAGED);
    expect(r.stderr).not.toMatch(/Unexpected|position|JSON/);
  });
});
