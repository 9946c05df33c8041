/**
 * Governance on the asset page (issue 17): who must agree to changes of terms (the consent rule,
 * which the owner can only make stricter), the payees, a form to propose new terms (price, access
 * period, split: ProposeTerms.tsx), and the open proposals with who has signed.
 */
import { useEffect, useState } from 'react';
import { call, messageOf } from '../../api/client';
import type { CommandOutput } from '../../api/client';
import { notify, useApp } from '../../state/store';
import { ProposalItem, useProposals } from '../inbox/ProposalItem';
import { ProposeTerms } from './ProposeTerms';

type State = CommandOutput<'governance.state'>;
type Rule = 'owner' | 'all' | 'percent';

const short = (a: string): string => `${a.slice(0, 6)}…${a.slice(-4)}`;

export function Governance({ assetId }: { assetId: number }) {
  const version = useApp((s) => s.assetVersions[assetId] ?? 0);
  const [state, setState] = useState<State | null>(null);
  const [tick, setTick] = useState(0);
  const [rule, setRule] = useState<Rule>('all');
  const [percent, setPercent] = useState('60');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { items, me, reload } = useProposals(assetId);

  useEffect(() => {
    let live = true;
    call('governance.state', { assetId }).then(
      (s) => {
        if (!live) return;
        setState(s);
        setRule(s.consentBps === 0 || s.consentBps >= 10_000 ? 'all' : 'percent');
        if (s.consentBps > 0 && s.consentBps < 10_000) setPercent(String(s.consentBps / 100));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [assetId, version, tick]);

  if (state === null || !state.published) return null;

  const run = async (what: () => Promise<string>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      notify('success', await what());
      setTick((t) => t + 1);
      reload();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  const saveRule = () =>
    run(async () => {
      const r = await call('governance.setRule', { assetId, rule: rule === 'percent' ? Number(percent) : rule });
      return `${r.rule}.`;
    });
  const proposals = items ?? [];

  return (
    <section className="card" aria-labelledby="governance-title" data-testid="governance-panel">
      <div className="card-head">
        <h2 id="governance-title">Who decides changes of terms</h2>
      </div>
      <p data-testid="consent-rule">{state.rule}.</p>
      <p className="muted">Payees: {state.payees.map((p) => `${me !== null && me.toLowerCase() === p.address.toLowerCase() ? 'you' : short(p.address)} ${p.percent}%`).join(', ')}</p>
      {state.isOwner && state.consentBps < 10_000 && (
        <div className="governance-row" role="group" aria-label="Consent rule">
          <label className="field-label" htmlFor="consent-rule">
            Changes need
          </label>
          <select id="consent-rule" className="input" value={rule} onChange={(e) => { setRule(e.target.value as Rule); }}>
            <option value="all">Every payee’s agreement</option>
            <option value="percent">Payees holding at least…</option>
          </select>
          {rule === 'percent' && (
            <>
              <label className="field-label" htmlFor="consent-percent">
                Percent of the split
              </label>
              <input id="consent-percent" className="input" inputMode="numeric" value={percent} onChange={(e) => { setPercent(e.target.value); }} />
            </>
          )}
          <button type="button" className="button" disabled={busy} onClick={() => void saveRule()}>
            Set rule
          </button>
          <p className="hint">The rule can only be made stricter later, so the payees’ say is never taken back.</p>
        </div>
      )}
      {state.consentBps > 0 && (
        <ProposeTerms
          assetId={assetId}
          payees={state.payees}
          me={me}
          onProposed={(m) => {
            notify('success', m);
            setTick((t) => t + 1);
            reload();
          }}
        />
      )}
      {error !== null && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {proposals.length === 0 ? (
        state.consentBps > 0 && <p className="card-note">No open proposals.</p>
      ) : (
        <ul className="proposal-list" aria-label="Open proposals">
          {proposals.map((p) => (
            <ProposalItem key={p.id} p={p} me={me} onChanged={reload} />
          ))}
        </ul>
      )}
    </section>
  );
}
