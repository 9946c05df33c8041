/**
 * The storage client's reuse lookups: items this wallet already stored (by content hash, by
 * dedupe tag, by id), found by GraphQL on the node and kept only with a receipt that verifies,
 * and the start of a stored item. Split from client.ts (the StorageClient methods call these).
 */
import type { IrysClient, StorageReceipt } from './chunked';
import { StorageError, isStorageError, nodeErrorText, unreachable } from './errors';
import { CONTENT_SHA256_TAG, DEDUPE_TAG, ENCRYPTION_TAG, APP_NAME, type Tag } from './item';
import type { ExistingItem } from './client-types';

/** What the lookups need of the client. */
export interface LookupClient {
  readonly irys: IrysClient;
  readonly nodeUrl: string;
  readonly address: string;
  readonly requestTimeoutMs: number;
  node<T>(what: string, f: () => Promise<T>): Promise<T>;
  publicKey(): Promise<string>;
  verifyReceipt(receipt: StorageReceipt, expectedId: string): Promise<void>;
}

const gqlString = (s: string): string => JSON.stringify(s);

interface GqlNode {
  id?: unknown;
  tags?: unknown;
  receipt?: { deadlineHeight?: unknown; signature?: unknown; timestamp?: unknown; version?: unknown } | null;
}

const NODE_FIELDS = 'id tags { name value } receipt { deadlineHeight signature timestamp version }';

async function graphql(c: LookupClient, query: string): Promise<GqlNode[]> {
  const res = await c.node('searching (GraphQL)', () => c.irys.api.post('/graphql', { query }, { headers: { 'content-type': 'application/json' } }));
  const data = res.data as { data?: { transactions?: { edges?: { node?: GqlNode }[] } }; errors?: { message?: string }[] } | undefined;
  if (res.status !== 200 || !data?.data) {
    throw new StorageError(res.status >= 500 ? 'NODE_ERROR' : 'REJECTED', `Storage node at ${c.nodeUrl} refused a search: ${res.status} ${data?.errors?.[0]?.message ?? nodeErrorText(res.data, res.statusText)}`, { status: res.status });
  }
  return (data.data.transactions?.edges ?? []).flatMap((e) => (e.node ? [e.node] : []));
}

/** The first candidate whose rebuilt receipt verifies. */
async function firstVerified(c: LookupClient, nodes: GqlNode[], accept: (tags: Tag[]) => boolean): Promise<ExistingItem | undefined> {
  for (const n of nodes) {
    if (typeof n.id !== 'string' || !n.receipt) continue;
    const tags = Array.isArray(n.tags) ? (n.tags as Tag[]) : [];
    if (!accept(tags)) continue;
    const receipt: StorageReceipt = {
      id: n.id,
      public: await c.publicKey(),
      signature: String(n.receipt.signature),
      deadlineHeight: Number(n.receipt.deadlineHeight),
      timestamp: Number(n.receipt.timestamp),
      version: String(n.receipt.version),
    };
    try {
      await c.verifyReceipt(receipt, n.id);
      return { id: n.id, receipt };
    } catch (e) {
      if (!isStorageError(e, 'BAD_RECEIPT')) throw e;
    }
  }
  return undefined;
}

/**
 * An item this wallet already stored with this content (tags App-Name=Ativo and
 * Content-Sha256=<hex>, same encryption marker), with a verified receipt; undefined if none.
 */
export async function findExisting(c: LookupClient, dataSha256: string, opts: { encrypted?: boolean } = {}): Promise<ExistingItem | undefined> {
  if (!/^[0-9a-f]{64}$/.test(dataSha256)) throw new StorageError('REJECTED', `Not a sha256: ${dataSha256}`);
  const query = `query { transactions(owners: [${gqlString(c.address)}], tags: [{ name: "App-Name", values: [${gqlString(APP_NAME)}] }, { name: ${gqlString(CONTENT_SHA256_TAG)}, values: [${gqlString(dataSha256)}] }], limit: 20, order: DESC) { edges { node { ${NODE_FIELDS} } } } }`;
  const encrypted = opts.encrypted ?? false;
  return firstVerified(c, await graphql(c, query), (tags) => {
    const has = (name: string, value?: string): boolean => tags.some((t) => t.name === name && (value === undefined || t.value === value));
    return has('App-Name', APP_NAME) && has(CONTENT_SHA256_TAG, dataSha256) && has(ENCRYPTION_TAG) === encrypted;
  });
}

/**
 * An encrypted item this wallet already stored whose DEDUPE_TAG is one of `values` (keyed
 * hashes only the owner can compute: src/crypto/dedupe.ts), with a verified receipt, and the
 * value it matched; undefined if none.
 */
export async function findByDedupeTag(c: LookupClient, values: readonly string[]): Promise<(ExistingItem & { value: string }) | undefined> {
  const wanted = values.filter((v) => /^[0-9a-f]{64}$/.test(v));
  if (wanted.length === 0) return undefined;
  const query = `query { transactions(owners: [${gqlString(c.address)}], tags: [{ name: "App-Name", values: [${gqlString(APP_NAME)}] }, { name: ${gqlString(DEDUPE_TAG)}, values: [${wanted.map(gqlString).join(', ')}] }], limit: 20, order: DESC) { edges { node { ${NODE_FIELDS} } } } }`;
  const nodes = await graphql(c, query);
  const valueOf = (tags: Tag[]): string => tags.find((t) => t.name === DEDUPE_TAG)?.value ?? '';
  const found = await firstVerified(c, nodes, (tags) => tags.some((t) => t.name === 'App-Name' && t.value === APP_NAME) && tags.some((t) => t.name === ENCRYPTION_TAG) && wanted.includes(valueOf(tags)));
  const tags = nodes.find((n) => n.id === found?.id)?.tags;
  return found ? { ...found, value: valueOf(Array.isArray(tags) ? (tags as Tag[]) : []) } : undefined;
}

/** The first `bytes` bytes of a stored item (an encrypted item's age header), by a range request. */
export async function readStart(c: LookupClient, id: string, bytes = 8192): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(`${c.nodeUrl}/${encodeURIComponent(id)}`, { headers: { range: `bytes=0-${bytes - 1}` }, signal: AbortSignal.timeout(c.requestTimeoutMs) });
  } catch (e) {
    throw unreachable(c.nodeUrl, e);
  }
  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel().catch(() => undefined);
    throw new StorageError(res.status >= 500 ? 'NODE_ERROR' : 'REJECTED', `Storage node at ${c.nodeUrl} did not give the start of ${id}: HTTP ${res.status}.`, { status: res.status });
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of (res.body ?? []) as AsyncIterable<Uint8Array>) {
    chunks.push(Buffer.from(c));
    n += c.length;
    if (n >= bytes) break; // a node that ignores the range: stop reading
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

/** The item with this id, if the node has it (with a verified receipt). */
export async function findById(c: LookupClient, id: string): Promise<ExistingItem | undefined> {
  const query = `query { transactions(ids: [${gqlString(id)}], limit: 1) { edges { node { ${NODE_FIELDS} } } } }`;
  return firstVerified(c, await graphql(c, query), () => true);
}
