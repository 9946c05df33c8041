import { useEffect, useId, useRef, useState } from 'react';
import type { KeyboardEvent, SyntheticEvent } from 'react';
import { call, messageOf } from '../api/client';
import type { AssetKind, DirEntry } from '../api/client';
import { Icon } from '../components/Icon';
import { Modal } from '../components/Modal';
import { FormError } from '../components/FormError';
import { baseName } from '../lib/format';
import { addFolder } from '../state/store';

interface Listing {
  path: string;
  parent: string | null;
  entries: DirEntry[];
}

const MAX_SHOWN = 500;

function sortEntries(entries: DirEntry[]): DirEntry[] {
  return [...entries].sort((a, b) => (a.isDir === b.isDir ? a.name.localeCompare(b.name) : a.isDir ? -1 : 1));
}

function KindAndName({
  kind,
  setKind,
  name,
  setName,
  placeholder,
}: {
  kind: AssetKind;
  setKind: (k: AssetKind) => void;
  name: string;
  setName: (n: string) => void;
  placeholder: string;
}) {
  const nameId = useId();
  return (
    <div className="add-options">
      <fieldset className="kind-choice">
        <legend>This folder holds a</legend>
        {(['dataset', 'model'] as const).map((k) => (
          <label key={k} className="radio">
            <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => { setKind(k); }} />
            {k === 'dataset' ? 'Dataset' : 'Model'}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={nameId}>
          Name <span className="muted">(optional)</span>
        </label>
        <input
          id={nameId}
          className="input"
          type="text"
          value={name}
          maxLength={200}
          placeholder={placeholder}
          onChange={(e) => { setName(e.target.value); }}
        />
      </div>
    </div>
  );
}

/** Electron: the folder is already chosen (native dialog or drop); confirm kind and name. */
function ConfirmFolder({ path, onClose }: { path: string; onClose: () => void }) {
  const [kind, setKind] = useState<AssetKind>('dataset');
  const [name, setName] = useState('');
  const formId = useId();
  const submit = (e: SyntheticEvent<HTMLFormElement, SubmitEvent>): void => {
    e.preventDefault();
    void addFolder({ path, kind, name });
    onClose();
  };
  return (
    <Modal
      title="Add a folder"
      description="Ativo fingerprints every file in the folder. Nothing is uploaded, moved or changed."
      onClose={onClose}
      initialFocus="input[type=radio]:checked"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary">
            Add folder
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={submit}>
        <div className="field">
          <span className="field-label">Folder</span>
          <code className="path-readout">{path}</code>
        </div>
        <KindAndName kind={kind} setKind={setKind} name={name} setName={setName} placeholder={baseName(path)} />
      </form>
    </Modal>
  );
}

/** Browser shell: a path picker over `system.browse` (list folders, go up, type/paste a path). */
function BrowseFolder({ onClose }: { onClose: () => void }) {
  const [listing, setListing] = useState<Listing | null>(null);
  const [input, setInput] = useState('');
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [showHidden, setShowHidden] = useState(false);
  const [kind, setKind] = useState<AssetKind>('dataset');
  const [name, setName] = useState('');
  const [adding, setAdding] = useState(false);
  const listRef = useRef<HTMLDivElement>(null);
  const pathId = useId();
  const formId = useId();
  const errorId = useId();

  useEffect(() => {
    let live = true;
    call('system.browse', { showHidden: false }).then(
      (res) => {
        if (!live) return;
        setListing(res);
        setInput(res.path);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(messageOf(e));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const focusList = (): void => {
    requestAnimationFrame(() => {
      const root = listRef.current;
      if (!root) return;
      (root.querySelector<HTMLElement>('button') ?? root).focus();
    });
  };

  /** Browse to `path`; resolves the listing, or null (error shown) when it is not a readable folder. */
  const go = async (path: string | undefined, hidden = showHidden, moveFocus = true): Promise<Listing | null> => {
    setLoading(true);
    setError(null);
    try {
      const res = await call('system.browse', { ...(path !== undefined ? { path } : {}), showHidden: hidden });
      setListing(res);
      setInput(res.path);
      if (moveFocus) focusList();
      return res;
    } catch (e) {
      setError(messageOf(e));
      return null;
    } finally {
      setLoading(false);
    }
  };

  const onPathKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'Enter') {
      e.preventDefault();
      const p = input.trim();
      if (p !== '') void go(p, showHidden, false);
    }
  };

  const submit = async (e: SyntheticEvent<HTMLFormElement, SubmitEvent>): Promise<void> => {
    e.preventDefault();
    const typed = input.trim();
    if (typed === '') {
      setError('Type or choose a folder first.');
      return;
    }
    let path = listing?.path ?? typed;
    if (typed !== listing?.path) {
      // A typed or pasted path: check it is a folder before adding.
      setAdding(true);
      const res = await go(typed, showHidden, false);
      setAdding(false);
      if (res === null) return;
      path = res.path;
    }
    void addFolder({ path, kind, name });
    onClose();
  };

  const entries = listing ? sortEntries(listing.entries) : [];
  const dirs = entries.filter((d) => d.isDir);
  const files = entries.filter((d) => !d.isDir);
  const shownDirs = dirs.slice(0, MAX_SHOWN);
  const shownFiles = files.slice(0, Math.max(0, MAX_SHOWN - shownDirs.length));
  const hiddenCount = entries.length - shownDirs.length - shownFiles.length;
  const current = listing?.path ?? '';

  return (
    <Modal
      title="Add a folder"
      description="Choose the folder of a dataset or model. Ativo fingerprints every file in it; nothing is uploaded, moved or changed."
      onClose={onClose}
      size="lg"
      initialFocus="input[data-path-input]"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={adding || (loading && listing === null)}>
            {adding ? 'Checking…' : 'Add folder'}
          </button>
        </>
      }
    >
      <form
        id={formId}
        onSubmit={(e) => {
          void submit(e);
        }}
      >
        <div className="field">
          <label htmlFor={pathId}>Folder path</label>
          <div className="path-bar">
            <button
              type="button"
              className="icon-button icon-button-bordered"
              aria-label="Go to parent folder"
              title="Parent folder"
              disabled={!listing?.parent || loading}
              onClick={() => {
                if (listing?.parent) void go(listing.parent, showHidden, false);
              }}
            >
              <Icon name="up" />
            </button>
            <input
              id={pathId}
              data-path-input
              className="input input-mono"
              type="text"
              value={input}
              spellCheck={false}
              autoComplete="off"
              aria-describedby={error !== null ? errorId : undefined}
              aria-invalid={error !== null}
              onChange={(e) => { setInput(e.target.value); }}
              onKeyDown={onPathKey}
            />
            <button type="button" className="button" disabled={loading || input.trim() === ''} onClick={() => void go(input.trim(), showHidden, false)}>
              Go
            </button>
          </div>
          <p className="hint">Type or paste a path and press Enter, or open folders below.</p>
        </div>
        {error !== null && <FormError id={errorId}>{error}</FormError>}
        <div
          ref={listRef}
          className="browser"
          tabIndex={-1}
          role="group"
          aria-label={current ? `Contents of ${current}` : 'Folder contents'}
          aria-busy={loading}
        >
          {listing === null ? (
            <p className="browser-empty">{loading ? 'Loading…' : 'No folder to show.'}</p>
          ) : entries.length === 0 ? (
            <p className="browser-empty">This folder is empty.</p>
          ) : (
            <ul className="browser-list">
              {shownDirs.map((d) => (
                <li key={d.path}>
                  <button type="button" className="browser-entry" onClick={() => void go(d.path)} aria-label={`Open folder ${d.name}`}>
                    <Icon name="folder" size={16} />
                    <span className="browser-name">{d.name}</span>
                  </button>
                </li>
              ))}
              {shownFiles.map((f) => (
                <li key={f.path} className="browser-entry browser-file">
                  <Icon name="file" size={16} />
                  <span className="browser-name">{f.name}</span>
                </li>
              ))}
              {hiddenCount > 0 && <li className="browser-more">…and {hiddenCount} more. Type a path to go straight to a folder.</li>}
            </ul>
          )}
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={showHidden}
            onChange={(e) => {
              setShowHidden(e.target.checked);
              if (listing) void go(listing.path, e.target.checked, false);
            }}
          />
          Show hidden folders
        </label>
        <KindAndName kind={kind} setKind={setKind} name={name} setName={setName} placeholder={current ? baseName(current) : 'Folder name'} />
      </form>
    </Modal>
  );
}

export function AddFolderDialog({ presetPath, onClose }: { presetPath: string | null; onClose: () => void }) {
  return presetPath !== null ? <ConfirmFolder path={presetPath} onClose={onClose} /> : <BrowseFolder onClose={onClose} />;
}
