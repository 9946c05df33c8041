/**
 * The storage client of one network profile (node URL + chain RPC URL + wallet key), over the
 * real Irys client (`@irys/upload` + `@irys/upload-ethereum`). Backend process only: it holds the
 * wallet's private key.
 *
 *   const client = await StorageClient.create({ network: 'sandbox', nodeUrl, rpcUrl, privateKey });
 *   await client.quote(file.size);                         // { price: { atomic, formatted }, … }
 *   await client.fund(parseEther('0.01'), conn);           // ETH to the node's address (under the wallet's send lock), then credited
 *   await client.uploadFile(path, { expectedSha256, onProgress, signal, resume, onResumeState });
 */
import { stat } from 'node:fs/promises';
import { Uploader } from '@irys/upload';
import { Ethereum } from '@irys/upload-ethereum';
import { getAddress } from 'ethers';
import { signNatively } from './signer';
import type { ChainConnection } from '../chain/client';
import { chunkedUpload, type IrysClient, type StorageReceipt } from './chunked';
import { StorageError, isStorageError, networkErrorCode, nodeErrorText, unreachable } from './errors';
import { amount, type Amount } from './format';
import {
  ENCRYPTION_TAG,
  computeItemId,
  fileTags,
  hashFile,
  hashForSigning,
  headerLength,
  isAnchor,
  newAnchor,
  unreadable,
  type Tag,
} from './item';

export type { StorageReceipt } from './chunked';
export type { StorageProfile, StorageClientOptions, Quote, FundResult, ExistingItem, UploadProgress, ResumeState, UploadFileOptions, PreparedItem, UploadFileResult } from './client-types';
import type { StorageClientOptions, Quote, FundResult, ExistingItem, UploadProgress, ResumeState, UploadFileOptions, PreparedItem, UploadFileResult } from './client-types';
import { chargeWarning, earlierResult } from './client-results';
import { fundNode, shortfallError, type FundingClient } from './client-funding';
import { findByDedupeTag, findById, findExisting, readStart, type LookupClient } from './client-lookups';

const DEFAULT_CHUNK = 8 * 1024 * 1024;
const DEFAULT_BATCH = 4;

const toBigInt = (v: { toFixed(dp: number): string }): bigint => BigInt(v.toFixed(0));


export class StorageClient {
  readonly network: string;
  readonly nodeUrl: string;
  readonly rpcUrl: string;
  /** The wallet's address (0x…, lower case, as the node indexes owners). */
  readonly address: string;
  readonly token: string;
  readonly ticker: string;
  private readonly chunkSize: number;
  private readonly batchSize: number;
  private readonly requestTimeoutMs: number;
  private readonly finishTimeoutMs: number;
  private nodePublicKey: string | undefined;
  /** Uploads of this client sending now; each is flagged once another one overlaps it. */
  private readonly inFlight = new Set<{ overlapped: boolean }>();

  private constructor(
    /** The underlying Irys client (exposed for tests and advanced use). */
    readonly irys: IrysClient,
    opts: StorageClientOptions,
    private readonly privateKey: string,
  ) {
    this.network = opts.network;
    this.nodeUrl = opts.nodeUrl.replace(/\/+$/, '');
    this.rpcUrl = opts.rpcUrl;
    this.address = irys.address.toLowerCase();
    this.token = irys.token;
    this.ticker = irys.tokenConfig.ticker;
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
    this.batchSize = opts.batchSize ?? DEFAULT_BATCH;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 120_000;
    this.finishTimeoutMs = opts.finishTimeoutMs ?? 30 * 60_000;
  }

  /** Builds the client (no network access: a node that is down is only noticed when used). */
  static async create(opts: StorageClientOptions): Promise<StorageClient> {
    const irys = await Uploader(Ethereum)
      .withWallet(opts.privateKey)
      .withRpc(opts.rpcUrl)
      .bundlerUrl(opts.nodeUrl)
      .timeout(opts.requestTimeoutMs ?? 120_000)
      .build();
    return new StorageClient(signNatively(irys, opts.privateKey), opts, opts.privateKey);
  }

  /** Refuses (WRONG_WALLET) when `owner` is given and is not the wallet this client signs with. */
  private mustSignAs(owner: string | undefined): void {
    if (owner === undefined || owner.toLowerCase() === this.address) return;
    throw new StorageError('WRONG_WALLET', `This storage item belongs to wallet ${owner}, but the storage connection signs with ${this.address}. Nothing was signed or sent; it is tried again with the right wallet.`);
  }

  private amount(atomic: bigint): Amount {
    return amount(atomic, this.ticker);
  }

  /** Runs a request, turning network failures into NODE_UNREACHABLE and the client's HTTP errors into NODE_ERROR. */
  private async node<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (isStorageError(e)) throw e;
      if (networkErrorCode(e)) throw unreachable(this.nodeUrl, e);
      const msg = e instanceof Error ? e.message : String(e);
      const status = /HTTP Error: [^:]+: (\d{3})/.exec(msg)?.[1];
      const permanent = status !== undefined && Number(status) >= 400 && Number(status) < 500 && Number(status) !== 429;
      throw new StorageError(permanent ? 'REJECTED' : 'NODE_ERROR', `Storage node at ${this.nodeUrl}: ${what} failed: ${msg}`, { cause: e });
    }
  }

  /** Bytes of the item that would carry `dataBytes` of data with these tags (header + data). */
  itemBytes(dataBytes: number, tags: readonly Tag[] = fileTags('0'.repeat(64))): number {
    return headerLength(this.irys.tokenConfig.getSigner(), tags, 'a'.repeat(32)) + dataBytes;
  }

  /** The node's price for storing `dataBytes` of file data (the item's header counted). */
  async quote(dataBytes: number, tags?: readonly Tag[]): Promise<Quote> {
    const itemBytes = this.itemBytes(dataBytes, tags);
    return { dataBytes, itemBytes, price: await this.priceOfItem(itemBytes) };
  }

  private async priceOfItem(itemBytes: number): Promise<Amount> {
    return this.amount(toBigInt(await this.node('getting the price', () => this.irys.getPrice(itemBytes))));
  }

  /** This wallet's balance on the node. */
  async balance(): Promise<Amount> {
    return this.amount(await this.balanceAtomic());
  }

  private async balanceAtomic(): Promise<bigint> {
    return toBigInt(await this.node('getting the balance', () => this.irys.getBalance()));
  }

  /** The node's funding address (from /info). */
  async nodeAddress(): Promise<string> {
    return getAddress(await this.node('reading /info', () => this.irys.utils.getBundlerAddress(this.token)));
  }

  /**
   * Funds this wallet's balance on the node: sends `amountWei` to the node's address through
   * the chain module's send path on `chain`, under the wallet's send lock (so it never takes
   * the nonce of another transaction this process is preparing or sending from the wallet),
   * waits for it to be mined, then posts the tx hash to the node. (The Irys client's own fund()
   * signs outside that lock and waits for 5 confirmations through a slow poll.)
   *
   * `chain` is the connection the wallet's other transactions go through (the lock is per
   * endpoint and account); it must reach the chain this client funds on (its rpcUrl).
   */
  async fund(amountWei: bigint | string, chain: ChainConnection): Promise<FundResult> {
    const c: FundingClient = {
      irys: this.irys,
      nodeUrl: this.nodeUrl,
      rpcUrl: this.rpcUrl,
      ticker: this.ticker,
      privateKey: this.privateKey,
      nodeAddress: () => this.nodeAddress(),
      amount: (atomic: bigint) => this.amount(atomic),
    };
    return fundNode(c, amountWei, chain);
  }

  /** The node's receipt-signing public key (GET /public), cached. */
  async publicKey(): Promise<string> {
    if (this.nodePublicKey === undefined) {
      const res = await this.node('reading /public', () => this.irys.api.get('/public', { responseType: 'text' }));
      const key = typeof res.data === 'string' ? res.data.trim() : '';
      if (res.status !== 200 || key === '') throw new StorageError('NODE_ERROR', `Storage node at ${this.nodeUrl} did not give its public key: ${res.status} ${nodeErrorText(res.data, res.statusText)}`);
      this.nodePublicKey = key;
    }
    return this.nodePublicKey;
  }

  /**
   * Checks a receipt: for `expectedId`, signed by this node's key (not just any key: a receipt
   * carries its own public key), and the signature verifies (`irys.verifyReceipt`). Throws
   * BAD_RECEIPT.
   */
  async verifyReceipt(receipt: StorageReceipt, expectedId: string): Promise<void> {
    const bad = (why: string): StorageError => new StorageError('BAD_RECEIPT', `The storage node's receipt for ${expectedId} is not valid: ${why}. The upload was not recorded.`);
    if (receipt.id !== expectedId) throw bad(`it is for ${receipt.id}`);
    if (receipt.public !== (await this.publicKey())) throw bad('it is signed by a key that is not the node’s');
    let ok: boolean;
    try {
      ok = await this.irys.verifyReceipt(receipt as unknown as Parameters<IrysClient['verifyReceipt']>[0]);
    } catch (e) {
      throw bad(`it cannot be checked (${e instanceof Error ? e.message : String(e)})`);
    }
    if (!ok) throw bad('its signature does not verify');
  }

  /** What the reuse lookups (client-lookups.ts) need of this client. */
  private lookupClient(): LookupClient {
    return {
      irys: this.irys,
      nodeUrl: this.nodeUrl,
      address: this.address,
      requestTimeoutMs: this.requestTimeoutMs,
      node: <T>(what: string, f: () => Promise<T>) => this.node(what, f),
      publicKey: () => this.publicKey(),
      verifyReceipt: (receipt: StorageReceipt, expectedId: string) => this.verifyReceipt(receipt, expectedId),
    };
  }

  /**
   * An item this wallet already stored with this content (tags App-Name=Ativo and
   * Content-Sha256=<hex>, same encryption marker), with a verified receipt; undefined if none.
   */
  async findExisting(dataSha256: string, opts: { encrypted?: boolean } = {}): Promise<ExistingItem | undefined> {
    return findExisting(this.lookupClient(), dataSha256, opts);
  }

  /**
   * An encrypted item this wallet already stored whose DEDUPE_TAG is one of `values` (keyed
   * hashes only the owner can compute: src/crypto/dedupe.ts), with a verified receipt, and the
   * value it matched; undefined if none.
   */
  async findByDedupeTag(values: readonly string[]): Promise<(ExistingItem & { value: string }) | undefined> {
    return findByDedupeTag(this.lookupClient(), values);
  }

  /** The first `bytes` bytes of a stored item (an encrypted item's age header), by a range request. */
  async readStart(id: string, bytes = 8192): Promise<Buffer> {
    return readStart(this.lookupClient(), id, bytes);
  }

  /** The item with this id, if the node has it (with a verified receipt). */
  async findById(id: string): Promise<ExistingItem | undefined> {
    return findById(this.lookupClient(), id);
  }
  /**
   * Fixes the id of a file's item before anything is sent: hashes the file and signs its header
   * here (nothing leaves this computer). uploadFile with the returned resume state and
   * `expectedId` later sends exactly that item, so the id can be published first (on chain, in
   * a manifest, in a grant's approval) and the bytes only after.
   */
  async prepareFile(path: string, opts: Pick<UploadFileOptions, 'expectedSha256' | 'expectedSize' | 'tags' | 'contentType' | 'encryption' | 'signal' | 'owner'> = {}): Promise<PreparedItem> {
    opts.signal?.throwIfAborted();
    this.mustSignAs(opts.owner);
    const { hashed, bytes } = await hashForSigning(path, opts.signal);
    if ((opts.expectedSize !== undefined && hashed.bytes !== opts.expectedSize) || (opts.expectedSha256 !== undefined && hashed.sha256 !== opts.expectedSha256.toLowerCase())) {
      throw new StorageError('FILE_CHANGED', `${path} changed on disk since it was scanned. Nothing was uploaded; rescan the asset.`);
    }
    const tags = fileTags(hashed.sha256, { contentType: opts.contentType, encryption: opts.encryption ?? null, extra: opts.tags });
    const anchor = newAnchor();
    const { id } = await computeItemId(bytes ?? path, this.irys.tokenConfig.getSigner(), tags, anchor);
    return { id, resume: { sha256: hashed.sha256, size: hashed.bytes, tags, anchor, chunkSize: this.chunkSize, uploadId: null, itemId: id } };
  }

  /**
   * Uploads a file as one data item, in chunks, resumably. Never reads the file whole into
   * memory; sends nothing unless the file matches expectedSha256/expectedSize (and refuses to
   * send the signed header chunk if the bytes read while uploading do not); reuses an item of
   * the same content already stored by this wallet (dedupe); refuses with INSUFFICIENT_BALANCE
   * before sending anything when the balance is below the price.
   */
  async uploadFile(path: string, opts: UploadFileOptions = {}): Promise<UploadFileResult> {
    const signal = opts.signal;
    signal?.throwIfAborted();
    this.mustSignAs(opts.owner);
    let size: number;
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new Error('not a regular file');
      size = st.size;
    } catch (e) {
      throw unreadable(path, e);
    }
    if (opts.expectedSize !== undefined && size !== opts.expectedSize) {
      throw new StorageError('FILE_CHANGED', `${path} changed on disk since it was scanned: it has ${size} bytes, the manifest says ${opts.expectedSize}. Nothing was uploaded; rescan the asset.`);
    }
    const progress = (phase: UploadProgress['phase'], bytes: number, total: number): void => {
      opts.onProgress?.({ phase, bytes, total, fraction: total > 0 ? Math.min(1, bytes / total) : 1 });
    };
    progress('checking', 0, size);
    const hashed = await hashFile(path, { signal, onBytes: (b) => { progress('checking', b, size); } });
    if (opts.expectedSha256 !== undefined && (hashed.sha256 !== opts.expectedSha256.toLowerCase() || hashed.bytes !== size)) {
      throw new StorageError('FILE_CHANGED', `${path} changed on disk since it was scanned (sha256 ${hashed.sha256}, the manifest says ${opts.expectedSha256}). Nothing was uploaded; rescan the asset.`);
    }
    const sha256 = hashed.sha256;
    size = hashed.bytes;

    const prev = opts.resume;
    if (opts.expectedId !== undefined && (prev?.sha256 !== sha256 || prev.size !== size || !isAnchor(prev.anchor))) {
      throw new StorageError('ITEM_MISMATCH', `${path} is not the file whose storage id was fixed before (${opts.expectedId}): its bytes changed. Nothing was uploaded.`);
    }
    let state: ResumeState;
    if (prev && prev.sha256 === sha256 && prev.size === size && isAnchor(prev.anchor) && Array.isArray(prev.tags) && prev.chunkSize > 0) {
      state = { ...prev, tags: prev.tags.map((t) => ({ name: t.name, value: t.value })) };
    } else {
      state = {
        sha256,
        size,
        tags: fileTags(sha256, { contentType: opts.contentType, encryption: opts.encryption ?? null, extra: opts.tags }),
        anchor: newAnchor(),
        chunkSize: this.chunkSize,
        uploadId: null,
        itemId: null,
      };
      opts.onResumeState?.({ ...state });
    }
    const save = (patch: Partial<ResumeState>): void => {
      state = { ...state, ...patch };
      opts.onResumeState?.({ ...state });
    };
    const itemBytes = headerLength(this.irys.tokenConfig.getSigner(), state.tags, state.anchor) + size;
    const base = { sha256, size, itemBytes };

    if (opts.dedupe !== false && opts.expectedId === undefined) {
      const existing = await this.findExisting(sha256, { encrypted: state.tags.some((t) => t.name === ENCRYPTION_TAG) });
      if (existing) {
        progress('uploading', size, size);
        // Our own item (this upload's id): an earlier, interrupted run finished it. Paid once, then.
        if (existing.id === state.itemId) return this.finishedEarlier(base, existing.id, existing.receipt, state);
        return { ...base, id: existing.id, receipt: existing.receipt, reused: true, resumed: false, sentBytes: 0, quoted: null, balanceBefore: null, balanceAfter: null, charged: null, chargeObserved: false, chargeMismatch: false, warning: null, resume: state };
      }
    }

    // From the balance read before to the one after: other uploads of this wallet in that span
    // change the balance too, so this upload's charge can only be observed when it ran alone.
    const flight = { overlapped: this.inFlight.size > 0 };
    for (const other of this.inFlight) other.overlapped = true;
    this.inFlight.add(flight);
    try {
      return await this.sendNew(path, opts, { base, state, itemBytes, save, progress, flight });
    } finally {
      this.inFlight.delete(flight);
    }
  }

  private async sendNew(
    path: string,
    opts: UploadFileOptions,
    c: {
      base: { sha256: string; size: number; itemBytes: number };
      state: ResumeState;
      itemBytes: number;
      save: (patch: Partial<ResumeState>) => void;
      progress: (phase: UploadProgress['phase'], bytes: number, total: number) => void;
      flight: { overlapped: boolean };
    },
  ): Promise<UploadFileResult> {
    const { base, itemBytes, progress, flight } = c;
    const { sha256, size } = base;
    const signal = opts.signal;
    let state = c.state;
    const save = (patch: Partial<ResumeState>): void => {
      state = { ...state, ...patch };
      c.save(patch);
    };
    const quoted = toAmountBig(await this.priceOfItem(itemBytes));
    const before = await this.balanceAtomic();
    if (before < quoted) throw this.shortfall(quoted, before, path);
    await opts.onQuote?.({ quoted: this.amount(quoted), balanceBefore: this.amount(before), itemBytes });
    signal?.throwIfAborted();

    let outcome;
    for (let attempt = 1; ; attempt++) {
      try {
        outcome = await chunkedUpload({
          irys: this.irys,
          nodeUrl: this.nodeUrl,
          path,
          size,
          sha256,
          tags: state.tags,
          anchor: state.anchor,
          chunkSize: state.chunkSize,
          batchSize: this.batchSize,
          uploadId: state.uploadId,
          signal,
          requestTimeoutMs: this.requestTimeoutMs,
          finishTimeoutMs: this.finishTimeoutMs,
          onUploadId: (uploadId, chunkSize) => { save({ uploadId, chunkSize }); },
          onItemId: (itemId) => {
            if (opts.expectedId !== undefined && itemId !== opts.expectedId) {
              throw new StorageError('ITEM_MISMATCH', `The storage item about to be sent for ${path} has the id ${itemId}, not ${opts.expectedId} as fixed before (another key or other tags). Nothing was stored.`);
            }
            save({ itemId });
          },
          onProgress: (b) => { progress('uploading', b, size); },
        });
        break;
      } catch (e) {
        // The node forgot the upload: start a new one (same anchor and tags: same item id) once.
        if (isStorageError(e, 'UPLOAD_EXPIRED') && attempt === 1 && !signal?.aborted) {
          save({ uploadId: null, chunkSize: this.chunkSize });
          continue;
        }
        if (isStorageError(e, 'INSUFFICIENT_BALANCE')) {
          const [price, now] = await Promise.all([this.priceOfItem(itemBytes).then(toAmountBig), this.balanceAtomic()]).catch(() => [quoted, 0n] as const);
          throw this.shortfall(price, now, path, e);
        }
        throw e;
      }
    }

    if (outcome.kind === 'duplicate') {
      // The node already has this very item: same id, so same anchor, so an earlier run of this
      // upload finished it (and paid for it) but stopped before it was recorded.
      const found = await this.findById(outcome.id);
      if (!found) throw new StorageError('BAD_RECEIPT', `Storage node at ${this.nodeUrl} says it already has ${outcome.id} but gives no valid receipt for it.`);
      return { ...(await this.finishedEarlier(base, outcome.id, found.receipt, state)), sentBytes: outcome.sentBytes };
    }
    await this.verifyReceipt(outcome.receipt, outcome.id);
    const receipt = outcome.receipt;
    // Overlapped by another upload: the balance change is not this upload's alone; not observed.
    const observed = !flight.overlapped;
    const after = observed ? await this.balanceAtomic().catch(() => undefined) : undefined;
    const charged = after === undefined || flight.overlapped ? undefined : before - after;
    const expected = quoted;
    const chargeMismatch = charged !== undefined && charged !== expected;
    const warning = chargeWarning(this.ticker, size, quoted, observed, charged, chargeMismatch);
    return {
      ...base,
      id: outcome.id,
      receipt,
      reused: false,
      resumed: outcome.resumed,
      sentBytes: outcome.sentBytes,
      quoted: this.amount(quoted),
      balanceBefore: this.amount(before),
      balanceAfter: after === undefined ? null : this.amount(after),
      charged: charged === undefined ? null : this.amount(charged),
      chargeObserved: charged !== undefined,
      chargeMismatch,
      warning,
      resume: state,
    };
  }

  /** The result for an item an earlier, interrupted run of this upload stored: paid then, charge not observed. */
  private async finishedEarlier(base: { sha256: string; size: number; itemBytes: number }, id: string, receipt: StorageReceipt, state: ResumeState): Promise<UploadFileResult> {
    const quoted = await this.priceOfItem(base.itemBytes).catch(() => null);
    return earlierResult(base, id, receipt, state, quoted);
  }

  private shortfall(needed: bigint, balance: bigint, path: string, cause?: unknown): StorageError {
    return shortfallError(this.ticker, needed, balance, path, cause);
  }
}

const toAmountBig = (a: Amount): bigint => BigInt(a.atomic);
