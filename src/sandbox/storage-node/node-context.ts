/**
 * What the storage node's request handlers share: its settings, counters and the common replies.
 * Split from node.ts (server lifecycle and routing); the handlers are in node-funding.ts,
 * node-uploads.ts and node-reads.ts.
 */
import type { ServerResponse } from 'node:http';
import { sendError, sendJson, sendText } from './http';
import type { NodeIdentity } from './receipts';
import type { Store } from './store';

/** The token (Irys currency name) this node takes: ETH on the sandbox chain. */
export const STORAGE_NODE_TOKEN = 'ethereum';

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

export interface ServeConfig {
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

export type Reply = { status: number; json: unknown } | { status: number; text: string } | { status: number; error: string; message: string };

export function send(res: ServerResponse, r: Reply): void {
  if ('json' in r) sendJson(res, r.status, r.json);
  else if ('text' in r) sendText(res, r.status, r.text);
  else sendError(res, r.status, r.error, r.message);
}

export interface NodeContext {
  cfg: ServeConfig;
  stats: StorageNodeStats;
  noSpace: (what: string) => Reply;
  badToken: (token: string) => Reply | undefined;
}

export function createContext(cfg: ServeConfig): NodeContext {
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
  const noSpace = (what: string): Reply => {
    stats.noSpace++;
    return { status: 507, error: 'INSUFFICIENT_STORAGE', message: `The storage node's disk is full; ${what} was not stored (nothing was written). Free space in ${cfg.dataDir} and retry.` };
  };
  const badToken = (token: string): Reply | undefined =>
    token === STORAGE_NODE_TOKEN ? undefined : { status: 400, error: 'UNSUPPORTED_TOKEN', message: `This node takes payment in "${STORAGE_NODE_TOKEN}" only, not "${token}".` };
  return { cfg, stats, noSpace, badToken };
}
