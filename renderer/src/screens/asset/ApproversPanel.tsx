/**
 * An asset's approvers (issue 17): wallets its owner names to approve or deny its requests. The
 * owner adds one by address (checked here, then by the chain) or removes one; everyone sees the
 * list (short addresses, the full one on hover).
 */
import { useEffect, useState, type SyntheticEvent } from 'react';
import { call, messageOf } from '../../api/client';
import type { CommandOutput } from '../../api/client';
import { notify, useApp } from '../../state/store';
import { useNetworkDown } from '../../state/network-health';

type ApproversState = CommandOutput<'approvers.list'>;

/** What is wrong with a typed address, in words (null when it looks like one). */
export function addressProblem(text: string): string | null {
  const t = text.trim();
  if (t === '') return 'Enter the wallet address of the person who may answer requests.';
  if (!/^0x/i.test(t)) return 'A wallet address starts with 0x, followed by 40 letters and digits.';
  if (!/^0x[0-9a-fA-F]*$/.test(t)) return 'A wallet address holds only the digits 0–9 and the letters a–f after 0x.';
  if (t.length !== 42) return `A wallet address has 40 letters and digits after 0x; this one has ${t.length - 2}.`;
  return null;
}

export function ApproversPanel({ assetId, name }: { assetId: number; name: string }) {
  const version = useApp((s) => s.assetVersions[assetId] ?? 0);
  const net = useNetworkDown();
  const [state, setState] = useState<ApproversState | null>(null);
  const [address, setAddress] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    call('approvers.list', { assetId }).then(
      (s) => {
        if (live) setState(s);
      },
      () => undefined, // the terms panel above says when the chain cannot be read
    );
    return () => {
      live = false;
    };
  }, [assetId, version]);

  if (state === null || !state.published) return null;

  const add = async (e: SyntheticEvent): Promise<void> => {
    e.preventDefault();
    const why = addressProblem(address);
    setProblem(why);
    if (why !== null) return;
    setBusy('add');
    try {
      setState(await call('approvers.add', { assetId, address: address.trim() }));
      setAddress('');
      notify('info', `The wallet ${address.trim().slice(0, 6)}…${address.trim().slice(-4)} can now approve or deny requests for “${name}”.`);
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(null);
    }
  };
  const remove = async (who: string): Promise<void> => {
    setBusy(who);
    try {
      setState(await call('approvers.remove', { assetId, address: who }));
      notify('info', `The wallet ${who.slice(0, 6)}…${who.slice(-4)} no longer answers requests for “${name}”.`);
    } catch (err) {
      notify('error', `Could not remove the approver: ${messageOf(err)}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card terms-panel" aria-labelledby="approvers-title" data-testid="approvers-panel">
      <div className="card-head">
        <h2 id="approvers-title">Approvers</h2>
      </div>
      <p className="card-note">
        Approvers may approve or deny this asset’s requests for you, for example the members of your lab. The payment goes to the split as when you approve, and
        this app sends the buyer the key, so keep it running.
      </p>
      {state.approvers.length === 0 ? (
        <p className="card-note" data-testid="approvers-empty">
          No approvers yet: only you answer requests.{state.isOwner ? ' Add one by wallet address below.' : ''}
        </p>
      ) : (
        <ul className="buyer-list" data-testid="approvers-list">
          {state.approvers.map((a) => (
            <li key={a.address} className="buyer-row" data-testid="approver-row">
              <code className="mono-text" title={a.address}>
                {a.short}
              </code>
              {state.isOwner && (
                <button type="button" className="button button-sm" disabled={busy !== null || net.down} aria-label={`Remove the approver ${a.address}`} onClick={() => void remove(a.address)}>
                  {busy === a.address ? 'Removing…' : 'Remove'}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {state.isOwner ? (
        <form className="approver-add" onSubmit={(e) => void add(e)} noValidate>
          <label className="field-label" htmlFor="approver-address">
            Wallet address of a new approver
          </label>
          <div className="approver-add-row">
            <input
              id="approver-address"
              className="input mono-text"
              value={address}
              placeholder="0x…"
              spellCheck={false}
              autoComplete="off"
              aria-invalid={problem !== null}
              aria-describedby={problem !== null ? 'approver-problem' : undefined}
              data-testid="approver-address"
              onChange={(e) => {
                setAddress(e.target.value);
                setProblem(null);
              }}
            />
            <button type="submit" className="button" disabled={busy !== null || net.down} title={net.down ? net.reason : undefined} data-testid="approver-add">
              {busy === 'add' ? 'Adding…' : 'Add approver'}
            </button>
          </div>
          {problem !== null && (
            <p className="field-error" id="approver-problem" role="alert">
              {problem}
            </p>
          )}
        </form>
      ) : (
        state.owner !== null && <p className="card-note">Only the wallet that owns this asset can change its approvers.</p>
      )}
    </section>
  );
}
