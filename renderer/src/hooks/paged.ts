/**
 * A lazily paged, refreshable view of a server list (assets.list, assets.files): pages are
 * fetched when the virtualized view needs their rows and refreshed in place (no flicker)
 * when the data changes. New parameters (another search) keep the current rows on screen
 * until the first page of the new result arrives. Lives outside React; `usePaged` subscribes.
 */
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { ApiError, messageOf } from '../api/client';

export interface Page<T> {
  items: T[];
  total: number;
}

export interface PagedSnapshot<P> {
  /** The parameters of the rows shown (null before the first page). */
  params: P | null;
  /** Key of the rows shown: changes when a new result replaces the old one. */
  key: string | null;
  /** null until a first page arrived. */
  total: number | null;
  error: ApiError | null;
  /** True while a new result (new parameters) is loading. */
  loading: boolean;
  /** Changes whenever any row may have changed. */
  version: number;
}

export type PageFetcher<P, T> = (params: P, offset: number, limit: number) => Promise<Page<T>>;

export class PagedList<P, T> {
  private params: P | null = null;
  private key: string | null = null;
  private gen = 0;
  private seq = 0;
  private switching = false;
  private pages = new Map<number, T[]>();
  private readonly inflight = new Map<number, number>();
  private range: [number, number] = [0, 0];
  private dataVersion: string | number | null = null;
  private snapshot: PagedSnapshot<P> = { params: null, key: null, total: null, error: null, loading: true, version: 0 };
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly fetchPage: PageFetcher<P, T>,
    readonly pageSize = 200,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getSnapshot = (): PagedSnapshot<P> => this.snapshot;

  row(index: number): T | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Show the result for new parameters (identified by `key`). */
  setParams(params: P, key: string): void {
    if (key === this.key) return;
    this.params = params;
    this.key = key;
    this.gen += 1;
    this.switching = true;
    this.inflight.clear();
    this.range = [0, 0];
    this.update({ loading: true, error: null });
    this.load(0);
  }

  /** Make sure rows [start, end] are loaded (fetches missing pages). */
  ensure(start: number, end: number): void {
    this.range = [start, Math.max(start, end)];
    if (this.switching || this.params === null) return;
    for (let p = this.firstPage(); p <= this.lastPage(); p++) {
      if (!this.pages.has(p) && !this.inflight.has(p)) this.load(p);
    }
  }

  /** Tell the list which data version it shows; a new version refetches the visible pages. */
  setDataVersion(v: string | number): void {
    if (this.dataVersion === null) {
      this.dataVersion = v;
      return;
    }
    if (v === this.dataVersion) return;
    this.dataVersion = v;
    this.refresh();
  }

  refresh(): void {
    if (this.params === null) return;
    if (this.switching) {
      this.load(0);
      return;
    }
    const first = this.firstPage();
    const last = this.lastPage();
    // Pages out of view are dropped (refetched on demand); visible ones reload in place.
    for (const p of [...this.pages.keys()]) if (p < first || p > last) this.pages.delete(p);
    for (let p = first; p <= last; p++) this.load(p);
    if (first !== 0) this.load(0);
  }

  retry(): void {
    this.update({ error: null, loading: true });
    this.refresh();
  }

  private firstPage(): number {
    return Math.floor(this.range[0] / this.pageSize);
  }

  private lastPage(): number {
    return Math.floor(this.range[1] / this.pageSize);
  }

  private update(patch: Partial<PagedSnapshot<P>>): void {
    this.snapshot = { ...this.snapshot, ...patch, version: this.snapshot.version + 1 };
    for (const l of this.listeners) l();
  }

  private load(page: number): void {
    if (this.params === null) return;
    const gen = this.gen;
    const seq = ++this.seq;
    const params = this.params;
    const key = this.key;
    this.inflight.set(page, seq);
    const current = (): boolean => gen === this.gen && this.inflight.get(page) === seq;
    this.fetchPage(params, page * this.pageSize, this.pageSize).then(
      (res) => {
        if (!current()) return;
        this.inflight.delete(page);
        if (this.switching) {
          this.switching = false;
          this.pages = new Map();
        }
        this.pages.set(page, res.items);
        // A shorter list than before: forget pages past its end.
        for (const p of [...this.pages.keys()]) if (p !== 0 && p * this.pageSize >= res.total) this.pages.delete(p);
        this.update({ params, key, total: res.total, error: null, loading: false });
        if (page === 0) this.ensure(...this.range);
      },
      (e: unknown) => {
        if (!current()) return;
        this.inflight.delete(page);
        const error = e instanceof ApiError ? e : new ApiError('INTERNAL', messageOf(e));
        if (this.switching) {
          // The new result failed: show the error, not the previous rows.
          this.pages = new Map();
          this.update({ params, key, total: null, error, loading: false });
        } else {
          this.update({ error, loading: false });
        }
      },
    );
  }
}

/**
 * Rows for `params` from `fetchPage` (a stable, module-level function), refreshed when
 * `dataVersion` changes. `params` must be JSON-serializable: its JSON is its identity.
 */
export function usePaged<P, T>(
  params: P,
  fetchPage: PageFetcher<P, T>,
  dataVersion: string | number,
  pageSize = 200,
): { list: PagedList<P, T>; snapshot: PagedSnapshot<P> } {
  const [list] = useState(() => new PagedList<P, T>(fetchPage, pageSize));
  const key = JSON.stringify(params);
  useEffect(() => {
    list.setParams(JSON.parse(key) as P, key);
  }, [list, key]);
  useEffect(() => {
    list.setDataVersion(dataVersion);
  }, [list, dataVersion]);
  const snapshot = useSyncExternalStore(list.subscribe, list.getSnapshot);
  return { list, snapshot };
}

/**
 * A virtualizer over a PagedList: rows of a fixed height in `scrollRef`'s element, loading the
 * pages of the rows in view (the asset list and the file table both use it).
 */
export function usePagedVirtualizer<P, T>(list: PagedList<P, T>, total: number, rowHeight: number, overscan: number) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- not using the React Compiler; the virtualizer re-renders us itself
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    list.ensure(first, last);
  }, [list, first, last]);
  return { scrollRef, virtualizer, items };
}

/** Where a list key (arrows, Home/End, PageUp/PageDown) moves from row `index`; null when it does not move. */
export function nextRowIndex(key: string, index: number, total: number, page = 8): number | null {
  let next: number | null = null;
  if (key === 'ArrowDown') next = Math.min(total - 1, index + 1);
  else if (key === 'ArrowUp') next = Math.max(0, index - 1);
  else if (key === 'Home') next = 0;
  else if (key === 'End') next = total - 1;
  else if (key === 'PageDown') next = Math.min(total - 1, index + page);
  else if (key === 'PageUp') next = Math.max(0, index - page);
  return next === null || next === index ? null : next;
}

/** Scrolls a virtualized row into view and focuses its `[data-index]` element once it is rendered. */
export function focusRow(scroll: HTMLElement | null, virtualizer: { scrollToIndex(index: number, options: { align: 'auto' }): void }, index: number): void {
  virtualizer.scrollToIndex(index, { align: 'auto' });
  const focus = (tries: number): void => {
    const el = scroll?.querySelector<HTMLElement>(`[data-index="${index}"]`);
    if (el) el.focus();
    else if (tries > 0)
      requestAnimationFrame(() => {
        focus(tries - 1);
      });
  };
  focus(10);
}
