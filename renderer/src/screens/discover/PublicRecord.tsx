/** An asset's public record, from the chain's events (issue 16): on its public page and its owner's page. */
import type { CommandOutput } from '../../api/client';
import { ethText } from '../../lib/format';

type Record = CommandOutput<'discover.asset'>['record'];

export function durationWords(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} seconds`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} minutes`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} hours`;
  return `${Math.round(seconds / 86400)} days`;
}

export function PublicRecordView({ record, title = 'Public record' }: { record: Record; title?: string }) {
  return (
    <section className="panel public-record" aria-labelledby="public-record-title" data-testid="public-record">
      <h2 id="public-record-title">{title}</h2>
      <p className="muted">What anyone can check on chain: every request to this version and how its owner answered.</p>
      <dl className="public-facts">
        <div>
          <dt>Requests</dt>
          <dd data-testid="record-requests">{record.requests}</dd>
        </div>
        <div>
          <dt>Approval rate</dt>
          <dd data-testid="record-rate">{record.approvalRate === null ? 'No decision yet' : `${Math.round(record.approvalRate * 100)}% (${record.approved} of ${record.approved + record.denied} answered)`}</dd>
        </div>
        <div>
          <dt>Median time to a decision</dt>
          <dd>{record.medianDecisionSeconds === null ? 'No decision yet' : durationWords(record.medianDecisionSeconds)}</dd>
        </div>
        <div>
          <dt>Paid to contributors</dt>
          <dd data-testid="record-paid">{ethText(record.paidWei)}</dd>
        </div>
      </dl>
    </section>
  );
}
