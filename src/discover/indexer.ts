/**
 * The Discover indexer (issue 16): follows EVERY token of one registry (stream
 * `discover:<registry>`, src/chain/follow.ts), not just this wallet's:
 *   Registered / TermsUpdated / SaleChanged / Transfer  → discover_assets (price, listing, owner)
 *   AccessRequested / Granted / Denied / Cancelled      → discover_requests (the public record)
 * then fetches each new token's public metadata from the storage node (src/discover/metadata-fetch.ts)
 * and caches it, validated, in the catalog. The chain pass never waits for the storage node: a
 * token is listed as soon as it is registered and its description follows; a document that is
 * not there yet is looked for again later (backing off), one that is not valid is skipped (the
 * token stays listed without it), a node that cannot be reached fails only the metadata pass.
 */
import type { Catalog } from '../catalog/db';
import { ChainFollower, type FollowedEvent, type FollowSource } from '../chain/follow';
import type { RegistryClient } from '../chain/client';
import type { PublicMetadata } from '../metadata/document';
import { eachLimited, findMetadataItems, readMetadata } from './metadata-fetch';

export const discoverStream = (registry: string): string => `discover:${registry.toLowerCase()}`;

export interface DiscoverSource extends FollowSource {
  registry: RegistryClient;
  /** The network's storage node (null: none set; metadata waits). */
  storageUrl: string | null;
}

export interface DiscoverIndexerOptions {
  catalog: Catalog;
  network: string;
  /** The registry this indexer follows (its rows are keyed by it). */
  registry: string;
  source: () => Promise<DiscoverSource>;
  batchSize?: number;
  confirmations?: number;
  /** Concurrent document downloads (default 16). */
  concurrency?: number;
  /** Attempts before a token's document is given up as missing (default 30). */
  maxTries?: number;
  onError?: (e: unknown) => void;
  now?: () => number;
}

/** What the list shows of a document: its searchable fields. */
export function metadataFields(id: string, m: PublicMetadata): { metaId: string; name: string; kind: string; description: string; license: string; contributors: string; json: string } {
  return { metaId: id, name: m.name, kind: m.kind, description: m.description, license: m.license.spdx, contributors: m.contributors.map((c) => c.name).join('\n'), json: JSON.stringify(m) };
}

export class DiscoverIndexer {
  readonly follower: ChainFollower;
  private readonly o: DiscoverIndexerOptions;
  private readonly registry: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: DiscoverIndexerOptions) {
    this.o = options;
    this.registry = options.registry.toLowerCase();
    const { catalog, network } = options;
    this.follower = new ChainFollower({
      catalog,
      network,
      stream: discoverStream(this.registry),
      source: options.source,
      events: ['Registered', 'TermsUpdated', 'SaleChanged', 'Transfer', 'AccessRequested', 'AccessGranted', 'AccessDenied', 'AccessCancelled'],
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.confirmations !== undefined ? { confirmations: options.confirmations } : {}),
      ...(options.onError !== undefined ? { onError: options.onError } : {}),
      apply: (events) => {
        this.apply(events);
      },
      onReorg: (fromBlock) => {
        catalog.discover.rewind(network, fromBlock);
      },
    });
  }

  private apply(events: FollowedEvent[]): void {
    const d = this.o.catalog.discover;
    const { network } = this.o;
    const registry = this.registry;
    for (const e of events) {
      switch (e.name) {
        case 'Registered':
          d.registered({
            network,
            registry,
            tokenId: e.tokenId.toString(),
            owner: e.owner.toLowerCase(),
            contentRoot: e.contentRoot.replace(/^0x/i, '').toLowerCase(),
            manifestId: e.manifestId,
            termsHash: e.termsHash,
            priceWei: e.price.toString(),
            block: e.blockNumber,
            registeredAt: new Date(e.blockTime * 1000).toISOString(),
          });
          break;
        case 'TermsUpdated':
          d.terms(network, registry, e.tokenId.toString(), e.termsHash, e.price.toString(), e.blockNumber);
          break;
        case 'SaleChanged':
          d.sale(network, registry, e.tokenId.toString(), e.forSale, e.blockNumber);
          break;
        case 'Transfer':
          d.transfer(network, registry, e.tokenId.toString(), e.to, e.blockNumber);
          break;
        case 'AccessRequested':
          d.request({ network, registry, requestId: e.requestId.toString(), tokenId: e.tokenId.toString(), amountWei: e.amount.toString(), createdAt: e.blockTime, block: e.blockNumber });
          break;
        case 'AccessGranted':
          d.outcome(network, registry, e.requestId.toString(), 'approved', e.blockTime, e.blockNumber);
          break;
        case 'AccessDenied':
          d.outcome(network, registry, e.requestId.toString(), 'denied', e.blockTime, e.blockNumber);
          break;
        case 'AccessCancelled':
          d.outcome(network, registry, e.requestId.toString(), 'cancelled', e.blockTime, e.blockNumber);
          break;
        default:
          break;
      }
    }
  }

  /** One pass now: the chain, then the metadata of new tokens. Passes run one after the other. */
  syncOnce(): Promise<{ syncedBlock: number; metadata: number }> {
    const run = this.queue.then(
      () => this.pass(),
      () => this.pass(),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async pass(): Promise<{ syncedBlock: number; metadata: number }> {
    const r = await this.follower.syncOnce();
    await this.refreshStale();
    const metadata = await this.fillMetadata();
    return { syncedBlock: Math.max(0, r.syncedBlock), metadata };
  }

  /** Tokens a reorg left stale: their owner, terms and listing as the chain holds them now. */
  private async refreshStale(): Promise<void> {
    const { catalog, network } = this.o;
    const stale = catalog.discover.stale(network, this.registry);
    if (stale.length === 0) return;
    const src = await this.o.source();
    const block = await src.conn.provider.getBlockNumber();
    for (const tokenId of stale) {
      const a = await src.registry.asset(BigInt(tokenId));
      if (a !== null) catalog.discover.refreshed({ network, registry: this.registry, tokenId, owner: a.owner, termsHash: a.termsHash, priceWei: a.price.toString(), forSale: a.forSale, block });
    }
  }

  /**
   * Fetches the metadata of tokens still without it (due now), 500 at a time until none is due.
   * Returns how many documents were cached. Throws when the storage node cannot be asked.
   */
  async fillMetadata(): Promise<number> {
    const { catalog, network } = this.o;
    const now = this.o.now ?? Date.now;
    const maxTries = this.o.maxTries ?? 30;
    let cached = 0;
    let storageUrl: string | null | undefined;
    for (let round = 0; round < 1000; round++) {
      const due = catalog.discover.pendingMetadata(network, this.registry, new Date(now()).toISOString(), 500);
      if (due.length === 0) break;
      storageUrl ??= (await this.o.source()).storageUrl;
      if (storageUrl === null) break;
      const url = storageUrl;
      const found = await findMetadataItems(url, due);
      const retry = (row: (typeof due)[number], invalid: boolean): void => {
        const tries = row.tries + 1;
        const give = tries >= (invalid ? 3 : maxTries);
        const delay = Math.min(10 * 60_000, 1000 * 2 ** Math.min(tries, 10));
        catalog.discover.metadataFailed(row.rowid, give ? (invalid ? 'invalid' : 'missing') : 'pending', give ? null : new Date(now() + delay).toISOString());
      };
      await eachLimited(due, this.o.concurrency ?? 16, async (row) => {
        const ids = found.get(row.contentRoot) ?? [];
        for (const id of ids) {
          try {
            const m = await readMetadata(url, id, row.contentRoot);
            catalog.discover.setMetadata(row.rowid, metadataFields(id, m));
            cached++;
            return;
          } catch {
            // A document that is not valid (or not served) is skipped: the next candidate, or later.
          }
        }
        retry(row, ids.length > 0);
      });
    }
    return cached;
  }

  async stop(): Promise<void> {
    await this.queue;
    await this.follower.stop();
  }
}
