/**
 * The local storage node: the Irys node HTTP API that the real `@irys/upload` client uses, on
 * 127.0.0.1, storing ANS-104 data items in a data dir and taking payment in the sandbox chain's
 * ETH. See README.md for the endpoints and the shapes the client expects.
 */
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { tryExclusiveLock } from '../../catalog/lock';
import { writeFileAtomic } from '../../util/atomic-write';
import { errnoCode, isNoSpace } from './fsutil';
import { BodyTooLargeError, drain, readBody, sendError } from './http';
import { createContext, send, STORAGE_NODE_TOKEN, type Reply, type ServeConfig, type StorageNodeStats } from './node-context';
import { createFunding } from './node-funding';
import { createReads } from './node-reads';
import { createUploads } from './node-uploads';
import { loadOrCreateIdentity } from './receipts';
import { Store, isUploadId } from './store';
import { StorageNodeError } from './errors';

export const STORAGE_NODE_HOST = '127.0.0.1';
export { STORAGE_NODE_TOKEN, type StorageNodeStats } from './node-context';
export const STORAGE_NODE_VERSION = '0.2.0';

export interface StoragePricing {
  /** Wei per byte of the raw data item (header + data). Default 1_000_000 (1 GB ≈ 0.001 ETH). */
  weiPerByte?: bigint | number | string;
  /** Wei added to every item. Default 1_000_000_000_000 (0.000001 ETH). */
  baseFeeWei?: bigint | number | string;
}

export interface StartStorageNodeOptions {
  dataDir: string;
  /** JSON-RPC URL of the chain that funding transactions are checked against. */
  rpcUrl: string;
  /** Default: a free port. */
  port?: number;
  pricing?: StoragePricing;
  /** Confirmations a funding tx needs before it is credited (1 = mined). Default 1. */
  confirmations?: number;
  /** Largest body of a single POST /tx. Default 256 MiB. */
  maxTxBytes?: number;
  /** Largest item, chunked or not. Default 64 GiB. */
  maxItemBytes?: number;
  /** Allowed chunk sizes, reported to the client. Default 1 KiB .. 256 MiB. */
  chunkSize?: { min?: number; max?: number };
  /** Chunked uploads not finished within this are removed. Default 24 h. */
  uploadTtlMs?: number;
  /** Timeout of one JSON-RPC call. Default 10 s. */
  rpcTimeoutMs?: number;
  /** RSA key size of a newly created node identity. Default 4096 (as Arweave keys). */
  identityKeyBits?: number;
}

export interface StorageNode {
  /** http://127.0.0.1:<port> (no trailing slash): give it to the client's `.bundlerUrl(url)`. */
  url: string;
  port: number;
  /** The node's funding address (checksummed): where the client sends ETH. */
  address: string;
  /** The node's receipt-signing public key (RSA modulus, base64url), as in receipts' `public`. */
  publicKey: string;
  dataDir: string;
  token: typeof STORAGE_NODE_TOKEN;
  /** The price in wei of a raw data item of `bytes` bytes (what GET /price answers). */
  price(bytes: number): bigint;
  /** Stops listening and closes connections. Idempotent. */
  stop(): Promise<void>;
  stats(): StorageNodeStats;
}

export { StorageNodeError, type StorageNodeErrorCode } from './errors';

const activeDirs = new Set<string>();

const toBigInt = (v: bigint | number | string | undefined, fallback: bigint, what: string): bigint => {
  if (v === undefined) return fallback;
  try {
    const b = BigInt(v);
    if (b < 0n) throw new Error('negative');
    return b;
  } catch (e) {
    throw new StorageNodeError('BAD_OPTIONS', `pricing.${what} must be a whole number of wei (0 or more), not ${String(v)}.`, { cause: e });
  }
};

const positiveInt = (v: number | undefined, fallback: number, what: string): number => {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new StorageNodeError('BAD_OPTIONS', `${what} must be a whole number of 1 or more, not ${v}.`);
  return v;
};

/** Starts the node on 127.0.0.1. Creates `dataDir` and the node's identity on first start. */
export async function startStorageNode(opts: StartStorageNodeOptions): Promise<StorageNode> {
  const dataDir = resolve(opts.dataDir);
  if (activeDirs.has(dataDir)) throw new StorageNodeError('ALREADY_RUNNING', `A storage node is already running on ${dataDir} in this process; stop it first.`);
  const weiPerByte = toBigInt(opts.pricing?.weiPerByte, 1_000_000n, 'weiPerByte');
  const baseFeeWei = toBigInt(opts.pricing?.baseFeeWei, 1_000_000_000_000n, 'baseFeeWei');
  const confirmations = positiveInt(opts.confirmations, 1, 'confirmations');
  const maxTxBytes = positiveInt(opts.maxTxBytes, 256 * 1024 * 1024, 'maxTxBytes');
  const maxItemBytes = positiveInt(opts.maxItemBytes, 64 * 1024 * 1024 * 1024, 'maxItemBytes');
  const minChunk = positiveInt(opts.chunkSize?.min, 1024, 'chunkSize.min');
  const maxChunk = positiveInt(opts.chunkSize?.max, 256 * 1024 * 1024, 'chunkSize.max');
  if (minChunk > maxChunk) throw new StorageNodeError('BAD_OPTIONS', `chunkSize.min (${minChunk}) is larger than chunkSize.max (${maxChunk}).`);
  const uploadTtlMs = positiveInt(opts.uploadTtlMs, 24 * 60 * 60 * 1000, 'uploadTtlMs');
  const rpcTimeoutMs = positiveInt(opts.rpcTimeoutMs, 10_000, 'rpcTimeoutMs');
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)) {
    throw new StorageNodeError('BAD_OPTIONS', `port must be a whole number from 0 to 65535, not ${opts.port}.`);
  }
  let rpcUrl: string;
  try {
    rpcUrl = new URL(opts.rpcUrl).toString();
  } catch (e) {
    throw new StorageNodeError('BAD_OPTIONS', `rpcUrl is not a URL: ${opts.rpcUrl}`, { cause: e });
  }

  activeDirs.add(dataDir);
  // One node per dir, across processes: the OS lock of catalog/lock.ts (a pid file could be left
  // behind by a crash, or name a reused pid).
  let lock: { release: () => void } | null = null;
  try {
    await mkdir(dataDir, { recursive: true });
    lock = tryExclusiveLock(join(dataDir, 'storage-node.lock'));
    if (lock === null) throw new StorageNodeError('ALREADY_RUNNING', `A storage node is already running on ${dataDir}; stop it first.`);
    const identity = await loadOrCreateIdentity(join(dataDir, 'node-key.json'), opts.identityKeyBits);
    const store = await Store.open(dataDir);
    await store.expireUploads(uploadTtlMs);
    const node = await serve({
      dataDir,
      rpcUrl,
      port: opts.port ?? 0,
      identity,
      store,
      price: (bytes) => baseFeeWei + weiPerByte * BigInt(bytes),
      pricing: { weiPerByte, baseFeeWei },
      confirmations,
      maxTxBytes,
      maxItemBytes,
      minChunk,
      maxChunk,
      uploadTtlMs,
      rpcTimeoutMs,
      onStopped: () => {
        lock?.release();
        activeDirs.delete(dataDir);
        return Promise.resolve();
      },
    });
    return node;
  } catch (e) {
    lock?.release();
    activeDirs.delete(dataDir);
    if (isNoSpace(e)) throw new StorageNodeError('START_FAILED', `The storage node cannot start: the disk holding ${dataDir} is full.`, { cause: e });
    throw e;
  }
}
async function serve(cfg: ServeConfig): Promise<StorageNode> {
  const { store, identity } = cfg;
  const ctx = createContext(cfg);
  const { stats, noSpace, badToken } = ctx;
  const { refreshPending, fund, destroy } = createFunding(ctx);
  const { postTx, chunksGet, chunkPost, chunksFinish } = createUploads(ctx, refreshPending);
  const { lookup, serveData, itemJson, notFound, getPath, graphql } = createReads(ctx);

  // -------------------------------------------------------------- routing

  function info(): Record<string, unknown> {
    return {
      version: STORAGE_NODE_VERSION,
      addresses: { [STORAGE_NODE_TOKEN]: identity.address },
      gateway: url.replace(/^https?:\/\//, ''),
      network: 'ativo-local',
      public: identity.publicKey,
      pricing: { weiPerByte: cfg.pricing.weiPerByte.toString(), baseFeeWei: cfg.pricing.baseFeeWei.toString() },
      chunking: { version: 2, min: cfg.minChunk, max: cfg.maxChunk },
      confirmations: cfg.confirmations,
      items: store.itemCount,
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<Reply | undefined> {
    const u = new URL(req.url ?? '/', 'http://localhost');
    let segments: string[];
    try {
      segments = u.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    } catch {
      await drain(req);
      return { status: 400, error: 'BAD_PATH', message: 'The request path is not valid percent-encoding.' };
    }
    const method = req.method ?? 'GET';
    const [a, b, c, d] = segments;
    const isGet = method === 'GET' || method === 'HEAD';

    if (method === 'POST') {
      if (a === 'tx' && b !== undefined && segments.length === 2) return postTx(req, b);
      if (a === 'chunks' && b !== undefined && c !== undefined && d !== undefined && segments.length === 4) {
        if (!isUploadId(c)) {
          await drain(req);
          return { status: 404, error: 'UPLOAD_NOT_FOUND', message: `Upload ${c} not found.` };
        }
        return d === '-1' ? chunksFinish(req, b, c) : chunkPost(req, b, c, d);
      }
      if (a === 'account' && b === 'balance' && c !== undefined && segments.length === 3) return fund(req, c);
      if (a === 'graphql' && segments.length === 1) return graphql(await readBody(req, 1024 * 1024));
      if (a === 'account' && (b === 'withdraw' || b === 'withdrawals')) {
        await drain(req);
        return { status: 501, error: 'NOT_SUPPORTED', message: 'Withdrawals are not supported by the local storage node.' };
      }
      await drain(req);
      return { status: 404, error: 'NOT_FOUND', message: `No route POST ${u.pathname}.` };
    }
    if (!isGet) {
      await drain(req);
      return { status: 405, error: 'METHOD_NOT_ALLOWED', message: `${method} is not supported.` };
    }
    await drain(req);
    if (a === undefined || (a === 'info' && segments.length === 1)) return { status: 200, json: info() };
    if (a === 'public' && segments.length === 1) return { status: 200, text: identity.publicKey };
    if (a === 'price' && segments.length === 3 && b !== undefined && c !== undefined) {
      const bt = badToken(b);
      if (bt !== undefined) return bt;
      if (!/^\d{1,15}$/.test(c)) return { status: 400, error: 'BAD_SIZE', message: `Size must be a whole number of bytes, not "${c}".` };
      return { status: 200, text: cfg.price(Number(c)).toString() };
    }
    if (a === 'account' && b === 'balance' && c !== undefined && segments.length === 3) {
      const bt = badToken(c);
      if (bt !== undefined) return bt;
      const address = u.searchParams.get('address');
      if (address === null || address === '') return { status: 400, error: 'BAD_REQUEST', message: 'Give the address: /account/balance/{token}?address=0x...' };
      await refreshPending(address.toLowerCase());
      return { status: 200, json: { balance: store.balanceOf(address).toString() } };
    }
    if (a === 'account' && (b === 'withdrawals' || b === 'withdraw')) return { status: 501, error: 'NOT_SUPPORTED', message: 'Withdrawals are not supported by the local storage node.' };
    if (a === 'chunks' && b !== undefined && c !== undefined && d !== undefined && segments.length === 4) return chunksGet(b, c, d);
    if (a === 'graphql' && segments.length === 1) {
      const query = u.searchParams.get('query');
      if (query === null) return { status: 400, error: 'BAD_REQUEST', message: 'POST a JSON { query, variables } to /graphql (or GET /graphql?query=...).' };
      const vars = u.searchParams.get('variables');
      return graphql(Buffer.from(JSON.stringify({ query, variables: vars === null ? null : (JSON.parse(vars) as unknown) })));
    }
    if (a === 'tx' && b !== undefined) {
      const item = lookup(b);
      if (item === undefined) return notFound(b);
      if (segments.length === 2) return { status: 200, json: itemJson(item) };
      if (segments.length === 3 && c === 'status') return { status: 200, json: { status: 'FINALIZED', id: item.id, timestamp: item.receipt.timestamp } };
      if (segments.length === 3 && c === 'data') {
        serveData(req, res, item);
        return undefined;
      }
      return { status: 404, error: 'NOT_FOUND', message: `No route GET ${u.pathname}.` };
    }
    if (a === 'raw' && b !== undefined && segments.length === 2) {
      const item = lookup(b);
      if (item === undefined) return notFound(b);
      serveData(req, res, item);
      return undefined;
    }
    return getPath(req, res, segments);
  }

  const server: Server = createServer((req, res) => {
    route(req, res).then(
      (r) => {
        if (r !== undefined) send(res, r);
      },
      (e: unknown) => {
        if (e instanceof BodyTooLargeError) {
          sendError(res, 413, 'BODY_TOO_LARGE', e.message);
          return;
        }
        if (isNoSpace(e)) {
          send(res, noSpace('the request'));
          return;
        }
        console.error('[storage-node] request failed:', e);
        sendError(res, 500, 'INTERNAL', `The storage node failed: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((res, rej) => {
    const onError = (e: Error) => {
      rej(
        errnoCode(e) === 'EADDRINUSE'
          ? new StorageNodeError('PORT_IN_USE', `Port ${cfg.port} on ${STORAGE_NODE_HOST} is already in use by another program. Choose another port for the storage node, or leave it unset to use a free one.`, { cause: e })
          : new StorageNodeError('START_FAILED', `The storage node could not listen on ${STORAGE_NODE_HOST}:${cfg.port}: ${e.message}`, { cause: e }),
      );
    };
    server.once('error', onError);
    server.listen({ port: cfg.port, host: STORAGE_NODE_HOST, exclusive: true }, () => {
      server.removeListener('error', onError);
      res();
    });
  }).catch(async (e: unknown) => {
    await cfg.onStopped();
    throw e;
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : cfg.port;
  const url = `http://${STORAGE_NODE_HOST}:${port}`;
  await writeFileAtomic(join(cfg.dataDir, 'storage-node.json'), `${JSON.stringify({ url, address: identity.address, publicKey: identity.publicKey, pid: process.pid }, null, 2)}\n`).catch(() => undefined);

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    address: identity.address,
    publicKey: identity.publicKey,
    dataDir: cfg.dataDir,
    token: STORAGE_NODE_TOKEN,
    price: cfg.price,
    stats: () => ({ ...stats }),
    stop: () =>
      (stopping ??= (async () => {
        await new Promise<void>((res) => {
          server.close(() => {
            res();
          });
          server.closeAllConnections();
        });
        destroy();
        await cfg.onStopped();
      })()),
  };
}
