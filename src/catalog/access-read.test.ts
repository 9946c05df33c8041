import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fs';
import { Catalog } from './db';

describe('inbox read state', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  it('opening or deciding marks a request read (a bulk approve leaves none unread); an automatic approval stays news', () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const catalog = Catalog.open(join(dir.path, 'catalog.sqlite'));
    cleanups.push(() => { catalog.close(); });
    const owner = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
    const now = new Date().toISOString();
    const ids = [1, 2, 3, 4].map((n) => {
      const id = catalog.access.insert(
        {
          network: 'sandbox',
          requestId: String(n),
          tokenId: '1',
          requester: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
          recipient: 'age1recipient',
          amountWei: '0',
          message: `please ${n}`,
          blockNumber: n,
          logIndex: 0,
          txHash: `0x${String(n).padStart(64, '0')}`,
          createdAt: now,
          cancellableAt: now,
          owner,
        },
        now,
      );
      if (id === null) throw new Error('not inserted');
      return id;
    });
    const [opened, bulk1, bulk2, auto] = ids as [number, number, number, number];
    const jobId = (): number => catalog.jobs.insert({ kind: 'access.approve', nextRunAt: now }, now).job.id;
    expect(catalog.access.unread('sandbox', owner)).toBe(4);

    expect(catalog.access.markRead('sandbox', owner, [opened], now)).toEqual([opened]); // opened in the Inbox
    // Approve selected (two at once), by a person: read.
    catalog.access.setAction(bulk1, 'approve', jobId(), null, false, now);
    catalog.access.setAction(bulk2, 'approve', jobId(), null, false, now);
    // The auto-approve rule decided this one: the owner has not seen it.
    catalog.access.setAction(auto, 'approve', jobId(), null, true, now);
    expect(catalog.access.unread('sandbox', owner)).toBe(1);
    expect(catalog.access.list({ network: 'sandbox', owner, unreadOnly: true, offset: 0, limit: 10 }).items.map((r) => r.id)).toEqual([auto]);
    // Reading it once more changes nothing.
    expect(catalog.access.markRead('sandbox', owner, [opened, bulk1], now)).toEqual([]);
  });
});
