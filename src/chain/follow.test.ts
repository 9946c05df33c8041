import type { Wallet } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { tempDir } from '../test-support/fs';
import { createProvider, type ChainConnection } from './client';
import { ChainFollower, type FollowedEvent, type FollowerOptions } from './follow';
import { AGE_RECIPIENT, hex32, startTestChain, type TestChain } from './test-utils';

const PRICE = 10n ** 15n;

let chain: TestChain;
let owner: Wallet;
let buyer: Wallet;
let tokenId: bigint;
let dir: { path: string; cleanup: () => void };
let catalog: Catalog;
let seq = 0;

beforeAll(async () => {
  chain = await startTestChain();
  [, owner, buyer] = chain.signers as [Wallet, Wallet, Wallet];
  const reg = await chain.registry.register(owner, { contentRoot: hex32('follow-root'), manifestId: 'm', termsHash: hex32('t'), price: PRICE, split: [{ payee: owner.address, bps: 10_000 }] });
  tokenId = (await reg.wait()).result.tokenId;
});
afterAll(async () => {
  await chain.close();
});

beforeEach(() => {
  dir = tempDir('ativo-follow-');
  catalog = Catalog.open(`${dir.path}/catalog.sqlite`);
  // The test's consumer table (no UNIQUE: a duplicate hand-over must show up as a duplicate row).
  catalog.db.exec('CREATE TABLE test_events (block_number INTEGER NOT NULL, tx_hash TEXT NOT NULL, log_index INTEGER NOT NULL, request_id TEXT NOT NULL, block_time INTEGER NOT NULL)');
});
afterEach(() => {
  catalog.close();
  dir.cleanup();
});

async function request(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const sent = await chain.registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, { termsHash: hex32('t'), price: PRICE }, { message: `r${seq++}` });
    await sent.wait();
  }
}

const insert = (events: FollowedEvent[]): void => {
  const stmt = catalog.db.prepare('INSERT INTO test_events (block_number, tx_hash, log_index, request_id, block_time) VALUES (?, ?, ?, ?, ?)');
  for (const e of events) if (e.name === 'AccessRequested') stmt.run(e.blockNumber, e.transactionHash, e.logIndex, e.requestId.toString(), e.blockTime);
};
const rows = () => catalog.db.prepare('SELECT request_id FROM test_events ORDER BY block_number, log_index').pluck().all() as string[];
const onChain = async () => (await chain.registry.events(0)).filter((e) => e.name === 'AccessRequested').map((e) => (e as { requestId: bigint }).requestId.toString());

function follower(extra: Partial<FollowerOptions> = {}, conn: () => ChainConnection = () => chain.conn): ChainFollower {
  return new ChainFollower({
    catalog,
    network: 'test',
    stream: 'test',
    source: () => Promise.resolve({ conn: conn(), address: chain.registry.address }),
    events: ['AccessRequested'],
    apply: insert,
    onReorg: (from) => catalog.db.prepare('DELETE FROM test_events WHERE block_number >= ?').run(from),
    ...extra,
  });
}

describe('ChainFollower', () => {
  it('hands every event over exactly once across failed batches and restarts', async () => {
    await request(12);
    let calls = 0;
    const flaky = follower({
      batchSize: 3,
      apply: (events) => {
        insert(events);
        if (++calls === 3) throw new Error('crash in the middle of a batch');
      },
    });
    await expect(flaky.syncOnce()).rejects.toThrow(/crash in the middle/);
    expect(flaky.status().lastError).toMatch(/crash in the middle/);
    expect(flaky.status().failures).toBe(1);
    // The failed batch was rolled back with its cursor: rows are exactly those up to the cursor.
    const cursor = catalog.cursors.get('test', 'test');
    const upTo = (await chain.registry.events(0, cursor?.blockNumber ?? 0)).filter((e) => e.name === 'AccessRequested').length;
    expect(rows()).toHaveLength(upTo);

    // "Restart": a new follower on the same catalog continues from the cursor.
    await request(5);
    const again = follower({ batchSize: 4 });
    const r = await again.syncOnce();
    expect(r.head).toBe(await chain.conn.provider.getBlockNumber());
    expect(rows()).toEqual(await onChain());
    expect(new Set(rows()).size).toBe(rows().length);
    expect(again.status().lastError).toBeNull();
    // Nothing new: nothing handed over.
    expect((await again.syncOnce()).events).toBe(0);
    const times = catalog.db.prepare('SELECT block_time FROM test_events').pluck().all() as number[];
    expect(times.every((t) => t > 1_600_000_000)).toBe(true);
  });

  it('reads only up to head − confirmations', async () => {
    await request(2);
    const f = follower({ confirmations: 3 });
    const r = await f.syncOnce();
    expect(r.syncedBlock).toBe(r.head - 3);
    expect(catalog.cursors.get('test', 'test')?.blockNumber).toBe(r.head - 3);
  });

  it('steps back on a reorg, lets the consumer undo those blocks, and reads them again', async () => {
    await request(4);
    const reorgedFrom: number[] = [];
    const f = follower({
      onReorg: (from) => {
        reorgedFrom.push(from);
        catalog.db.prepare('DELETE FROM test_events WHERE block_number >= ?').run(from);
      },
    });
    await f.syncOnce();
    const before = rows();
    expect(before).toEqual(await onChain());
    const head = await chain.conn.provider.getBlockNumber();
    // Replace the last 3 blocks (3 requests) with empty ones.
    await chain.conn.provider.send('anvil_reorg', [3, []]);
    expect(await chain.conn.provider.getBlockNumber()).toBe(head);
    await request(1); // a new request after the fork
    const r = await f.syncOnce();
    expect(r.reorgs).toBe(1);
    expect(reorgedFrom).toEqual([head - 2]);
    // Rewound exactly to the fork point (head-3 is the newest block whose hash did not change).
    expect(rows()).toEqual(await onChain());
    expect(f.status().reorgs).toBe(1);
    // A fork deeper than the remembered hashes: read again from the start block.
    const shallow = follower({ reorgDepth: 1, stream: 'shallow', onReorg: () => undefined, apply: () => undefined });
    await shallow.syncOnce();
    await chain.conn.provider.send('anvil_reorg', [2, []]);
    const r2 = await shallow.syncOnce();
    expect(r2.reorgs).toBe(1);
    expect(catalog.cursors.get('test', 'shallow')?.blockNumber).toBe(r2.head);
  });

  it('backs off on a dead RPC, shows the error, and recovers', async () => {
    const dead = createProvider('http://127.0.0.1:9', chain.conn.chainId, 2_000);
    const deadConn: ChainConnection = { url: 'http://127.0.0.1:9', chainId: chain.conn.chainId, provider: dead, close: () => { dead.destroy(); } };
    let live = false;
    const f = follower({ backoff: { baseMs: 20, maxMs: 200, jitter: 0.5 }, random: () => 0, onError: () => undefined }, () => (live ? chain.conn : deadConn));
    await expect(f.syncOnce()).rejects.toThrow();
    expect(f.status().lastError).toMatch(/127\.0\.0\.1:9/);
    expect([f.retryDelay(1), f.retryDelay(2), f.retryDelay(3), f.retryDelay(10)]).toEqual([20, 40, 80, 200]);
    f.start(10);
    const deadline = Date.now() + 60_000;
    while (f.status().failures < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(f.status().failures).toBeGreaterThanOrEqual(3);
    live = true;
    while ((f.status().failures > 0 || f.status().syncedBlock < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await f.stop();
    deadConn.close();
    expect(f.status().lastError).toBeNull();
    expect(rows()).toEqual(await onChain());
  });
});
