/**
 * One storage node, read side: what `ativo verify --from-storage` (src/publish/verify-storage.ts)
 * and `ativo access fetch` (src/access/fetch.ts) ask of it. Downloads by item id (streamed, or
 * read whole with a cap), the items' tags from its GraphQL index, an item's size, and receipt
 * verification pinned to the node's own key (never the key a receipt carries).
 *
 * The node may be hostile: every answer read whole is capped (readCapped), and what callers stream
 * they cap themselves (ByteLimit). Messages are left to the callers where they word them apart.
 */
import { readCapped, tagsOfItems, type ItemTag } from './bounded';
import { nodeReceiptKey, verifyReceiptFrom } from './receipts';

/** Marks an item whose bytes are age ciphertext. */
export const ENCRYPTION_TAG = 'Ativo-Encryption';
/** The sha256 of an item's stored bytes (public items). */
export const CONTENT_SHA256_TAG = 'Content-Sha256';

/** A stored item as the node's index knows it. */
export interface StoredItem {
  tags: ItemTag[];
  /** Its Content-Sha256 tag (null when it has none). */
  sha256: string | null;
  encrypted: boolean;
}

/** A download the node answered with an HTTP error status. */
export class GatewayHttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`the storage node answered HTTP ${status} for ${url}`);
  }
}

export class StorageGateway {
  /** The node's base URL, without a trailing slash. */
  readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  /** Where an item's bytes are served. */
  itemUrl(id: string): string {
    return `${this.url}/${encodeURIComponent(id)}`;
  }

  /**
   * Starts downloading an item (its body is the caller's to read or cancel). An HTTP error status
   * is a GatewayHttpError (its body cancelled); a network failure is fetch's own error.
   */
  async open(id: string, signal: AbortSignal): Promise<Response> {
    const url = this.itemUrl(id);
    const res = await fetch(url, { signal });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new GatewayHttpError(res.status, url);
    }
    return res;
  }

  /** An item's bytes, refused (and the download aborted) past `max` bytes. `what` names it in messages. */
  bytes(id: string, max: number, what: string, timeoutMs?: number): Promise<Buffer> {
    return readCapped(this.itemUrl(id), max, what, timeoutMs);
  }

  /** The items the node's index knows among `ids` (absent: not on the node). Throws an Error whose message is a sentence. */
  async items(ids: readonly string[], timeoutMs?: number): Promise<Map<string, StoredItem>> {
    const out = new Map<string, StoredItem>();
    for (const [id, tags] of await tagsOfItems(this.url, ids, timeoutMs)) {
      out.set(id, { tags, sha256: tags.find((t) => t.name === CONTENT_SHA256_TAG)?.value ?? null, encrypted: tags.some((t) => t.name === ENCRYPTION_TAG) });
    }
    return out;
  }

  /** The data size the node gives for an item (`GET /tx/{id}`): ciphertext for an encrypted one; null when it gives none. */
  async dataSize(id: string, what: string): Promise<number | null> {
    let size: unknown;
    try {
      const doc = JSON.parse((await readCapped(`${this.url}/tx/${encodeURIComponent(id)}`, 1024 * 1024, what, 60_000)).toString('utf8')) as { dataSize?: unknown };
      size = doc.dataSize;
    } catch {
      return null;
    }
    return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : null;
  }

  /**
   * The node's receipt key: `pinned` first (the sandbox node's, kept in its data dir), else what
   * the node says at /info or /public. Throws an Error whose message is a sentence.
   */
  async receiptKey(pinned?: () => Promise<string | null>): Promise<string> {
    const key = pinned === undefined ? null : await pinned();
    return key ?? nodeReceiptKey(this.url);
  }
}

/**
 * Checks receipts against the storage node's key `nodeKey` (pinned, or read from the node): one
 * signed by any other key, or naming the node's key over another's signature, is refused.
 * Returns, for each refused receipt, its item id (or "?") and why.
 */
export async function refusedReceipts(receipts: readonly unknown[], nodeKey: string): Promise<{ id: string; why: string }[]> {
  const bad: { id: string; why: string }[] = [];
  for (const r of receipts) {
    const v = await verifyReceiptFrom(r, nodeKey);
    if (!v.ok) bad.push({ id: typeof r === 'object' && r !== null && typeof (r as { id?: unknown }).id === 'string' ? (r as { id: string }).id : '?', why: v.why });
  }
  return bad;
}
