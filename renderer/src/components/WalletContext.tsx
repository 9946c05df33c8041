/**
 * Where the person is (issue 15): the wallet in use and its network, in the top bar on every
 * screen, with a red state when the network cannot be reached; `useWalletInUse` lets a screen
 * name the wallet it shows ("Requests for …").
 */
import { useEffect } from 'react';
import { call } from '../api/client';
import type { WalletInfo } from '../api/client';
import { useQuery } from '../hooks/useQuery';
import { NETWORK_TITLE, shortAddress, walletName } from '../lib/wallet';
import { setReach, useNetworkHealthStore, type Reach } from '../state/network-health';
import { loadNetwork, useApp } from '../state/store';

/** How often the top bar checks that the network still answers. */
const CHECK_EVERY_MS = 30_000;

export interface WalletInUse {
  /** null: none in use (or not known yet). */
  wallet: Pick<WalletInfo, 'address' | 'label'> | null;
  loaded: boolean;
}

export function useWalletInUse(): WalletInUse {
  const settings = useApp((s) => s.settingsVersion);
  const walletVersion = useApp((s) => s.walletVersion);
  const q = useQuery(`wallets:${settings}:${walletVersion}`, () => call('wallet.list', {}));
  if (q.data === null) return { wallet: null, loaded: false };
  const current = q.data.current;
  if (current === null) return { wallet: null, loaded: true };
  const info = q.data.wallets.find((w) => w.address.toLowerCase() === current.toLowerCase());
  return { wallet: info ?? { address: current, label: '' }, loaded: true };
}

/** "Studio wallet (0x7099…79C8)", or the short address alone for an unnamed one. */
export function walletText(w: Pick<WalletInfo, 'address' | 'label'>): string {
  return w.label.trim() !== '' ? `${walletName(w)} (${shortAddress(w.address)})` : shortAddress(w.address);
}

/** Asks the chain now and every CHECK_EVERY_MS; the answer is shared (state/network-health.ts). */
function useReachable(): Reach {
  const network = useApp((s) => s.network);
  const settings = useApp((s) => s.settingsVersion);
  const reach = useNetworkHealthStore((s) => (s.network === network ? s.reach : 'unknown'));
  useEffect(() => {
    if (network === null) return;
    let live = true;
    const check = (): void => {
      call('chain.status', {}).then(
        () => {
          if (live) setReach(network, 'ok');
        },
        () => {
          if (live) setReach(network, 'down');
        },
      );
    };
    check();
    const timer = setInterval(check, CHECK_EVERY_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [network, settings]);
  return reach;
}

export function WalletContext() {
  const network = useApp((s) => s.network);
  const settings = useApp((s) => s.settingsVersion);
  // Switched elsewhere (the Wallet screen, another window, the CLI): the top bar follows.
  useEffect(() => {
    if (settings > 0) loadNetwork();
  }, [settings]);
  const { wallet, loaded } = useWalletInUse();
  const reach = useReachable();
  // The backend itself cannot be reached (reconnecting): the network's state is unknown, so grey.
  const offline = useApp((s) => s.connection !== 'open' && s.connection !== 'signed-out');
  if (network === null) return null;
  const down = reach === 'down' && !offline;
  const netTitle = NETWORK_TITLE[network];
  const named = wallet !== null && wallet.label.trim() !== '';
  return (
    <>
      <span className="wallet-pill" title={wallet !== null ? `Wallet in use: ${wallet.address}` : 'No wallet is in use: create or choose one on the Wallet screen.'} data-testid="header-wallet">
        <span className="sr-only">In use: </span>
        {wallet !== null ? (
          <>
            {named && <span className="wallet-pill-name">{walletName(wallet)}</span>}
            <span className="wallet-pill-address">{shortAddress(wallet.address)}</span>
          </>
        ) : loaded ? (
          'No wallet in use'
        ) : (
          '…'
        )}
      </span>
      {down && (
        <span className="network-down" role="status" data-testid="network-down">
          Cannot reach {netTitle}
        </span>
      )}
      <a
        className={`network-pill network-pill-${network}${down ? ' network-pill-down' : ''}${offline ? ' network-pill-unknown' : ''}`}
        href="#/wallet"
        title={
          offline
            ? 'Ativo is reconnecting: the state of the network is not known until it is back.'
            : down
              ? `${netTitle} cannot be reached: check your connection or the network settings on the Wallet screen.`
              : 'Network settings'
        }
        data-testid="network-pill"
        data-reachable={offline ? 'unknown' : reach}
      >
        <span className="dot" aria-hidden="true" />
        <span className="sr-only">Network: </span>
        {netTitle}
      </a>
    </>
  );
}

/** "Requests for Studio wallet (0x7099…79C8)." — the wallet a screen shows. */
export function WalletLine({ prefix }: { prefix: string }) {
  const { wallet, loaded } = useWalletInUse();
  if (!loaded) return null;
  return (
    <span className="page-wallet" data-testid="page-wallet" title={wallet?.address}>
      {wallet !== null ? `${prefix} ${walletText(wallet)}.` : 'No wallet is in use: choose one on the Wallet screen.'}
    </span>
  );
}
