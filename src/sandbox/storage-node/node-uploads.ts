/**
 * The storage node's uploads: POST /tx (one item) and the chunked upload endpoints under /chunks,
 * both ending in `ingest` (verify, charge the signer, store). Split from node.ts.
 */
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { SignatureConfig } from '@irys/bundles';
import { isBundleItem, unpackBundleFile, type InnerItem } from './bundles';
import { AssemblyError, CLIENT_DEFAULT_CHUNK_SIZE, inferChunkSize, planAssembly, resumeChunks } from './chunks';
import { isNoSpace, Mutex } from './fsutil';
import { BodyTooLargeError, drain, receiveToFile } from './http';
import { InvalidItemError, readAndVerifyItemFile, tagValue } from './items';
import type { NodeContext, Reply } from './node-context';
import { DEADLINE_BLOCKS, pseudoHeight, signReceipt } from './receipts';

/** Signature types whose owner is an Ethereum address, i.e. that can pay in ETH. */
const ETH_SIGNATURE_TYPES = new Set<number>([SignatureConfig.ETHEREUM, SignatureConfig.TYPEDETHEREUM]);

export interface NodeUploads {
  postTx: (req: IncomingMessage, token: string) => Promise<Reply>;
  chunksGet: (token: string, id: string, offset: string) => Promise<Reply>;
  chunkPost: (req: IncomingMessage, token: string, id: string, offsetText: string) => Promise<Reply>;
  chunksFinish: (req: IncomingMessage, token: string, id: string) => Promise<Reply>;
}

export function createUploads(ctx: NodeContext, refreshPending: (address?: string) => Promise<void>): NodeUploads {
  const { cfg, stats, noSpace, badToken } = ctx;
  const { store, identity } = cfg;
  const ledger = new Mutex();
  const finishing = new Set<string>();
  let lastExpiry = Date.now();

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

  return { postTx, chunksGet, chunkPost, chunksFinish };
}
