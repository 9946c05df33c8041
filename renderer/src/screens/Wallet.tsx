/**
 * The Wallet screen: the wallet that owns your certified assets and receives payments (keys
 * stay in the OS keychain; this screen never sees one), its balance on the current network,
 * other wallets, backups, and the network Ativo works on.
 */
import { useEffect, useRef, useState } from 'react';
import type { RefObject } from 'react';
import { call, messageOf } from '../api/client';
import type { ApiError, NetworkName, NetworkState, WalletInfo, WalletState } from '../api/client';
import { CopyButton } from '../components/CopyButton';
import { Icon } from '../components/Icon';
import { useQuery } from '../hooks/useQuery';
import type { Query } from '../hooks/useQuery';
import { formatDate } from '../lib/format';
import { NETWORK_TITLE, SOURCE_TEXT, formatEth, shortAddress, splitDetails, walletName } from '../lib/wallet';
import { notify, setNetwork, useApp } from '../state/store';
import { NetworkCard, profileKey } from './NetworkCard';
import { StorageCard } from './StorageCard';
import { BlockedReason, NetworkDownBanner } from '../components/NetworkDownBanner';
import { useNetworkDown } from '../state/network-health';
import { ConfigureNetworkDialog } from './NetworkDialog';
import { CreateWalletDialog, ExportBackupDialog, ImportWalletDialog, RemoveWalletDialog } from './WalletDialogs';

type Dialog =
  | { kind: 'create' }
  | { kind: 'import' }
  | { kind: 'export'; wallet: WalletInfo }
  | { kind: 'remove'; wallet: WalletInfo }
  | { kind: 'configure'; network: Exclude<NetworkName, 'sandbox'> };

const FUND_ETHER = '10';

/** The keychain cannot be used: its message says what is missing and how to fix it. */
export function KeychainCallout({ error, onRetry }: { error: ApiError; onRetry: () => void }) {
  const { main, details } = splitDetails(error.message);
  return (
    <div className="callout callout-warn" role="alert" data-testid="keychain-unavailable">
      <Icon name="alert" />
      <div>
        <strong>Your OS keychain is not available</strong>
        <p>{main}</p>
        {details !== null && <p className="callout-details">Details: {details}</p>}
      </div>
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

/**
 * When this view replaces one that held the focus (the empty state after a wallet is made,
 * or the card after the last wallet is removed), focus would fall to <body>: put it on `ref`.
 */
function useCatchFocus(ref: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const active = document.activeElement;
    if (active === null || active === document.body) ref.current?.focus();
  }, [ref]);
}

function Address({ address }: { address: string }) {
  return (
    <code className="address" title={address} data-testid="wallet-address">
      <span aria-hidden="true">{shortAddress(address)}</span>
      <span className="sr-only">{address}</span>
    </code>
  );
}

function Balance({ wallet, network, networkKey }: { wallet: WalletInfo; network: NetworkName | null; networkKey: string | null }) {
  const version = useApp((s) => s.walletVersion);
  const balance = useQuery(networkKey === null ? null : `${wallet.address}:${networkKey}:${version}`, () => call('wallet.balance', { address: wallet.address }));
  const [funding, setFunding] = useState(false);
  const title = network !== null ? NETWORK_TITLE[network] : 'the current network';
  const net = useNetworkDown();

  const fund = async (): Promise<void> => {
    if (funding || net.down) return;
    setFunding(true);
    try {
      await call('sandbox.fund', { address: wallet.address, ether: FUND_ETHER });
      notify('success', `${FUND_ETHER} test ETH sent to “${walletName(wallet)}”.`);
      balance.reload();
    } catch (e) {
      notify('error', `Could not get test ETH: ${messageOf(e)}`);
    } finally {
      setFunding(false);
    }
  };

  const amount = balance.data !== null ? formatEth(balance.data.ether) : null;
  return (
    <div className="wallet-balance">
      <span className="balance-label" aria-hidden="true">
        Balance on {title}
      </span>
      <div className="balance-line">
        {/* Announced when it changes (refresh, test ETH, another network). */}
        <span className="balance-amount" aria-live="polite" aria-atomic="true">
          <span className="sr-only">Balance on {title}: </span>
          <span data-testid="balance" title={balance.data !== null && amount !== null && !amount.exact ? `${balance.data.ether} ETH` : undefined}>
            {amount !== null ? (
              `${amount.exact ? '' : '≈ '}${amount.text} ETH`
            ) : (
              <span className="balance-placeholder">{balance.error !== null ? 'Unavailable' : 'Loading…'}</span>
            )}
          </span>
        </span>
        <button
          type="button"
          className="icon-button icon-button-bordered"
          aria-label="Refresh balance"
          title="Refresh balance"
          // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
          aria-disabled={balance.loading}
          onClick={() => {
            if (!balance.loading) balance.reload();
          }}
        >
          <Icon name="refresh" size={16} />
        </button>
      </div>
      {balance.error !== null && (
        <p className="balance-error" role="alert">
          {balance.error.message}
        </p>
      )}
      {network === 'sandbox' && (
        <button type="button" className="button button-sm" aria-disabled={funding || net.down} title={net.reason || undefined} onClick={() => void fund()}>
          <Icon name="plus" size={15} />
          {funding ? 'Sending test ETH…' : `Get ${FUND_ETHER} test ETH`}
        </button>
      )}
      <BlockedReason />
    </div>
  );
}

function WalletEmpty({ onCreate, onImport }: { onCreate: () => void; onImport: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useCatchFocus(heading);
  return (
    <section className="card wallet-empty" aria-labelledby="wallet-title" data-testid="wallet-empty">
      <span className="wallet-empty-icon">
        <Icon name="wallet" size={26} />
      </span>
      <h2 id="wallet-title" ref={heading} tabIndex={-1} className="focus-target">
        No wallet yet
      </h2>
      <p>
        A wallet is who you are on the chain: it <strong>owns the assets you certify</strong> and <strong>receives the payments</strong> when someone
        buys access. Its key stays in your OS keychain; Ativo signs with it there and never shows it or writes it to a file.
      </p>
      <div className="wallet-empty-actions">
        <button type="button" className="button button-primary" onClick={onCreate}>
          <Icon name="plus" size={16} />
          Create wallet
        </button>
        <button type="button" className="button" onClick={onImport}>
          <Icon name="key" size={16} />
          Import wallet
        </button>
      </div>
      <p className="hint">Already have one in another wallet app? Import it with its private key or recovery phrase.</p>
      <p className="hint">
        New to Ativo? <a href="#/welcome">Go through the first steps</a>: a wallet, its backup, and what the sandbox is.
      </p>
    </section>
  );
}

function WalletCard({
  state,
  network,
  networkKey,
  onDialog,
  onChanged,
}: {
  state: WalletState;
  network: NetworkName | null;
  networkKey: string | null;
  onDialog: (d: Dialog) => void;
  /** The wallet list changed here (another wallet is in use): refetch it. */
  onChanged: () => void;
}) {
  const [using, setUsing] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useCatchFocus(heading);
  const current = state.wallets.find((w) => w.address === state.current) ?? state.wallets[0];
  if (current === undefined) return null;
  const others = state.wallets.filter((w) => w !== current);

  const use = async (w: WalletInfo): Promise<void> => {
    setUsing(w.address);
    try {
      await call('wallet.use', { address: w.address });
      notify('success', `Now using “${walletName(w)}”.`);
    } catch (e) {
      notify('error', `Could not switch to “${walletName(w)}”: ${messageOf(e)}`);
    } finally {
      setUsing(null);
      onChanged();
    }
  };

  return (
    <section className="card wallet-card" aria-labelledby="wallet-title">
      <div className="card-head">
        <h2 id="wallet-title" ref={heading} tabIndex={-1} className="focus-target">
          <Icon name="wallet" />
          Wallet in use
        </h2>
        <div className="card-actions">
          <button type="button" className="button button-sm" onClick={() => { onDialog({ kind: 'export', wallet: current }); }}>
            <Icon name="download" size={15} />
            Export backup
          </button>
          <button type="button" className="button button-sm button-danger-outline" onClick={() => { onDialog({ kind: 'remove', wallet: current }); }}>
            <Icon name="trash" size={15} />
            Remove
          </button>
        </div>
      </div>
      <div className="wallet-current" data-testid="current-wallet">
        <div className="wallet-id">
          <span className="wallet-label" data-testid="wallet-label">
            {walletName(current)}
          </span>
          <div className="address-line">
            <Address address={current.address} />
            <CopyButton text={current.address} label="Copy address" reveal />
          </div>
          <span className="wallet-meta">
            {SOURCE_TEXT[current.source]} · {formatDate(current.createdAt)}
          </span>
        </div>
        <Balance key={current.address} wallet={current} network={network} networkKey={networkKey} />
      </div>

      {others.length > 0 && (
        <div className="other-wallets">
          <h3 id="other-wallets-title">Other wallets</h3>
          <ul aria-labelledby="other-wallets-title" data-testid="other-wallets">
            {others.map((w) => (
              <li key={w.address} className="other-wallet" data-testid="other-wallet">
                <div className="other-wallet-id">
                  <span className="other-wallet-label">{walletName(w)}</span>
                  <Address address={w.address} />
                  <span className="wallet-meta">{SOURCE_TEXT[w.source]}</span>
                </div>
                <div className="other-wallet-actions">
                  <button
                    type="button"
                    className="button button-sm"
                    disabled={using !== null}
                    aria-label={`Use ${walletName(w)}`}
                    onClick={() => void use(w)}
                  >
                    {using === w.address ? 'Switching…' : 'Use'}
                  </button>
                  <button type="button" className="button button-sm" aria-label={`Export a backup of ${walletName(w)}`} onClick={() => { onDialog({ kind: 'export', wallet: w }); }}>
                    Export
                  </button>
                  <button
                    type="button"
                    className="button button-sm button-danger-outline"
                    aria-label={`Remove ${walletName(w)}`}
                    onClick={() => { onDialog({ kind: 'remove', wallet: w }); }}
                  >
                    Remove
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </div>
      )}
      <p className="card-note">
        Keys stay in your OS keychain: Ativo signs with them there and never shows them. A backup is an encrypted keystore file: keep it and its password
        somewhere safe, apart from each other.
      </p>
    </section>
  );
}

export function WalletScreen() {
  const version = useApp((s) => s.walletVersion);
  const wallets = useQuery(`wallets:${version}`, () => call('wallet.list', {}));
  const networks: Query<NetworkState> = useQuery(`networks:${version}`, () => call('network.list', {}));
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const network = networks.data?.current ?? null;

  useEffect(() => {
    if (network !== null) setNetwork(network);
  }, [network]);

  const reloadWallets = wallets.reload;
  // A change announced by the backend (another window, the CLI): reload in place, keeping what is on screen.
  const settingsVersion = useApp((s) => s.settingsVersion);
  const reloadNetworks = networks.reload;
  useEffect(() => {
    if (settingsVersion === 0) return;
    reloadWallets();
    reloadNetworks();
  }, [settingsVersion, reloadWallets, reloadNetworks]);
  const state = wallets.data;
  const has = state !== null && state.wallets.length > 0;
  const open = (d: Dialog): void => {
    setDialog(d);
  };
  const close = (): void => {
    setDialog(null);
  };

  return (
    <div className="wallet-page">
      <div className="page-head">
        <div>
          <h1>Wallet</h1>
          <p className="page-sub">Your keys, your balance, and the network Ativo certifies on.</p>
        </div>
        {has && (
          <div className="page-actions">
            <button type="button" className="button" onClick={() => { open({ kind: 'import' }); }}>
              <Icon name="key" size={16} />
              Import wallet
            </button>
            <button type="button" className="button button-primary" onClick={() => { open({ kind: 'create' }); }}>
              <Icon name="plus" size={16} />
              Create wallet
            </button>
          </div>
        )}
      </div>

      <NetworkDownBanner shows="the balances Ativo read when it last reached the network, if any" />

      {wallets.error !== null && wallets.error.code === 'KEYCHAIN_UNAVAILABLE' ? (
        <KeychainCallout error={wallets.error} onRetry={reloadWallets} />
      ) : wallets.error !== null ? (
        <div className="panel panel-error" role="alert">
          <Icon name="alert" />
          <div>
            <strong>Your wallets could not be loaded.</strong>
            <p>{wallets.error.message}</p>
          </div>
          <button type="button" className="button" onClick={reloadWallets}>
            Try again
          </button>
        </div>
      ) : state === null ? (
        <div className="panel panel-muted" role="status">
          Loading your wallets…
        </div>
      ) : has ? (
        <>
          <WalletCard
            state={state}
            network={network}
            networkKey={networks.data !== null ? profileKey(networks.data) : null}
            onDialog={open}
            onChanged={reloadWallets}
          />
          {state.current !== null && <StorageCard walletAddress={state.current} networkKey={networks.data !== null ? profileKey(networks.data) : null} />}
        </>
      ) : (
        <WalletEmpty
          onCreate={() => { open({ kind: 'create' }); }}
          onImport={() => { open({ kind: 'import' }); }}
        />
      )}

      <NetworkCard
        networks={networks}
        onConfigure={(n) => { open({ kind: 'configure', network: n }); }}
      />

      {dialog?.kind === 'create' && <CreateWalletDialog onClose={close} onDone={reloadWallets} />}
      {dialog?.kind === 'import' && <ImportWalletDialog onClose={close} onDone={reloadWallets} />}
      {dialog?.kind === 'export' && <ExportBackupDialog wallet={dialog.wallet} onClose={close} />}
      {dialog?.kind === 'remove' && (
        <RemoveWalletDialog
          wallet={dialog.wallet}
          onClose={close}
          onDone={reloadWallets}
          onExportFirst={() => { open({ kind: 'export', wallet: dialog.wallet }); }}
        />
      )}
      {dialog?.kind === 'configure' && networks.data !== null && (
        <ConfigureNetworkDialog
          profile={networks.data.profiles.find((p) => p.name === dialog.network) ?? null}
          name={dialog.network}
          onClose={close}
          onDone={networks.reload}
        />
      )}
    </div>
  );
}
