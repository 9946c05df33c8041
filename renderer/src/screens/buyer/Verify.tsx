/**
 * Verify (issue 16): anyone drops or picks a certificate file (and may give the folder it
 * describes) and sees each check pass or fail in plain words. The checks are `ativo verify`'s
 * own (the certificates.verify command, src/publish/verify.ts); nothing is re-implemented here.
 */
import { useId, useRef, useState } from 'react';
import type { DragEvent, SyntheticEvent } from 'react';
import { call } from '../../api/client';
import type { CommandOutput } from '../../api/client';
import { FormError } from '../../components/FormError';
import { Icon } from '../../components/Icon';
import { useAction } from '../../hooks/useAction';
import './buyer.css';

type Verified = CommandOutput<'certificates.verify'>;
type Check = Verified['checks'][number];

/** The largest certificate read (the CLI's cap: one for ~150,000 files with their receipts). */
const MAX_CERTIFICATE_BYTES = 64 * 1024 * 1024;

const CHECK_WORDS: Record<Check['name'], string> = {
  signature: 'Signed by its owner',
  registration: 'Registered on the chain',
  receipts: 'Kept by the storage network',
  files: 'The files match',
  stored: 'The stored files are complete',
};

const upperFirst = (s: string): string => (s === '' ? s : `${s.charAt(0).toUpperCase()}${s.slice(1)}`);

async function readCertificate(file: File): Promise<Record<string, unknown>> {
  if (file.size > MAX_CERTIFICATE_BYTES) throw new Error(`${file.name} is larger than a certificate can be: choose the ativo-certificate.json file.`);
  let doc: unknown;
  try {
    doc = JSON.parse(await file.text());
  } catch {
    throw new Error(`${file.name} is not a certificate (it is not JSON): choose the ativo-certificate.json file.`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`${file.name} is not a certificate: choose the ativo-certificate.json file.`);
  return doc as Record<string, unknown>;
}

export function VerifyScreen() {
  const [cert, setCert] = useState<{ name: string; doc: Record<string, unknown> } | null>(null);
  const [folder, setFolder] = useState('');
  const [over, setOver] = useState(false);
  const [result, setResult] = useState<Verified | null>(null);
  const action = useAction();
  const fileId = useId();
  const folderId = useId();
  const errorId = useId();
  const resultRef = useRef<HTMLElement>(null);

  const take = (file: File | undefined): void => {
    if (file === undefined) return;
    setResult(null);
    void action.run(async () => {
      setCert({ name: file.name, doc: await readCertificate(file) });
    });
  };

  const onDrop = (e: DragEvent<HTMLDivElement>): void => {
    e.preventDefault();
    setOver(false);
    take(e.dataTransfer.files[0]);
  };

  const submit = (e: SyntheticEvent<HTMLFormElement, SubmitEvent>): void => {
    e.preventDefault();
    if (cert === null) {
      action.setError('Choose or drop a certificate file first.');
      return;
    }
    setResult(null);
    const path = folder.trim();
    void action.run(async () => {
      const r = await call('certificates.verify', { certificate: cert.doc, ...(path !== '' ? { folder: path } : {}) });
      setResult(r);
      requestAnimationFrame(() => resultRef.current?.focus());
    });
  };

  return (
    <div className="buyer-page">
      <div className="page-head">
        <div className="title-block">
          <h1>Verify a certificate</h1>
          <p className="page-sub">Check who registered a dataset or model, under which terms, where it is stored, and whether a folder holds exactly its files.</p>
        </div>
      </div>
      <form className="card" onSubmit={submit} aria-labelledby="verify-form-title">
        <div className="card-head">
          <h2 id="verify-form-title">Certificate and folder</h2>
        </div>
        <div
          className="verify-drop"
          data-over={over}
          data-testid="verify-drop"
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => {
            setOver(false);
          }}
          onDrop={onDrop}
        >
          <label htmlFor={fileId}>Certificate file (ativo-certificate.json)</label>
          <input
            id={fileId}
            type="file"
            accept=".json,application/json"
            data-testid="verify-file"
            onChange={(e) => {
              take(e.target.files?.[0]);
            }}
          />
          <p className="hint">{cert !== null ? `Chosen: ${cert.name}` : 'Choose the file, or drop it here.'}</p>
        </div>
        <div className="field">
          <label htmlFor={folderId}>
            Folder to check <span className="muted">(optional)</span>
          </label>
          <input
            id={folderId}
            className="input input-mono"
            type="text"
            value={folder}
            spellCheck={false}
            autoComplete="off"
            placeholder="/path/to/the/folder"
            data-testid="verify-folder"
            onChange={(e) => {
              setFolder(e.target.value);
            }}
          />
          <p className="hint">Without a folder, Ativo checks your own copy of the asset if it has one, or the files kept in storage.</p>
        </div>
        {action.error !== null && <FormError id={errorId}>{action.error}</FormError>}
        <div className="card-actions">
          <button type="submit" className="button button-primary" disabled={action.busy || cert === null} data-testid="verify-run">
            <Icon name="shield" size={16} />
            {action.busy ? 'Checking…' : 'Verify'}
          </button>
        </div>
      </form>
      {result !== null && (
        <section className="card" aria-labelledby="verify-result-title" tabIndex={-1} ref={resultRef} data-testid="verify-result" data-ok={result.ok}>
          <div className="card-head">
            <h2 id="verify-result-title">{result.ok ? 'Every check passed' : 'Some checks failed'}</h2>
          </div>
          <ul className="verify-checks">
            {result.checks.map((c) => {
              const tone = c.skipped === true ? 'skip' : c.ok ? 'pass' : 'fail';
              return (
                <li key={c.name} className={`verify-check verify-${tone}`} data-testid={`verify-check-${c.name}`} data-result={tone}>
                  <span className="verify-mark">{tone === 'pass' ? 'Passed' : tone === 'fail' ? 'Failed' : 'Not checked'}</span>
                  <div>
                    <strong>{CHECK_WORDS[c.name]}</strong>
                    <p className="buyer-note">{upperFirst(c.detail)}.</p>
                  </div>
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </div>
  );
}
