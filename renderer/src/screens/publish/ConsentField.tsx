/**
 * Who must agree to later changes of an asset's terms (issue 17), chosen when it is first
 * published: the owner alone, every payee, or payees holding at least a share of the split. Set on
 * chain right after the registration; a new version keeps its rule, and a rule can only be made
 * stricter later (on the asset page).
 */
import { useId } from 'react';
import './consent-field.css';

export type ConsentChoice = { kind: 'owner' } | { kind: 'all' } | { kind: 'share'; percent: string };

/** The publish command's consent value, or an error sentence. */
export function consentValue(c: ConsentChoice): { value: 'owner' | 'all' | number } | { error: string } {
  if (c.kind !== 'share') return { value: c.kind };
  const n = Number(c.percent.trim());
  if (!/^\d{1,3}$/.test(c.percent.trim()) || n < 1 || n > 100) return { error: 'Enter a whole percent from 1 to 100.' };
  return { value: n === 100 ? 'all' : n };
}

export function ConsentField({ choice, onChange, showError }: { choice: ConsentChoice; onChange: (c: ConsentChoice) => void; showError: boolean }) {
  const ids = { hint: useId(), percent: useId(), error: useId() };
  const v = consentValue(choice);
  const error = showError && 'error' in v ? v.error : null;
  return (
    <fieldset className="segmented consent-field" aria-describedby={ids.hint} data-testid="publish-consent">
      <legend className="field-label">Who agrees to changes of terms</legend>
      <div className="segmented-options">
        <label className={`segment${choice.kind === 'owner' ? ' is-selected' : ''}`}>
          <input type="radio" name="consent" value="owner" checked={choice.kind === 'owner'} onChange={() => { onChange({ kind: 'owner' }); }} />
          Only me
        </label>
        <label className={`segment${choice.kind === 'all' ? ' is-selected' : ''}`}>
          <input type="radio" name="consent" value="all" checked={choice.kind === 'all'} onChange={() => { onChange({ kind: 'all' }); }} />
          Every payee
        </label>
        <label className={`segment${choice.kind === 'share' ? ' is-selected' : ''}`}>
          <input type="radio" name="consent" value="share" checked={choice.kind === 'share'} onChange={() => { onChange({ kind: 'share', percent: '51' }); }} />
          Payees holding a share
        </label>
      </div>
      {choice.kind === 'share' && (
        <div className="field consent-percent">
          <label htmlFor={ids.percent}>Share of the split that must agree (%)</label>
          <input
            id={ids.percent}
            className="input"
            type="text"
            inputMode="numeric"
            autoComplete="off"
            value={choice.percent}
            aria-invalid={error !== null}
            aria-describedby={error !== null ? ids.error : undefined}
            onChange={(e) => { onChange({ kind: 'share', percent: e.target.value }); }}
          />
          {error !== null && (
            <p id={ids.error} className="field-error">
              {error}
            </p>
          )}
        </div>
      )}
      <p id={ids.hint} className="hint">
        A change of price, license, access period or split then needs their signatures, so nobody promised a share can be cut out alone. It can be made stricter
        later, never looser.
      </p>
    </fieldset>
  );
}
