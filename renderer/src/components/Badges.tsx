import type { AssetKind, AssetState } from '../api/client';

export function KindBadge({ kind }: { kind: AssetKind }) {
  return <span className={`badge badge-${kind}`}>{kind === 'dataset' ? 'Dataset' : 'Model'}</span>;
}

export function StateBadge({ state, percent, error }: { state: AssetState; percent?: number | null; error?: string | null }) {
  if (state === 'scanning') {
    return (
      <span className="state state-scanning">
        <span className="dot" aria-hidden="true" />
        Scanning{percent !== null && percent !== undefined ? ` ${percent}%` : '…'}
      </span>
    );
  }
  if (state === 'error') {
    return (
      <span className="state state-error" title={error ?? undefined}>
        <span className="dot" aria-hidden="true" />
        Error{error ? `: ${error}` : ''}
      </span>
    );
  }
  return (
    <span className="state state-ready">
      <span className="dot" aria-hidden="true" />
      Ready
    </span>
  );
}
