import { useId, useRef, useState } from 'react';
import type { DragEvent } from 'react';
import { call, getBridge } from '../api/client';
import type { AssetSummary } from '../api/client';
import { Icon } from '../components/Icon';
import { ProgressBar, ScanProgressView } from '../components/ProgressBar';
import { usePaged } from '../hooks/paged';
import type { PageFetcher } from '../hooks/paged';
import { useDebounced } from '../hooks/useDebounced';
import { addFolder, notify, useApp } from '../state/store';
import type { ScanProgress } from '../state/store';
import { AddFolderDialog } from './AddFolderDialog';
import { AssetList } from './AssetList';

export interface AssetQuery {
  query: string;
}

const fetchAssets: PageFetcher<AssetQuery, AssetSummary> = (p, offset, limit) =>
  call('assets.list', { ...(p.query !== '' ? { query: p.query } : {}), offset, limit });

const BROWSER_DROP_HINT = 'In the browser, use Add folder to choose a folder by path.';

function scanTitle(s: ScanProgress): string {
  const name = `“${s.name ?? `asset #${s.assetId}`}”`;
  if (s.phase === 'done') return `${name} is fingerprinted`;
  if (s.phase === 'failed') return `Scan of ${name} failed`;
  return `Scanning ${name}`;
}

/** Scans in flight: adds waiting for their first progress, and every live scan. */
function ScanActivity() {
  const progress = useApp((s) => s.progress);
  const pending = useApp((s) => s.pendingAdds);
  const waiting = pending.filter((p) => p.assetId === null || progress[p.assetId] === undefined);
  const scans = Object.values(progress);
  if (waiting.length === 0 && scans.length === 0) return null;
  return (
    <section className="activity" aria-label="Scans in progress">
      {waiting.map((p) => (
        <div key={p.key} className="scan-progress">
          <div className="scan-progress-head">
            <span className="scan-progress-title">Adding {p.path}…</span>
          </div>
          <ProgressBar value={null} label={`Adding ${p.path}`} />
        </div>
      ))}
      {scans.map((s) => (
        <ScanProgressView key={s.assetId} progress={s} title={scanTitle(s)} />
      ))}
    </section>
  );
}

function hasFiles(e: DragEvent): boolean {
  return e.dataTransfer.types.includes('Files');
}

export function LibraryScreen() {
  const shell = useApp((s) => s.shell);
  const version = useApp((s) => s.libraryVersion);
  const [query, setQuery] = useState('');
  const settled = useDebounced(query.trim(), 250);
  const [dialog, setDialog] = useState<{ presetPath: string | null } | null>(null);
  const [dragging, setDragging] = useState(false);
  const [dropHint, setDropHint] = useState<string | null>(null);
  const dragDepth = useRef(0);
  const searchId = useId();

  const { list, snapshot } = usePaged({ query: settled }, fetchAssets, version);

  const openAdd = async (): Promise<void> => {
    setDropHint(null);
    if (shell === 'electron') {
      const path = await getBridge().pickFolder();
      if (path !== null) setDialog({ presetPath: path });
    } else {
      setDialog({ presetPath: null });
    }
  };

  const onDragEnter = (e: DragEvent): void => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth.current += 1;
    setDragging(true);
  };
  const onDragOver = (e: DragEvent): void => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  };
  const onDragLeave = (): void => {
    dragDepth.current = Math.max(0, dragDepth.current - 1);
    if (dragDepth.current === 0) setDragging(false);
  };
  const onDrop = (e: DragEvent): void => {
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    if (shell !== 'electron') {
      setDropHint(BROWSER_DROP_HINT);
      return;
    }
    const bridge = getBridge();
    const paths = [...e.dataTransfer.files].map((f) => bridge.pathForFile(f)).filter((p): p is string => p !== null && p !== '');
    if (paths.length === 0) {
      notify('error', 'Ativo could not read where the dropped item lives. Use Add folder instead.');
    } else if (paths.length === 1) {
      setDialog({ presetPath: paths[0] ?? null });
    } else {
      for (const path of paths) void addFolder({ path, kind: 'dataset' });
    }
  };

  const total = snapshot.total;
  const shownQuery = snapshot.params?.query ?? '';
  const empty = total === 0 && shownQuery === '';
  const noMatches = total === 0 && shownQuery !== '';

  return (
    <div className={`library${dragging ? ' is-dragging' : ''}`} onDragEnter={onDragEnter} onDragOver={onDragOver} onDragLeave={onDragLeave} onDrop={onDrop}>
      <div className="page-head">
        <div>
          <h1>Library</h1>
          <p className="page-sub">Your datasets and models, fingerprinted file by file.</p>
        </div>
        <div className="page-actions">
          {(query !== '' || (total !== null && !empty)) && (
            <div className="search">
              <label htmlFor={searchId} className="sr-only">
                Search assets
              </label>
              <Icon name="search" size={16} />
              <input
                id={searchId}
                className="input search-input"
                type="search"
                placeholder="Search by name, folder or file"
                value={query}
                onChange={(e) => { setQuery(e.target.value); }}
                onKeyDown={(e) => {
                  if (e.key === 'Escape' && query !== '') {
                    e.preventDefault();
                    setQuery('');
                  }
                }}
              />
            </div>
          )}
          <button type="button" className="button button-primary" onClick={() => void openAdd()}>
            <Icon name="plus" size={16} />
            Add folder
          </button>
        </div>
      </div>

      <div
        className={`dropzone${empty ? ' dropzone-large' : ''}${dragging ? ' dropzone-active' : ''}`}
        data-testid="dropzone"
        hidden={total === null && snapshot.error === null}
      >
        <Icon name="drop" size={empty ? 28 : 18} />
        <div className="dropzone-text">
          <strong>Drop a folder to add it</strong>
          {empty && (
            <p>Drop a folder here or click Add folder: Ativo fingerprints every file and the folder as a whole, so anyone can verify it.</p>
          )}
          {dropHint !== null && (
            <p className="dropzone-hint" role="status">
              {dropHint}
            </p>
          )}
        </div>
        {empty && (
          <button type="button" className="button" onClick={() => void openAdd()}>
            Add folder
          </button>
        )}
      </div>

      <ScanActivity />

      {snapshot.error !== null && (
        <div className="panel panel-error" role="alert">
          <Icon name="alert" />
          <div>
            <strong>The library could not be loaded.</strong>
            <p>{snapshot.error.message}</p>
          </div>
          <button type="button" className="button" onClick={() => { list.retry(); }}>
            Try again
          </button>
        </div>
      )}

      {total === null && snapshot.error === null && snapshot.loading && (
        <div className="panel panel-muted" role="status" aria-live="polite">
          Loading your library…
        </div>
      )}

      {noMatches && (
        <div className="panel panel-muted" role="status">
          <div>
            <strong>No assets match “{shownQuery}”.</strong>
            <p>Search looks at names, folder paths and file names. Try fewer letters, or clear the search.</p>
          </div>
          <button type="button" className="button" onClick={() => { setQuery(''); }}>
            Clear search
          </button>
        </div>
      )}

      {total !== null && total > 0 && <AssetList key={snapshot.key} list={list} total={total} />}

      {dialog !== null && <AddFolderDialog presetPath={dialog.presetPath} onClose={() => { setDialog(null); }} />}
    </div>
  );
}
