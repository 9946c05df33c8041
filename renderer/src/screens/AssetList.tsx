import type { KeyboardEvent } from 'react';
import type { AssetState, AssetSummary } from '../api/client';
import { KindBadge, StateBadge } from '../components/Badges';
import { focusRow, nextRowIndex, usePagedVirtualizer } from '../hooks/paged';
import type { PagedList } from '../hooks/paged';
import type { AssetQuery } from './Library';
import { formatBytes, formatCount, plural, scanPercent, shortHash } from '../lib/format';
import { hrefFor } from '../state/router';
import { useApp } from '../state/store';
import { ethText } from '../lib/format';
import { LifecycleBadge, priceCell, useLiveStatus } from './asset/Lifecycle';
import './asset/asset.css';

const ROW_HEIGHT = 68;

function rowLabel(a: AssetSummary, state: AssetState, percent: number | null, neverScanned: boolean, life: string): string {
  const status =
    state === 'scanning' ? `scanning${percent !== null ? ` ${percent}%` : ''}` : state === 'error' ? `error: ${a.error ?? 'unknown'}` : life;
  if (neverScanned) return `${a.name}, ${a.kind}, ${status}`;
  const sales = a.priceWei === null ? '' : `, ${plural(a.pendingRequests, 'pending request')}, earned ${ethText(a.earnedWei)}`;
  return `${a.name}, ${a.kind}, ${plural(a.fileCount, 'file')}, ${formatBytes(a.totalBytes)}, ${status}${sales}`;
}

function AssetRow({ asset, index }: { asset: AssetSummary; index: number }) {
  const progress = useApp((s) => s.progress[asset.id]);
  const percent = progress !== undefined && progress.phase !== 'walking' ? scanPercent(progress) : null;
  const state: AssetState = progress !== undefined && progress.phase !== 'done' && progress.phase !== 'failed' ? 'scanning' : asset.state;
  // Counts of a first scan are only known when it finishes.
  const neverScanned = asset.scannedAt === null && state === 'scanning';
  const life = useLiveStatus(asset.id, asset.status);
  const published = asset.priceWei !== null;
  return (
    <a
      className="asset-row"
      href={hrefFor({ name: 'asset', id: asset.id })}
      data-index={index}
      data-testid="asset-row"
      aria-label={rowLabel(asset, state, percent, neverScanned, life.label)}
    >
      <span className="cell cell-name">
        <span className="asset-name">{asset.name}</span>
        <span className="asset-path" title={asset.rootPath}>
          {asset.rootPath}
        </span>
      </span>
      <span className="cell cell-kind">
        <KindBadge kind={asset.kind} />
      </span>
      <span className="cell cell-num cell-files" data-testid="asset-files">
        {neverScanned ? '—' : plural(asset.fileCount, 'file')}
      </span>
      <span className="cell cell-num cell-size">{neverScanned ? '—' : formatBytes(asset.totalBytes)}</span>
      <span className="cell cell-state">
        {/* A scan in progress or failed says so; otherwise where the asset is in its life. */}
        {state === 'ready' ? <LifecycleBadge status={life} testId="asset-status" /> : <StateBadge state={state} percent={percent} error={asset.error} />}
      </span>
      <span className="cell cell-num cell-price" data-testid="asset-price">
        {priceCell(asset.priceWei)}
      </span>
      <span className="cell cell-num cell-pending" data-testid="asset-pending">
        {published ? formatCount(asset.pendingRequests) : '—'}
      </span>
      <span className="cell cell-num cell-earned" data-testid="asset-earned">
        {published ? ethText(asset.earnedWei) : '—'}
      </span>
      <span className="cell cell-root">
        {asset.contentRoot !== null ? (
          <code className="hash" title={asset.contentRoot} data-testid="asset-root">
            {shortHash(asset.contentRoot)}
          </code>
        ) : (
          <span className="muted">—</span>
        )}
      </span>
    </a>
  );
}

/** The library's virtualized asset list (rows are links: Tab/arrow keys to move, Enter to open). */
export function AssetList({ list, total }: { list: PagedList<AssetQuery, AssetSummary>; total: number }) {
  const { scrollRef, virtualizer, items } = usePagedVirtualizer(list, total, ROW_HEIGHT, 8);

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>): void => {
    const current = (e.target as HTMLElement).closest<HTMLElement>('[data-index]');
    if (!current) return;
    const index = Number(current.dataset.index);
    const next = nextRowIndex(e.key, index, total);
    if (next === null) return;
    e.preventDefault();
    focusRow(scrollRef.current, virtualizer, next);
  };

  return (
    <div className="asset-list">
      <div className="asset-list-head" aria-hidden="true">
        <span className="cell cell-name">Name</span>
        <span className="cell cell-kind">Kind</span>
        <span className="cell cell-num cell-files">Files</span>
        <span className="cell cell-num cell-size">Size</span>
        <span className="cell cell-state">Status</span>
        <span className="cell cell-num cell-price">Price</span>
        <span className="cell cell-num cell-pending">Pending</span>
        <span className="cell cell-num cell-earned">Earned</span>
        <span className="cell cell-root">Fingerprint</span>
      </div>
      <div className="asset-list-scroll" ref={scrollRef}>
        <ul className="asset-list-body" aria-label="Assets" style={{ height: virtualizer.getTotalSize() }} onKeyDown={onKeyDown}>
          {items.map((item) => {
            const asset = list.row(item.index);
            return (
              <li
                key={item.key}
                className="asset-item"
                style={{ transform: `translateY(${item.start}px)`, height: item.size }}
                aria-posinset={item.index + 1}
                aria-setsize={total}
              >
                {asset ? (
                  <AssetRow asset={asset} index={item.index} />
                ) : (
                  <div className="asset-row asset-row-loading" aria-hidden="true">
                    <span className="skeleton" />
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      </div>
      <p className="asset-list-foot">{total > 0 ? plural(total, 'asset') : ''}</p>
    </div>
  );
}
