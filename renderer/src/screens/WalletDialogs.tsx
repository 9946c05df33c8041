/**
 * Wallet dialogs: create, import, export a backup, remove.
 *
 * Secrets (a private key, a recovery phrase, a backup password) live only in uncontrolled
 * password fields: never in React state, never mirrored into a DOM attribute, never shown.
 * Each field is emptied as soon as its form is submitted, and error messages are scrubbed
 * of what was typed before they are shown.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { SyntheticEvent } from 'react';
import { ApiError, call, getBridge, messageOf } from '../api/client';
import type { WalletInfo } from '../api/client';
import { Icon } from '../components/Icon';
import { Modal } from '../components/Modal';
import { FormError } from '../components/FormError';
import { useAction } from '../hooks/useAction';
import { shortAddress, walletName } from '../lib/wallet';
import { notify, useApp } from '../state/store';

const DEFAULT_PATH = "m/44'/60'/0'/0/0";
const MIN_PASSWORD = 8;

type Submit = SyntheticEvent<HTMLFormElement, SubmitEvent>;

/** Never show what was typed, even if a message were to quote it. */
function scrub(message: string, ...secrets: string[]): string {
  let out = message;
  for (const s of secrets) {
    const t = s.trim();
    if (t.length >= 4) out = out.split(t).join('[hidden]');
  }
  return out;
}


function LabelField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const id = useId();
  const hintId = useId();
  return (
    <div className="field">
      <label htmlFor={id}>
        Label <span className="muted">(optional)</span>
      </label>
      <input
        id={id}
        className="input"
        type="text"
        value={value}
        maxLength={100}
        autoComplete="off"
        placeholder="e.g. Studio, Personal"
        aria-describedby={hintId}
        onChange={(e) => { onChange(e.target.value); }}
      />
      <p id={hintId} className="hint">
        Only for you, to tell your wallets apart.
      </p>
    </div>
  );
}

/** Creating a wallet: its optional label, and the call (shared by the dialog and the first-run step). */
function useCreateWallet(onCreated: (w: WalletInfo) => void) {
  const [label, setLabel] = useState('');
  const { busy, error, run } = useAction();
  const submit = async (e: Submit): Promise<void> => {
    e.preventDefault();
    await run(async () => {
      const w = await call('wallet.create', label.trim() !== '' ? { label: label.trim() } : {});
      notify('success', `Created “${walletName(w)}” (${shortAddress(w.address)}). Export a backup to keep it safe.`);
      onCreated(w);
    });
  };
  return { label, setLabel, busy, error, submit };
}

/** The create step embedded in a page (the first-run flow): the label and its own button. */
export function CreateWalletInline({ onCreated, submitLabel = 'Create wallet' }: { onCreated: (w: WalletInfo) => void; submitLabel?: string }) {
  const { label, setLabel, busy, error, submit } = useCreateWallet(onCreated);
  const errorId = useId();
  return (
    <form onSubmit={(e) => void submit(e)} aria-describedby={error !== null ? errorId : undefined} className="wallet-inline">
      <LabelField value={label} onChange={setLabel} />
      {error !== null && <FormError id={errorId}>{error}</FormError>}
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? 'Creating…' : submitLabel}
      </button>
    </form>
  );
}

export function CreateWalletDialog({ onClose, onDone, onCreated }: { onClose: () => void; onDone: () => void; onCreated?: (w: WalletInfo) => void }) {
  const { label, setLabel, busy, error, submit } = useCreateWallet((w) => {
    onCreated?.(w);
    onDone();
    onClose();
  });
  const formId = useId();
  const errorId = useId();

  return (
    <Modal
      title="Create a wallet"
      description={
        <p>
          Ativo makes a new key and keeps it in your OS keychain. On the sandbox network it starts with 100 test ETH. Export a backup afterwards: if this
          computer’s keychain is lost, the backup is the only way back.
        </p>
      }
      onClose={onClose}
      size="sm"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create wallet'}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={(e) => void submit(e)} aria-describedby={error !== null ? errorId : undefined}>
        <LabelField value={label} onChange={setLabel} />
        {error !== null && <FormError id={errorId}>{error}</FormError>}
      </form>
    </Modal>
  );
}

type ImportKind = 'privateKey' | 'mnemonic';

export function ImportWalletDialog({ onClose, onDone, onImported }: { onClose: () => void; onDone: () => void; onImported?: (w: WalletInfo) => void }) {
  const [kind, setKind] = useState<ImportKind>('privateKey');
  const [label, setLabel] = useState('');
  const [path, setPath] = useState('');
  const { busy, error, setError, run } = useAction();
  const secretRef = useRef<HTMLInputElement>(null);
  const formId = useId();
  const secretId = useId();
  const secretHintId = useId();
  const pathId = useId();
  const errorId = useId();

  const clearSecret = (): void => {
    if (secretRef.current) secretRef.current.value = '';
  };

  const switchKind = (k: ImportKind): void => {
    clearSecret();
    setError(null);
    setKind(k);
  };

  const submit = async (e: Submit): Promise<void> => {
    e.preventDefault();
    const field = secretRef.current;
    const secret = field?.value ?? '';
    // Out of the page at once, whatever happens next.
    clearSecret();
    if (secret.trim() === '') {
      setError(kind === 'privateKey' ? 'Paste or type the private key to import.' : 'Type the recovery phrase to import.');
      field?.focus();
      return;
    }
    const common = { ...(label.trim() !== '' ? { label: label.trim() } : {}) };
    await run(
      async () => {
        const w = await call(
          'wallet.import',
          kind === 'privateKey'
            ? { ...common, privateKey: secret.trim() }
            : { ...common, mnemonic: secret.trim().split(/\s+/).join(' '), ...(path.trim() !== '' ? { path: path.trim() } : {}) },
        );
        notify('success', `Imported “${walletName(w)}” (${shortAddress(w.address)}).`);
        onImported?.(w);
        onDone();
        onClose();
      },
      (message) => {
        field?.focus();
        return scrub(message, secret);
      },
    );
  };

  const isKey = kind === 'privateKey';
  return (
    <Modal
      title="Import a wallet"
      description={<p>Bring in a wallet you already have. Its key goes straight into your OS keychain; Ativo never shows it again.</p>}
      onClose={onClose}
      initialFocus="[data-secret]"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy}>
            {busy ? 'Importing…' : 'Import wallet'}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={(e) => void submit(e)} autoComplete="off">
        <fieldset className="segmented" aria-describedby={secretHintId}>
          <legend className="field-label">Import from</legend>
          <div className="segmented-options">
            {(
              [
                ['privateKey', 'Private key'],
                ['mnemonic', 'Recovery phrase'],
              ] as const
            ).map(([k, text]) => (
              <label key={k} className={`segment${kind === k ? ' is-selected' : ''}`}>
                <input type="radio" name="import-kind" value={k} checked={kind === k} onChange={() => { switchKind(k); }} />
                {text}
              </label>
            ))}
          </div>
        </fieldset>

        <div className="field">
          <label htmlFor={secretId}>{isKey ? 'Private key' : 'Recovery phrase'}</label>
          <input
            key={kind}
            ref={secretRef}
            id={secretId}
            data-secret
            className="input input-mono"
            type="password"
            name={isKey ? 'ativo-import-key' : 'ativo-import-phrase'}
            autoComplete="off"
            autoCorrect="off"
            autoCapitalize="off"
            spellCheck={false}
            placeholder={isKey ? '0x… (64 hexadecimal characters)' : '12 to 24 words'}
            aria-invalid={error !== null}
            aria-describedby={`${secretHintId}${error !== null ? ` ${errorId}` : ''}`}
          />
          <p id={secretHintId} className="hint">
            {isKey
              ? '64 hexadecimal characters, with or without 0x. It is hidden as you type.'
              : 'The 12 to 24 words, separated by spaces. Ativo keeps only the key derived from them, not the phrase.'}
          </p>
        </div>

        {!isKey && (
          <details className="disclosure">
            <summary>Advanced</summary>
            <div className="field">
              <label htmlFor={pathId}>Derivation path</label>
              <input
                id={pathId}
                className="input input-mono"
                type="text"
                value={path}
                maxLength={100}
                autoComplete="off"
                spellCheck={false}
                placeholder={DEFAULT_PATH}
                onChange={(e) => { setPath(e.target.value); }}
              />
              <p className="hint">Leave empty for the first account ({DEFAULT_PATH}), which most wallet apps use.</p>
            </div>
          </details>
        )}

        <LabelField value={label} onChange={setLabel} />
        {error !== null && <FormError id={errorId}>{error}</FormError>}
      </form>
    </Modal>
  );
}

/** The suggested backup file name: the address's start (the file holds all of it) and today's date. */
function backupName(address: string): string {
  return `ativo-wallet-${address.slice(0, 10)}-${new Date().toISOString().slice(0, 10)}.json`;
}

/**
 * Export a backup: Ativo writes an encrypted keystore FILE and says where; the key never comes
 * back to the page (not even encrypted). In the desktop app the person picks the file in the
 * system's save dialog. The browser shell has no such dialog, and the page may be one of many
 * holding the session: there the file goes to Ativo's exports folder on the computer running
 * Ativo (shown in full), under a name the person may change, and is never written over.
 *
 * The keychains Ativo uses offer no per-item confirmation it could ask for (see
 * Wallets.exportToFile): the confirmation is the new password, typed twice.
 */
export function ExportBackupDialog({ wallet, onClose, onSaved }: { wallet: WalletInfo; onClose: () => void; onSaved?: (path: string) => void }) {
  const native = useApp((s) => s.shell) === 'electron';
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field: 'password' | 'confirm' | 'fileName' | 'form'; text: string } | null>(null);
  const [fileName, setFileName] = useState(() => backupName(wallet.address));
  const [exportsDir, setExportsDir] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLInputElement>(null);
  const fileNameRef = useRef<HTMLInputElement>(null);
  const doneRef = useRef<HTMLButtonElement>(null);
  const formId = useId();
  const passwordId = useId();
  const confirmId = useId();
  const hintId = useId();
  const fileNameId = useId();
  const fileHintId = useId();
  const errorId = useId();

  useEffect(() => {
    if (native) return;
    let live = true;
    call('app.info', {}).then(
      (info) => {
        if (live) setExportsDir(info.exportsDir);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [native]);

  useEffect(() => {
    if (saved !== null) doneRef.current?.focus();
  }, [saved]);

  const submit = async (e: Submit): Promise<void> => {
    e.preventDefault();
    const password = passwordRef.current?.value ?? '';
    const confirm = confirmRef.current?.value ?? '';
    if (password.length < MIN_PASSWORD) {
      setError({ field: 'password', text: `Use a password of at least ${MIN_PASSWORD} characters.` });
      passwordRef.current?.focus();
      return;
    }
    if (confirm !== password) {
      if (confirmRef.current) confirmRef.current.value = '';
      setError({ field: 'confirm', text: 'The two passwords do not match. Type it again.' });
      confirmRef.current?.focus();
      return;
    }
    const name = fileName.trim();
    if (!native && (name === '' || /[/\\]/.test(name) || name === '.' || name === '..')) {
      setError({ field: 'fileName', text: 'Type a file name only, without a folder, for example ativo-wallet.json.' });
      fileNameRef.current?.focus();
      return;
    }
    let target: { path: string } | { fileName: string };
    if (native) {
      setError(null);
      const path = await getBridge().pickSaveFile(backupName(wallet.address));
      // Cancelled: nothing is written, and the passwords stay typed for another try.
      if (path === null) return;
      target = { path };
    } else {
      target = { fileName: name };
    }
    for (const r of [passwordRef, confirmRef]) if (r.current) r.current.value = '';
    setBusy(true);
    setError(null);
    try {
      const out = await call('wallet.export', { address: wallet.address, password, ...target });
      setSaved(out.path);
      onSaved?.(out.path);
      notify('success', `Saved a backup of “${walletName(wallet)}”.`);
    } catch (err) {
      // INVALID_INPUT here is about the file (taken, or not a plain name); the rest about the wallet.
      const aboutFile = !native && err instanceof ApiError && err.code === 'INVALID_INPUT';
      setError({ field: aboutFile ? 'fileName' : 'form', text: `${scrub(messageOf(err), password)} Then type the password twice again.` });
      setBusy(false);
      (aboutFile ? fileNameRef : passwordRef).current?.focus();
    }
  };

  const invalid = (f: 'password' | 'confirm' | 'fileName'): boolean => error?.field === f;
  const describedBy = (f: 'password' | 'confirm'): string => [hintId, ...(invalid(f) ? [errorId] : [])].join(' ');
  const restoreText = (
    <>
      You need both the file and its password to restore <code className="mono-text">{shortAddress(wallet.address)}</code>: Ativo cannot recover a forgotten
      password.
    </>
  );

  if (saved !== null) {
    return (
      <Modal
        title={`Export a backup of “${walletName(wallet)}”`}
        onClose={onClose}
        size="md"
        footer={
          <button ref={doneRef} type="button" className="button button-primary" onClick={onClose}>
            Done
          </button>
        }
      >
        <div className="export-saved" data-testid="backup-saved">
          <h3 className="export-saved-title">
            <Icon name="check" size={18} /> Backup saved
          </h3>
          <p>{native ? 'Ativo saved the encrypted backup at:' : 'Ativo saved the encrypted backup on the computer running Ativo, at:'}</p>
          <p className="path-readout mono-text" data-testid="backup-path">
            {saved}
          </p>
          <p>
            Only your user account on that computer can open the file. Keep a copy somewhere else too (a USB drive, your password manager), and keep the
            password apart from it. {restoreText}
          </p>
        </div>
      </Modal>
    );
  }

  return (
    <Modal
      title={`Export a backup of “${walletName(wallet)}”`}
      description={<p>The backup is an encrypted keystore file (JSON) that most Ethereum wallets can import. {restoreText}</p>}
      onClose={onClose}
      size="md"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy}>
            <Icon name="download" size={16} />
            {busy ? 'Encrypting…' : native ? 'Save backup…' : 'Save backup'}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={(e) => void submit(e)}>
        {/* Tells password managers which account this password belongs to. */}
        <input type="text" name="username" autoComplete="username" value={wallet.address} readOnly hidden />
        <div className="field">
          <label htmlFor={passwordId}>Password</label>
          <input
            ref={passwordRef}
            id={passwordId}
            className="input"
            type="password"
            autoComplete="new-password"
            aria-invalid={invalid('password')}
            aria-describedby={describedBy('password')}
          />
        </div>
        <div className="field">
          <label htmlFor={confirmId}>Password again</label>
          <input
            ref={confirmRef}
            id={confirmId}
            className="input"
            type="password"
            autoComplete="new-password"
            aria-invalid={invalid('confirm')}
            aria-describedby={describedBy('confirm')}
          />
          <p id={hintId} className="hint">
            At least {MIN_PASSWORD} characters. A few random words make a strong one.
          </p>
        </div>
        {!native && (
          <div className="field">
            <label htmlFor={fileNameId}>File name</label>
            <input
              ref={fileNameRef}
              id={fileNameId}
              className="input input-mono"
              type="text"
              value={fileName}
              maxLength={200}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={invalid('fileName')}
              aria-describedby={`${fileHintId}${invalid('fileName') ? ` ${errorId}` : ''}`}
              onChange={(ev) => {
                setFileName(ev.target.value);
                if (error?.field === 'fileName') setError(null);
              }}
            />
            <p id={fileHintId} className="hint">
              Saved on the computer running Ativo, in its exports folder
              {exportsDir !== null ? (
                <>
                  : <span className="mono-text" data-testid="exports-dir">{exportsDir}</span>
                </>
              ) : null}
              . Ativo never replaces an existing file.
            </p>
          </div>
        )}
        {error !== null && <FormError id={errorId}>{error.text}</FormError>}
      </form>
    </Modal>
  );
}

export function RemoveWalletDialog({
  wallet,
  onClose,
  onDone,
  onExportFirst,
}: {
  wallet: WalletInfo;
  onClose: () => void;
  onDone: () => void;
  onExportFirst: () => void;
}) {
  const { busy, error, run } = useAction();
  const errorId = useId();
  const name = walletName(wallet);

  const remove = (): Promise<void> =>
    run(async () => {
      await call('wallet.remove', { address: wallet.address });
      notify('success', `Removed “${name}” and deleted its key from the keychain.`);
      onDone();
      onClose();
    });

  return (
    <Modal
      title={`Remove “${name}”?`}
      description={
        <>
          <p>
            Removing deletes this wallet’s key from your OS keychain: <code className="mono-text">{wallet.address}</code>.{' '}
            <strong>Ativo cannot bring it back.</strong> Without a backup, whatever it owns (certified assets, payments) can no longer be reached.
          </p>
          <p>Export a backup first if you might need this wallet again.</p>
        </>
      }
      onClose={onClose}
      size="md"
      initialFocus="[data-autofocus]"
      footer={
        <>
          <button type="button" className="button" onClick={onClose} data-autofocus>
            Cancel
          </button>
          <button type="button" className="button" onClick={onExportFirst}>
            <Icon name="download" size={16} />
            Export backup first
          </button>
          <button type="button" className="button button-danger" onClick={() => void remove()} disabled={busy} aria-describedby={error !== null ? errorId : undefined}>
            {busy ? 'Removing…' : 'Remove wallet'}
          </button>
        </>
      }
    >
      {error !== null ? <FormError id={errorId}>{error}</FormError> : undefined}
    </Modal>
  );
}
