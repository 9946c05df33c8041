/**
 * The follower against an RPC that caps eth_getLogs ranges, as public RPCs do.
 *
 * TEST DOUBLE: `cappedRpc` is a small HTTP proxy in front of the real anvil chain. It forwards
 * every JSON-RPC call unchanged, except that it refuses eth_getLogs over more than `maxBlocks`
 * blocks, or whose answer holds more than `maxResults` logs, with the errors public nodes send
 * ("block range too large", "query returned more than 10000 results", …), and can drop the
 * `blockTimestamp` field of logs (nodes that do not stamp them). It exists only because no capped public RPC can run here; the chain,
 * the registry, the transactions and the catalog are all real.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Wallet } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { tempDir } from '../test-support/fs';
import { connectChain, type ChainConnection } from './provider';
import { ChainFollower, type FollowedEvent } from './follow';
import { AGE_RECIPIENT, hex32, startTestChain, type TestChain } from './test-utils';

const PRICE = 10n ** 15n;
const MAX_BLOCKS = 5;

interface Capped {
  url: string;
  conn: ChainConnection;
  /** Inclusive ranges of the eth_getLogs calls answered, and of those refused. */
  answered: [number, number][];
  refused: [number, number][];
  close(): Promise<void>;
}

interface CapOptions {
  stripTimestamps?: boolean;
  /** The refusal's message (default: the block-range one of some public nodes). */
  rangeMessage?: string;
  /** Refuse answers with more logs than this (as Infura does above 10,000 results). */
  maxResults?: number;
}

async function cappedRpc(upstream: string, maxBlocks: number, opts: CapOptions = {}): Promise<Capped> {
  const answered: [number, number][] = [];
  const refused: [number, number][] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      void (async () => {
        const call = JSON.parse(Buffer.concat(parts).toString('utf8')) as { id: number; method: string; params: { fromBlock: string; toBlock: string }[] };
        const reply = (body: unknown): void => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        let range: [number, number] | null = null;
        if (call.method === 'eth_getLogs') {
          const f = call.params[0];
          range = [Number(f?.fromBlock), Number(f?.toBlock)];
          if (range[1] - range[0] + 1 > maxBlocks) {
            refused.push(range);
            reply({ jsonrpc: '2.0', id: call.id, error: { code: -32005, message: opts.rangeMessage ?? `query exceeds max block range ${maxBlocks}` } });
            return;
          }
        }
        const up = await fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call) });
        const body = (await up.json()) as { result?: unknown };
        if (range !== null && opts.maxResults !== undefined && Array.isArray(body.result) && body.result.length > opts.maxResults) {
          refused.push(range);
          // Infura's wording, with the range it suggests (the reader splits on its own).
          reply({ jsonrpc: '2.0', id: call.id, error: { code: -32005, message: `query returned more than ${opts.maxResults} results. Try with this block range [0x${range[0].toString(16)}, 0x${range[1].toString(16)}].` } });
          return;
        }
        if (range !== null) answered.push(range);
        if (range !== null && opts.stripTimestamps === true && Array.isArray(body.result)) {
          for (const log of body.result as Record<string, unknown>[]) delete log.blockTimestamp;
        }
        reply(body);
      })().catch((e: unknown) => {
        res.writeHead(500);
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const conn = await connectChain(url);
  return {
    url,
    conn,
    answered,
    refused,
    close: async () => {
      conn.close();
      await new Promise<void>((r) => server.close(() => { r(); }));
    },
  };
}

let chain: TestChain;
let buyer: Wallet;
let tokenId: bigint;
let dir: { path: string; cleanup: () => void };
let catalog: Catalog;

beforeAll(async () => {
  chain = await startTestChain();
  const [, owner, b] = chain.signers as [Wallet, Wallet, Wallet];
  buyer = b;
  const reg = await chain.registry.register(owner, { contentRoot: hex32('capped-root'), manifestId: 'm', termsHash: hex32('t'), price: PRICE, split: [{ payee: owner.address, bps: 10_000 }] });
  tokenId = (await reg.wait()).result.tokenId;
  // 23 requests, one block each: ranges of 5 blocks cannot hold them all.
  for (let i = 0; i < 23; i++) {
    await (await chain.registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, { termsHash: hex32('t'), price: PRICE }, { message: `capped ${i} ✓` })).wait();
  }
});
afterAll(async () => {
  await chain.close();
});
beforeEach(() => {
  dir = tempDir('ativo-capped-');
  catalog = Catalog.open(`${dir.path}/catalog.sqlite`);
  catalog.db.exec('CREATE TABLE test_events (block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, request_id TEXT NOT NULL, message TEXT NOT NULL, block_time INTEGER NOT NULL)');
});
afterEach(() => {
  catalog.close();
  dir.cleanup();
});

const rows = (): { request_id: string; message: string; block_number: number; block_time: number }[] =>
  catalog.db.prepare('SELECT request_id, message, block_number, block_time FROM test_events ORDER BY block_number, log_index').all() as never;

async function expected(): Promise<{ request_id: string; message: string; block_number: number; block_time: number }[]> {
  const events = (await chain.registry.events(0)).filter((e) => e.name === 'AccessRequested') as unknown as { requestId: bigint; message: string; blockNumber: number }[];
  const out = [];
  for (const e of events) {
    const b = await chain.conn.provider.getBlock(e.blockNumber);
    out.push({ request_id: e.requestId.toString(), message: e.message, block_number: e.blockNumber, block_time: b?.timestamp ?? -1 });
  }
  return out;
}

function follower(conn: ChainConnection, batchSize: number): ChainFollower {
  return new ChainFollower({
    catalog,
    network: 'test',
    stream: 'capped',
    source: () => Promise.resolve({ conn, address: chain.registry.address }),
    events: ['AccessRequested'],
    batchSize,
    apply: (events: FollowedEvent[]) => {
      const stmt = catalog.db.prepare('INSERT INTO test_events (block_number, log_index, request_id, message, block_time) VALUES (?, ?, ?, ?, ?)');
      for (const e of events) if (e.name === 'AccessRequested') stmt.run(e.blockNumber, e.logIndex, e.requestId.toString(), e.message, e.blockTime);
    },
  });
}

describe('a node that caps eth_getLogs ranges', () => {
  it.each([
    ['logs stamped with their block time', false, undefined],
    ['logs without block times (blocks asked for)', true, undefined],
    ['"block range too large"', false, 'block range too large'],
  ])('%s: every event exactly once, ranges split only when refused, the smaller span kept', async (_label, strip, rangeMessage) => {
    const rpc = await cappedRpc(chain.sandbox.rpcUrl, MAX_BLOCKS, { stripTimestamps: strip, ...(rangeMessage === undefined ? {} : { rangeMessage }) });
    try {
      const f = follower(rpc.conn, 1000);
      const r = await f.syncOnce();
      expect(f.status().lastError).toBeNull();
      expect(r.syncedBlock).toBe(await chain.conn.provider.getBlockNumber());
      const want = await expected();
      expect(want.length).toBeGreaterThanOrEqual(23); // the first case adds one more
      expect(rows()).toEqual(want); // same events, same order, same block times, no duplicate
      expect(rpc.refused.length).toBeGreaterThan(0);
      expect(rpc.answered.every(([a, b]) => b - a + 1 <= MAX_BLOCKS)).toBe(true);
      // The answered ranges tile [0, head] exactly: nothing read twice, nothing skipped.
      const sorted = [...rpc.answered].sort((x, y) => x[0] - y[0]);
      expect(sorted[0]?.[0]).toBe(0);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]?.[0]).toBe((sorted[i - 1]?.[1] ?? -2) + 1);
      expect(sorted.at(-1)?.[1]).toBe(r.syncedBlock);
      // Refusals are learned: once the span shrank, later calls fit without being refused again.
      const refusedBefore = rpc.refused.length;
      await (await chain.registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, { termsHash: hex32('t'), price: PRICE }, { message: 'one more' })).wait();
      await f.syncOnce();
      expect(rpc.refused.length).toBe(refusedBefore);
      expect(rows()).toEqual(await expected());
    } finally {
      await rpc.close();
    }
  });

  it('"query returned more than N results": the range is split until each answer fits, every event once', async () => {
    const rpc = await cappedRpc(chain.sandbox.rpcUrl, 1_000_000, { maxResults: 4 });
    try {
      const f = follower(rpc.conn, 1000);
      const r = await f.syncOnce();
      expect(f.status().lastError).toBeNull();
      expect(r.syncedBlock).toBe(await chain.conn.provider.getBlockNumber());
      expect(rows()).toEqual(await expected());
      expect(rpc.refused.length).toBeGreaterThan(0);
      const sorted = [...rpc.answered].sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]?.[0]).toBe((sorted[i - 1]?.[1] ?? -2) + 1);
    } finally {
      await rpc.close();
    }
  });

  it('a node that cannot be reached is reported, not split into smaller calls', async () => {
    const rpc = await cappedRpc(chain.sandbox.rpcUrl, 1000);
    const f = follower({ ...rpc.conn, url: 'http://127.0.0.1:9' }, 1000);
    await expect(f.syncOnce()).rejects.toThrow(/127\.0\.0\.1:9/);
    expect(rpc.answered).toEqual([]);
    await rpc.close();
  });
});
