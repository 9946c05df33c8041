/**
 * Proposing new terms on the asset page (issue 17): a new price, a new access period and/or a
 * new revenue split (the Publish dialog's split editor, starting from the current payees). The
 * payees see the proposal in their Inbox; once enough of them sign, the owner's app submits it.
 */
import { useId, useState } from 'react';
import type { SyntheticEvent } from 'react';
import { call, messageOf } from '../../api/client';
import { FormError } from '../../components/FormError';
import { SplitEditor, splitErrors, splitRow, splitTotalOk, type SplitRow } from '../../components/SplitEditor';
import './propose.css';

const ETH = /^\d{1,9}(\.\d{1,18})?$/;
const DAYS = /^\d{1,5}$/;

export function ProposeTerms({ assetId, payees, me, onProposed }: { assetId: number; payees: { address: string; percent: number }[]; me: string | null; onProposed: (message: string) => void }) {
  const ids = { price: useId(), priceError: useId(), days: useId(), daysHint: useId(), daysError: useId(), total: useId() };
  const [price, setPrice] = useState('');
  const [days, setDays] = useState('');
  const [changeSplit, setChangeSplit] = useState(false);
  const fromPayees = (): SplitRow[] => payees.map((p) => splitRow(p.address, String(p.percent), me !== null && me.toLowerCase() === p.address.toLowerCase() ? 'You' : null));
  const [rows, setRows] = useState<SplitRow[]>(fromPayees);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const priceError = price.trim() === '' || ETH.test(price.trim()) ? null : 'Enter an amount of ETH like 0.01 (0 for free).';
  const daysError = days.trim() === '' || (DAYS.test(days.trim()) && Number(days.trim()) <= 36_500) ? null : 'Enter a whole number of days, 0 for perpetual access (at most 36500).';
  const splitOk = !changeSplit || (splitTotalOk(rows) && Object.keys(splitErrors(rows)).length === 0);
  const nothing = price.trim() === '' && days.trim() === '' && !changeSplit;

  const submit = async (e: SyntheticEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setTried(true);
    setError(null);
    if (nothing) {
      setError('Say what changes: a new price, a new access period or a new split.');
      return;
    }
    if (priceError !== null || daysError !== null || !splitOk) return;
    setBusy(true);
    try {
      await call('proposals.create', {
        assetId,
        ...(price.trim() !== '' ? { priceEth: price.trim() } : {}),
        ...(days.trim() !== '' ? { accessDays: Number(days.trim()) } : {}),
        ...(changeSplit ? { split: rows.map((r) => ({ address: r.address.trim(), percent: Number(r.percent) })) } : {}),
      });
      setPrice('');
      setDays('');
      setChangeSplit(false);
      setTried(false);
      onProposed('Proposed: the payees see it in their Inbox.');
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="propose-terms" aria-label="Propose new terms" noValidate onSubmit={(e) => void submit(e)}>
      <h3>Propose new terms</h3>
      <div className="governance-row">
        <label className="field-label" htmlFor={ids.price}>
          New price (ETH)
        </label>
        <input
          id={ids.price}
          className="input"
          inputMode="decimal"
          placeholder="0.02"
          value={price}
          aria-invalid={tried && priceError !== null}
          aria-describedby={tried && priceError !== null ? ids.priceError : undefined}
          onChange={(e) => {
            setPrice(e.target.value);
          }}
        />
        {tried && priceError !== null && (
          <p id={ids.priceError} className="field-error">
            {priceError}
          </p>
        )}
      </div>
      <div className="governance-row">
        <label className="field-label" htmlFor={ids.days}>
          New access period (days)
        </label>
        <input
          id={ids.days}
          className="input"
          inputMode="numeric"
          placeholder="30"
          value={days}
          aria-invalid={tried && daysError !== null}
          aria-describedby={`${ids.daysHint}${tried && daysError !== null ? ` ${ids.daysError}` : ''}`}
          onChange={(e) => {
            setDays(e.target.value);
          }}
        />
        <p id={ids.daysHint} className="hint">
          Leave empty to keep the price or the access period as they are. 0 days: access with no end.
        </p>
        {tried && daysError !== null && (
          <p id={ids.daysError} className="field-error">
            {daysError}
          </p>
        )}
      </div>
      <div className="governance-row">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={changeSplit}
            onChange={(e) => {
              setChangeSplit(e.target.checked);
              if (e.target.checked) setRows(fromPayees());
            }}
          />{' '}
          Change who is paid (the split)
        </label>
      </div>
      {changeSplit && <SplitEditor rows={rows} setRows={setRows} tried={tried} totalId={ids.total} legend="New revenue split" />}
      {error !== null && <FormError>{error}</FormError>}
      <button type="submit" className="button" disabled={busy}>
        {busy ? 'Proposing…' : 'Propose'}
      </button>
    </form>
  );
}
