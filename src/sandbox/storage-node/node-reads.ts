/**
 * The storage node's reads: items by id (/tx/{id}, /raw/{id}, /{id}/{path} through path manifests,
 * with byte ranges) and GraphQL queries. Split from node.ts.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { encodeBase58 } from 'ethers';
import { GraphQLError } from './graphql';
import { sendError } from './http';
import { isManifestItem, MAX_MANIFEST_BYTES, parseManifest, resolveManifestPath, type PathManifest } from './manifest';
import type { NodeContext, Reply } from './node-context';
import { runQuery } from './query';
import type { StoredItem } from './store';

const GraphqlBody = z.object({
  query: z.string().min(1),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().nullish(),
});

export interface NodeReads {
  lookup: (idText: string) => StoredItem | undefined;
  serveData: (req: IncomingMessage, res: ServerResponse, item: StoredItem, extraHeaders?: Record<string, string>) => void;
  itemJson: (item: StoredItem) => Record<string, unknown>;
  notFound: (id: string) => Reply;
  getPath: (req: IncomingMessage, res: ServerResponse, segments: string[]) => Promise<Reply | undefined>;
  graphql: (body: Buffer) => Reply;
}

export function createReads(ctx: NodeContext): NodeReads {
  const { cfg, stats } = ctx;
  const { store } = cfg;
  const manifests = new Map<string, PathManifest | null>();


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

  return { lookup, serveData, itemJson, notFound, getPath, graphql };
}
