/**
 * The node's disk state, under `dataDir`:
 *
 *   node-key.json                    identity (receipts RSA key + funding key), mode 0600
 *   storage-node.lock                an OS lock (catalog/lock.ts) while a node runs on this dir
 *   items/<hh>/<idhex>.bin           raw data item bytes (ANS-104), exactly as uploaded
 *   items/<hh>/<idhex>.json          metadata + receipt + charge: its presence IS the commit
 *   funding/<txhash>.json            one credited funding tx (credits once per tx hash)
 *   funding/pending/<txhash>.json    a funding tx seen but not yet confirmed enough
 *   uploads/<uploadId>/upload.json   a chunked upload session
 *   uploads/<uploadId>/<offset>.chunk  its chunks, by byte offset
 *   tmp/                             request bodies and assembled items in flight (emptied at start)
 *
 * Every file is written to a temp file and renamed into place. An item's bytes are renamed in
 * first and its metadata last; a .bin without .json (a crash in between) is removed at start.
 * Balances are not stored: they are recomputed at start as credits minus the charges recorded
 * in the items' metadata, so a charge and the item it paid for commit together.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor, writeFileAtomic } from '../../util/atomic-write';
import { errnoCode } from './fsutil';
import { Funding, ItemRecord, UploadRecord, idToHex, isUploadId, tagKey, type ChunkInfo, type FundingRecord, type StoredItem } from './store-records';

export { idToHex, isUploadId, type ChunkInfo, type FundingRecord, type StoredItem, type UploadRecord } from './store-records';

export class Store {
  readonly itemsDir: string;
  readonly fundingDir: string;
  readonly pendingDir: string;
  readonly uploadsDir: string;
  readonly tmpDir: string;

  private readonly items = new Map<string, StoredItem>();
  private readonly ordered: StoredItem[] = [];
  private readonly byTag = new Map<string, Set<string>>();
  private readonly byAddress = new Map<string, Set<string>>();
  private readonly balances = new Map<string, bigint>();
  private readonly credited = new Set<string>();
  private readonly pending = new Map<string, FundingRecord>();
  private nextSeq = 1;

  private constructor(readonly dataDir: string) {
    this.itemsDir = join(dataDir, 'items');
    this.fundingDir = join(dataDir, 'funding');
    this.pendingDir = join(this.fundingDir, 'pending');
    this.uploadsDir = join(dataDir, 'uploads');
    this.tmpDir = join(dataDir, 'tmp');
  }

  static async open(dataDir: string): Promise<Store> {
    const s = new Store(dataDir);
    for (const d of [s.itemsDir, s.fundingDir, s.pendingDir, s.uploadsDir]) await mkdir(d, { recursive: true });
    await rm(s.tmpDir, { recursive: true, force: true });
    await mkdir(s.tmpDir, { recursive: true });
    await s.load();
    return s;
  }

  private async load(): Promise<void> {
    const loaded: StoredItem[] = [];
    for (const sub of await readdir(this.itemsDir)) {
      const dir = join(this.itemsDir, sub);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      const metas = new Set(names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)));
      for (const n of names) {
        if (n.endsWith('.tmp')) await rm(join(dir, n), { force: true });
        else if (n.endsWith('.bin') && !metas.has(n.slice(0, -4))) await rm(join(dir, n), { force: true });
      }
      for (const hex of metas) {
        try {
          const rec = ItemRecord.parse(JSON.parse(await readFile(join(dir, `${hex}.json`), 'utf8')));
          await stat(join(dir, `${hex}.bin`));
          loaded.push(rec);
        } catch (e) {
          console.warn(`[storage-node] skipping unreadable item ${hex}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    // An inner item whose bundle's metadata never landed belongs to a bundle cut short by a crash: drop it.
    const ids = new Set(loaded.map((i) => i.id));
    const orphans = loaded.filter((i) => i.bundledIn !== undefined && !ids.has(i.bundledIn));
    for (const o of orphans) {
      const p = this.itemPaths(o.id);
      await rm(p.meta, { force: true });
      await rm(p.bin, { force: true });
    }
    const kept = loaded.filter((i) => !orphans.includes(i));
    loaded.length = 0;
    loaded.push(...kept);
    loaded.sort((a, b) => a.seq - b.seq);
    for (const item of loaded) this.index(item);

    for (const n of await readdir(this.fundingDir)) {
      if (!n.endsWith('.json')) {
        if (n.endsWith('.tmp')) await rm(join(this.fundingDir, n), { force: true });
        continue;
      }
      try {
        const f = Funding.parse(JSON.parse(await readFile(join(this.fundingDir, n), 'utf8')));
        this.credited.add(f.txId);
        this.adjust(f.from, BigInt(f.value));
      } catch (e) {
        console.warn(`[storage-node] skipping unreadable funding record ${n}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    for (const n of await readdir(this.pendingDir)) {
      if (!n.endsWith('.json')) continue;
      try {
        const f = Funding.parse(JSON.parse(await readFile(join(this.pendingDir, n), 'utf8')));
        if (this.credited.has(f.txId)) await rm(join(this.pendingDir, n), { force: true });
        else this.pending.set(f.txId, f);
      } catch {
        await rm(join(this.pendingDir, n), { force: true });
      }
    }
    for (const item of loaded) this.adjust(item.paidBy, -BigInt(item.price));
  }

  private adjust(address: string, delta: bigint): void {
    const a = address.toLowerCase();
    this.balances.set(a, (this.balances.get(a) ?? 0n) + delta);
  }

  private index(item: StoredItem): void {
    this.items.set(item.id, item);
    this.ordered.push(item);
    this.nextSeq = Math.max(this.nextSeq, item.seq + 1);
    for (const t of item.tags) {
      const k = tagKey(t.name, t.value);
      let set = this.byTag.get(k);
      if (set === undefined) this.byTag.set(k, (set = new Set()));
      set.add(item.id);
    }
    let owned = this.byAddress.get(item.address);
    if (owned === undefined) this.byAddress.set(item.address, (owned = new Set()));
    owned.add(item.id);
  }

  // ---------------------------------------------------------------- items

  getItem(id: string): StoredItem | undefined {
    return this.items.get(id);
  }
  /** All items in acceptance order (do not mutate). */
  allItems(): readonly StoredItem[] {
    return this.ordered;
  }
  idsWithTag(name: string, value: string): ReadonlySet<string> {
    return this.byTag.get(tagKey(name, value)) ?? new Set();
  }
  idsOwnedBy(address: string): ReadonlySet<string> {
    return this.byAddress.get(address.toLowerCase()) ?? this.byAddress.get(address) ?? new Set();
  }
  get itemCount(): number {
    return this.items.size;
  }

  private itemPaths(id: string): { dir: string; bin: string; meta: string } {
    const hex = idToHex(id);
    if (hex === undefined) throw new Error(`Not a data item id: ${id}`);
    const dir = join(this.itemsDir, hex.slice(0, 2));
    return { dir, bin: join(dir, `${hex}.bin`), meta: join(dir, `${hex}.json`) };
  }
  dataPath(id: string): string {
    return this.itemPaths(id).bin;
  }

  /**
   * Moves the verified item file `tmpFile` into place and commits its metadata and charge.
   * Caller holds the node's ledger lock and has checked the balance. On failure nothing stays.
   */
  async commitItem(tmpFile: string, item: Omit<StoredItem, 'seq'>): Promise<StoredItem> {
    const p = this.itemPaths(item.id);
    const full: StoredItem = { ...item, seq: this.nextSeq };
    await mkdir(p.dir, { recursive: true });
    await rename(tmpFile, p.bin);
    try {
      await writeFileAtomic(p.meta, `${JSON.stringify(full)}\n`);
    } catch (e) {
      await rm(p.bin, { force: true }).catch(() => undefined);
      throw e;
    }
    this.nextSeq++;
    this.index(full);
    this.adjust(full.paidBy, -BigInt(full.price));
    return full;
  }

  /**
   * Commits a bundle: first every new inner item (bytes and metadata, each with `bundledIn`),
   * then the bundle's own metadata, which is the commit point of the whole bundle: at start, inner
   * items whose bundle has no metadata are removed (see load), so a crash leaves all or nothing.
   * Durability: the inner files are written and fsynced as one concurrent batch (not one fsync
   * after another) and renamed into place before the bundle's metadata is written and fsynced, so
   * the commit point never reaches disk ahead of what it commits. Inner items take the sequence numbers right
   * after the bundle's. Caller holds the ledger lock and has checked the balance.
   */
  async commitBundle(tmpFile: string, bundle: Omit<StoredItem, 'seq'>, inner: { item: Omit<StoredItem, 'seq'>; raw: Uint8Array }[]): Promise<StoredItem> {
    const written: string[] = [];
    const fresh: StoredItem[] = [];
    try {
      let seq = this.nextSeq + 1;
      const pending: { tmp: string; path: string; data: string | Uint8Array }[] = [];
      for (const { item, raw } of inner) {
        if (this.items.has(item.id)) continue;
        const p = this.itemPaths(item.id);
        const full: StoredItem = { ...item, seq: seq++ };
        await mkdir(p.dir, { recursive: true });
        pending.push({ tmp: tempPathFor(p.bin), path: p.bin, data: raw }, { tmp: tempPathFor(p.meta), path: p.meta, data: `${JSON.stringify(full)}\n` });
        fresh.push(full);
      }
      // One batch: write every inner file, fsync them all concurrently, then rename them into place.
      await forEachLimit(pending, 16, async (f) => {
        written.push(f.tmp);
        const fh = await open(f.tmp, 'wx', 0o644);
        try {
          await fh.writeFile(f.data);
          await fh.sync();
        } finally {
          await fh.close();
        }
      });
      for (const f of pending) {
        await rename(f.tmp, f.path);
        written.push(f.path);
      }
      const stored = await this.commitItem(tmpFile, bundle);
      for (const f of fresh) this.index(f);
      this.nextSeq = Math.max(this.nextSeq, seq);
      return stored;
    } catch (e) {
      for (const w of written) await rm(w, { force: true }).catch(() => undefined);
      throw e;
    }
  }

  /** A fresh path in tmp/ for a request body or an assembled item. */
  tempFile(kind: string): string {
    return join(this.tmpDir, `${kind}-${randomBytes(8).toString('hex')}`);
  }

  // ---------------------------------------------------------------- balances & funding

  balanceOf(address: string): bigint {
    return this.balances.get(address.toLowerCase()) ?? 0n;
  }
  isCredited(txId: string): boolean {
    return this.credited.has(txId.toLowerCase());
  }
  pendingFor(address?: string): FundingRecord[] {
    const all = [...this.pending.values()];
    return address === undefined ? all : all.filter((f) => f.from === address.toLowerCase());
  }
  getPending(txId: string): FundingRecord | undefined {
    return this.pending.get(txId.toLowerCase());
  }

  async credit(rec: FundingRecord): Promise<void> {
    const txId = rec.txId.toLowerCase();
    const norm = { ...rec, txId, from: rec.from.toLowerCase(), to: rec.to.toLowerCase() };
    await writeFileAtomic(join(this.fundingDir, `${txId}.json`), `${JSON.stringify(norm)}\n`, { exclusive: true });
    this.credited.add(txId);
    this.adjust(norm.from, BigInt(norm.value));
    if (this.pending.delete(txId)) await rm(join(this.pendingDir, `${txId}.json`), { force: true });
  }

  async markPending(rec: FundingRecord): Promise<void> {
    const txId = rec.txId.toLowerCase();
    const norm = { ...rec, txId, from: rec.from.toLowerCase(), to: rec.to.toLowerCase() };
    if (!this.pending.has(txId)) await writeFileAtomic(join(this.pendingDir, `${txId}.json`), `${JSON.stringify(norm)}\n`);
    this.pending.set(txId, norm);
  }

  async dropPending(txId: string): Promise<void> {
    const t = txId.toLowerCase();
    if (this.pending.delete(t)) await rm(join(this.pendingDir, `${t}.json`), { force: true });
  }

  // ---------------------------------------------------------------- chunked uploads

  private uploadDir(id: string): string {
    if (!isUploadId(id)) throw new Error(`Not an upload id: ${id}`);
    return join(this.uploadsDir, id);
  }

  async createUpload(token: string): Promise<UploadRecord> {
    const rec: UploadRecord = { id: crypto.randomUUID(), token, createdAt: Date.now() };
    const dir = this.uploadDir(rec.id);
    await mkdir(dir, { recursive: true });
    try {
      await writeFileAtomic(join(dir, 'upload.json'), `${JSON.stringify(rec)}\n`);
    } catch (e) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw e;
    }
    return rec;
  }

  async getUpload(id: string): Promise<UploadRecord | undefined> {
    if (!isUploadId(id)) return undefined;
    try {
      return UploadRecord.parse(JSON.parse(await readFile(join(this.uploadDir(id), 'upload.json'), 'utf8')));
    } catch {
      return undefined;
    }
  }

  /** Chunks stored for an upload, by ascending offset. */
  async listChunks(id: string): Promise<ChunkInfo[]> {
    const dir = this.uploadDir(id);
    const out: ChunkInfo[] = [];
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw e;
    }
    for (const n of names) {
      const m = /^(\d+)\.chunk$/.exec(n);
      if (m?.[1] === undefined) continue;
      const st = await stat(join(dir, n));
      out.push({ offset: Number(m[1]), size: st.size });
    }
    return out.sort((a, b) => a.offset - b.offset);
  }

  chunkPath(id: string, offset: number): string {
    return join(this.uploadDir(id), `${offset}.chunk`);
  }
  /** A temp path inside the upload's dir, for streaming a chunk before renaming it into place. */
  chunkTempPath(id: string, offset: number): string {
    return tempPathFor(this.chunkPath(id, offset));
  }

  async removeUpload(id: string): Promise<void> {
    await rm(this.uploadDir(id), { recursive: true, force: true });
  }

  /** Removes upload sessions older than `maxAgeMs`. */
  async expireUploads(maxAgeMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const n of await readdir(this.uploadsDir)) {
      if (!isUploadId(n)) continue;
      const rec = await this.getUpload(n);
      const created = rec?.createdAt ?? (await stat(join(this.uploadsDir, n)).then((s) => s.mtimeMs, () => 0));
      if (now - created > maxAgeMs) {
        await this.removeUpload(n);
        removed++;
      }
    }
    return removed;
  }
}

/** Runs `f` over `xs` with at most `limit` calls in flight. */
async function forEachLimit<T>(xs: readonly T[], limit: number, f: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, xs.length) }, async () => {
      while (next < xs.length) await f(xs[next++] as T);
    }),
  );
}
