/**
 * Proposals of new terms (issue 17): one proposal (what changes, who agreed, Sign / Decline for a
 * payee, Submit for the owner), and the Inbox's list of open ones, read again from the storage
 * network every few seconds.
 */
import { useCallback, useEffect, useState } from 'react';
import { call, messageOf } from '../../api/client';
import type { CommandOutput } from '../../api/client';
import { useWalletInUse } from '../../components/WalletContext';
import { formatDate } from '../../lib/format';
import { notify, useApp } from '../../state/store';
import './inbox.css';

export type ProposalView = CommandOutput<'proposals.list'>['items'][number];

const short = (a: string): string => `${a.slice(0, 6)}…${a.slice(-4)}`;

export function ProposalItem({ p, me, onChanged }: { p: ProposalView; me: string | null; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const job = useApp((s) => (p.submitJob !== null ? s.jobs[p.submitJob] : undefined));
  const act = async (what: 'sign' | 'decline' | 'submit'): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      if (what === 'submit') await call('proposals.submit', { proposalId: p.id });
      else await call(what === 'sign' ? 'proposals.sign' : 'proposals.decline', { proposalId: p.id });
      notify('success', what === 'sign' ? 'Signed: the owner’s app can submit the change once enough payees agree.' : what === 'decline' ? 'Declined: the owner sees your answer.' : 'Submitting the change to the chain.');
      onChanged();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  const name = p.assetName ?? `Asset #${p.tokenId}`;
  const submitting = job !== undefined && job.state !== 'done' && job.state !== 'failed' && job.state !== 'cancelled';
  return (
    <li className="card proposal-item" data-testid="proposal-item" data-state={p.state}>
      <div className="proposal-head">
        <span className="badge">Proposal</span>
        <strong>{name}</strong>
        <span className="muted">by {me !== null && me.toLowerCase() === p.author.toLowerCase() ? 'you' : short(p.author)}</span>
      </div>
      <ul className="proposal-changes" aria-label="What changes">
        {p.changes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <p className="muted" data-testid="proposal-agreed">
        Agreed: {p.agreedPercent}% of the split; {p.neededPercent === 0 ? 'the owner alone decides' : `${p.neededPercent}% must agree`}.
        {p.answers.length > 0 && ` ${p.answers.map((a) => `${me !== null && me.toLowerCase() === a.signer.toLowerCase() ? 'You' : short(a.signer)} ${a.decision === 'sign' ? 'signed' : 'declined'}`).join(', ')}.`}
      </p>
      {p.state === 'submitted' ? (
        <p className="hint">Accepted: the new terms are on chain.</p>
      ) : (
        <p className="hint">Open until {formatDate(p.deadline)}.</p>
      )}
      {error !== null && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="proposal-actions">
        {p.canAnswer && (
          <>
            <button type="button" className="button button-primary" disabled={busy} onClick={() => void act('sign')}>
              Sign
            </button>
            <button type="button" className="button" disabled={busy} onClick={() => void act('decline')}>
              Decline
            </button>
          </>
        )}
        {p.isOwner && p.state === 'open' && (
          <button type="button" className="button" disabled={busy || submitting} onClick={() => void act('submit')}>
            {submitting ? 'Submitting…' : 'Submit change'}
          </button>
        )}
      </div>
    </li>
  );
}

/** Open proposals, read again from storage now and every few seconds; null while the first read runs. */
export function useProposals(assetId?: number): { items: ProposalView[] | null; me: string | null; reload: () => void } {
  const [items, setItems] = useState<ProposalView[] | null>(null);
  const [tick, setTick] = useState(0);
  const me = useWalletInUse().wallet?.address ?? null;
  const reload = useCallback(() => {
    setTick((t) => t + 1);
  }, []);
  useEffect(() => {
    let live = true;
    call('proposals.list', { refresh: true, ...(assetId !== undefined ? { assetId } : {}) }).then(
      (r) => {
        if (live) setItems(r.items);
      },
      () => {
        if (live) setItems((old) => old ?? []);
      },
    );
    const t = setTimeout(() => {
      setTick((n) => n + 1);
    }, 5000);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [assetId, tick]);
  return { items, me, reload };
}

/** The Inbox's proposals (nothing when there are none). */
export function InboxProposals() {
  const { items, me, reload } = useProposals();
  if (items === null || items.length === 0) return null;
  return (
    <section className="inbox-proposals" aria-labelledby="proposals-title">
      <h2 id="proposals-title">Proposals</h2>
      <p className="muted">Changes of terms of assets that pay you: each needs the agreement of the payees the asset’s rule names.</p>
      <ul className="proposal-list">
        {items.map((p) => (
          <ProposalItem key={p.id} p={p} me={me} onChanged={reload} />
        ))}
      </ul>
    </section>
  );
}
