/** The API's lifecycle facts of assets (issue 14): status from the catalog, earnings summed exactly, payees named by address only. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { tempDir } from '../test-support/fs';
import { LICENSES } from '../publish/licenses';
import { licenseIdOf, namePayees, withStatus, type ScanSummary } from './asset-views';

const ME = '0x1111111111111111111111111111111111111111';
const PARTNER = '0x2222222222222222222222222222222222222222';
const T = '2026-01-01T00:00:00.000Z';

describe('asset views', () => {
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
  const scan = (id: number, contentRoot: string | null, state: ScanSummary['state'] = 'ready'): ScanSummary => ({
    id, kind: 'dataset', name: `A${id}`, rootPath: `/a${id}`, visibility: 'private', state, contentRoot, fileCount: 1, totalBytes: 1, skippedCount: 0, error: null, createdAt: T, updatedAt: T, scannedAt: T,
  });

  it('Live at the certified price, Changed once the last complete scan differs; earnings summed exactly', () => {
    const c = open();
    const id = c.assets.insert({ kind: 'dataset', name: 'A', rootPath: '/a' }, T);
    const v1 = c.versions.add({ assetId: id, contentRoot: '1'.repeat(64), manifest: '', previousId: null, createdAt: T });
    c.certificates.add({ assetId: id, versionId: v1.id, network: 'sandbox', chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3', tokenId: '1', txHash: null, blockNumber: null, document: { license: { price: '10000000000000000' } }, createdAt: T });
    for (const [n, wei] of [[1, '18000000000000000000'], [2, '18000000000000000000']] as const) {
      c.db.prepare(`INSERT INTO earnings_access (network, kind, request_id, token_id, account, amount_wei, block_number, tx_hash, log_index) VALUES ('sandbox', 'granted', ?, '1', NULL, ?, 1, ?, 0)`).run(`r${n}`, wei, `0x${n}`);
    }
    const [live] = withStatus(c, 'sandbox', [scan(id, '1'.repeat(64))]);
    expect(live).toMatchObject({ status: { state: 'live', label: 'Live · 0.01 ETH · manual approval', version: 1 }, priceWei: '10000000000000000', pendingRequests: 0, earnedWei: '36000000000000000000' });
    expect(withStatus(c, 'sandbox', [scan(id, '2'.repeat(64))])[0]?.status).toMatchObject({ state: 'changed', label: 'Changed since version 1' });
    // The content root is the last complete scan's: a scan running or failed since does not change what it says.
    expect(withStatus(c, 'sandbox', [scan(id, '2'.repeat(64), 'scanning')])[0]?.status.state).toBe('changed');
    expect(withStatus(c, 'sandbox', [scan(id, '1'.repeat(64), 'error')])[0]?.status.state).toBe('live');
    // Never scanned completely: nothing to compare.
    expect(withStatus(c, 'sandbox', [scan(id, null, 'scanning')])[0]?.status.state).toBe('live');
    // On another network it was never published.
    expect(withStatus(c, 'testnet', [scan(id, '1'.repeat(64))])[0]).toMatchObject({ status: { state: 'not-published', label: 'Not published' }, priceWei: null, earnedWei: '0' });
  });

  it('names a payee only from a contributor with that exact address (a name alone never names an address)', () => {
    const payees = namePayees(
      [{ address: ME, bps: 7000 }, { address: PARTNER, bps: 3000 }],
      [
        { name: 'Ada Soil', address: ME.toUpperCase().replace('0X', '0x'), percent: null, source: 'CONTRIBUTORS' },
        // Someone's name next to another address does not name the partner's share.
        { name: 'Bo Field', address: '0x3333333333333333333333333333333333333333', percent: 30, source: 'CONTRIBUTORS' },
        { name: 'Cy Nameonly', address: null, percent: null, source: 'CITATION.cff' },
      ],
    );
    expect(payees).toEqual([
      { address: ME, bps: 7000, name: 'Ada Soil', source: 'CONTRIBUTORS' },
      { address: PARTNER, bps: 3000, name: null, source: null },
    ]);
  });

  it('license ids from the certified terms text', () => {
    expect(licenseIdOf(LICENSES['CC-BY-NC-4.0'])).toBe('CC-BY-NC-4.0');
    expect(licenseIdOf('My own terms')).toBe('custom');
  });
});
