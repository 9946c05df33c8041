/**
 * The storage client's option, result and resume-state types. Split from client.ts (which
 * re-exports them).
 */
import type { StorageReceipt } from './chunked';
import type { Amount } from './format';
import type { Tag } from './item';

/** Where a network profile stores data. */
export interface StorageProfile {
  /** The network profile's name (sandbox / testnet / mainnet): uploads are recorded per network. */
  network: string;
  /** The Irys node (bundler) URL, e.g. the sandbox node's http://127.0.0.1:port or https://devnet.irys.xyz. */
  nodeUrl: string;
  /** JSON-RPC URL of the chain the storage account is funded on. */
  rpcUrl: string;
}

export interface StorageClientOptions extends StorageProfile {
  /** The wallet's private key (hex). Never logged, never returned. */
  privateKey: string;
  /** Timeout of one request (a chunk, a price, …), default 2 minutes. */
  requestTimeoutMs?: number;
  /** Timeout of the request that finishes an upload (the node assembles and checks the item), default 30 minutes. */
  finishTimeoutMs?: number;
  /** Chunk size of new uploads (fitted into the node's limits), default 8 MiB. */
  chunkSize?: number;
  /** Chunks in flight at once, default 4. Memory use is about (batchSize + 4) × chunkSize. */
  batchSize?: number;
}

export interface Quote {
  /** Data bytes asked about. */
  dataBytes: number;
  /** Bytes of the data item the node charges for (signed header + data). */
  itemBytes: number;
  price: Amount;
}

export interface FundResult {
  txHash: string;
  amount: Amount;
  /** 'credited': the balance includes it now; 'pending': the node credits it once it has enough confirmations. */
  status: 'credited' | 'pending';
}

export interface ExistingItem {
  id: string;
  /** The receipt, rebuilt from the node's index and verified (signature and the node's key). */
  receipt: StorageReceipt;
}

export interface UploadProgress {
  /**
   * 'checking': hashing the file before sending anything; 'uploading': bytes confirmed stored by
   * the node; 'encrypting': plaintext bytes encrypted (reported by the upload job for private files, never by the client).
   */
  phase: 'checking' | 'encrypting' | 'uploading';
  bytes: number;
  total: number;
  /** 0..1 within the phase. */
  fraction: number;
}

/**
 * What makes an interrupted upload resumable with the same item id: persist every change
 * (onResumeState is called before any chunk is sent with a new state) and pass it back.
 */
export interface ResumeState {
  sha256: string;
  size: number;
  /** The exact tags signed (order matters). */
  tags: Tag[];
  /** 32 bytes, fixed for this file upload. */
  anchor: string;
  chunkSize: number;
  /** The client's resume data: the node's id of the chunked upload, once it exists. */
  uploadId: string | null;
  /** The item id, known once the header chunk is about to be sent. */
  itemId: string | null;
}

export interface UploadFileOptions {
  /** Refuse (FILE_CHANGED, nothing sent) unless the file hashes to this (hex). */
  expectedSha256?: string;
  /** Refuse (FILE_CHANGED) unless the file has this many bytes (checked before hashing). */
  expectedSize?: number;
  /** More tags (App-Name, Content-Type and Content-Sha256 are always set). */
  tags?: readonly Tag[];
  contentType?: string;
  /** Marks the item as age-encrypted ('age:<recipients>'); the file must be the ciphertext. */
  encryption?: string | null;
  signal?: AbortSignal;
  resume?: ResumeState | null;
  /** Called synchronously whenever the resume state changes; persist it before returning. */
  onResumeState?: (state: ResumeState) => void;
  onProgress?: (p: UploadProgress) => void;
  /**
   * Called with the quote and the balance just before bytes are sent (to keep them with the
   * checkpoint, or to ask a person): the upload waits for a returned promise; throwing cancels it.
   */
  onQuote?: (q: { quoted: Amount; balanceBefore: Amount; itemBytes: number }) => void | Promise<void>;
  /** Look for an item with the same content already stored by this wallet and reuse it (default true). */
  dedupe?: boolean;
  /**
   * Send exactly the item prepareFile fixed (pass its resume state too): refuse (ITEM_MISMATCH,
   * nothing sent) when the header signed now has another id. Implies dedupe false: an item
   * referenced by id (on chain, in a manifest) must be that item, not one with the same bytes.
   */
  expectedId?: string;
  /**
   * The wallet that must sign (0x address): refused (WRONG_WALLET, nothing signed or sent) when
   * this client signs with another one. A durable job passes the wallet that owns it, so a wallet
   * switched in between never signs (or fails to re-sign) an item whose id was fixed before.
   */
  owner?: string;
}

/** An item whose id is fixed before anything is sent (see StorageClient.prepareFile). */
export interface PreparedItem {
  id: string;
  /** Pass as `resume` (with `expectedId: id`) to upload exactly this item. */
  resume: ResumeState;
}

export interface UploadFileResult {
  id: string;
  receipt: StorageReceipt;
  sha256: string;
  size: number;
  itemBytes: number;
  /** true: an item with this content was already stored by this wallet; it was reused and nothing was paid. */
  reused: boolean;
  /** true: an earlier, interrupted upload's chunks were reused. */
  resumed: boolean;
  /** Chunk bytes sent by this call (header included). */
  sentBytes: number;
  quoted: Amount | null;
  balanceBefore: Amount | null;
  balanceAfter: Amount | null;
  /**
   * Balance before − balance after: what the upload actually cost. Null when reused, and when
   * other uploads of this client ran at the same time (the balance change is theirs too).
   */
  charged: Amount | null;
  /** False when other uploads of this client overlapped this one, so its charge was not observed. */
  chargeObserved: boolean;
  /** The charge differs from the quote. */
  chargeMismatch: boolean;
  /** A sentence for a person when chargeMismatch (or another oddity) is set. */
  warning: string | null;
  resume: ResumeState;
}
