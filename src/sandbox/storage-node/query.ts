/**
 * The node's GraphQL schema: `transactions(...)` (a paged connection, as on Irys nodes) and
 * `transaction(id)`, over the items in the store.
 */
import { z } from 'zod';
import { GraphQLError, executeQuery, type Schema } from './graphql';
import type { Store, StoredItem } from './store';

export const SCHEMA: Schema = {
  Query: { transactions: 'TransactionConnection', transaction: 'Transaction' },
  TransactionConnection: { edges: 'TransactionEdge', pageInfo: 'PageInfo' },
  TransactionEdge: { cursor: null, node: 'Transaction' },
  PageInfo: { hasNextPage: null, endCursor: null },
  Transaction: {
    id: null,
    address: null,
    token: null,
    currency: null,
    signature: null,
    signatureType: null,
    timestamp: null,
    anchor: null,
    target: null,
    size: null,
    receipt: 'Receipt',
    tags: 'Tag',
    owner: 'Owner',
    data: 'Data',
  },
  Receipt: { deadlineHeight: null, signature: null, timestamp: null, version: null },
  Tag: { name: null, value: null },
  Owner: { address: null, key: null },
  Data: { size: null, type: null },
};

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** GraphQL input coercion: a single value where a list is expected becomes a one-item list. */
const list = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === null || v === undefined || Array.isArray(v) ? v : [v]), z.array(item).nullish());

const TransactionsArgs = z
  .object({
    ids: list(z.string()),
    owners: list(z.string()),
    tags: list(
      z.object({
        name: z.string(),
        values: list(z.string()),
        op: z.enum(['EQ', 'NEQ']).nullish(),
        match: z.enum(['EXACT']).nullish(),
      }),
    ),
    token: z.string().nullish(),
    currency: z.string().nullish(),
    first: z.number().int().min(0).nullish(),
    limit: z.number().int().min(0).nullish(),
    after: z.string().nullish(),
    order: z.enum(['ASC', 'DESC']).nullish(),
    sort: z.enum(['ASC', 'DESC', 'HEIGHT_ASC', 'HEIGHT_DESC']).nullish(),
    hasTags: z.boolean().nullish(),
    timestamp: z.object({ from: z.number().nullish(), to: z.number().nullish() }).nullish(),
  })
  .strict();

const encodeCursor = (seq: number): string => Buffer.from(`seq:${seq}`).toString('base64url');
function decodeCursor(c: string): number {
  const m = /^seq:(\d+)$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  if (m?.[1] === undefined) throw new GraphQLError(`Invalid cursor "${c}".`);
  return Number(m[1]);
}

const normAddress = (a: string): string => (a.startsWith('0x') || a.startsWith('0X') ? a.toLowerCase() : a);

export function toNode(item: StoredItem): Record<string, unknown> {
  return {
    id: item.id,
    address: item.address,
    token: item.token,
    currency: item.token,
    signature: item.signature,
    signatureType: item.signatureType,
    timestamp: item.receipt.timestamp,
    anchor: item.anchor,
    target: item.target,
    size: item.size,
    receipt: {
      deadlineHeight: item.receipt.deadlineHeight,
      signature: item.receipt.signature,
      timestamp: item.receipt.timestamp,
      version: item.receipt.version,
    },
    tags: item.tags,
    owner: { address: item.address, key: item.owner },
    data: { size: item.size - item.dataStart, type: item.contentType },
  };
}

function transactions(store: Store, raw: Record<string, unknown>): unknown {
  const parsed = TransactionsArgs.safeParse(raw);
  if (!parsed.success) throw new GraphQLError(`Invalid arguments to transactions: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ')}`);
  const a = parsed.data;
  const pageSize = Math.min(a.first ?? a.limit ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const desc = a.order === 'DESC' || a.sort === 'DESC' || a.sort === 'HEIGHT_DESC';
  const token = a.token ?? a.currency ?? undefined;
  const owners = a.owners?.map(normAddress);
  const tagFilters = (a.tags ?? []).map((t) => ({ name: t.name, values: t.values ?? [], neq: t.op === 'NEQ' }));

  // Narrow with an index where one applies, then check every condition.
  let candidates: readonly StoredItem[];
  if (a.ids !== undefined && a.ids !== null) {
    candidates = a.ids.map((id) => store.getItem(id)).filter((x): x is StoredItem => x !== undefined);
  } else if (tagFilters.some((t) => !t.neq)) {
    // The most selective tag (App-Name matches every item; Content-Sha256 one or two).
    const size = (t: (typeof tagFilters)[number]): number => t.values.reduce((n, v) => n + store.idsWithTag(t.name, v).size, 0);
    let best: (typeof tagFilters)[number] | undefined;
    for (const t of tagFilters) if (!t.neq && (best === undefined || size(t) < size(best))) best = t;
    const ids = new Set<string>();
    for (const v of best?.values ?? []) for (const id of store.idsWithTag(best?.name ?? '', v)) ids.add(id);
    candidates = [...ids].map((id) => store.getItem(id)).filter((x): x is StoredItem => x !== undefined);
  } else if (owners !== undefined) {
    const ids = new Set<string>();
    for (const o of owners) for (const id of store.idsOwnedBy(o)) ids.add(id);
    candidates = [...ids].map((id) => store.getItem(id)).filter((x): x is StoredItem => x !== undefined);
  } else {
    candidates = store.allItems();
  }
  const after = a.after !== undefined && a.after !== null && a.after !== '' ? decodeCursor(a.after) : undefined;
  const matches = candidates
    .filter((it) => {
      if (owners && !owners.includes(normAddress(it.address))) return false;
      if (token !== undefined && it.token !== token) return false;
      if (a.hasTags === true && it.tags.length === 0) return false;
      if (a.hasTags === false && it.tags.length > 0) return false;
      const ts = it.receipt.timestamp;
      if (a.timestamp?.from !== undefined && a.timestamp.from !== null && ts < a.timestamp.from) return false;
      if (a.timestamp?.to !== undefined && a.timestamp.to !== null && ts > a.timestamp.to) return false;
      for (const f of tagFilters) {
        const has = it.tags.some((t) => t.name === f.name && f.values.includes(t.value));
        if (has === f.neq) return false;
      }
      if (after !== undefined && (desc ? it.seq >= after : it.seq <= after)) return false;
      return true;
    })
    .sort((x, y) => (desc ? y.seq - x.seq : x.seq - y.seq));
  const page = matches.slice(0, pageSize);
  const last = page.at(-1);
  return {
    edges: page.map((it) => ({ cursor: encodeCursor(it.seq), node: toNode(it) })),
    pageInfo: { hasNextPage: matches.length > page.length, endCursor: last === undefined ? null : encodeCursor(last.seq) },
  };
}

function transaction(store: Store, raw: Record<string, unknown>): unknown {
  const id = raw.id;
  if (typeof id !== 'string' || Object.keys(raw).some((k) => k !== 'id')) throw new GraphQLError('transaction takes one argument: id (String!).');
  const item = store.getItem(id);
  return item === undefined ? null : toNode(item);
}

export function runQuery(store: Store, body: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null }): Record<string, unknown> {
  return executeQuery(
    body.query,
    { variables: body.variables ?? null, operationName: body.operationName ?? null },
    { transactions: (args) => transactions(store, args), transaction: (args) => transaction(store, args) },
    SCHEMA,
  );
}
