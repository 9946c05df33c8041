/** The red state of a screen that needs the network while it cannot be reached (issue 15). */
import { useNetworkDown } from '../state/network-health';
import { Icon } from './Icon';

export function NetworkDownBanner({ shows }: { /** What the screen still shows, e.g. "the requests Ativo knew of". */ shows: string }) {
  const { down, title } = useNetworkDown();
  if (!down) return null;
  return (
    <div className="callout callout-error network-down-banner" role="status" data-testid="network-down-banner">
      <Icon name="alert" />
      <div>
        <strong>{title} cannot be reached</strong>
        <p>
          This shows {shows}. What needs the network waits until it answers again: check your connection, or the network settings on the{' '}
          <a href="#/wallet">Wallet screen</a>.
        </p>
      </div>
    </div>
  );
}

/** Why the actions beside it are disabled, as visible text (a disabled button's tooltip alone is not enough). */
export function BlockedReason() {
  const { down, reason } = useNetworkDown();
  if (!down) return null;
  return (
    <p className="blocked-reason" data-testid="blocked-reason">
      {reason}
    </p>
  );
}
