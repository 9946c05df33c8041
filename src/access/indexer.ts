/**
 * The access-request indexer (owner side): follows the registry's events on one network
 * (stream 'access', src/chain/follow.ts) and keeps the catalog's access_requests in step:
 *   Registered / Transfer / TermsUpdated  → access_tokens (owner, price) and each request's owner
 *   AccessRequested                       → a new 'pending' row (once: UNIQUE (network, request_id))
 *   AccessGranted / AccessDenied / AccessCancelled → approved / denied / cancelled (an approval
 *                                                    with a grant id is handed to `onGranted`)
 *   SaleChanged                           → listings (for sale or not; issue 14)
 *   ApproverSet / Decided                 → the token's approvers, who decided each request (issue 17):
 *                                           a wallet's inbox holds its tokens' requests and those of
 *                                           tokens it approves for; `onApprovedByOther` hands over
 *                                           approvals decided by someone else than the owner
 *   pending past cancellableAt (chain time)        → expired (still answerable; the requester may cancel)
 * Every batch is written with the cursor in one transaction (no loss, no duplicate across
 * restarts); a reorg rewinds the rows of the orphaned blocks. After each batch it emits
 * `access.new` once per new pending request to the current wallet's tokens, and `access.changed`
 * with the unread count; `onNewPending` lets the service apply auto-approve rules.
 */
import type { Catalog } from '../catalog/db';
import type { AccessRequestRecord } from '../catalog/access';
import { ChainFollower, type BlockRange, type FollowedEvent, type FollowSource, type FollowerStatus } from '../chain/follow';
import type { RegistryClient } from '../chain/client';
import type { EventName, EventPayload } from '../api/contract';

export const ACCESS_STREAM = 'access';

export interface AccessSource extends FollowSource {
  registry: RegistryClient;
}

export interface AccessIndexerOptions {
  catalog: Catalog;
  network: string;
  /** The chain of `network` (throws when it is not the current one). */
  source: () => Promise<AccessSource>;
  /** Lowercase addresses whose requests are "yours" (notifications, unread count): the current wallet. */
  owners: () => Promise<string[]>;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  confirmations?: number;
  batchSize?: number;
  /** At most this many access.new events per pass (the rest only count as unread). Default 20. */
  notifyLimit?: number;
  /** New pending requests to one of `owners`' tokens, after they are committed. */
  onNewPending?: (rows: AccessRequestRecord[]) => void;
  /**
   * Requests the batch saw approved on chain with a grant id (after they are committed): the
   * service re-queues the delivery of a grant prepared here and not delivered yet (issue 12).
   */
  onGranted?: (rows: AccessRequestRecord[]) => void;
  /**
   * Requests the batch saw approved with an empty grant id by someone else than the token's owner
   * (one of its approvers, issue 17): the owner's Ativo delivers their key (src/access/approver-delivery.ts).
   */
  onApprovedByOther?: (rows: AccessRequestRecord[]) => void;
  onError?: (error: unknown) => void;
  backoff?: { baseMs?: number; maxMs?: number; jitter?: number };
}

interface Prepared {
  /** Tokens the batch refers to that the catalog does not know yet, read from the chain. */
  tokens: Map<string, { owner: string; price: bigint }>;
  accessTimeout: number;
  owners: string[];
}

const iso = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();

export class AccessIndexer {
  readonly follower: ChainFollower<Prepared>;
  private readonly o: AccessIndexerOptions;
  private accessTimeout: number | undefined;
  /** What the batch being applied changed (reset at each apply: a rolled-back batch leaves nothing). */
  private batch = { added: [] as number[], changed: new Set<number>(), granted: [] as number[], ungranted: [] as number[] };
  private passAdded = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: AccessIndexerOptions) {
    this.o = options;
    const { catalog, network } = options;
    this.follower = new ChainFollower<Prepared>({
      catalog,
      network,
      stream: ACCESS_STREAM,
      source: options.source,
      events: ['Registered', 'Transfer', 'TermsUpdated', 'AccessRequested', 'AccessGranted', 'AccessDenied', 'AccessCancelled', 'SaleChanged', 'ApproverSet', 'Decided'],
      ...(options.confirmations !== undefined ? { confirmations: options.confirmations } : {}),
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
      ...(options.onError !== undefined ? { onError: options.onError } : {}),
      prepare: (events) => this.prepare(events),
      apply: (events, range, prepared) => {
        this.apply(events, range, prepared);
      },
      onReorg: (fromBlock) => {
        const r = catalog.access.rewind(network, fromBlock, new Date().toISOString());
        catalog.listings.rewind(network, fromBlock);
        catalog.approvers.rewind(network, fromBlock);
        for (const id of r.reset) this.batch.changed.add(id);
      },
      afterCommit: (events, range, prepared) => {
        this.afterCommit(prepared);
      },
    });
  }

  status(): FollowerStatus {
    return this.follower.status();
  }

  /** One pass now; how many requests it added and the last block read. Passes run one after the other. */
  syncOnce(): Promise<{ added: number; syncedBlock: number }> {
    const run = this.queue.then(
      () => this.pass(),
      () => this.pass(),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async pass(): Promise<{ added: number; syncedBlock: number }> {
    this.passAdded = 0;
    this.batch = { added: [], changed: new Set(), granted: [], ungranted: [] };
    const r = await this.follower.syncOnce();
    if (r.reorgs > 0) await this.announce([...this.batch.changed]);
    return { added: this.passAdded, syncedBlock: Math.max(0, r.syncedBlock) };
  }

  /** Waits for a pass in progress. */
  async stop(): Promise<void> {
    await this.queue;
    await this.follower.stop();
  }

  private async prepare(events: FollowedEvent[]): Promise<Prepared> {
    const { catalog, network } = this.o;
    const src = await this.o.source();
    this.accessTimeout ??= await src.registry.accessTimeout();
    const known = new Set<string>();
    const tokens = new Map<string, { owner: string; price: bigint }>();
    for (const e of events) {
      if (e.name === 'Registered' || e.name === 'Transfer') known.add(e.tokenId.toString());
      if (e.name !== 'AccessRequested') continue;
      const id = e.tokenId.toString();
      if (known.has(id) || tokens.has(id) || catalog.access.token(network, id) !== undefined) continue;
      const a = await src.registry.asset(e.tokenId);
      if (a !== null) tokens.set(id, { owner: a.owner, price: a.price });
    }
    return { tokens, accessTimeout: this.accessTimeout, owners: (await this.o.owners()).map((o) => o.toLowerCase()) };
  }

  private apply(events: FollowedEvent[], range: BlockRange, p: Prepared): void {
    const { catalog, network } = this.o;
    const a = catalog.access;
    const now = new Date().toISOString();
    this.batch = { added: [], changed: new Set(this.batch.changed), granted: [], ungranted: [] };
    for (const [tokenId, t] of p.tokens) {
      if (a.token(network, tokenId) === undefined) a.upsertToken({ network, tokenId, owner: t.owner, priceWei: t.price.toString(), block: range.fromBlock });
    }
    let lastTime = 0;
    for (const e of events) {
      lastTime = Math.max(lastTime, e.blockTime);
      switch (e.name) {
        case 'Transfer':
          a.transfer(network, e.tokenId.toString(), e.to, e.blockNumber);
          catalog.approvers.clear(network, e.tokenId.toString());
          break;
        case 'ApproverSet':
          catalog.approvers.set(network, e.tokenId.toString(), e.account, e.allowed, e.blockNumber);
          break;
        case 'Decided': {
          const id = catalog.approvers.setDecider(network, e.requestId.toString(), e.decider);
          if (id !== null) this.batch.changed.add(id);
          break;
        }
        case 'Registered':
          a.upsertToken({ network, tokenId: e.tokenId.toString(), owner: e.owner, priceWei: e.price.toString(), block: e.blockNumber });
          break;
        case 'TermsUpdated':
          a.setPrice(network, e.tokenId.toString(), e.price.toString(), e.blockNumber);
          break;
        case 'AccessRequested': {
          const token = a.token(network, e.tokenId.toString());
          const id = a.insert(
            {
              network,
              requestId: e.requestId.toString(),
              tokenId: e.tokenId.toString(),
              requester: e.requester,
              recipient: e.recipient,
              amountWei: e.amount.toString(),
              message: e.message,
              blockNumber: e.blockNumber,
              logIndex: e.logIndex,
              txHash: e.transactionHash,
              createdAt: iso(e.blockTime),
              cancellableAt: iso(e.blockTime + p.accessTimeout),
              owner: token?.owner ?? null,
            },
            now,
          );
          if (id !== null) {
            this.batch.added.push(id);
            this.batch.changed.add(id);
          }
          break;
        }
        case 'AccessGranted': {
          const id = a.setState(network, e.requestId.toString(), 'approved', e.blockNumber, now, { grantId: e.grantId });
          if (id !== null) this.batch.changed.add(id);
          if (id !== null && e.grantId !== '') this.batch.granted.push(id);
          if (id !== null && e.grantId === '') this.batch.ungranted.push(id);
          break;
        }
        case 'AccessDenied': {
          const id = a.setState(network, e.requestId.toString(), 'denied', e.blockNumber, now, { reason: e.reason });
          if (id !== null) this.batch.changed.add(id);
          break;
        }
        case 'AccessCancelled': {
          const id = a.setState(network, e.requestId.toString(), 'cancelled', e.blockNumber, now);
          if (id !== null) this.batch.changed.add(id);
          break;
        }
        case 'SaleChanged':
          catalog.listings.set(network, e.tokenId.toString(), e.forSale, e.blockNumber, now);
          break;
        default:
          break;
      }
    }
    // Chain time: the range's last block is at least as late as any event in it.
    const chainTime = Math.max(lastTime, range.toBlockTime);
    if (chainTime > 0) for (const id of a.expire(network, iso(chainTime), now)) this.batch.changed.add(id);
  }

  private afterCommit(p: Prepared): void {
    const { catalog } = this.o;
    const { added, changed, granted, ungranted } = this.batch;
    this.batch = { added: [], changed: new Set(), granted: [], ungranted: [] };
    this.passAdded += added.length;
    const mine = new Set(p.owners);
    const fresh = added
      .map((id) => catalog.access.get(id))
      .filter((r): r is AccessRequestRecord => r !== undefined && r.notifiedAt === null && ((r.owner !== null && mine.has(r.owner)) || p.owners.some((o) => catalog.approvers.isApprover(r.network, r.tokenId, o))));
    const limit = this.o.notifyLimit ?? 20;
    const now = new Date().toISOString();
    catalog.access.markNotified(
      fresh.map((r) => r.id),
      now,
    );
    for (const r of fresh.slice(0, limit)) {
      if (r.state !== 'pending') continue;
      this.o.emit('access.new', { id: r.id, assetName: r.assetName, requester: r.requester, amountWei: r.amountWei });
    }
    if (changed.size > 0) this.emitChanged([...changed], p.owners);
    const pending = fresh.filter((r) => r.state === 'pending');
    if (pending.length > 0) this.o.onNewPending?.(pending);
    const approved = granted.map((id) => catalog.access.get(id)).filter((r): r is AccessRequestRecord => r?.state === 'approved');
    if (approved.length > 0) this.o.onGranted?.(approved);
    const byOther = ungranted
      .map((id) => catalog.access.get(id))
      .filter((r): r is AccessRequestRecord => r?.state === 'approved' && r.decidedBy !== null && r.owner !== null && r.decidedBy !== r.owner);
    if (byOther.length > 0) this.o.onApprovedByOther?.(byOther);
  }

  private emitChanged(ids: number[], owners: string[]): void {
    const { catalog } = this.o;
    const unread = owners.reduce((n, o) => n + catalog.access.unread(this.o.network, o), 0);
    this.o.emit('access.changed', { ids, unread });
  }

  private async announce(ids: number[]): Promise<void> {
    const owners = (await this.o.owners().catch(() => [])).map((o) => o.toLowerCase());
    this.emitChanged(ids, owners);
  }
}
