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
    // Without an RPC URL nothing can be checked against a chain yet (networks-setup.test.ts checks what is).
    await backend.call('network.set', { name: 'testnet', chainId: 84532 });
    expect(events).toEqual([{ what: 'network' }]);
    const half = (await backend.call('network.list', {})).profiles.find((x) => x.name === 'testnet');
    expect(half?.missing).toEqual(['rpcUrl', 'registry']);
    const p = await backend.call('network.set', { name: 'testnet', registry: '0x000000000000000000000000000000000000dEaD' });
    expect(p).toMatchObject({ rpcUrl: null, chainId: 84532, storageUrl: 'https://devnet.irys.xyz', missing: ['rpcUrl'] });
    await backend.close();
    backend = await createBackend({ dataDir: join(dir.path, 'data') });
    const s = await backend.call('network.list', {});
    expect(s.current).toBe('sandbox');
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
    // Nothing listens on the discard port: the profile is refused, not saved.
    const set = ativo(['network', 'set', 'mainnet', '--rpc', 'http://127.0.0.1:9', '--chain-id', '8453', '--data-dir', dataDir]);
    expect(set.status).toBe(1);
    expect(set.stderr).toMatch(/^ativo: Ativo could not reach http:\/\/127\.0\.0\.1:9: check the RPC URL and your connection\. The Mainnet settings were not saved\./);
    const half = ativo(['network', 'set', 'mainnet', '--chain-id', '8453', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(half.stdout)).toMatchObject({ name: 'mainnet', chainId: 8453, rpcUrl: null });
    expect(JSON.parse(ativo(['network', '--json', '--data-dir', dataDir]).stdout)).toMatchObject({ current: 'sandbox' });
    expect(ativo(['network', 'use', 'moon', '--data-dir', dataDir]).status).toBe(2);
  });
});
