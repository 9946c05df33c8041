/**
 * "Resumed after restart: uploads of “Songbirds” (40 files), publishing “Songbirds”." What the
 * background work picked up when Ativo started again, until the person dismisses it (once per
 * start of the backend).
 */
import { useState } from 'react';
import type { CommandOutput } from '../../api/client';
import { Icon } from '../../components/Icon';
import { formatCount } from '../../lib/format';
import { kindText } from '../../lib/jobs';

type Resumed = NonNullable<CommandOutput<'jobs.list'>['resumed']>;

/** Starts whose note was dismissed in this window (by the backend's start time). */
const dismissed = new Set<string>();

function itemText(r: Resumed['items'][number], names: Record<number, string>): string {
  const name = r.assetId === null ? null : `“${names[r.assetId] ?? `Asset #${r.assetId}`}”`;
  switch (r.kind) {
    case 'upload':
      return `uploads of ${name ?? 'your files'} (${formatCount(r.count)} ${r.count === 1 ? 'file' : 'files'})`;
    case 'publish':
      return `publishing ${name ?? 'an asset'}`;
    case 'access.approve':
      return r.count === 1 ? 'an approval' : `${formatCount(r.count)} approvals`;
    case 'access.deny':
      return r.count === 1 ? 'a denial' : `${formatCount(r.count)} denials`;
    case 'withdraw':
      return 'the withdrawal of your earnings';
    case 'access.download':
      return r.count === 1 ? 'a download' : `${formatCount(r.count)} downloads`;
    default:
      return `${kindText(r.kind).toLowerCase()}${name !== null ? ` of ${name}` : ''}${r.count > 1 ? ` (${formatCount(r.count)})` : ''}`;
  }
}

export function ResumedNote({ resumed, names }: { resumed: Resumed | null; names: Record<number, string> }) {
  const [, setTick] = useState(0);
  if (resumed === null || resumed.items.length === 0 || dismissed.has(resumed.at)) return null;
  const text = resumed.items.map((r) => itemText(r, names)).join(', ');
  return (
    <div className="callout" role="status" data-testid="activity-resumed">
      <Icon name="refresh" />
      <div>
        <strong>Resumed after restart: {text}.</strong>
        <p>Ativo was stopped while this work was under way. It carried on from where it was; nothing is paid or sent twice.</p>
        <p>
          <button
            type="button"
            className="button button-sm"
            onClick={() => {
              dismissed.add(resumed.at);
              setTick((t) => t + 1);
            }}
          >
            Dismiss
          </button>
        </p>
      </div>
    </div>
  );
}
