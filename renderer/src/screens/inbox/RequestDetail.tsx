/** One request: who asked, for what, their history with you, and Approve / Deny with live job progress. */
import { useEffect, useRef, useState } from 'react';
import { call } from '../../api/client';
import { CopyButton } from '../../components/CopyButton';
import { Icon } from '../../components/Icon';
import { ProgressBar } from '../../components/ProgressBar';
import { useQuery } from '../../hooks/useQuery';
import { formatDate, plural } from '../../lib/format';
import { useApp } from '../../state/store';
import { retryAction, setAutoApprove } from './actions';
import { ApproveDialog, DenyDialog } from './dialogs';
import { APPROVE_STEPS, ageText, amountText, chipOf, chipText, isActionable } from './model';
import type { RequestDetail as Detail, RequestView } from './model';
import { StateChip } from './RequestList';
import { shortAddress } from '../../lib/wallet';
import { BlockedReason } from '../../components/NetworkDownBanner';
import { useNetworkDown } from '../../state/network-health';

const STEP_TEXT = ['Preparing the key for the requester', 'Approving on chain (the payment is released to you and your contributors)', 'Delivering the key to the requester'];

function HashLine({ value, label, testId }: { value: string; label: string; testId?: string }) {
  return (
    <dd className="root-line">
      <code className="mono-text root-full" data-testid={testId}>
        {value}
      </code>
      <CopyButton text={value} label={label} />
    </dd>
  );
}

function History({ items, now }: { items: RequestView[]; now: number }) {
  if (items.length === 0) return <p className="muted">This is their first request to you.</p>;
  const approved = items.filter((h) => h.state === 'approved').length;
  const denied = items.filter((h) => h.state === 'denied').length;
  return (
    <>
      <p className="hint">
        {plural(items.length, 'earlier request')}: {approved} approved, {denied} denied.
      </p>
      <ul className="inbox-history" data-testid="request-history">
        {items.map((h) => (
          <li key={h.id}>
            <a href={`#/inbox/${h.id}`}>{h.assetName ?? `Token #${h.tokenId}`}</a>
            <span>{amountText(h.amountWei)}</span>
            <span className="muted">{ageText(h.createdAt, now)}</span>
            <StateChip chip={chipOf(h, undefined)} />
          </li>
        ))}
      </ul>
    </>
  );
}

function AutoApprove({ d }: { d: Detail }) {
  const [value, setValue] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  if (d.assetId === null) return <dd className="muted">Not available: this asset is not in your catalog.</dd>;
  const assetId = d.assetId;
  const name = d.assetName ?? `Token #${d.tokenId}`;
  const on = value ?? d.autoApprove;
  return (
    <dd>
      <label className="checkbox inbox-auto">
        <input
          type="checkbox"
          checked={on}
          disabled={busy}
          data-testid="detail-auto-approve"
          onChange={(e) => {
            const want = e.target.checked;
            const before = on;
            // Shown at once; put back if the backend refuses.
            setValue(want);
            setBusy(true);
            void setAutoApprove(assetId, want, name).then((kept) => {
              setBusy(false);
              setValue(kept ?? before);
            });
          }}
        />
        Approve automatically any request for “{name}” that pays its price
      </label>
    </dd>
  );
}

export function RequestDetailPane({ id, now, version }: { id: number; now: number; version: string }) {
  const q = useQuery(`access:${id}`, () => call('access.get', { id }));
  // Changes refetch in place (the same key keeps the current detail on screen meanwhile).
  const seen = useRef(version);
  const { reload } = q;
  useEffect(() => {
    if (seen.current === version) return;
    seen.current = version;
    reload();
  }, [version, reload]);
  const d = q.data;
  const live = useApp((s) => (d?.action?.jobId != null ? s.jobs[d.action.jobId] : undefined));
  const [dialog, setDialog] = useState<'approve' | 'deny' | null>(null);
  const net = useNetworkDown();

  if (q.error !== null && d === null) {
    return (
      <section className="inbox-detail card" aria-labelledby="request-title">
        <h2 id="request-title">Request #{id}</h2>
        <div className="panel panel-error" role="alert">
          <Icon name="alert" />
          <div>
            <strong>{q.error.code === 'NOT_FOUND' ? 'This request is not in your inbox.' : 'The request could not be loaded.'}</strong>
            <p>{q.error.message}</p>
          </div>
        </div>
      </section>
    );
  }
  if (d === null) {
    return (
      <section className="inbox-detail card" aria-busy="true" aria-label="Loading the request">
        <span className="skeleton" />
      </section>
    );
  }

  const chip = chipOf(d, live);
  const asset = d.assetName ?? `Token #${d.tokenId}`;
  const who = shortAddress(d.requester);
  const subject = `${asset}, requested by ${who} for ${amountText(d.amountWei)}.`;
  const running = chip.kind === 'approving' || chip.kind === 'denying';
  const pct = chip.kind === 'approving' ? Math.round(((live?.progress ?? 0) * 100)) : null;

  return (
    <section className="inbox-detail card" aria-labelledby="request-title" data-testid="request-detail" data-request-id={d.id}>
      <div className="card-head">
        <h2 id="request-title">
          {d.assetId !== null ? <a href={`#/assets/${d.assetId}`}>{asset}</a> : asset}
        </h2>
        <StateChip chip={chip} testId="detail-state" />
      </div>
      {d.decision !== null && (
        <p className="inbox-decision" data-testid="detail-decision" title={d.decidedBy ?? undefined}>
          {d.decision}
        </p>
      )}
      {d.role === 'approver' && (
        <p className="muted" data-testid="detail-approver-note">
          You answer this request as one of the owner’s approvers: approving sends the payment to the owner’s split, and the owner’s Ativo delivers the key to the
          requester.
        </p>
      )}

      {d.message.trim() !== '' ? (
        <blockquote className="inbox-message" data-testid="request-message">
          {d.message}
        </blockquote>
      ) : (
        <p className="muted">No message.</p>
      )}

      {isActionable(chip) && d.state === 'expired' && (
        <p className="muted" data-testid="expired-note">
          This request waited past its time limit, so the requester can take the payment back: it can no longer be approved. Deny it to return the payment now.
        </p>
      )}
      {isActionable(chip) && (
        <div className="inbox-actions">
          {d.state !== 'expired' && (
            <button
              type="button"
              className="button button-primary"
              disabled={net.down}
              title={net.reason || undefined}
              onClick={() => {
                setDialog('approve');
              }}
            >
              <Icon name="check" size={16} />
              Approve
            </button>
          )}
          <button
            type="button"
            className="button button-danger-outline"
            disabled={net.down}
            title={net.reason || undefined}
            onClick={() => {
              setDialog('deny');
            }}
          >
            Deny…
          </button>
          {chip.kind === 'failed' && chip.jobId !== null && (
            <button type="button" className="button" disabled={net.down} title={net.reason || undefined} onClick={() => void retryAction(chip.jobId ?? 0)}>
              <Icon name="refresh" size={16} />
              Retry the {chip.action === 'approve' ? 'approval' : 'denial'}
            </button>
          )}
          <BlockedReason />
        </div>
      )}

      {chip.kind === 'failed' && (
        <div className="callout callout-error" role="alert">
          <Icon name="alert" />
          <div>
            <strong>{chipText(chip)}.</strong>
            <p>{chip.error ?? 'Unknown error.'} Retry it, or approve or deny again.</p>
          </div>
        </div>
      )}

      {running && (
        <div className="inbox-progress" data-testid="request-progress">
          <p className="job-state" role="status">
            {chip.kind === 'approving'
              ? chip.queued || chip.paused
                ? chipText(chip)
                : `Step ${chip.step} of ${APPROVE_STEPS}: ${STEP_TEXT[chip.step - 1] ?? ''}`
              : chip.queued || chip.paused
                ? chipText(chip)
                : 'Sending the denial and refund on chain'}
          </p>
          <ProgressBar value={chip.kind === 'approving' && !chip.queued ? pct : null} label={`${chipText(chip)}: ${asset}`} />
          {live?.detail != null && <p className="hint">{live.detail}</p>}
          <p className="card-note">
            It continues in the background: see <a href="#/activity">Activity</a> to pause or cancel it.
          </p>
        </div>
      )}

      <dl className="facts inbox-facts">
        <div className="fact fact-wide">
          <dt>Requester</dt>
          <HashLine value={d.requester} label="Copy the requester’s address" testId="detail-requester" />
        </div>
        <div className="fact">
          <dt>Amount</dt>
          <dd data-testid="detail-amount">{amountText(d.amountWei)}</dd>
        </div>
        <div className="fact">
          <dt>Requested</dt>
          <dd title={formatDate(d.createdAt)}>{ageText(d.createdAt, now)}</dd>
        </div>
        {d.cancellableAt !== null && (d.state === 'pending' || d.state === 'expired') && (
          <div className="fact fact-wide">
            <dt>Decide by</dt>
            <dd data-testid="detail-deadline">
              {d.state === 'pending'
                ? `${formatDate(d.cancellableAt)}: after that the requester can cancel and take the payment back`
                : `${formatDate(d.cancellableAt)} (passed): the requester can now cancel and take the payment back`}
            </dd>
          </div>
        )}
        <div className="fact fact-wide">
          <dt>Request transaction</dt>
          <HashLine value={d.txHash} label="Copy the request’s transaction hash" testId="detail-tx" />
        </div>
        {d.action?.txHash != null && (
          <div className="fact fact-wide">
            <dt>{d.action.kind === 'approve' ? 'Approval transaction' : 'Denial transaction'}</dt>
            <HashLine value={d.action.txHash} label="Copy the transaction hash" />
          </div>
        )}
        {d.action?.kind === 'deny' && d.action.reason !== null && d.action.reason !== '' && (
          <div className="fact fact-wide">
            <dt>Reason given</dt>
            <dd>{d.action.reason}</dd>
          </div>
        )}
        <div className="fact fact-wide">
          <dt>Auto-approve</dt>
          <AutoApprove key={`${d.id}:${String(d.autoApprove)}`} d={d} />
        </div>
      </dl>

      {/* Numbers for checking on chain or telling support; not what a decision needs. */}
      <details className="inbox-more" data-testid="request-more">
        <summary>Details</summary>
        <dl className="facts inbox-facts">
          <div className="fact">
            <dt>Request number on chain</dt>
            <dd className="mono-text">{d.requestId}</dd>
          </div>
          <div className="fact">
            <dt>Asset token</dt>
            <dd className="mono-text">#{d.tokenId}</dd>
          </div>
          {d.grantId !== null && (
            <div className="fact fact-wide">
              <dt>Key delivery</dt>
              <HashLine value={d.grantId} label="Copy the key delivery's id" testId="detail-grant" />
            </div>
          )}
        </dl>
      </details>

      <h3 className="inbox-subhead">History with {who}</h3>
      <History items={d.history.filter((h) => h.id !== d.id)} now={now} />

      {dialog === 'approve' && (
        <ApproveDialog
          ids={[d.id]}
          subject={subject}
          onClose={() => {
            setDialog(null);
          }}
          onDone={q.reload}
        />
      )}
      {dialog === 'deny' && (
        <DenyDialog
          ids={[d.id]}
          subject={subject}
          onClose={() => {
            setDialog(null);
          }}
          onDone={q.reload}
        />
      )}
    </section>
  );
}
