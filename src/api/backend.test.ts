import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { createBackend, toResultError, type Backend } from './backend';
import { StorageNodeError } from '../sandbox/storage-node';
import { SandboxError } from '../sandbox/anvil';
import { AtivoError } from '../util/errors';
import { commandNames } from './contract';
import { COMMAND_NAMES } from './names';
import { tempDir, writeTree } from '../test-support/fs';

describe('backend', () => {
  let dir: { path: string; cleanup: () => void };
  let backend: Backend;
  // Commands like wallet.create really write to the keychain: use a prefix of our own and clean up.
  const keychainPrefix = `ativo-test-backend-${randomBytes(4).toString('hex')}`;
  beforeEach(async () => {
    dir = tempDir();
    backend = await createBackend({ dataDir: join(dir.path, 'data'), keychainPrefix });
  });
  afterEach(async () => {
    const wallets = await backend.invoke('wallet.list', {});
    if (wallets.ok) for (const w of (wallets.value as { wallets: { address: string }[] }).wallets) await backend.invoke('wallet.remove', { address: w.address });
    await backend.close();
    dir.cleanup();
  });

  it('names.ts lists exactly the contract commands (the preload builds its functions from it)', () => {
    expect([...COMMAND_NAMES].sort()).toEqual([...commandNames].sort());
  });

  it('answers every command with a typed error for hostile payloads, never a throw', async () => {
    const payloads: unknown[] = [null, 42, 'str', [], { id: -1 }, { id: 1.5 }, { id: '1' }, { path: '' }, { path: 'a\0b' }, { path: 'x'.repeat(5000) }, { limit: 1e9 }, { __proto__: { id: 1 } }];
    for (const name of commandNames) {
      for (const p of payloads) {
        const r = await backend.invoke(name, p);
        if (!r.ok) expect(['INVALID_INPUT', 'NOT_FOUND', 'NOT_A_DIRECTORY', 'FOLDER_UNREADABLE', 'NOT_CONFIGURED', 'KEYCHAIN_UNAVAILABLE'], `${name} ${JSON.stringify(p)}`).toContain(r.error.code);
      }
    }
    expect(await backend.invoke('assets.drop_table', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    expect(await backend.invoke('hasOwnProperty', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    const c = Catalog.open(backend.catalogPath);
    expect(c.integrityCheck()).toBe('ok');
    c.close();
  });

  it('maps every service error to a typed code with its own message', () => {
    expect(toResultError(new StorageNodeError('PORT_IN_USE', 'Port 1 is taken.'))).toEqual({ code: 'STORAGE_ERROR', message: 'Port 1 is taken.' });
    expect(toResultError(new SandboxError('ANVIL_MISSING', 'No anvil.'))).toEqual({ code: 'SANDBOX_ERROR', message: 'No anvil.' });
    expect(toResultError(new AtivoError('NOT_FOUND', 'Nope.'))).toEqual({ code: 'NOT_FOUND', message: 'Nope.' });
    expect(toResultError(Object.assign(new Error('write failed'), { code: 'ENOSPC' }))).toMatchObject({ message: expect.stringMatching(/disk is full/) as unknown });
  });

  it('browses folders for the browser shell picker: hidden ones on request, files never', async () => {
    writeTree(dir.path, { 'b/x.txt': 'x', 'a/y.txt': 'y', '.hidden/z': 'z', 'file.txt': 'f' });
    const r = await backend.call('system.browse', { path: dir.path });
    expect(r.entries.map((e) => e.name)).toEqual(['a', 'b', 'data']);
    expect(r.parent).toBe(join(dir.path, '..'));
    const hidden = await backend.call('system.browse', { path: dir.path, showHidden: true });
    expect(hidden.entries.map((e) => e.name)).toContain('.hidden');
    expect((await backend.call('system.browse', { path: '/' })).parent).toBeNull();
    await expect(backend.call('system.browse', { path: join(dir.path, 'file.txt') })).rejects.toMatchObject({ code: 'NOT_A_DIRECTORY' });
    await expect(backend.call('system.browse', { path: join(dir.path, 'nope') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('pages files, refuses a manifest before a complete scan, and says when a scan was interrupted', async () => {
    const folder = join(dir.path, 'set');
    mkdirSync(folder);
    for (let i = 0; i < 25; i++) writeFileSync(join(folder, `f${String(i).padStart(2, '0')}.txt`), String(i));
    const a = await backend.call('assets.add', { path: folder, kind: 'dataset' });
    const page = await backend.call('assets.files', { id: a.id, offset: 20, limit: 10 });
    expect(page.total).toBe(25);
    expect(page.items.map((f) => f.relPath)).toEqual(['f20.txt', 'f21.txt', 'f22.txt', 'f23.txt', 'f24.txt']);
    expect((await backend.call('assets.files', { id: a.id, query: 'f1' })).total).toBe(10);
    await backend.close();

    // Simulate a crash mid-scan: the asset is left 'scanning' with no manifest.
    const c = Catalog.open(join(dir.path, 'data', 'catalog.sqlite'));
    const other = c.assets.insert({ kind: 'model', name: 'half', rootPath: join(dir.path, 'half') }, new Date().toISOString());
    c.close();
    backend = await createBackend({ dataDir: join(dir.path, 'data'), keychainPrefix });
    const half = await backend.call('assets.get', { id: other });
    expect(half.state).toBe('error');
    expect(half.error).toMatch(/interrupted.*Rescan/);
    await expect(backend.call('assets.manifest', { id: other })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no complete scan/) as unknown });
  });
});
