/**
 * Discover (issue 16): every asset registered on the current network's registry, any owner:
 * search (name, description, contributor), filters (kind, license, free, highest price), sort,
 * a virtualized list; each row opens the asset's public page. Own assets are marked.
 */
import { useEffect, useId, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { call } from '../../api/client';
import type { CommandOutput } from '../../api/client';
import { Icon } from '../../components/Icon';
import { focusRow, nextRowIndex, usePaged, usePagedVirtualizer } from '../../hooks/paged';
import type { PageFetcher, PagedList } from '../../hooks/paged';
import { useDebounced } from '../../hooks/useDebounced';
import { plural } from '../../lib/format';
import { hrefFor } from '../../state/router';
import { priceCell } from '../asset/Lifecycle';
import './discover.css';

type Item = CommandOutput<'discover.list'>['items'][number];
type Sort = 'newest' | 'price' | 'approved';
interface DiscoverQuery {
  query: string;
  kind: '' | 'dataset' | 'model' | 'other';
  license: string;
  free: boolean;
  sort: Sort;
}

let lastLicenses: string[] = [];
let lastPending = 0;

const fetchPage: PageFetcher<DiscoverQuery, Item> = async (p, offset, limit) => {
  const r = await call('discover.list', {
    ...(p.query !== '' ? { query: p.query } : {}),
    ...(p.kind !== '' ? { kind: p.kind } : {}),
    ...(p.license !== '' ? { license: p.license } : {}),
    ...(p.free ? { free: true } : {}),
    sort: p.sort,
    offset,
    limit,
  });
  lastLicenses = r.licenses;
  lastPending = r.pending;
  return { items: r.items, total: r.total };
};

const ROW_HEIGHT = 64;

function rowLabel(i: Item): string {
  const name = i.name ?? `Asset ${i.tokenId} (no public description yet)`;
  return `${name}${i.mine ? ', yours' : ''}, ${i.kind ?? 'unknown kind'}, ${i.license ?? 'license unknown'}, ${i.forSale ? priceCell(i.priceWei) : 'not for sale'}, ${plural(i.approved, 'approved request')}`;
}

function Row({ item, index }: { item: Item; index: number }) {
  return (
    <a className="discover-row" href={hrefFor({ name: 'public', chainId: item.chainId, registry: item.registry, tokenId: item.tokenId })} data-index={index} data-testid="discover-row" aria-label={rowLabel(item)}>
      <span className="discover-main">
        <span className="discover-name">
          {item.name ?? <span className="muted">Asset {item.tokenId}</span>}
          {item.mine && <span className="badge discover-mine">Yours</span>}
        </span>
        <span className="discover-desc">{item.description ?? (item.metadata === 'pending' ? 'Reading its public description…' : 'No public description.')}</span>
      </span>
      <span className="discover-cell">{item.kind ?? '—'}</span>
      <span className="discover-cell discover-license">{item.license ?? '—'}</span>
      <span className="discover-cell discover-num">{item.forSale ? priceCell(item.priceWei) : 'Not for sale'}</span>
      <span className="discover-cell discover-num">{item.approved}</span>
    </a>
  );
}

function DiscoverList({ list, total }: { list: PagedList<DiscoverQuery, Item>; total: number }) {
  const { scrollRef, virtualizer, items } = usePagedVirtualizer(list, total, ROW_HEIGHT, 8);
  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>): void => {
    const current = (e.target as HTMLElement).closest<HTMLElement>('[data-index]');
    if (!current) return;
    const next = nextRowIndex(e.key, Number(current.dataset.index), total);
    if (next === null) return;
    e.preventDefault();
    focusRow(scrollRef.current, virtualizer, next);
  };
  return (
    <div className="discover-list">
      <div className="discover-head" aria-hidden="true">
        <span className="discover-main">Asset</span>
        <span className="discover-cell">Kind</span>
        <span className="discover-cell discover-license">License</span>
        <span className="discover-cell discover-num">Price</span>
        <span className="discover-cell discover-num">Approved</span>
      </div>
      <div className="discover-scroll" ref={scrollRef} data-testid="discover-scroll">
        <ul className="discover-body" aria-label="Registered assets" style={{ height: virtualizer.getTotalSize() }} onKeyDown={onKeyDown}>
          {items.map((v) => {
            const item = list.row(v.index);
            return (
              <li key={v.key} className="discover-item" style={{ transform: `translateY(${v.start}px)`, height: v.size }} aria-posinset={v.index + 1} aria-setsize={total}>
                {item ? <Row item={item} index={v.index} /> : <div className="discover-row" aria-hidden="true"><span className="skeleton" /></div>}
              </li>
            );
          })}
        </ul>
      </div>
      <p className="asset-list-foot">{plural(total, 'asset')}</p>
    </div>
  );
}

export function DiscoverScreen() {
  const [query, setQuery] = useState('');
  const [kind, setKind] = useState<DiscoverQuery['kind']>('');
  const [license, setLicense] = useState('');
  const [free, setFree] = useState(false);
  const [sort, setSort] = useState<Sort>('newest');
  const [tick, setTick] = useState(0);
  const [refreshing, setRefreshing] = useState(false);
  const settled = useDebounced(query.trim(), 250);
  const ids = { search: useId(), kind: useId(), license: useId(), free: useId(), sort: useId() };
  const { list, snapshot } = usePaged<DiscoverQuery, Item>({ query: settled, kind, license, free, sort }, fetchPage, tick);
  const total = snapshot.total;
  // Descriptions still being read from storage (the background index fills them in): look again shortly.
  useEffect(() => {
    if (lastPending === 0 || snapshot.loading) return;
    const t = setTimeout(() => { setTick((n) => n + 1); }, 2000);
    return () => { clearTimeout(t); };
  }, [snapshot.version, snapshot.loading]);
  const refresh = async (): Promise<void> => {
    setRefreshing(true);
    try {
      await call('discover.list', { refresh: true, limit: 1 });
    } catch {
      // The list below shows what was read before; its own error panel says why when it fails.
    } finally {
      setRefreshing(false);
      setTick((t) => t + 1);
    }
  };
  const filtered = settled !== '' || kind !== '' || license !== '' || free;

  return (
    <div className="discover">
      <div className="page-head">
        <div>
          <h1>Discover</h1>
          <p className="page-sub">Every dataset and model registered on this network, by anyone. Open one to see its license, price and record.</p>
        </div>
        <div className="page-actions">
          <button type="button" className="button" disabled={refreshing} onClick={() => void refresh()}>
            <Icon name="refresh" size={16} />
            {refreshing ? 'Refreshing…' : 'Refresh'}
          </button>
        </div>
      </div>
      <div className="discover-filters" role="search">
        <div className="search">
          <label htmlFor={ids.search} className="sr-only">Search by name, description or contributor</label>
          <Icon name="search" size={16} />
          <input id={ids.search} className="input search-input" type="search" placeholder="Search by name, description or contributor" value={query}
            onChange={(e) => { setQuery(e.target.value); }}
            onKeyDown={(e) => { if (e.key === 'Escape' && query !== '') { e.preventDefault(); setQuery(''); } }} />
        </div>
        <label className="discover-filter" htmlFor={ids.kind}>
          Kind
          <select id={ids.kind} className="input" value={kind} onChange={(e) => { setKind(e.target.value as DiscoverQuery['kind']); }}>
            <option value="">Any</option>
            <option value="dataset">Datasets</option>
            <option value="model">Models</option>
            <option value="other">Other</option>
          </select>
        </label>
        <label className="discover-filter" htmlFor={ids.license}>
          License
          <select id={ids.license} className="input" value={license} onChange={(e) => { setLicense(e.target.value); }}>
            <option value="">Any</option>
            {[...new Set([...lastLicenses, ...(license !== '' ? [license] : [])])].map((l) => <option key={l} value={l}>{l}</option>)}
          </select>
        </label>
        <label className="discover-filter discover-check" htmlFor={ids.free}>
          <input id={ids.free} type="checkbox" checked={free} onChange={(e) => { setFree(e.target.checked); }} />
          Free only
        </label>
        <label className="discover-filter" htmlFor={ids.sort}>
          Sort by
          <select id={ids.sort} className="input" value={sort} onChange={(e) => { setSort(e.target.value as Sort); }}>
            <option value="newest">Newest</option>
            <option value="price">Lowest price</option>
            <option value="approved">Most approved</option>
          </select>
        </label>
      </div>
      {snapshot.error !== null && (
        <div className="panel panel-error" role="alert">
          <Icon name="alert" />
          <div>
            <strong>Discover could not be loaded.</strong>
            <p>{snapshot.error.message}</p>
          </div>
          <button type="button" className="button" onClick={() => { list.retry(); }}>Try again</button>
        </div>
      )}
      {total === null && snapshot.error === null && <div className="panel panel-muted" role="status">Loading the registry…</div>}
      {total === 0 && !filtered && (
        <div className="panel panel-muted" role="status" data-testid="discover-empty">
          <div>
            <strong>Nothing is registered on this network yet.</strong>
            <p>Assets appear here as soon as anyone publishes one; publish yours from the Library.{lastPending > 0 ? ' Some descriptions are still being read.' : ''}</p>
          </div>
        </div>
      )}
      {total === 0 && filtered && (
        <div className="panel panel-muted" role="status" data-testid="discover-no-match">
          <div>
            <strong>No asset matches.</strong>
            <p>Search looks at names, descriptions and contributors. Try fewer words, or clear the filters.</p>
          </div>
          <button type="button" className="button" onClick={() => { setQuery(''); setKind(''); setLicense(''); setFree(false); }}>Clear filters</button>
        </div>
      )}
      {total !== null && total > 0 && <DiscoverList key={snapshot.key} list={list} total={total} />}
    </div>
  );
}
