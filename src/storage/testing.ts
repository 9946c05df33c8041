/**
 * Test helpers (imported by *.test.ts, the crash worker and the bench only): a real anvil, a real
 * local storage node, real storage clients, and big test files written as a stream.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther } from 'ethers';
import { connectChain, type ChainConnection } from '../chain/client';
import { startStorageNode, type StartStorageNodeOptions, type StorageNode } from '../sandbox/storage-node';
import { devPrivateKey, startTestAnvil, type TestAnvil } from '../sandbox/storage-node/testing';
import { StorageClient, type StorageClientOptions } from './client';

export { devPrivateKey };

const BLOCK = 4 * 1024 * 1024;

/**
 * Writes `bytes` of pseudo-random data (a 4 MiB AES-CTR block from `seed`, repeated, each copy
 * stamped with its index so no two chunks are alike) without holding the file in memory.
 * Returns its sha256.
 */
export async function writeTestFile(path: string, bytes: number, seed = 1): Promise<string> {
  const key = createHash('sha256').update(`ativo-test-${seed}`).digest().subarray(0, 16);
  const block = createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(BLOCK));
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  let written = 0;
  for (let i = 0; written < bytes; i++) {
    const piece = Buffer.from(block.subarray(0, Math.min(BLOCK, bytes - written)));
    piece.writeUInt32BE(i >>> 0, 0);
    hash.update(piece);
    written += piece.length;
    if (!out.write(piece)) await Promise.race([new Promise<void>((r) => out.once('drain', () => { r(); })), failed]);
  }
  await Promise.race([new Promise<void>((r) => { out.end(r); }), failed]);
  return hash.digest('hex');
}

export interface StorageTestEnv {
  anvil: TestAnvil;
  /** A chain connection to the anvil (what clients fund through). */
  conn: ChainConnection;
  /** The current node (replaced by restartNode). */
  node: StorageNode;
  nodeDir: string;
  /** A temp folder for the test's files (removed by stop()). */
  dir: string;
  network: string;
  /** A storage client for anvil dev account `account` (not funded). */
  client(account: number, opts?: Partial<StorageClientOptions>): Promise<StorageClient>;
  /** Funds `client`'s balance on the node with `ether` ETH (the client's fast path, through `conn`). */
  fund(client: StorageClient, ether?: string): Promise<void>;
  /** Stops the node (nothing listens on its port until restartNode()). */
  stopNode(): Promise<void>;
  /** Starts the node again on the same data dir and port. */
  restartNode(): Promise<StorageNode>;
  stop(): Promise<void>;
}

export async function startStorageTestEnv(nodeOptions: Partial<StartStorageNodeOptions> = {}): Promise<StorageTestEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'ativo-storage-'));
  const anvil = await startTestAnvil();
  const conn = await connectChain(anvil.rpcUrl);
  const nodeDir = join(dir, 'node');
  const start = (port?: number): Promise<StorageNode> =>
    startStorageNode({ identityKeyBits: 2048, ...nodeOptions, dataDir: nodeDir, rpcUrl: anvil.rpcUrl, ...(port === undefined ? {} : { port }) });
  let node = await start();
  const port = node.port;
  const env: StorageTestEnv = {
    anvil,
    conn,
    get node() {
      return node;
    },
    nodeDir,
    dir,
    network: 'sandbox',
    client: async (account, opts = {}) => {
      return StorageClient.create({ network: 'sandbox', nodeUrl: node.url, rpcUrl: anvil.rpcUrl, privateKey: devPrivateKey(account), ...opts });
    },
    fund: async (client, ether = '1') => {
      await client.fund(parseEther(ether), conn);
    },
    stopNode: () => node.stop(),
    restartNode: async () => {
      await node.stop();
      node = await start(port);
      return node;
    },
    stop: async () => {
      await node.stop();
      conn.close();
      await anvil.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return env;
}

/** Polls `cond` until it holds (conditions owned by another process or the node's counters). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A NODE STUB, for the bad-receipt tests ONLY: an HTTP proxy in front of the real node that
 * passes every request through and lets `alter` rewrite the receipt (the JSON body) of a
 * finished chunked upload. A real node never sends a bad receipt; this is how one arrives.
 */
export async function tamperingProxy(
  target: string,
  alter: (receipt: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>,
): Promise<{ url: string; close(): Promise<void> }> {
  const t = new URL(target);
  const server: Server = createServer((req, res) => {
    const finishing = req.method === 'POST' && /\/chunks\/[^/]+\/[^/]+\/-1$/.test(req.url ?? '');
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      if (!finishing || upRes.statusCode !== 200) {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        return;
      }
      const parts: Buffer[] = [];
      upRes.on('data', (d: Buffer) => parts.push(d));
      upRes.on('end', () => {
        void Promise.resolve(alter(JSON.parse(Buffer.concat(parts).toString()) as Record<string, unknown>)).then((altered) => {
          const body = Buffer.from(JSON.stringify(altered));
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
          res.end(body);
        });
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => { r(); }); }),
  };
}
