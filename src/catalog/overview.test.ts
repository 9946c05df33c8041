/** The Library's per-asset facts (issue 14): certificate, publish job, pending requests, earned; one query for a page. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from './db';
import { tempDir } from '../test-support/fs';

describe('asset overview', () => {
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
  const T = '2026-01-01T00:00:00.000Z';
  const cert = (c: Catalog, assetId: number, versionId: number, tokenId: string, price: string, network = 'sandbox') =>
    c.certificates.add({ assetId, versionId, network, chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3', tokenId, txHash: null, blockNumber: null, document: { license: { price } }, createdAt: T });
  const job = (c: Catalog, assetId: number, state: string, network: string, error: string | null = null) =>
    c.db
      .prepare(`INSERT INTO jobs (kind, asset_id, state, progress, checkpoint, error, created_at, updated_at) VALUES ('publish', ?, ?, 0.5, ?, ?, ?, ?)`)
      .run(assetId, state, JSON.stringify({ network }), error, T, T);
  const request = (c: Catalog, tokenId: string, n: number, state: string, network = 'sandbox') =>
    c.db
      .prepare(`INSERT INTO access_requests (network, request_id, token_id, requester, recipient, amount_wei, state, block_number, tx_hash, created_at, updated_at)
        VALUES (?, ?, ?, '0xb', '0xb', '1', ?, 1, '0x', ?, ?)`)
      .run(network, `${tokenId}-${n}`, tokenId, state, T, T);
  const granted = (c: Catalog, tokenId: string, wei: string, n: number) =>
    c.db
      .prepare(`INSERT INTO earnings_access (network, kind, request_id, token_id, account, amount_wei, block_number, tx_hash, log_index) VALUES ('sandbox', 'granted', ?, ?, NULL, ?, 1, ?, 0)`)
      .run(`r${n}`, tokenId, wei, `0x${n}`);

  it('reads each asset of a page: latest certificate on the network, newest publish job, pending requests, granted amounts', () => {
    const c = open();
    const a = c.assets.insert({ kind: 'dataset', name: 'A', rootPath: '/a' }, T);
    const b = c.assets.insert({ kind: 'dataset', name: 'B', rootPath: '/b' }, T);
    const fresh = c.assets.insert({ kind: 'model', name: 'C', rootPath: '/c' }, T);
    const v1 = c.versions.add({ assetId: a, contentRoot: '1'.repeat(64), manifest: '', previousId: null, createdAt: T });
    const v2 = c.versions.add({ assetId: a, contentRoot: '2'.repeat(64), manifest: '', previousId: v1.id, createdAt: T });
    cert(c, a, v1.id, '1', '10000000000000000');
    cert(c, a, v2.id, '2', '20000000000000000');
    cert(c, a, v2.id, '9', '30000000000000000', 'testnet'); // another network: not this one's
    const bv = c.versions.add({ assetId: b, contentRoot: '3'.repeat(64), manifest: '', previousId: null, createdAt: T });
    cert(c, b, bv.id, '3', '0');
    c.access.setAutoApprove(b, true, T);
    // b's token was taken off sale on this network (the flag comes with the same query).
    c.listings.set('sandbox', '3', false, 10, T);
    c.listings.set('testnet', '2', false, 10, T); // another network's token 2: not this one's
    job(c, a, 'done', 'sandbox');
    job(c, a, 'failed', 'sandbox', 'a.csv changed since it was published.');
    job(c, a, 'running', 'testnet'); // newer, but on another network
    // Pending requests of both versions' tokens count; decided ones do not.
    request(c, '1', 1, 'pending');
    request(c, '2', 2, 'pending');
    request(c, '2', 3, 'approved');
    request(c, '3', 4, 'denied');
    request(c, '9', 5, 'pending', 'testnet');
    // Wei beyond SQLite's 64-bit integers stay exact (summed by the caller).
    granted(c, '1', '10000000000000000000', 1);
    granted(c, '2', '20000000000000000000', 2);

    const o = c.assets.overview('sandbox', [a, b, fresh]);
    expect(o.get(a)).toEqual({
      assetId: a,
      certificate: { version: 2, priceWei: '20000000000000000', contentRoot: '2'.repeat(64), tokenId: '2', forSale: true },
      autoApprove: false,
      job: { state: 'failed', progress: 0.5, error: 'a.csv changed since it was published.' },
      pendingRequests: 2,
      grantedWei: expect.arrayContaining(['10000000000000000000', '20000000000000000000']) as unknown,
    });
    expect(o.get(a)?.grantedWei).toHaveLength(2);
    expect(o.get(b)).toMatchObject({ certificate: { version: 1, priceWei: '0', forSale: false }, autoApprove: true, job: null, pendingRequests: 0, grantedWei: [] });
    expect(o.get(fresh)).toEqual({ assetId: fresh, certificate: null, autoApprove: false, job: null, pendingRequests: 0, grantedWei: [] });
    expect(c.assets.overview('testnet', [a]).get(a)).toMatchObject({ certificate: { version: 2, tokenId: '9' }, job: { state: 'running' }, pendingRequests: 1 });
    expect(c.assets.overview('sandbox', []).size).toBe(0);
  });

  it('reads the newest publish job through an index, not by scanning every upload job', () => {
    const c = open();
    const plan = c.db
      .prepare(`EXPLAIN QUERY PLAN SELECT j.id FROM jobs j WHERE j.batch_id IS NULL AND j.asset_id = 1 AND j.kind = 'publish' ORDER BY j.id DESC LIMIT 1`)
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toContain('jobs_unbatched');
  });
});
