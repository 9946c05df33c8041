/**
 * The network Ativo works on: a switcher over the three profiles (a profile that still
 * needs settings says what and cannot be chosen), their settings, and the live status of
 * the current network's chain.
 */
import { useEffect, useId, useState } from 'react';
import { call, messageOf } from '../api/client';
import type { CommandOutput, NetworkName, NetworkProfile, NetworkState } from '../api/client';
import { Icon } from '../components/Icon';
import { Modal } from '../components/Modal';
import { setReach } from '../state/network-health';
import { useQuery } from '../hooks/useQuery';
import type { Query } from '../hooks/useQuery';
import { formatCount } from '../lib/format';
import { NETWORK_DESCRIPTION, NETWORK_TITLE, missingText } from '../lib/wallet';
import { notify, setNetwork, useApp } from '../state/store';

type ChainStatus = CommandOutput<'chain.status'>;

const MODE_TEXT: Record<ChainStatus['mode'], string> = {
  'sandbox-owned': 'Running on this computer',
  'sandbox-shared': 'Running on this computer (shared with another Ativo window or command)',
  remote: 'Remote RPC endpoint',
};

function errorTitle(code: string, network: NetworkName): string {
  switch (code) {
    case 'CHAIN_ERROR':
      return `Cannot reach the ${NETWORK_TITLE[network].toLowerCase()} chain`;
    case 'SANDBOX_ERROR':
      return 'The sandbox could not start';
    case 'NOT_CONFIGURED':
      return `The ${NETWORK_TITLE[network].toLowerCase()} profile is not complete`;
    default:
      return 'The chain status could not be read';
  }
}

function ChainStatusView({ network, onConfigure }: { network: NetworkName; onConfigure: (n: Exclude<NetworkName, 'sandbox'>) => void }) {
  const version = useApp((s) => s.walletVersion);
  const status = useQuery(`${network}:${version}`, () => call('chain.status', {}));
  const s = status.data;
  // What this card learns (e.g. after Check again) is what the top bar and the other screens show.
  useEffect(() => {
    if (status.loading) return;
    if (status.error !== null) setReach(network, 'down');
    else if (status.data !== null) setReach(network, 'ok');
  }, [network, status.loading, status.error, status.data]);
  return (
    <div className="chain-status" data-testid="chain-status" aria-busy={status.loading}>
      <div className="chain-status-head">
        <h3>Status of {NETWORK_TITLE[network]}</h3>
        <button
          type="button"
          className="button button-sm"
          aria-disabled={status.loading}
          onClick={() => {
            if (!status.loading) status.reload();
          }}
        >
          <Icon name="refresh" size={15} />
          {status.loading ? 'Checking…' : 'Check again'}
        </button>
      </div>
      {status.error !== null ? (
        <div className="callout callout-error" role="alert" data-testid="chain-error">
          <Icon name="alert" />
          <div>
            <strong>{errorTitle(status.error.code, network)}</strong>
            <p>{status.error.message}</p>
            {network !== 'sandbox' && (
              <p className="callout-hint">
                Check the RPC URL in{' '}
                <button type="button" className="link-button" onClick={() => { onConfigure(network); }}>
                  the {NETWORK_TITLE[network].toLowerCase()} settings
                </button>{' '}
                and your connection, or switch back to the sandbox.
              </p>
            )}
          </div>
        </div>
      ) : s === null ? (
        <p className="muted" role="status">
          {network === 'sandbox' ? 'Starting the sandbox chain…' : 'Connecting to the chain…'}
        </p>
      ) : (
        <>
          <dl className="facts chain-facts">
            <div className="fact">
              <dt>Network</dt>
              <dd data-testid="chain-network">{NETWORK_TITLE[s.network]}</dd>
            </div>
            <div className="fact">
              <dt>Chain id</dt>
              <dd data-testid="chain-id">{s.chainId}</dd>
            </div>
            <div className="fact">
              <dt>Latest block</dt>
              <dd data-testid="chain-block">{formatCount(s.blockNumber)}</dd>
            </div>
            <div className="fact">
              <dt>Connection</dt>
              <dd>
                <span className="state state-ready">
                  <span className="dot" aria-hidden="true" />
                  {MODE_TEXT[s.mode]}
                </span>
              </dd>
            </div>
            <div className="fact fact-span2">
              <dt>RPC</dt>
              <dd className="mono-text" data-testid="chain-rpc">
                {s.rpcUrl}
              </dd>
            </div>
            <div className="fact fact-span2">
              <dt>Registry</dt>
              <dd className="mono-text" data-testid="chain-registry">
                {s.registry ?? <span className="muted">Not deployed yet</span>}
              </dd>
            </div>
          </dl>
          {s.notices.length > 0 && (
            <ul className="chain-notices">
              {s.notices.map((n) => (
                <li key={n}>
                  <Icon name="info" size={16} />
                  {n}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}

/** Switching networks changes what every screen shows: said before it happens (issue 15). */
function SwitchNetworkDialog({ from, to, onCancel, onConfirm }: { from: NetworkName; to: NetworkName; onCancel: () => void; onConfirm: () => void }) {
  const toTitle = NETWORK_TITLE[to];
  const fromTitle = NETWORK_TITLE[from];
  return (
    <Modal
      title={`Switch to ${toTitle}?`}
      size="sm"
      onClose={onCancel}
      initialFocus="[data-autofocus]"
      footer={
        <>
          <button type="button" className="button" onClick={onCancel} data-autofocus>
            Stay on {fromTitle}
          </button>
          <button type="button" className="button button-primary" onClick={onConfirm}>
            Switch to {toTitle}
          </button>
        </>
      }
    >
      <p>Each network has its own records. On {toTitle}, Ativo shows:</p>
      <ul className="switch-effects">
        <li>which assets are certified, and their certificates on {toTitle};</li>
        <li>the access requests in your Inbox on {toTitle};</li>
        <li>your earnings and withdrawals on {toTitle}.</li>
      </ul>
      <p>Nothing on {fromTitle} is lost: switch back at any time to see it again.</p>
      {to === 'mainnet' && <p className="hint">On Mainnet, publishing and approving cost real money.</p>}
    </Modal>
  );
}

function NetworkOption({
  profile,
  current,
  chosen,
  disabled,
  onChoose,
  onConfigure,
}: {
  profile: NetworkProfile;
  /** Ativo works on this network now. */
  current: boolean;
  /** Checked: the current network, or the one being switched to. */
  chosen: boolean;
  disabled: boolean;
  onChoose: () => void;
  onConfigure: () => void;
}) {
  const id = useId();
  const descId = useId();
  const needs = profile.missing.length > 0;
  const title = NETWORK_TITLE[profile.name];
  return (
    <div className={`network-option${current ? ' is-current' : ''}${needs ? ' is-incomplete' : ''}`} data-testid={`network-${profile.name}`}>
      <input
        id={id}
        type="radio"
        name="network"
        value={profile.name}
        checked={chosen}
        disabled={needs}
        aria-describedby={descId}
        onChange={onChoose}
      />
      <div className="network-text">
        <label htmlFor={id} className="network-name">
          {title}
          {current && <span className="badge badge-current">In use</span>}
        </label>
        <p id={descId} className="network-desc">
          {NETWORK_DESCRIPTION[profile.name]}
          {needs && (
            <span className="network-missing">
              <Icon name="info" size={15} />{' '}
              {profile.missing.length === 1 && profile.missing[0] === 'registry'
                ? 'Needs a registry on that chain: choose Set up to enter its address or deploy one.'
                : `Needs ${missingText(profile)} before it can be used.`}
            </span>
          )}
          {!needs && profile.name !== 'sandbox' && profile.rpcUrl !== null && (
            <span className="network-config mono-text">
              {profile.rpcUrl} · chain {profile.chainId}
            </span>
          )}
        </p>
      </div>
      {profile.name !== 'sandbox' && (
        <button type="button" className="button button-sm" onClick={onConfigure} aria-label={`Configure ${title}`} disabled={disabled}>
          {needs ? 'Set up' : 'Edit'}
        </button>
      )}
    </div>
  );
}

/** Identifies the current network and its settings: a change means other chain data. */
export function profileKey(state: NetworkState): string {
  const p = state.profiles.find((x) => x.name === state.current);
  return JSON.stringify([state.current, p?.rpcUrl, p?.chainId, p?.registry]);
}

export function NetworkCard({ networks, onConfigure }: { networks: Query<NetworkState>; onConfigure: (n: Exclude<NetworkName, 'sandbox'>) => void }) {
  const [switching, setSwitching] = useState<NetworkName | null>(null);
  // Chosen, waiting for the person to confirm the switch.
  const [asking, setAsking] = useState<NetworkName | null>(null);
  const [error, setError] = useState<string | null>(null);
  const state = networks.data;

  const choose = async (name: NetworkName): Promise<void> => {
    setAsking(null);
    if (switching !== null || name === state?.current) return;
    setSwitching(name);
    setError(null);
    try {
      const next = await call('network.use', { name });
      networks.set(next);
      setNetwork(next.current);
      notify('success', `Ativo now works on ${NETWORK_TITLE[next.current]}.`);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSwitching(null);
    }
  };

  return (
    <section className="card network-card" aria-labelledby="network-title">
      <div className="card-head">
        <h2 id="network-title">
          <Icon name="globe" />
          Network
        </h2>
        {switching !== null && (
          <span className="muted" role="status">
            Switching to {NETWORK_TITLE[switching]}…
          </span>
        )}
      </div>
      {networks.error !== null ? (
        <div className="panel panel-error" role="alert">
          <Icon name="alert" />
          <div>
            <strong>The network settings could not be loaded.</strong>
            <p>{networks.error.message}</p>
          </div>
          <button type="button" className="button" onClick={networks.reload}>
            Try again
          </button>
        </div>
      ) : state === null ? (
        <p className="muted" role="status">
          Loading networks…
        </p>
      ) : (
        <>
          <fieldset className="network-choice">
            <legend className="sr-only">Network Ativo works on</legend>
            {state.profiles.map((p) => (
              <NetworkOption
                key={p.name}
                profile={p}
                current={state.current === p.name}
                chosen={(switching ?? asking ?? state.current) === p.name}
                disabled={switching !== null}
                onChoose={() => {
                  if (switching === null && p.name !== state.current) setAsking(p.name);
                }}
                onConfigure={() => {
                  if (p.name !== 'sandbox') onConfigure(p.name);
                }}
              />
            ))}
          </fieldset>
          {error !== null && (
            <p className="form-error" role="alert">
              <Icon name="alert" size={16} /> {error}
            </p>
          )}
          <ChainStatusView key={profileKey(state)} network={state.current} onConfigure={onConfigure} />
          {asking !== null && (
            <SwitchNetworkDialog
              from={state.current}
              to={asking}
              onCancel={() => {
                setAsking(null);
              }}
              onConfirm={() => void choose(asking)}
            />
          )}
        </>
      )}
    </section>
  );
}
