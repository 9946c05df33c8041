/**
 * Finding and reading the public metadata of registered tokens on a storage node that may be
 * hostile (issue 16). The document of a content root is the item tagged
 * `Ativo-Metadata-Root: <root>` and `Type: metadata`, signed by the token's registrant (anyone
 * can store an item with any tags; only the registrant's counts). Every answer is read with a
 * cap; a document must decode (schema, canonical form) and name the same content root.
 */
import { decodeMetadata, type PublicMetadata } from '../metadata/document';
import { readCapped, searchEdges } from '../storage/bounded';

export const METADATA_ROOT_TAG = 'Ativo-Metadata-Root';
/** A metadata document is at most this large (decodeMetadata refuses more). */
export const MAX_METADATA_BYTES = 256 * 1024;

export interface Wanted {
  contentRoot: string;
  registrant: string;
}

/**
 * The candidate items of each content root (newest first), signed by that root's registrant.
 * Roots are asked 100 at a time. Throws an Error whose message is a sentence when the node
 * cannot be asked.
 */
export async function findMetadataItems(storageUrl: string, wanted: readonly Wanted[], timeoutMs = 30_000): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const byRoot = new Map(wanted.map((w) => [w.contentRoot.toLowerCase(), w.registrant.toLowerCase()]));
  const roots = [...byRoot.keys()];
  for (let i = 0; i < roots.length; i += 100) {
    const page = roots.slice(i, i + 100);
    const owners = [...new Set(page.map((r) => byRoot.get(r) ?? ''))];
    const query = `query { transactions(owners: ${JSON.stringify(owners)}, tags: [{ name: "${METADATA_ROOT_TAG}", values: ${JSON.stringify(page)} }, { name: "Type", values: ["metadata"] }], first: 1000, order: DESC) { edges { node { id address tags { name value } } } } }`;
    for (const e of await searchEdges(storageUrl, query, timeoutMs)) {
      const node = (e as { node?: { id?: unknown; address?: unknown; tags?: unknown } } | null)?.node;
      if (typeof node?.id !== 'string' || !/^[A-Za-z0-9_-]{20,100}$/.test(node.id) || typeof node.address !== 'string' || !Array.isArray(node.tags)) continue;
      const root = (node.tags as unknown[]).map((t) => t as { name?: unknown; value?: unknown }).find((t) => t.name === METADATA_ROOT_TAG)?.value;
      if (typeof root !== 'string') continue;
      const registrant = byRoot.get(root.toLowerCase());
      // The node's own filter is not trusted: the signer and the root are checked here again.
      if (registrant === undefined || node.address.toLowerCase() !== registrant) continue;
      const list = out.get(root.toLowerCase()) ?? [];
      if (list.length < 5 && !list.includes(node.id)) list.push(node.id);
      out.set(root.toLowerCase(), list);
    }
  }
  return out;
}

/** One metadata document, read capped and validated; it must describe `contentRoot`. Throws when it is not valid. */
export async function readMetadata(storageUrl: string, id: string, contentRoot: string, timeoutMs = 30_000): Promise<PublicMetadata> {
  const bytes = await readCapped(`${storageUrl}/${encodeURIComponent(id)}`, MAX_METADATA_BYTES, 'an asset description', timeoutMs);
  const m = decodeMetadata(bytes);
  if (m.contentRoot !== contentRoot.toLowerCase()) throw new Error('the description is of other content');
  return m;
}

/** Runs `f` over `items`, at most `n` at a time. */
export async function eachLimited<T>(items: readonly T[], n: number, f: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const t = items[next++] as T;
      await f(t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
