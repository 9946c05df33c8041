import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from './backend';
import { ativo } from '../test-support/run-cli';
import { tempDir } from '../test-support/fs';

describe('network profiles', () => {
  let dir: { path: string; cleanup: () => void };
  let backend: Backend;
  beforeEach(async () => {
    dir = tempDir();
    backend = await createBackend({ dataDir: join(dir.path, 'data') });
  });
  afterEach(async () => {
    await backend.close();
    dir.cleanup();
  });

  it('starts on the sandbox; testnet and mainnet need settings first', async () => {
    const s = await backend.call('network.list', {});
    expect(s.current).toBe('sandbox');
    expect(s.profiles.map((p) => [p.name, p.missing.length === 0])).toEqual([['sandbox', true], ['testnet', false], ['mainnet', false]]);
    await expect(backend.call('network.use', { name: 'testnet' })).rejects.toMatchObject({ code: 'NOT_CONFIGURED', message: expect.stringMatching(/RPC URL/) as unknown });
    expect((await backend.call('network.list', {})).current).toBe('sandbox');
  });

  it('stores a profile in the catalog, survives a restart, and validates its fields', async () => {
    const events: unknown[] = [];
    backend.subscribe((event, payload) => {
      if (event === 'settings.changed') events.push(payload);
    });
    await backend.call('network.set', { name: 'testnet', rpcUrl: 'https://rpc.testnet.example', chainId: 84532 });
    expect(events).toEqual([{ what: 'network' }]);
    const half = (await backend.call('network.list', {})).profiles.find((x) => x.name === 'testnet');
    expect(half?.missing).toEqual(['registry']);
    const p = await backend.call('network.set', { name: 'testnet', registry: '0x000000000000000000000000000000000000dEaD' });
    expect(p).toMatchObject({ rpcUrl: 'https://rpc.testnet.example', chainId: 84532, storageUrl: 'https://devnet.irys.xyz', missing: [] });
    await backend.call('network.use', { name: 'testnet' });
    await backend.close();
    backend = await createBackend({ dataDir: join(dir.path, 'data') });
    const s = await backend.call('network.list', {});
    expect(s.current).toBe('testnet');
    expect(s.profiles.find((x) => x.name === 'testnet')?.registry).toBe('0x000000000000000000000000000000000000dEaD');

    for (const bad of [{ rpcUrl: 'javascript:alert(1)' }, { rpcUrl: 'not a url' }, { registry: '0x123' }, { chainId: -5 }, { chainId: 1.5 }]) {
      expect(await backend.invoke('network.set', { name: 'mainnet', ...bad })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
    await expect(backend.call('network.set', { name: 'sandbox', rpcUrl: 'http://127.0.0.1:1' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('ativo network show|use|set', () => {
    const dataDir = join(dir.path, 'cli');
    expect(ativo(['network', 'show', '--data-dir', dataDir]).stdout).toMatch(/^\* sandbox/m);
    const use = ativo(['network', 'use', 'mainnet', '--data-dir', dataDir]);
    expect(use.status).toBe(1);
    expect(use.stderr).toMatch(/^ativo: The mainnet profile needs an RPC URL/);
    const set = ativo(['network', 'set', 'mainnet', '--rpc', 'https://rpc.example', '--chain-id', '8453', '--registry', '0x000000000000000000000000000000000000dEaD', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(set.stdout)).toMatchObject({ name: 'mainnet', chainId: 8453, missing: [] });
    expect(ativo(['network', 'use', 'mainnet', '--data-dir', dataDir]).stdout).toMatch(/Now using mainnet/);
    expect(JSON.parse(ativo(['network', '--json', '--data-dir', dataDir]).stdout)).toMatchObject({ current: 'mainnet' });
    expect(ativo(['network', 'use', 'moon', '--data-dir', dataDir]).status).toBe(2);
  });
});
