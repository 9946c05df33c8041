import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from './db';
import { tempDir } from '../test-support/fs';

describe('catalog versions', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    cleanups.splice(0).forEach((c) => { c(); });
  });
  const open = (): Catalog => {
    const d = tempDir();
    const c = Catalog.open(join(d.path, 'c.sqlite'));
    cleanups.push(() => { c.close(); d.cleanup(); });
    return c;
  };
  const cert = (c: Catalog, assetId: number, versionId: number, tokenId: string, network = 'sandbox') =>
    c.certificates.add({ assetId, versionId, network, chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3', tokenId, txHash: null, blockNumber: null, document: { storage: { manifestId: `m${tokenId}` } }, createdAt: `2026-01-0${tokenId}T00:00:00.000Z` });

  it('numbers versions per asset, links each to the one before, and lists them newest first with their certificate', () => {
    const c = open();
    const a = c.assets.insert({ kind: 'dataset', name: 'A', rootPath: '/a' }, '2026-01-01T00:00:00.000Z');
    const b = c.assets.insert({ kind: 'dataset', name: 'B', rootPath: '/b' }, '2026-01-01T00:00:00.000Z');
    const r1 = '1'.repeat(64);
    const r2 = '2'.repeat(64);
    const v1 = c.versions.add({ assetId: a, contentRoot: r1, manifest: `${'a'.repeat(64)}  x\n`, previousId: null, createdAt: 't1' });
    const other = c.versions.add({ assetId: b, contentRoot: r2, manifest: '', previousId: null, createdAt: 't1' });
    const v2 = c.versions.add({ assetId: a, contentRoot: r2, manifest: `${'b'.repeat(64)}  x\n`, previousId: v1.id, createdAt: 't2' });
    expect([v1.number, other.number, v2.number]).toEqual([1, 1, 2]);
    cert(c, a, v1.id, '1');
    cert(c, a, v2.id, '2');
    cert(c, a, v2.id, '3', 'testnet'); // the same version certified on another network: the newest certificate is listed
    expect(c.versions.latest(a)?.id).toBe(v2.id);
    expect(c.versions.byRoot(a, r1)?.number).toBe(1);
    expect(c.versions.list(a).map((v) => [v.number, v.previousId, v.tokenId, v.network, v.manifestId])).toEqual([
      [2, v1.id, '3', 'testnet', 'm3'],
      [1, null, '1', 'sandbox', 'm1'],
    ]);
    expect(c.certificates.forVersion(v2.id, 'sandbox')?.tokenId).toBe('2');
    expect(c.certificates.byToken(31337, '0x5fbdb2315678afecb367f032d93f642f64180aa3', '1')?.assetId).toBe(a);
    // The same number twice is refused (UNIQUE (asset_id, number)).
    expect(() => c.db.prepare("INSERT INTO versions (asset_id, number, content_root, manifest, created_at) VALUES (?, 2, 'x', '', 't')").run(a)).toThrow(/UNIQUE/);
    // Removing the asset removes its versions and certificates, and leaves the other asset's.
    c.assets.remove(a);
    expect(c.versions.list(a)).toEqual([]);
    expect(c.certificates.latest(a)).toBeUndefined();
    expect(c.versions.latest(b)?.id).toBe(other.id);
    expect(c.integrityCheck()).toBe('ok');
  });
});
