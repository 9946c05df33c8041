/**
 * Following AtivoRegistry events into the catalog, crash-safe and reorg-aware.
 *
 *   const f = new ChainFollower({
 *     catalog, network: 'sandbox', stream: 'earnings',
 *     source: async () => ({ conn, address: registryAddress, startBlock: deployBlock }),
 *     confirmations: 0,                          // read up to head - confirmations
 *     apply: (events, range) => { … write rows … },      // SYNC, inside the SQLite transaction
 *     onReorg: (fromBlock) => { … delete rows of blocks >= fromBlock … }, // SYNC, same care
 *   });
 *   await f.syncOnce();          // one pass up to the safe head; throws (and records) RPC errors
 *   f.start(1000); await f.stop();   // poll every second; errors back off exponentially
 *   f.status();                  // { syncedBlock, head, lastError, failures, nextRunAt, … }
 *
 * Guarantees:
 * - The cursor (chain_cursor row for network+stream: last block fully processed and its hash)
 *   advances in the SAME SQLite transaction as `apply` writes its rows: a crash at any point
 *   never loses a batch nor hands one over twice (after a restart, reading resumes at
 *   cursor + 1). A throwing `apply` rolls the batch back; the pass fails and is retried.
 * - Each pass first re-checks the hash of the cursor's block. On a mismatch (a reorg, or a chain
 *   that lost blocks) the cursor moves back to the fork point: the newest of the last
 *   `reorgDepth` blocks read (with events, or ending a batch) whose hash is unchanged, or before
 *   the start block when none is; `onReorg(fromBlock)` runs in the transaction that moves it,
 *   and those blocks are read again. Use `confirmations` to keep most reorgs away altogether.
 * - Events are handed in log order, decoded by abi.ts, each with its block's hash and time.
 * - `prepare` (async, optional) runs before the transaction, for reads the batch needs
 *   (token owners, prices…); what it returns is passed to `apply`.
 * - RPC failures: `syncOnce` rejects with the ChainError (and records it in `status().lastError`);
 *   the `start` loop retries after an exponential backoff with jitter (baseMs·2^(n−1), capped),
 *   and resets it after a successful pass.
 * - Passes never overlap: `syncOnce` during a pass waits for it and then runs its own.
 */
import type { Catalog } from '../catalog/db';
import { backoffDelay } from '../util/backoff';
import { parseRawRegistryLogs, registryTopic, type RawRpcLog, type RegistryEvent, type RegistryEventName } from './abi';
import { ChainError, toChainError } from './errors';
import { LogReader, rawBlock, type RawBlock } from './getlogs';
import type { ChainConnection } from './provider';

/** A decoded registry event with its block's hash and timestamp (unix seconds). */
export type FollowedEvent = RegistryEvent & { blockHash: string; blockTime: number };

export interface BlockRange {
  /** Inclusive. */
  fromBlock: number;
  /** Inclusive. */
  toBlock: number;
  toBlockHash: string;
  /** The range's last block's timestamp (unix seconds): the chain's time as far as the batch goes. */
  toBlockTime: number;
  /** The chain head when the range was read. */
  head: number;
}

export interface FollowSource {
  conn: ChainConnection;
  /** The registry's address. */
  address: string;
  /** Where to begin when there is no cursor yet (e.g. the registry's deploy block). Default 0. */
  startBlock?: number;
}

export interface FollowerOptions<P = undefined> {
  catalog: Catalog;
  network: string;
  /** Names the cursor: one per consumer ('access', 'earnings'…). */
  stream: string;
  /** The chain and registry to read; asked at each pass (it may throw, e.g. NOT_CONFIGURED). */
  source: () => Promise<FollowSource>;
  /** Only these events are handed over (default: all the registry emits). */
  events?: readonly RegistryEventName[];
  /** Read only up to head − confirmations (default 0). */
  confirmations?: number;
  /**
   * Blocks per batch (one transaction; default 2000). A batch's logs are read in up to
   * `logConcurrency` concurrent eth_getLogs calls; a call the node refuses is split in halves
   * (and the smaller span kept for the next calls).
   */
  batchSize?: number;
  /** Concurrent eth_getLogs calls within a batch (default 4). */
  logConcurrency?: number;
  /** For tests: called before each eth_getLogs call with its inclusive block range. */
  onLogCall?: (fromBlock: number, toBlock: number) => void;
  /**
   * How many recent block hashes are remembered (default 64): a reorg is rewound exactly to the
   * fork point when it is among them, otherwise the stream is read again from its start block.
   */
  reorgDepth?: number;
  prepare?: (events: FollowedEvent[], range: BlockRange) => Promise<P>;
  /** Writes the batch's rows. Synchronous: it runs inside the transaction that advances the cursor. */
  apply: (events: FollowedEvent[], range: BlockRange, prepared: P) => void;
  /** Undoes what blocks ≥ fromBlock wrote. Synchronous: it runs inside the transaction that moves the cursor back. */
  onReorg?: (fromBlock: number) => void;
  /** After a batch committed (outside the transaction): notify, enqueue work… Errors are reported, not retried. */
  afterCommit?: (events: FollowedEvent[], range: BlockRange, prepared: P) => void;
  /** Backoff of the polling loop after failures (default base 1 s, max 60 s, jitter 0.25). */
  backoff?: { baseMs?: number; maxMs?: number; jitter?: number };
  /** Uniform in [0, 1) for the jitter (default Math.random). */
  random?: () => number;
  /** Where afterCommit and loop errors are reported (default console.error). */
  onError?: (error: unknown) => void;
  /** Concurrent eth_getBlockByNumber calls for the blocks holding events (default 8). */
  blockConcurrency?: number;
}

export interface FollowerStatus {
  network: string;
  stream: string;
  /** Last block fully processed (−1 before the first batch). */
  syncedBlock: number;
  syncedAt: string | null;
  /** The chain head at the last pass (null before the first). */
  head: number | null;
  running: boolean;
  /** The last pass's error, cleared by a successful pass. */
  lastError: string | null;
  lastErrorAt: string | null;
  /** Consecutive failed passes. */
  failures: number;
  /** When the polling loop runs next (ISO), while started. */
  nextRunAt: string | null;
  reorgs: number;
}

export interface SyncResult {
  syncedBlock: number;
  head: number;
  /** Events handed to apply in this pass. */
  events: number;
  /** Reorgs detected in this pass (0 or 1). */
  reorgs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ChainFollower<P = undefined> {
  private readonly o: FollowerOptions<P>;
  private readonly confirmations: number;
  private readonly batchSize: number;
  private readonly reorgDepth: number;
  private readonly wanted: ReadonlySet<string> | null;
  /** Topic hashes of the wanted events (the node filters), or null for all. */
  private readonly topics: string[] | null;
  private readonly backoff: { baseMs: number; maxMs: number; jitter: number };
  private pass: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private started = false;
  private wake: (() => void) | undefined;
  private st: FollowerStatus;
  /** Per endpoint and registry: what the node accepts is learned once, not at every pass. */
  private readonly readers = new Map<string, LogReader>();

  constructor(options: FollowerOptions<P>) {
    this.o = options;
    this.confirmations = Math.max(0, Math.floor(options.confirmations ?? 0));
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 2000));
    this.reorgDepth = Math.max(1, Math.floor(options.reorgDepth ?? 64));
    this.wanted = options.events ? new Set(options.events) : null;
    this.topics = options.events ? options.events.map(registryTopic) : null;
    this.backoff = { baseMs: options.backoff?.baseMs ?? 1000, maxMs: options.backoff?.maxMs ?? 60_000, jitter: options.backoff?.jitter ?? 0.25 };
    const c = options.catalog.cursors.get(options.network, options.stream);
    this.st = {
      network: options.network,
      stream: options.stream,
      syncedBlock: c?.blockNumber ?? -1,
      syncedAt: c?.updatedAt ?? null,
      head: null,
      running: false,
      lastError: null,
      lastErrorAt: null,
      failures: 0,
      nextRunAt: null,
      reorgs: 0,
    };
  }

  status(): FollowerStatus {
    return { ...this.st };
  }

  /** The backoff before the next try after `failures` consecutive failures. */
  retryDelay(failures: number): number {
    const { baseMs, maxMs, jitter } = this.backoff;
    return backoffDelay({ baseMs, factor: 2, maxDelayMs: maxMs, jitter }, failures, this.o.random ?? Math.random);
  }

  /** One pass: reorg check, then batches up to head − confirmations. Passes never overlap. */
  syncOnce(): Promise<SyncResult> {
    const run = this.pass.then(
      () => this.runPass(),
      () => this.runPass(),
    );
    this.pass = run.catch(() => undefined);
    return run;
  }

  /** Polls every intervalMs (backing off after failures) until stop(). */
  start(intervalMs = 1000): void {
    if (this.started) return;
    this.started = true;
    this.loop = (async () => {
      while (this.started) {
        let delay = intervalMs;
        try {
          await this.syncOnce();
        } catch (e) {
          delay = this.retryDelay(this.st.failures);
          if (this.st.failures === 1) (this.o.onError ?? defaultOnError)(e);
        }
        if (!this.isStarted()) break;
        this.st.nextRunAt = new Date(Date.now() + delay).toISOString();
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, delay);
        });
        this.wake = undefined;
        this.st.nextRunAt = null;
      }
    })();
  }

  private isStarted(): boolean {
    return this.started;
  }

  /** Runs the loop's next pass now (no-op when not started). */
  poke(): void {
    clearTimeout(this.timer);
    this.wake?.();
  }

  /** Stops polling and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.started = false;
    this.poke();
    await this.loop;
    await this.pass;
    this.st.nextRunAt = null;
  }

  private fail(e: unknown, url: string | undefined): never {
    // Raw ethers errors (RPC calls) become ChainErrors naming the endpoint; the rest stay as they are.
    const raw = !(e instanceof ChainError) && url !== undefined && typeof (e as { shortMessage?: unknown } | null)?.shortMessage === 'string';
    const err = raw ? toChainError(e, { url }) : e;
    this.st.failures++;
    this.st.lastError = err instanceof Error ? err.message : String(err);
    this.st.lastErrorAt = new Date().toISOString();
    throw err;
  }

  private async runPass(): Promise<SyncResult> {
    this.st.running = true;
    let url: string | undefined;
    try {
      const src = await this.o.source();
      url = src.conn.url;
      const r = await this.read(src);
      this.st.failures = 0;
      this.st.lastError = null;
      this.st.lastErrorAt = null;
      return r;
    } catch (e) {
      return this.fail(e, url);
    } finally {
      this.st.running = false;
    }
  }

  private async block(conn: ChainConnection, n: number): Promise<RawBlock | null> {
    return rawBlock(conn.url, n);
  }

  private reader(src: FollowSource): LogReader {
    const key = `${src.conn.url} ${src.address.toLowerCase()}`;
    let r = this.readers.get(key);
    if (r === undefined) {
      r = new LogReader({
        url: src.conn.url,
        address: src.address,
        topics: this.topics,
        span: this.batchSize,
        ...(this.o.onLogCall ? { onCall: this.o.onLogCall } : {}),
      });
      this.readers.set(key, r);
    }
    return r;
  }

  private async read(src: FollowSource): Promise<SyncResult> {
    const { catalog, network, stream } = this.o;
    const conn = src.conn;
    const startBlock = Math.max(0, src.startBlock ?? 0);
    const head = await conn.provider.getBlockNumber();
    this.st.head = head;
    const safe = head - this.confirmations;
    const stored = catalog.cursors.get(network, stream);
    let cur = stored ? { n: stored.blockNumber, hash: stored.blockHash } : { n: startBlock - 1, hash: null as string | null };
    let reorgs = 0;

    if (cur.hash !== null && cur.n >= 0) {
      const b = await this.block(conn, cur.n);
      if (b?.hash !== cur.hash) {
        // The fork point: the newest remembered block still on the chain (hashes chain, so
        // everything before it is unchanged too); none left → read again from the start.
        let back = startBlock - 1;
        let backHash: string | null = null;
        for (const r of catalog.cursors.recentBlocks(network, stream, cur.n - 1, this.reorgDepth)) {
          if (r.number < startBlock) break;
          const now = await this.block(conn, r.number);
          if (now?.hash === r.hash) {
            back = r.number;
            backHash = r.hash;
            break;
          }
        }
        catalog.transaction(() => {
          this.o.onReorg?.(back + 1);
          catalog.cursors.dropBlocksFrom(network, stream, back + 1);
          if (back < startBlock) catalog.cursors.reset(network, stream);
          else catalog.cursors.set(network, stream, back, backHash, new Date().toISOString());
        });
        cur = { n: back, hash: backHash };
        this.st.syncedBlock = back;
        this.st.reorgs++;
        reorgs = 1;
      }
    }

    let count = 0;
    // Ranges are read ahead, `logConcurrency` in flight, and applied in order, each in its own
    // transaction: the next ranges' logs travel while this one's rows are written. A range's last
    // block is read before its logs and again after: a reorg in between (even one touching only
    // blocks without our logs) must not save the new hash with the old answer; hashes chain, so
    // an unchanged last block means every log read is still on the chain.
    const reader = this.reader(src);
    const ahead = Math.max(1, Math.floor(this.o.logConcurrency ?? 4));
    const total = safe - cur.n;
    // Several ranges even when one batch would hold everything, but not slivers of a few blocks.
    const size = (): number => Math.max(1, Math.min(reader.span, this.batchSize, Math.max(Math.ceil(total / ahead), 16)));
    const inFlight: Promise<{ fromBlock: number; toBlock: number; lastBefore: RawBlock | null; logs: RawRpcLog[]; lastAfter: RawBlock | null; prev: RawBlock | null }>[] = [];
    let nextFrom = cur.n + 1;
    const launch = (): void => {
      while (inFlight.length < ahead && nextFrom <= safe) {
        const fromBlock = nextFrom;
        const toBlock = Math.min(safe, fromBlock + size() - 1);
        nextFrom = toBlock + 1;
        const p = (async () => {
          const lastBefore = await this.block(conn, toBlock);
          const logs = await reader.read(fromBlock, toBlock);
          // After the logs: the last block again, and the block before the range (to check, when it
          // is applied, that it continues what the previous range committed).
          const [lastAfter, prev] = await Promise.all([this.block(conn, toBlock), fromBlock > 0 ? this.block(conn, fromBlock - 1) : null]);
          return { fromBlock, toBlock, lastBefore, logs, lastAfter, prev };
        })();
        p.catch(() => undefined); // awaited in order below; a failure surfaces there
        inFlight.push(p);
      }
    };
    while (cur.n < safe) {
      launch();
      const next = inFlight.shift();
      if (next === undefined) break;
      const { fromBlock, toBlock, lastBefore, logs, lastAfter, prev } = await next;
      // The range continues the chain already committed (a reorg between two ranges shows here).
      if (cur.hash !== null && cur.n >= 0 && prev?.hash !== cur.hash) {
        throw new ChainError('RPC_ERROR', `Block ${cur.n} changed while it was read (a reorg); reading it again.`, { url: conn.url });
      }
      launch();
      const decoded = parseRawRegistryLogs(logs, src.address).filter((e) => this.wanted === null || this.wanted.has(e.name));
      // Blocks holding events, with hash and time: from the logs when the node stamps them
      // (blockTimestamp), otherwise asked for; plus the range's last block (for the cursor).
      const blocks = new Map<number, RawBlock>();
      const ask = new Set<number>();
      for (const log of logs) {
        const n = Number(log.blockNumber);
        const known = blocks.get(n);
        if (known !== undefined) {
          if (known.hash !== log.blockHash) throw new ChainError('RPC_ERROR', `Block ${n} changed while it was read (a reorg); reading it again.`, { url: conn.url });
          continue;
        }
        if (typeof log.blockTimestamp === 'string') blocks.set(n, { number: n, hash: log.blockHash, timestamp: Number(log.blockTimestamp) });
        else ask.add(n);
      }
      if (lastAfter !== null) {
        const fromLog = blocks.get(toBlock);
        if (fromLog !== undefined && fromLog.hash !== lastAfter.hash) throw new ChainError('RPC_ERROR', `Block ${toBlock} changed while it was read (a reorg); reading it again.`, { url: conn.url });
        blocks.set(toBlock, lastAfter);
      }
      const asked = [...ask];
      const limit = Math.max(1, this.o.blockConcurrency ?? 8);
      for (let i = 0; i < asked.length; i += limit) {
        const got = await Promise.all(asked.slice(i, i + limit).map((n) => this.block(conn, n)));
        for (const b of got) {
          if (b === null) continue;
          const fromLog = blocks.get(b.number);
          if (fromLog !== undefined && fromLog.hash !== b.hash) throw new ChainError('RPC_ERROR', `Block ${b.number} changed while it was read (a reorg); reading it again.`, { url: conn.url });
          blocks.set(b.number, b);
        }
      }
      const last = blocks.get(toBlock);
      if (last === undefined) throw new ChainError('RPC_ERROR', `The chain at ${conn.url} did not return block ${toBlock}.`, { url: conn.url });
      if (lastBefore?.hash !== last.hash) throw new ChainError('RPC_ERROR', `Block ${toBlock} changed while it was read (a reorg); reading it again.`, { url: conn.url });
      const events: FollowedEvent[] = decoded.map((e) => {
        const b = blocks.get(e.blockNumber);
        if (b === undefined || b.hash !== e.blockHash) {
          // The chain changed while we read: read this range again on the next pass.
          throw new ChainError('RPC_ERROR', `Block ${e.blockNumber} changed while it was read (a reorg); reading it again.`, { url: conn.url });
        }
        const followed: FollowedEvent = Object.assign(e, { blockTime: b.timestamp });
        return followed;
      });
      const range: BlockRange = { fromBlock, toBlock, toBlockHash: last.hash, toBlockTime: last.timestamp, head };
      const prepared = (this.o.prepare ? await this.o.prepare(events, range) : undefined) as P;
      const now = new Date().toISOString();
      catalog.transaction(() => {
        this.o.apply(events, range, prepared);
        catalog.cursors.set(network, stream, toBlock, last.hash, now);
        catalog.cursors.addBlocks(network, stream, [...blocks.values()].map((b) => ({ number: b.number, hash: b.hash })), this.reorgDepth);
      });
      cur = { n: toBlock, hash: last.hash };
      this.st.syncedBlock = toBlock;
      this.st.syncedAt = now;
      count += events.length;
      if (this.o.afterCommit) {
        try {
          this.o.afterCommit(events, range, prepared);
        } catch (e) {
          (this.o.onError ?? defaultOnError)(e);
        }
      }
      if (cur.n < safe) await sleep(0); // let other work in
    }
    return { syncedBlock: cur.n, head, events: count, reorgs };
  }
}

function defaultOnError(e: unknown): void {
  console.error('ativo: chain follower:', e instanceof Error ? e.message : e);
}
