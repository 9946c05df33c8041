/**
 * The storage balance of the wallet in use, on the Wallet screen: what it is for, how much is
 * on it, and a Fund control for any amount (checked here first, then by the backend, whose
 * sentence is shown as is: it says what the wallet has and needs when it cannot pay).
 */
import { useId, useState } from 'react';
import type { SyntheticEvent } from 'react';
import { call, messageOf } from '../api/client';
import { FormError } from '../components/FormError';
import { Icon } from '../components/Icon';
import { useQuery } from '../hooks/useQuery';
import { loadJobs, notify, useApp } from '../state/store';
import { BlockedReason } from '../components/NetworkDownBanner';
import { useNetworkDown } from '../state/network-health';

const AMOUNT = /^\d{1,6}(\.\d{1,18})?$/;

/** A person's amount of ETH, or the sentence that says what is wrong with it. */
export function checkAmount(text: string): { ok: true; ether: string } | { ok: false; error: string } {
  const t = text.trim().replace(',', '.');
  if (t === '') return { ok: false, error: 'Enter how much ETH to add, like 0.01.' };
  if (!AMOUNT.test(t)) return { ok: false, error: 'Enter an amount of ETH like 0.01 (digits, and a point for decimals).' };
  if (/^0*(\.0*)?$/.test(t)) return { ok: false, error: 'Enter an amount more than 0.' };
  return { ok: true, ether: t };
}

export function StorageCard({ walletAddress, networkKey }: { walletAddress: string; networkKey: string | null }) {
  const version = useApp((s) => s.walletVersion);
  const [funded, setFunded] = useState(0);
  const status = useQuery(networkKey === null ? null : `storage:${walletAddress}:${networkKey}:${version}:${funded}`, () => call('storage.status', {}));
  const quote = useQuery(networkKey === null ? null : `storage-quote:${networkKey}`, () => call('storage.quote', { bytes: 100 * 1024 * 1024 }));
  const [amount, setAmount] = useState('0.01');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const net = useNetworkDown();
  const inputId = useId();
  const hintId = useId();
  const fieldErrorId = useId();
  const formErrorId = useId();

  const submit = async (e: SyntheticEvent<HTMLFormElement, SubmitEvent>): Promise<void> => {
    e.preventDefault();
    if (busy || net.down) return;
    setError(null);
    const checked = checkAmount(amount);
    if (!checked.ok) {
      setFieldError(checked.error);
      return;
    }
    setFieldError(null);
    setBusy(true);
    try {
      const r = await call('storage.fund', { ether: checked.ether });
      notify('success', `Added ${r.amount.formatted} to your storage balance${r.status === 'pending' ? ' (it shows once the storage node has seen the payment)' : ''}.`);
      setFunded((n) => n + 1);
      // Uploads waiting for funds go on now: show their new state at once.
      loadJobs();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card storage-card" aria-labelledby="storage-title" data-testid="storage-card">
      <div className="card-head">
        <h2 id="storage-title">
          <Icon name="up" />
          Storage balance
        </h2>
      </div>
      <p className="card-note">
        Storage is paid in advance: each file Ativo uploads for you is paid from this balance, kept by the storage node for this wallet. Funding it moves
        ETH from your wallet to it; the network fee comes on top.
      </p>
      <p className="balance-line" aria-live="polite" aria-atomic="true">
        <span className="sr-only">Storage balance: </span>
        <span className="balance-amount" data-testid="storage-balance">
          {status.data !== null ? status.data.balance.formatted : status.error !== null ? 'Unavailable' : 'Loading…'}
        </span>
      </p>
      {status.error !== null && (
        <p className="balance-error" role="alert">
          {status.error.message}
        </p>
      )}
      <form className="storage-fund" onSubmit={(e) => void submit(e)} noValidate aria-describedby={error !== null ? formErrorId : undefined}>
        <div className="field">
          <label htmlFor={inputId}>Amount to add (ETH)</label>
          <input
            id={inputId}
            name="amount"
            className="input"
            type="text"
            inputMode="decimal"
            autoComplete="off"
            value={amount}
            aria-invalid={fieldError !== null}
            aria-describedby={fieldError !== null ? `${fieldErrorId} ${hintId}` : hintId}
            onChange={(e) => {
              setAmount(e.target.value);
              setFieldError(null);
            }}
          />
          {fieldError !== null && (
            <p id={fieldErrorId} className="field-error">
              {fieldError}
            </p>
          )}
          <p id={hintId} className="hint">
            Any amount more than 0.{quote.data !== null ? ` Storing 100 MB costs ${quote.data.price.formatted} on this network.` : ''}
          </p>
        </div>
        <button type="submit" className="button button-primary" aria-disabled={busy || net.down} title={net.reason || undefined}>
          <Icon name="plus" size={15} />
          {busy ? 'Funding storage…' : 'Fund storage'}
        </button>
      </form>
      <BlockedReason />
      {error !== null && <FormError id={formErrorId}>{error}</FormError>}
    </section>
  );
}
