/**
 * The local storage node: the Irys node HTTP API that the real `@irys/upload` client uses, on
 * 127.0.0.1, storing ANS-104 data items in a data dir and taking payment in the sandbox chain's
 * ETH. See README.md for the endpoints and the shapes the client expects.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { SignatureConfig } from '@irys/bundles';
import { JsonRpcProvider, Network } from 'ethers';
import { z } from 'zod';
import { encodeBase58 } from './base58';
import { AssemblyError, CLIENT_DEFAULT_CHUNK_SIZE, inferChunkSize, planAssembly, resumeChunks } from './chunks';
import { errnoCode, isNoSpace, Mutex, writeFileAtomic } from './fsutil';
import { checkFundingTx, type FundingCheck } from './funding';
import { GraphQLError } from './graphql';
import { BodyTooLargeError, drain, readBody, receiveToFile, sendError, sendJson, sendText } from './http';
import { isBundleItem, unpackBundleFile, type InnerItem } from './bundles';
import { InvalidItemError, readAndVerifyItemFile, tagValue } from './items';
import { isManifestItem, MAX_MANIFEST_BYTES, parseManifest, resolveManifestPath, type PathManifest } from './manifest';
import { runQuery } from './query';
import { DEADLINE_BLOCKS, loadOrCreateIdentity, pseudoHeight, signReceipt, type NodeIdentity } from './receipts';
import { Store, isUploadId, type StoredItem } from './store';
import { isProcessAlive } from '../../util/process';
import { AtivoFault } from '../../util/errors';

export const STORAGE_NODE_HOST = '127.0.0.1';
/** The token (Irys currency name) this node takes: ETH on the sandbox chain. */
export const STORAGE_NODE_TOKEN = 'ethereum';
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

export interface StorageNodeStats {
  /** POST /tx requests. */
  txPosts: number;
  /** POST /chunks/.../{offset} requests (each chunk the client sent, empty ones included). */
  chunkPosts: number;
  /** Bytes received in chunk POSTs. */
  chunkBytes: number;
  /** Chunk POSTs with an empty body (the client sends one after the last chunk when the size is a multiple of the chunk size). */
  emptyChunkPosts: number;
  uploadsCreated: number;
  /** GET /chunks/.../{id}/-1 for an existing upload (a client resuming). */
  uploadsResumed: number;
  uploadsFinished: number;
  itemsStored: number;
  bytesStored: number;
  /** Items uploaded again after they were stored (answered 201). */
  duplicates: number;
  /** Items refused as invalid (400). */
  invalidItems: number;
  /** Uploads refused for want of balance (402). */
  insufficientBalance: number;
  /** Requests failed because the disk is full (507). */
  noSpace: number;
  fundingCredited: number;
  fundingPending: number;
  fundingRefused: number;
  graphqlQueries: number;
  downloads: number;
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

export type StorageNodeErrorCode = 'PORT_IN_USE' | 'ALREADY_RUNNING' | 'BAD_OPTIONS' | 'START_FAILED';

export class StorageNodeError extends AtivoFault {
  readonly family = 'storage-node';
  override readonly name = 'StorageNodeError';
  constructor(
    readonly code: StorageNodeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

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


async function takeDirLock(path: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(`${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() })}\n`);
      await fh.close();
      return;
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e;
      let pid: number | undefined;
      try {
        const parsed = JSON.parse(await readFile(path, 'utf8')) as { pid?: unknown };
        pid = typeof parsed.pid === 'number' ? parsed.pid : undefined;
      } catch {
        pid = undefined;
      }
      if (pid !== undefined && pid !== process.pid && isProcessAlive(pid)) {
        throw new StorageNodeError('ALREADY_RUNNING', `A storage node (pid ${pid}) is already running on ${path.replace(/\/storage-node\.lock$/, '')}; stop it first.`);
      }
      await rm(path, { force: true }); // stale (its process is gone)
    }
  }
  throw new StorageNodeError('START_FAILED', `Could not take the lock ${path}.`);
}

const FundBody = z.object({ tx_id: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte transaction hash') });
const GraphqlBody = z.object({
  query: z.string().min(1),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().nullish(),
});

/** Signature types whose owner is an Ethereum address, i.e. that can pay in ETH. */
const ETH_SIGNATURE_TYPES = new Set<number>([SignatureConfig.ETHEREUM, SignatureConfig.TYPEDETHEREUM]);

type Reply = { status: number; json: unknown } | { status: number; text: string } | { status: number; error: string; message: string };

function send(res: ServerResponse, r: Reply): void {
  if ('json' in r) sendJson(res, r.status, r.json);
  else if ('text' in r) sendText(res, r.status, r.text);
  else sendError(res, r.status, r.error, r.message);
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((res, rej) => {
    const t = setTimeout(() => {
      rej(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        res(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        rej(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });

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
  const lockPath = join(dataDir, 'storage-node.lock');
  let locked = false;
  try {
    await mkdir(dataDir, { recursive: true });
    await takeDirLock(lockPath);
    locked = true;
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
      onStopped: async () => {
        await rm(lockPath, { force: true });
        activeDirs.delete(dataDir);
      },
    });
    return node;
  } catch (e) {
    if (locked) await rm(lockPath, { force: true }).catch(() => undefined);
    activeDirs.delete(dataDir);
    if (isNoSpace(e)) throw new StorageNodeError('START_FAILED', `The storage node cannot start: the disk holding ${dataDir} is full.`, { cause: e });
    throw e;
  }
}

interface ServeConfig {
  dataDir: string;
  rpcUrl: string;
  port: number;
  identity: NodeIdentity;
  store: Store;
  price: (bytes: number) => bigint;
  pricing: { weiPerByte: bigint; baseFeeWei: bigint };
  confirmations: number;
  maxTxBytes: number;
  maxItemBytes: number;
  minChunk: number;
  maxChunk: number;
  uploadTtlMs: number;
  rpcTimeoutMs: number;
  onStopped: () => Promise<void>;
}

async function serve(cfg: ServeConfig): Promise<StorageNode> {
  const { store, identity } = cfg;
  const stats: StorageNodeStats = {
    txPosts: 0,
    chunkPosts: 0,
    chunkBytes: 0,
    emptyChunkPosts: 0,
    uploadsCreated: 0,
    uploadsResumed: 0,
    uploadsFinished: 0,
    itemsStored: 0,
    bytesStored: 0,
    duplicates: 0,
    invalidItems: 0,
    insufficientBalance: 0,
    noSpace: 0,
    fundingCredited: 0,
    fundingPending: 0,
    fundingRefused: 0,
    graphqlQueries: 0,
    downloads: 0,
  };
  const ledger = new Mutex();
  const funding = new Mutex();
  const finishing = new Set<string>();
  const manifests = new Map<string, PathManifest | null>();
  let lastExpiry = Date.now();
  // The chain id is read once with a plain request and given to ethers: an ethers provider left
  // to detect the network itself retries forever (and logs every second) while the RPC is down.
  let provider: JsonRpcProvider | undefined;
  let providerP: Promise<JsonRpcProvider> | undefined;
  const chain = (): Promise<JsonRpcProvider> =>
    (providerP ??= (async () => {
      const r = await fetch(cfg.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: AbortSignal.timeout(cfg.rpcTimeoutMs),
      });
      const body = (await r.json()) as { result?: unknown };
      if (typeof body.result !== 'string') throw new Error(`eth_chainId answered ${JSON.stringify(body)}`);
      provider = new JsonRpcProvider(cfg.rpcUrl, Network.from(BigInt(body.result)), { staticNetwork: true, batchMaxCount: 1 });
      return provider;
    })().catch((e: unknown) => {
      providerP = undefined;
      throw e instanceof Error ? e : new Error(String(e));
    }));

  const noSpace = (what: string): Reply => {
    stats.noSpace++;
    return { status: 507, error: 'INSUFFICIENT_STORAGE', message: `The storage node's disk is full; ${what} was not stored (nothing was written). Free space in ${cfg.dataDir} and retry.` };
  };
  const badToken = (token: string): Reply | undefined =>
    token === STORAGE_NODE_TOKEN ? undefined : { status: 400, error: 'UNSUPPORTED_TOKEN', message: `This node takes payment in "${STORAGE_NODE_TOKEN}" only, not "${token}".` };

  // -------------------------------------------------------------- funding

  async function check(txId: string): Promise<FundingCheck> {
    return withTimeout(checkFundingTx(await chain(), txId, identity.address, STORAGE_NODE_TOKEN, cfg.confirmations), cfg.rpcTimeoutMs, 'The chain RPC call');
  }

  /** Re-checks funding txs seen as pending (for one address, or all); credits the confirmed ones. */
  async function refreshPending(address?: string): Promise<void> {
    const todo = store.pendingFor(address);
    if (todo.length === 0) return;
    await funding.run(async () => {
      for (const p of todo) {
        if (store.isCredited(p.txId)) continue;
        let r: FundingCheck;
        try {
          r = await check(p.txId);
        } catch {
          continue; // chain unreachable: try again later
        }
        if (r.kind === 'confirmed') {
          await store.credit(r.record);
          stats.fundingCredited++;
        } else if (r.kind !== 'pending') {
          await store.dropPending(p.txId);
        }
      }
    });
  }

  async function fund(req: IncomingMessage, token: string): Promise<Reply> {
    const bt = badToken(token);
    let body: Buffer;
    try {
      body = await readBody(req, 64 * 1024);
    } catch (e) {
      if (e instanceof BodyTooLargeError) return { status: 413, error: 'BODY_TOO_LARGE', message: e.message };
      throw e;
    }
    if (bt !== undefined) return bt;
    let txId: string;
    try {
      txId = FundBody.parse(JSON.parse(body.toString('utf8'))).tx_id.toLowerCase();
    } catch {
      return { status: 400, error: 'BAD_REQUEST', message: 'Send JSON { "tx_id": "0x<transaction hash>" }.' };
    }
    return funding.run(async (): Promise<Reply> => {
      if (store.isCredited(txId)) {
        stats.fundingRefused++;
        return { status: 400, error: 'ALREADY_CREDITED', message: `Funding transaction ${txId} was already credited; a transaction is credited once.` };
      }
      let r: FundingCheck;
      try {
        r = await check(txId);
      } catch (e) {
        return { status: 503, error: 'CHAIN_UNAVAILABLE', message: `The storage node cannot reach the chain at ${cfg.rpcUrl} to check ${txId}: ${e instanceof Error ? e.message : String(e)}. Retry later.` };
      }
      switch (r.kind) {
        case 'not-found':
          stats.fundingRefused++;
          return { status: 404, error: 'TX_NOT_FOUND', message: `Transaction ${txId} is not on the chain.` };
        case 'wrong-recipient':
          stats.fundingRefused++;
          return { status: 400, error: 'WRONG_RECIPIENT', message: `Transaction ${txId} pays ${r.to ?? 'no address (contract creation)'}, not this node's address ${identity.address}.` };
        case 'zero-value':
          stats.fundingRefused++;
          return { status: 400, error: 'NO_VALUE', message: `Transaction ${txId} transfers no ETH.` };
        case 'failed':
          stats.fundingRefused++;
          return { status: 400, error: 'TX_FAILED', message: `Transaction ${txId} failed (reverted) on the chain.` };
        case 'pending':
          await store.markPending(r.record);
          stats.fundingPending++;
          return { status: 202, json: { status: 'pending', txId, confirmations: r.confirmations, required: cfg.confirmations } };
        case 'confirmed':
          await store.credit(r.record);
          stats.fundingCredited++;
          return { status: 200, json: { status: 'credited', txId, address: r.record.from, amount: r.record.value, balance: store.balanceOf(r.record.from).toString() } };
      }
    });
  }

  // -------------------------------------------------------------- items

  /** Verifies the item in `tmpFile`, charges its owner and stores it. Removes `tmpFile` unless it was stored. */
  async function ingest(tmpFile: string, token: string, paidByHeader: string | undefined): Promise<Reply> {
    const state = { keep: false };
    try {
      let header;
      try {
        header = await readAndVerifyItemFile(tmpFile);
      } catch (e) {
        if (e instanceof InvalidItemError) {
          stats.invalidItems++;
          return { status: 400, error: 'INVALID_ITEM', message: e.message };
        }
        throw e;
      }
      if (!ETH_SIGNATURE_TYPES.has(header.signatureType)) {
        stats.invalidItems++;
        return { status: 400, error: 'UNSUPPORTED_SIGNATURE', message: `Items paid in "${token}" must be signed with an Ethereum key (signature type 3 or 7), not type ${header.signatureType}.` };
      }
      if (paidByHeader !== undefined && paidByHeader.trim() !== '' && paidByHeader.trim().toLowerCase() !== header.address) {
        return { status: 400, error: 'PAID_BY_UNSUPPORTED', message: 'This node does not support paying for another address (x-irys-paid-by): the signer pays.' };
      }
      let inner: InnerItem[] = [];
      if (isBundleItem(header.tags)) {
        try {
          inner = await unpackBundleFile(tmpFile, header);
          const bad = inner.find((i) => !ETH_SIGNATURE_TYPES.has(i.header.signatureType));
          if (bad !== undefined) throw new InvalidItemError(`Item ${bad.header.id} in the bundle is signed with key type ${bad.header.signatureType}; every item must be signed with an Ethereum key. Nothing in the bundle was stored.`);
        } catch (e) {
          if (e instanceof InvalidItemError) {
            stats.invalidItems++;
            return { status: 400, error: 'INVALID_BUNDLE', message: `This bundle was refused: ${e.message}` };
          }
          throw e;
        }
      }
      /** A bundle pays once for its bytes, less the bytes of inner items the node already holds. */
      const priceNow = (): bigint => cfg.price(header.size - inner.reduce((n, i) => n + (store.getItem(i.header.id) === undefined ? 0 : i.header.size), 0));
      if (store.getItem(header.id) === undefined && store.balanceOf(header.address) < priceNow()) await refreshPending(header.address);
      // Signed before taking the ledger lock (an RSA-4096 signature takes milliseconds): the lock only records.
      const timestamp = Date.now();
      const receipt = await signReceipt(identity, { id: header.id, timestamp, deadlineHeight: pseudoHeight(timestamp) + DEADLINE_BLOCKS });
      const bundledItems = inner.length > 0 ? inner.map((i) => i.header.id) : undefined;
      return await ledger.run(async (): Promise<Reply> => {
        if (store.getItem(header.id) !== undefined) {
          stats.duplicates++;
          return { status: 201, text: `Transaction ${header.id} already received` };
        }
        const price = priceNow();
        const balance = store.balanceOf(header.address);
        if (balance < price) {
          stats.insufficientBalance++;
          return { status: 402, text: `Not enough balance for transaction: ${header.address} has ${balance} wei, the item (${header.size} bytes) costs ${price} wei. Fund the node at ${identity.address} and retry.` };
        }
        const record = {
          ...header,
          token,
          contentType: tagValue(header.tags, 'Content-Type') ?? 'application/octet-stream',
          price: price.toString(),
          paidBy: header.address,
          receipt,
          ...(bundledItems === undefined ? {} : { bundledItems }),
        };
        const stored =
          bundledItems === undefined
            ? await store.commitItem(tmpFile, record)
            : await store.commitBundle(
                tmpFile,
                record,
                inner.map((i) => ({
                  raw: i.raw,
                  item: { ...i.header, token, contentType: tagValue(i.header.tags, 'Content-Type') ?? 'application/octet-stream', price: '0', paidBy: i.header.address, receipt, bundledIn: header.id },
                })),
              );
        state.keep = true;
        stats.itemsStored++;
        stats.bytesStored += stored.size;
        return { status: 200, json: bundledItems === undefined ? receipt : { ...receipt, bundledItems } };
      });
    } catch (e) {
      if (isNoSpace(e)) return noSpace('the item');
      throw e;
    } finally {
      if (!state.keep) await rm(tmpFile, { force: true }).catch(() => undefined);
    }
  }

  async function postTx(req: IncomingMessage, token: string): Promise<Reply> {
    stats.txPosts++;
    const bt = badToken(token);
    if (bt !== undefined) {
      await drain(req);
      return bt;
    }
    const tmp = store.tempFile('tx');
    try {
      await receiveToFile(req, tmp, cfg.maxTxBytes);
    } catch (e) {
      if (e instanceof BodyTooLargeError) return { status: 413, error: 'ITEM_TOO_LARGE', message: `${e.message} Upload larger items in chunks (/chunks).` };
      if (isNoSpace(e)) return noSpace('the item');
      throw e;
    }
    return ingest(tmp, token, req.headers['x-irys-paid-by'] as string | undefined);
  }

  // -------------------------------------------------------------- chunked uploads

  async function chunksGet(token: string, id: string, offset: string): Promise<Reply> {
    const bt = badToken(token);
    if (bt !== undefined) return bt;
    if (offset !== '-1') return { status: 404, error: 'NOT_FOUND', message: 'Chunks cannot be downloaded; GET /chunks/{token}/{uploadId}/-1 describes an upload.' };
    if (id === '-1') {
      if (Date.now() - lastExpiry > 60_000) {
        lastExpiry = Date.now();
        await store.expireUploads(cfg.uploadTtlMs).catch(() => 0);
      }
      try {
        const rec = await store.createUpload(token);
        stats.uploadsCreated++;
        return { status: 200, json: { id: rec.id, min: cfg.minChunk, max: cfg.maxChunk, chunks: [] } };
      } catch (e) {
        if (isNoSpace(e)) return noSpace('the upload');
        throw e;
      }
    }
    const rec = await store.getUpload(id);
    if (rec === undefined) return { status: 404, error: 'UPLOAD_NOT_FOUND', message: `Upload ${id} not found (finished, expired or never created).` };
    stats.uploadsResumed++;
    const stored = await store.listChunks(id);
    const size = inferChunkSize(stored, CLIENT_DEFAULT_CHUNK_SIZE);
    return {
      status: 200,
      json: {
        id,
        min: cfg.minChunk,
        max: cfg.maxChunk,
        size,
        chunks: resumeChunks(stored, size),
        // not read by the client; for people and tests
        stored: stored.map((c) => [String(c.offset), c.size]),
      },
    };
  }

  async function chunkPost(req: IncomingMessage, token: string, id: string, offsetText: string): Promise<Reply> {
    stats.chunkPosts++;
    const bt = badToken(token);
    if (bt !== undefined) {
      await drain(req);
      return bt;
    }
    if (!/^\d{1,15}$/.test(offsetText)) {
      await drain(req);
      return { status: 400, error: 'BAD_OFFSET', message: `Chunk offset must be a whole number of bytes, not "${offsetText}".` };
    }
    const offset = Number(offsetText);
    if ((await store.getUpload(id)) === undefined) {
      await drain(req);
      return { status: 404, error: 'UPLOAD_NOT_FOUND', message: `Upload ${id} not found (finished, expired or never created).` };
    }
    const tmp = store.chunkTempPath(id, offset);
    let bytes: number;
    try {
      bytes = await receiveToFile(req, tmp, cfg.maxChunk);
    } catch (e) {
      if (e instanceof BodyTooLargeError) return { status: 413, error: 'CHUNK_TOO_LARGE', message: `Chunks are at most ${cfg.maxChunk} bytes.` };
      if (isNoSpace(e)) return noSpace('the chunk');
      throw e;
    }
    try {
      if (bytes === 0) {
        stats.emptyChunkPosts++;
        return { status: 200, json: { id, offset, size: 0 } };
      }
      if (offset + bytes > cfg.maxItemBytes) return { status: 413, error: 'ITEM_TOO_LARGE', message: `Items are at most ${cfg.maxItemBytes} bytes.` };
      await rename(tmp, store.chunkPath(id, offset));
      stats.chunkBytes += bytes;
      return { status: 200, json: { id, offset, size: bytes } };
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  async function chunksFinish(req: IncomingMessage, token: string, id: string): Promise<Reply> {
    await drain(req);
    const bt = badToken(token);
    if (bt !== undefined) return bt;
    if ((await store.getUpload(id)) === undefined) return { status: 404, error: 'UPLOAD_NOT_FOUND', message: `Upload ${id} not found (finished, expired or never created).` };
    if (finishing.has(id)) return { status: 409, error: 'UPLOAD_FINISHING', message: `Upload ${id} is being finished by another request.` };
    finishing.add(id);
    try {
      let plan;
      try {
        plan = planAssembly(await store.listChunks(id));
      } catch (e) {
        if (e instanceof AssemblyError) return { status: 400, error: 'UPLOAD_INCOMPLETE', message: e.message };
        throw e;
      }
      if (plan.total > cfg.maxItemBytes) return { status: 413, error: 'ITEM_TOO_LARGE', message: `Items are at most ${cfg.maxItemBytes} bytes.` };
      const tmp = store.tempFile('assembled');
      try {
        const out = await open(tmp, 'wx');
        try {
          for (const part of plan.parts) {
            for await (const buf of createReadStream(store.chunkPath(id, part.offset), { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
              await out.write(buf);
            }
          }
          await out.sync();
        } finally {
          await out.close();
        }
      } catch (e) {
        await rm(tmp, { force: true }).catch(() => undefined);
        if (isNoSpace(e)) return noSpace('the item');
        throw e;
      }
      const r = await ingest(tmp, token, req.headers['x-irys-paid-by'] as string | undefined);
      if (r.status === 200 || r.status === 201) {
        await store.removeUpload(id);
        stats.uploadsFinished++;
      }
      return r;
    } finally {
      finishing.delete(id);
    }
  }

  // -------------------------------------------------------------- reading

  /** An item by its base58 id (or the base64url form of the same 32 bytes). */
  function lookup(idText: string): StoredItem | undefined {
    const direct = store.getItem(idText);
    if (direct !== undefined) return direct;
    if (/^[A-Za-z0-9_-]{43}$/.test(idText)) {
      const raw = Buffer.from(idText, 'base64url');
      if (raw.length === 32) return store.getItem(encodeBase58(raw));
    }
    return undefined;
  }

  async function manifestOf(item: StoredItem): Promise<PathManifest | undefined> {
    if (!isManifestItem(item.tags) || item.size - item.dataStart > MAX_MANIFEST_BYTES) return undefined;
    const cached = manifests.get(item.id);
    if (cached !== undefined) return cached ?? undefined;
    const fh = await open(store.dataPath(item.id), 'r');
    let data: Buffer;
    try {
      data = Buffer.alloc(item.size - item.dataStart);
      await fh.read(data, 0, data.length, item.dataStart);
    } finally {
      await fh.close();
    }
    const m = parseManifest(data);
    if (manifests.size > 256) manifests.clear();
    manifests.set(item.id, m ?? null);
    return m;
  }

  function serveData(req: IncomingMessage, res: ServerResponse, item: StoredItem, extraHeaders: Record<string, string> = {}): void {
    const dataSize = item.size - item.dataStart;
    let start = 0;
    let end = dataSize - 1;
    let status = 200;
    const range = req.headers.range;
    if (range !== undefined) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      const a = m?.[1] ?? '';
      const b = m?.[2] ?? '';
      let ok = m !== null && !(a === '' && b === '');
      if (ok && a === '') {
        const n = Number(b);
        start = Math.max(0, dataSize - n);
        ok = n > 0;
      } else if (ok) {
        start = Number(a);
        end = b === '' ? dataSize - 1 : Math.min(Number(b), dataSize - 1);
        ok = start <= end && start < dataSize;
      }
      if (!ok) {
        res.setHeader('content-range', `bytes */${dataSize}`);
        sendError(res, 416, 'RANGE_NOT_SATISFIABLE', `Range ${range} is outside the ${dataSize} bytes of ${item.id}.`);
        return;
      }
      status = 206;
      res.setHeader('content-range', `bytes ${start}-${end}/${dataSize}`);
    }
    stats.downloads++;
    res.statusCode = status;
    res.setHeader('content-type', item.contentType);
    res.setHeader('content-length', dataSize === 0 ? 0 : end - start + 1);
    res.setHeader('accept-ranges', 'bytes');
    res.setHeader('etag', `"${item.id}"`);
    res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    res.setHeader('x-item-id', item.id);
    for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
    if (req.method === 'HEAD' || dataSize === 0) {
      res.end();
      return;
    }
    const stream = createReadStream(store.dataPath(item.id), { start: item.dataStart + start, end: item.dataStart + end });
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  function itemJson(item: StoredItem): Record<string, unknown> {
    return {
      id: item.id,
      address: item.address,
      owner: item.owner,
      signature: item.signature,
      signatureType: item.signatureType,
      target: item.target,
      anchor: item.anchor,
      tags: item.tags,
      size: item.size,
      dataSize: item.size - item.dataStart,
      contentType: item.contentType,
      token: item.token,
      timestamp: item.receipt.timestamp,
      price: item.price,
      paidBy: item.paidBy,
      receipt: item.receipt,
      ...(item.bundledIn === undefined ? {} : { bundledIn: item.bundledIn }),
      ...(item.bundledItems === undefined ? {} : { bundledItems: item.bundledItems }),
    };
  }

  const notFound = (id: string): Reply => ({ status: 404, error: 'NOT_FOUND', message: `No item ${id} on this node.` });

  async function getPath(req: IncomingMessage, res: ServerResponse, segments: string[]): Promise<Reply | undefined> {
    const [first, ...rest] = segments;
    if (first === undefined) return notFound('');
    const item = lookup(first);
    if (item === undefined) return notFound(first);
    const path = rest.join('/');
    const m = await manifestOf(item);
    if (m === undefined) {
      if (rest.length > 0) return { status: 404, error: 'NOT_FOUND', message: `${item.id} is not a path manifest, so /${item.id}/${path} does not resolve.` };
      serveData(req, res, item);
      return undefined;
    }
    const targetId = resolveManifestPath(m, path);
    if (targetId === undefined) {
      if (path === '') {
        serveData(req, res, item); // a manifest without index: its own JSON
        return undefined;
      }
      return { status: 404, error: 'NOT_FOUND', message: `Path "${path}" is not in manifest ${item.id}.` };
    }
    const target = lookup(targetId);
    if (target === undefined) return { status: 404, error: 'NOT_FOUND', message: `Manifest ${item.id} maps "${path}" to ${targetId}, which is not on this node.` };
    serveData(req, res, target, { 'x-manifest-id': item.id });
    return undefined;
  }

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

  function graphql(body: Buffer): Reply {
    stats.graphqlQueries++;
    let parsed;
    try {
      parsed = GraphqlBody.parse(JSON.parse(body.toString('utf8')));
    } catch {
      return { status: 400, json: { errors: [{ message: 'Send JSON { "query": "...", "variables": { ... } }.' }], data: null } };
    }
    try {
      return { status: 200, json: { data: runQuery(store, parsed) } };
    } catch (e) {
      if (e instanceof GraphQLError) return { status: 400, json: { errors: [{ message: e.message }], data: null } };
      throw e;
    }
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
        provider?.destroy();
        await cfg.onStopped();
      })()),
  };
}
