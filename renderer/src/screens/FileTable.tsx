import { useId, useState } from 'react';
import { call } from '../api/client';
import type { FileRow } from '../api/client';
import { Icon } from '../components/Icon';
import { usePaged, usePagedVirtualizer } from '../hooks/paged';
import type { PagedList, PageFetcher } from '../hooks/paged';
import { useDebounced } from '../hooks/useDebounced';
import { formatBytes, formatCount, shortHash } from '../lib/format';

const ROW_HEIGHT = 36;

interface FileQuery {
  id: number;
  query: string;
}

const fetchFiles: PageFetcher<FileQuery, FileRow> = (p, offset, limit) =>
  call('assets.files', { id: p.id, ...(p.query !== '' ? { query: p.query } : {}), offset, limit });

function Rows({ list, total }: { list: PagedList<FileQuery, FileRow>; total: number }) {
  const { scrollRef, virtualizer, items } = usePagedVirtualizer(list, total, ROW_HEIGHT, 12);

  return (
    // The scroll container is the rowgroup itself (focusable, so keyboard users can scroll it);
    // the spacer inside has no role, so the table's structure stays valid for assistive tech.
    <div role="rowgroup" className="file-table-scroll" ref={scrollRef} tabIndex={0} aria-label="File list, scrollable">
      <div className="file-table-body" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const f = list.row(item.index);
          return (
            <div
              key={item.key}
              role="row"
              aria-rowindex={item.index + 2}
              className="file-row"
              data-testid="file-row"
              style={{ transform: `translateY(${item.start}px)`, height: item.size }}
            >
              {f ? (
                <>
                  <span role="cell" className="fcell fcell-path" title={f.relPath}>
                    {f.relPath}
                  </span>
                  <span role="cell" className="fcell fcell-size">
                    {formatBytes(f.size)}
                  </span>
                  <span role="cell" className="fcell fcell-hash">
                    {f.sha256 !== null ? (
                      <code className="hash" title={f.sha256}>
                        {shortHash(f.sha256)}
                      </code>
                    ) : (
                      <span className="muted">pending</span>
                    )}
                  </span>
                </>
              ) : (
                <span role="cell" className="fcell fcell-path">
                  <span className="skeleton" />
                </span>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** Every file of an asset, paged from `assets.files` as it scrolls (tens of thousands are fine). */
export function FileTable({ assetId, version, scanning }: { assetId: number; version: string; scanning: boolean }) {
  const [query, setQuery] = useState('');
  const settled = useDebounced(query.trim(), 250);
  const filterId = useId();
  const { list, snapshot } = usePaged({ id: assetId, query: settled }, fetchFiles, version, 500);
  const total = snapshot.total;
  const shownQuery = snapshot.params?.query ?? '';

  return (
    <section className="card files" aria-labelledby={`${filterId}-title`}>
      <div className="card-head">
        <h2 id={`${filterId}-title`}>
          Files{total !== null && <span className="count">{formatCount(total)}</span>}
        </h2>
        <div className="search search-sm">
          <label htmlFor={filterId} className="sr-only">
            Filter files
          </label>
          <Icon name="search" size={16} />
          <input
            id={filterId}
            className="input search-input"
            type="search"
            placeholder="Filter by path"
            value={query}
            onChange={(e) => { setQuery(e.target.value); }}
          />
        </div>
      </div>
      <div className="file-table" role="table" aria-label="Files" aria-rowcount={(total ?? 0) + 1}>
        <div role="rowgroup">
          <div role="row" aria-rowindex={1} className="file-row file-row-head">
            <span role="columnheader" className="fcell fcell-path">
              Path
            </span>
            <span role="columnheader" className="fcell fcell-size">
              Size
            </span>
            <span role="columnheader" className="fcell fcell-hash">
              SHA-256
            </span>
          </div>
        </div>
        {snapshot.error === null && total !== null && total > 0 && <Rows key={snapshot.key} list={list} total={total} />}
      </div>
      {snapshot.error !== null ? (
        <div className="table-message" role="alert">
          Files could not be loaded: {snapshot.error.message}{' '}
          <button type="button" className="link-button" onClick={() => { list.retry(); }}>
            Try again
          </button>
        </div>
      ) : total === null ? (
        <div className="table-message" role="status">
          Loading files…
        </div>
      ) : total === 0 ? (
        <div className="table-message" role="status">
          {shownQuery !== '' ? `No files match “${shownQuery}”.` : scanning ? 'Files appear here when the scan finishes.' : 'This folder has no files.'}
        </div>
      ) : null}
    </section>
  );
}
