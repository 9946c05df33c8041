/**
 * Wallet dialogs: create, import, export a backup, remove.
 *
 * Secrets (a private key, a recovery phrase, a backup password) live only in uncontrolled
 * password fields: never in React state, never mirrored into a DOM attribute, never shown.
 * Each field is emptied as soon as its form is submitted, and error messages are scrubbed
 * of what was typed before they are shown.
 */
import { useId, useRef, useState } from 'react';
import type { SyntheticEvent } from 'react';
import { call, messageOf } from '../api/client';
import type { WalletInfo } from '../api/client';
import { Icon } from '../components/Icon';
import { Modal } from '../components/Modal';
import { FormError } from '../components/FormError';
import { useAction } from '../hooks/useAction';
import { downloadText, shortAddress, walletName } from '../lib/wallet';
import { notify } from '../state/store';

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

export function CreateWalletDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const [label, setLabel] = useState('');
  const { busy, error, run } = useAction();
  const formId = useId();
  const errorId = useId();

  const submit = async (e: Submit): Promise<void> => {
    e.preventDefault();
    await run(async () => {
      const w = await call('wallet.create', label.trim() !== '' ? { label: label.trim() } : {});
      notify('success', `Created “${walletName(w)}” (${shortAddress(w.address)}). Export a backup to keep it safe.`);
      onDone();
      onClose();
    });
  };

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

export function ImportWalletDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
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

export function ExportBackupDialog({ wallet, onClose }: { wallet: WalletInfo; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field: 'password' | 'confirm' | 'form'; text: string } | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLInputElement>(null);
  const formId = useId();
  const passwordId = useId();
  const confirmId = useId();
  const hintId = useId();
  const errorId = useId();

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
    for (const r of [passwordRef, confirmRef]) if (r.current) r.current.value = '';
    setBusy(true);
    setError(null);
    try {
      const out = await call('wallet.export', { address: wallet.address, password });
      const fileName = `ativo-wallet-${wallet.address}.json`;
      downloadText(fileName, out.keystore);
      notify('success', `Backup of “${walletName(wallet)}” saved as ${fileName}. Keep the file and its password safe, apart from each other.`);
      onClose();
    } catch (err) {
      setError({ field: 'form', text: scrub(messageOf(err), password) });
      setBusy(false);
      passwordRef.current?.focus();
    }
  };

  const invalid = (f: 'password' | 'confirm'): boolean => error?.field === f;
  const describedBy = (f: 'password' | 'confirm'): string => [hintId, ...(invalid(f) ? [errorId] : [])].join(' ');

  return (
    <Modal
      title={`Export a backup of “${walletName(wallet)}”`}
      description={
        <p>
          The backup is an encrypted keystore file (JSON) that most Ethereum wallets can import. You need both the file and this password to restore{' '}
          <code className="mono-text">{shortAddress(wallet.address)}</code>: Ativo cannot recover a forgotten password.
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
            <Icon name="download" size={16} />
            {busy ? 'Encrypting…' : 'Download backup'}
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
