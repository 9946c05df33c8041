/**
 * Downloads from a storage node that may be hostile: everything is streamed and capped. A
 * document (a path manifest, a grant, the node's /info) is read into memory only up to a hard
 * limit, and a file's bytes are cut off the moment more arrive than it may have: the download
 * is aborted there, not after the node has sent what it likes.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { formatBytes } from '../util/format';

/** A download went past its limit (or ended short of the size it must have). */
export class SizeLimitError extends Error {
  override readonly name = 'SizeLimitError';
  constructor(
    message: string,
    readonly limit: number,
  ) {
    super(message);
  }
}

export const sizeWords = (n: number): string => (n < 1000 ? `${n} bytes` : `${formatBytes(n)} (${n.toLocaleString('en-US')} bytes)`);

/**
 * GETs `url` and returns its body, refusing (and aborting the download) as soon as more than
 * `max` bytes arrive. `what` names the document in messages ("the file list").
 */
export async function readCapped(url: string, max: number, what: string, timeoutMs = 60_000, init: Pick<RequestInit, 'method' | 'headers' | 'body'> = {}): Promise<Buffer> {
  const abort = new AbortController();
  const timer = setTimeout(() => {
    abort.abort(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`));
  }, timeoutMs);
  try {
    const res = await fetch(url, { ...init, signal: abort.signal });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(`${what} could not be downloaded: the storage node answered HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > max) {
      abort.abort();
      throw new SizeLimitError(`${what} is ${sizeWords(declared)}, more than the ${sizeWords(max)} it can be: the storage node is not serving what was published, so it was not downloaded`, max);
    }
    const body = res.body;
    if (body === null) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of body as unknown as AsyncIterable<Uint8Array>) {
      n += c.length;
      if (n > max) {
        abort.abort();
        throw new SizeLimitError(`${what} is larger than the ${sizeWords(max)} it can be: the storage node is not serving what was published, so the download was stopped there`, max);
      }
      chunks.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    }
    return Buffer.concat(chunks, n);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A pass-through that fails the stream (and so the pipeline, which aborts the download) as soon
 * as more than `max` bytes have passed, and, with `exact`, when it ends with fewer.
 */
export class ByteLimit extends Transform {
  bytes = 0;
  constructor(
    private readonly max: number,
    private readonly what: string,
    private readonly exact = false,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) {
      cb(new SizeLimitError(`${this.what} is larger than the ${sizeWords(this.max)} it was published with: the storage node sent more, so the download was stopped there`, this.max));
      return;
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.exact && this.bytes !== this.max) {
      cb(new SizeLimitError(`${this.what} ended after ${sizeWords(this.bytes)}, but it was published with ${sizeWords(this.max)}: the storage node sent it incomplete`, this.max));
      return;
    }
    cb();
  }
}

/** One GraphQL answer (a page of at most 100 items and their tags) is never larger than this. */
export const MAX_GRAPHQL_BYTES = 16 * 1024 * 1024;

/**
 * One GraphQL search of the storage node (`transactions(…)`), its answer read with a cap: the
 * edges it lists (unchecked: each caller checks what it reads), none when it lists none. Throws
 * an Error whose message is a sentence.
 */
export async function searchEdges(storageUrl: string, query: string, timeoutMs: number): Promise<unknown[]> {
  const raw = await readCapped(`${storageUrl}/graphql`, MAX_GRAPHQL_BYTES, 'the storage node’s answer to a search', timeoutMs, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new Error('the storage node answered a search with something that is not JSON');
  }
  const edges = (body as { data?: { transactions?: { edges?: unknown } } } | null)?.data?.transactions?.edges;
  return Array.isArray(edges) ? (edges as unknown[]) : [];
}

export interface ItemTag {
  name: string;
  value: string;
}

/**
 * The tags of stored items (GraphQL `transactions(ids: …)`, 100 a page), each answer read with a
 * cap; items the node does not know are absent from the map. Throws an Error whose message is a
 * sentence.
 */
export async function tagsOfItems(storageUrl: string, ids: readonly string[], timeoutMs = 60_000): Promise<Map<string, ItemTag[]>> {
  const out = new Map<string, ItemTag[]>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 100) {
    const page = unique.slice(i, i + 100);
    const query = `query { transactions(ids: ${JSON.stringify(page)}, first: 100) { edges { node { id tags { name value } } } } }`;
    for (const e of await searchEdges(storageUrl, query, timeoutMs)) {
      const node = (e as { node?: { id?: unknown; tags?: unknown } } | null)?.node;
      if (typeof node?.id !== 'string' || !Array.isArray(node.tags)) continue;
      const tags = (node.tags as unknown[]).filter((t): t is ItemTag => typeof (t as ItemTag | null)?.name === 'string' && typeof (t as ItemTag).value === 'string');
      out.set(node.id, tags);
    }
  }
  return out;
}
