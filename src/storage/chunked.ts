/**
 * One chunked upload through the real Irys client (`ChunkingUploader.uploadData`), with what the
 * client lacks: abort, fail-fast on a dead node, a durable record of its resume data, and a
 * last-moment check of the bytes.
 *
 * The client is used unmodified: it cuts the header + data into chunks, posts them (several at
 * once), streams the deep hash, signs, posts the header chunk (chunk 0) last and finishes the
 * upload. We give it (1) the file as a Readable that hashes what it reads, and (2) a per-upload
 * view of its HTTP `Api` whose get/post we observe:
 *
 * - `GET /chunks/{token}/-1/-1` (a new upload): its id (the client's resume data) is handed to
 *   `onUploadId` — which persists it — before the client can send a single chunk;
 * - `POST …/0` (the signed header chunk, always last): the bytes read must hash to the expected
 *   sha256, or nothing more is sent (no item can exist without chunk 0 and the finish); the
 *   item id (sha256 of the signature) is handed to `onItemId` before the chunk leaves;
 * - a chunk or finish answered ≥ 300, or a request that fails at the network level, ends the
 *   upload at once with a StorageError (the client would otherwise retry a failed chunk for
 *   ~17 minutes and never settle);
 * - abort (signal): no new request is sent; the requests in flight are allowed to finish (so
 *   the node keeps every chunk that was on the wire, and a resume re-sends none of them), then
 *   the promise rejects with the signal's reason.
 *
 * After a stop, every further request of the client is answered with a promise that never
 * settles and the file source ends, so the abandoned client parks (no timers, no spinning, no
 * open file) and is garbage-collected.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Uploader } from '@irys/upload';
import { StorageError, networkErrorCode, nodeErrorCode, nodeErrorText, unreachable } from './errors';
import { itemIdOf, unreadable, type Tag } from './item';
import type { ReceiptData } from './receipts';

/** The built client (`await Uploader(Ethereum)…build()`). */
export type IrysClient = Awaited<ReturnType<ReturnType<typeof Uploader>['build']>>;
type IrysApi = IrysClient['api'];
type ApiConfig = Parameters<IrysApi['get']>[1];
type ApiResponse = Awaited<ReturnType<IrysApi['get']>>;

/** What the node sent back for a stored item (the body of a 200 from POST /tx or a chunked finish). */
export interface StorageReceipt extends ReceiptData {
  validatorSignatures?: unknown[];
  [key: string]: unknown;
}

export interface ChunkedUploadParams {
  irys: IrysClient;
  nodeUrl: string;
  path: string;
  /** Bytes and sha256 the file must have (checked on the bytes actually read, before chunk 0). */
  size: number;
  sha256: string;
  tags: readonly Tag[];
  anchor: string;
  chunkSize: number;
  batchSize: number;
  /** Resume this upload (the client's resume data); null starts a new one. */
  uploadId: string | null;
  signal?: AbortSignal | undefined;
  /** Timeout of one chunk (and other small requests). */
  requestTimeoutMs: number;
  /** Timeout of the finish (the node assembles and validates the whole item). */
  finishTimeoutMs: number;
  /** Called (synchronously, before any chunk is sent) with a new upload's id and the chunk size it uses. Throwing stops the upload. */
  onUploadId(uploadId: string, chunkSize: number): void;
  /** Called (synchronously) with the item id just before the signed header chunk is sent. Throwing stops the upload. */
  onItemId(itemId: string): void;
  /** Data bytes confirmed stored so far (skipped chunks of a resume count), 0..size. */
  onProgress?(bytes: number): void;
}

export type ChunkedOutcome =
  /** The node stored the item and signed this receipt. */
  | { kind: 'stored'; id: string; receipt: StorageReceipt; sentBytes: number; resumed: boolean; chunkSize: number }
  /** The node already had the item (201): nothing was charged. */
  | { kind: 'duplicate'; id: string; sentBytes: number; resumed: boolean; chunkSize: number };

const READ_BLOCK = 4 * 1024 * 1024;

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

interface SourceState {
  stopped: boolean;
  final: { sha256: string; bytes: number } | undefined;
  error: StorageError | undefined;
}

/**
 * The file as a byte stream that hashes what it yields. It never errors (a read error is
 * recorded and the stream ends): the client pipes it without error handling and would wait
 * forever for an end that never comes. stop() closes the file now and ends the stream at the
 * next read.
 */
function fileSource(path: string, state: SourceState): { readable: Readable; stop(): void } {
  let fh: FileHandle | undefined;
  let closing: Promise<void> | undefined;
  const close = (): void => {
    if (fh && !closing) closing = fh.close().catch(() => undefined);
  };
  async function* blocks(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let pos = 0;
    try {
      fh = await open(path, 'r');
      const halted = (): boolean => state.stopped;
      // Blocks no bigger than what is left (+1 to see a file that grew): a 100-byte file must not
      // cost two 4 MiB buffers (20,000 small files made the garbage collector the busiest part).
      const size = (await fh.stat()).size;
      while (!halted()) {
        // Past the stat'ed size (the file grew: the upload will refuse it), full blocks again.
        const want = pos <= size ? Math.min(READ_BLOCK, size - pos + 1) : READ_BLOCK;
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (halted()) return;
        if (bytesRead === 0) {
          state.final = { sha256: hash.digest('hex'), bytes: pos };
          return;
        }
        pos += bytesRead;
        const b = buf.subarray(0, bytesRead);
        hash.update(b);
        yield b;
      }
    } catch (e) {
      state.error ??= unreadable(path, e);
    } finally {
      close();
    }
  }
  const readable = Readable.from(blocks(), { objectMode: false, highWaterMark: READ_BLOCK });
  return {
    readable,
    stop: () => {
      state.stopped = true;
      close();
    },
  };
}

/** Path of a chunks request → its upload id and offset (-1 for the finish), or undefined. */
function chunkPath(path: string): { uploadId: string; offset: number } | undefined {
  const m = /\/chunks\/[^/]+\/([^/]+)\/(-?\d+)$/.exec(path);
  return m ? { uploadId: m[1] ?? '', offset: Number(m[2]) } : undefined;
}

function answerError(res: ApiResponse, what: string, nodeUrl: string, resumed: boolean): StorageError {
  const status = res.status;
  const text = nodeErrorText(res.data, res.statusText);
  const code = nodeErrorCode(res.data);
  const msg = `Storage node at ${nodeUrl} refused ${what}: ${status} ${text}`.trim();
  if (status === 402) return new StorageError('INSUFFICIENT_BALANCE', `${msg}.`, { status });
  if (status === 404 || code === 'UPLOAD_INCOMPLETE' || code === 'UPLOAD_NOT_FOUND') {
    return new StorageError('UPLOAD_EXPIRED', `${msg}; starting the upload again.`, { status });
  }
  // A resumed upload whose stored chunks do not make a valid item with this signature (they came
  // from other bytes): the node refuses it and stores nothing; start over with a new upload.
  if (status === 400 && resumed && code === 'INVALID_ITEM') {
    return new StorageError('UPLOAD_EXPIRED', `${msg}; the stored chunks do not match the file, starting the upload again.`, { status });
  }
  if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) return new StorageError('NODE_ERROR', `${msg}; retrying.`, { status });
  return new StorageError('REJECTED', `${msg}.`, { status });
}

/** Strips what the client adds to the receipt object (a `verify` function) and checks its shape. */
function receiptOf(data: unknown): StorageReceipt | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (typeof v !== 'function') r[k] = v;
  if (typeof r.id !== 'string' || typeof r.signature !== 'string' || typeof r.public !== 'string') return undefined;
  return r as StorageReceipt;
}

export async function chunkedUpload(p: ChunkedUploadParams): Promise<ChunkedOutcome> {
  const base = p.irys.api;
  const ctrl = new AbortController();
  let chunkSize = p.chunkSize;
  let uploadId = p.uploadId;
  let resumed = false;

  p.signal?.throwIfAborted();

  // Resume only an upload the node still has, with our chunk size (the client refuses otherwise;
  // a node reports its fallback size for an upload that stored nothing yet).
  if (uploadId !== null) {
    let res: ApiResponse;
    try {
      res = await base.get(`/chunks/${p.irys.token}/${uploadId}/-1`, { headers: { 'x-chunking-version': '2' }, signal: p.signal } as ApiConfig);
    } catch (e) {
      p.signal?.throwIfAborted();
      throw networkErrorCode(e) ? unreachable(p.nodeUrl, e) : e;
    }
    const body = res.data as { size?: unknown; chunks?: unknown } | undefined;
    if (res.status === 200 && Number(body?.size) === chunkSize) {
      resumed = Array.isArray(body?.chunks) && body.chunks.length > 0;
    } else if (res.status === 200 || res.status === 404) {
      uploadId = null;
    } else {
      throw answerError(res, 'to resume the upload', p.nodeUrl, false);
    }
  }

  return await new Promise<ChunkedOutcome>((resolve, reject) => {
    const state: SourceState = { stopped: false, final: undefined, error: undefined };
    const source = fileSource(p.path, state);
    const inflight = new Set<Promise<unknown>>();
    let stopped = false;
    /** `stopped`, read after an await (where it may have changed). */
    const halted = (): boolean => stopped;
    let settled = false;
    let itemId: string | undefined;
    let sentBytes = 0;

    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      p.signal?.removeEventListener('abort', onAbort);
      f();
    };
    /** Stops sending. graceful: let the requests in flight finish first (abort); else cut them (failure). */
    const stop = (reason: unknown, graceful: boolean): void => {
      const error = reason instanceof Error ? reason : new Error(String(reason));
      if (stopped) return;
      stopped = true;
      source.stop();
      if (graceful) {
        void Promise.allSettled([...inflight]).then(() => {
          settle(() => { reject(error); });
        });
      } else {
        ctrl.abort();
        settle(() => { reject(error); });
      }
    };
    const onAbort = (): void => { stop(p.signal?.reason, true); };
    p.signal?.addEventListener('abort', onAbort, { once: true });

    const send = async (f: () => Promise<ApiResponse>): Promise<ApiResponse> => {
      const pr = f();
      inflight.add(pr);
      try {
        return await pr;
      } finally {
        inflight.delete(pr);
      }
    };
    const call = async (what: string, f: () => Promise<ApiResponse>): Promise<ApiResponse | undefined> => {
      try {
        return await send(f);
      } catch (e) {
        if (!stopped) stop(networkErrorCode(e) ? unreachable(p.nodeUrl, e) : new StorageError('NODE_ERROR', `Storage node at ${p.nodeUrl}: ${what} failed: ${e instanceof Error ? e.message : String(e)}; retrying.`, { cause: e }), false);
        return undefined;
      }
    };
    const guard = (f: () => void): boolean => {
      try {
        f();
        return true;
      } catch (e) {
        stop(e, false);
        return false;
      }
    };

    const view = Object.create(p.irys.uploader) as IrysClient['uploader'];
    const api = Object.create(base) as IrysApi;
    Object.defineProperty(view, 'api', { value: api });
    const cu = view.chunkedUploader;
    cu.setChunkSize(chunkSize).setBatchSize(p.batchSize);
    if (uploadId !== null) cu.setResumeData(uploadId);

    api.get = (async (path: string, config?: ApiConfig) => {
      if (stopped) return never();
      const res = await call(`GET ${path}`, () => base.get(path, { ...config, signal: ctrl.signal }));
      if (res === undefined || halted()) return never();
      const cp = chunkPath(path);
      if (res.status !== 200) {
        stop(answerError(res, cp?.uploadId === '-1' ? 'to start an upload' : 'to resume the upload', p.nodeUrl, resumed), false);
        return never();
      }
      if (cp?.uploadId === '-1') {
        const body = res.data as { id?: unknown; min?: unknown; max?: unknown };
        if (typeof body.id !== 'string' || body.id === '') {
          stop(new StorageError('NODE_ERROR', `Storage node at ${p.nodeUrl} gave no upload id; retrying.`), false);
          return never();
        }
        // Fit the chunk size into the node's limits before the client checks it.
        const min = Number(body.min);
        const max = Number(body.max);
        if (Number.isFinite(min) && chunkSize < min) chunkSize = min;
        if (Number.isFinite(max) && max > 0 && chunkSize > max) chunkSize = max;
        cu.setChunkSize(chunkSize);
        const id = body.id;
        if (!guard(() => { p.onUploadId(id, chunkSize); })) return never();
      }
      return res;
    }) as IrysApi['get'];

    api.post = (async (path: string, body: Buffer | string | object | null, config?: ApiConfig) => {
      if (stopped) return never();
      const cp = chunkPath(path);
      if (cp === undefined) {
        stop(new StorageError('NODE_ERROR', `The Irys client made an unexpected request (POST ${path}).`), false);
        return never();
      }
      const finishing = cp.offset === -1;
      if (cp.offset === 0 && Buffer.isBuffer(body)) {
        // The signed header chunk: the client has read (and signed) every byte by now.
        if (state.error) {
          stop(state.error, false);
          return never();
        }
        const f = state.final;
        if (f?.sha256 !== p.sha256 || f.bytes !== p.size) {
          const got = f ? `${f.bytes} bytes with sha256 ${f.sha256}` : 'an incomplete read';
          stop(new StorageError('FILE_CHANGED', `${p.path} changed while it was being uploaded (expected ${p.size} bytes with sha256 ${p.sha256}, read ${got}); nothing was stored.`), false);
          return never();
        }
        const id = itemIdOf(body);
        if (!guard(() => { p.onItemId(id); })) return never();
        itemId = id;
      }
      const res = await call(finishing ? 'finishing the upload' : `sending the chunk at ${cp.offset}`, () => base.post(path, body, { ...config, timeout: finishing ? p.finishTimeoutMs : p.requestTimeoutMs, signal: ctrl.signal }));
      if (res === undefined) return never();
      if (!finishing) {
        if (res.status >= 200 && res.status < 300) {
          if (Buffer.isBuffer(body)) sentBytes += body.length;
          return res;
        }
        stop(answerError(res, `the chunk at offset ${cp.offset}`, p.nodeUrl, resumed), false);
        return never();
      }
      const id = itemId ?? '';
      if (res.status === 200) {
        const receipt = receiptOf(res.data);
        if (receipt === undefined) {
          stop(new StorageError('BAD_RECEIPT', `Storage node at ${p.nodeUrl} stored ${id} but sent no usable receipt.`), false);
          return never();
        }
        stopped = true;
        settle(() => { resolve({ kind: 'stored', id, receipt, sentBytes, resumed, chunkSize }); });
        return res;
      }
      if (res.status === 201) {
        stopped = true;
        settle(() => { resolve({ kind: 'duplicate', id, sentBytes, resumed, chunkSize }); });
        return never();
      }
      stop(answerError(res, 'the finished upload', p.nodeUrl, resumed), false);
      return never();
    }) as IrysApi['post'];

    cu.on('chunkUpload', (e: { totalUploaded?: unknown }) => {
      if (stopped) return;
      const n = Number(e.totalUploaded);
      if (Number.isFinite(n)) p.onProgress?.(Math.max(0, Math.min(p.size, n)));
    });

    cu.uploadData(source.readable, { tags: p.tags.map((t) => ({ ...t })), anchor: p.anchor }).then(
      () => undefined,
      (e: unknown) => {
        // The client's own refusals (e.g. a chunk size the node does not accept).
        if (stopped) return;
        const msg = e instanceof Error ? e.message : String(e);
        stop(
          /upload id not found|expired/i.test(msg)
            ? new StorageError('UPLOAD_EXPIRED', `Storage node at ${p.nodeUrl}: ${msg}`, { cause: e })
            : /chunk size/i.test(msg)
              ? new StorageError('REJECTED', `Storage node at ${p.nodeUrl}: ${msg}`, { cause: e })
              : new StorageError('NODE_ERROR', `The upload to ${p.nodeUrl} failed: ${msg}`, { cause: e }),
          false,
        );
      },
    );
  });
}
