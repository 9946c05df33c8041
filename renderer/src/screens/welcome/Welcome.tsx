/**
 * The first run (issue 15): what Ativo does, a wallet (create or import), its backup (the
 * encrypted export to a file), what the sandbox is, then the Library. It opens by itself when
 * there is no wallet at all, can be skipped at every step, and reopened from the Wallet screen.
 */
import { useEffect, useRef, useState } from 'react';
import { call } from '../../api/client';
import type { WalletInfo } from '../../api/client';
import { Icon } from '../../components/Icon';
import { NETWORK_TITLE, shortAddress, walletName } from '../../lib/wallet';
import { navigate, useApp } from '../../state/store';
import { CreateWalletInline, ExportBackupDialog, ImportWalletDialog } from '../WalletDialogs';
import './welcome.css';

/** Remembered in this window's storage: 'done' or 'skipped' (the flow then opens only when asked). */
const SEEN_KEY = 'ativo.firstRun';

function seen(): boolean {
  try {
    return window.localStorage.getItem(SEEN_KEY) !== null;
  } catch {
    return false;
  }
}

function remember(how: 'done' | 'skipped'): void {
  try {
    window.localStorage.setItem(SEEN_KEY, how);
  } catch {
    // Storage refused (a private window): the flow may show again next time, nothing worse.
  }
}

/** On start: with no wallet at all (and the flow not skipped before), the app opens on the welcome. */
export function useFirstRun(): void {
  useEffect(() => {
    if (seen()) return;
    let live = true;
    call('wallet.list', {}).then(
      (s) => {
        if (live && s.wallets.length === 0 && useApp.getState().route.name === 'library') navigate({ name: 'welcome' });
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
}

type Step = 'intro' | 'wallet' | 'backup' | 'sandbox';
const STEPS: readonly { id: Step; label: string }[] = [
  { id: 'intro', label: 'Welcome' },
  { id: 'wallet', label: 'Wallet' },
  { id: 'backup', label: 'Backup' },
  { id: 'sandbox', label: 'Sandbox' },
];

function finish(how: 'done' | 'skipped'): void {
  remember(how);
  navigate({ name: 'library' });
}

export function WelcomeScreen() {
  const network = useApp((s) => s.network);
  const [step, setStep] = useState<Step>('intro');
  const [wallet, setWallet] = useState<WalletInfo | null>(null);
  const [dialog, setDialog] = useState<'import' | 'backup' | null>(null);
  const [backedUp, setBackedUp] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  const index = STEPS.findIndex((s) => s.id === step);

  // A wallet made before (another window, the CLI): the wallet step says so and goes on.
  useEffect(() => {
    let live = true;
    call('wallet.list', {}).then(
      (s) => {
        const current = s.wallets.find((w) => w.address.toLowerCase() === (s.current ?? '').toLowerCase()) ?? s.wallets[0];
        if (live && current !== undefined) setWallet(current);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    heading.current?.focus();
  }, [step]);

  const onWallet = (w: WalletInfo): void => {
    setWallet(w);
    setBackedUp(false);
    setStep('backup');
  };
  const netTitle = network !== null ? NETWORK_TITLE[network] : 'Sandbox';

  return (
    <div className="welcome" data-testid="welcome">
      <ol className="welcome-steps" aria-label="First steps">
        {STEPS.map((s, i) => (
          <li key={s.id} className={i === index ? 'is-current' : i < index ? 'is-done' : undefined} aria-current={i === index ? 'step' : undefined}>
            <span className="welcome-step-dot" aria-hidden="true">
              {i < index ? <Icon name="check" size={14} /> : i + 1}
            </span>
            {s.label}
          </li>
        ))}
      </ol>

      <section className="card welcome-card" aria-labelledby="welcome-title">
        {step === 'intro' && (
          <>
            <h1 id="welcome-title" ref={heading} tabIndex={-1} className="focus-target">
              Welcome to Ativo
            </h1>
            <p className="welcome-lead">
              Ativo turns a folder of data or a model into an asset you can sell: it fingerprints your files, stores them, and certifies them on a chain
              with your license and price, so buyers can ask for access and pay you.
            </p>
            <p>Three short steps: a wallet, its backup, and where your work goes while you try Ativo out.</p>
            <div className="welcome-actions">
              <button type="button" className="button button-primary" onClick={() => { setStep('wallet'); }}>
                Get started
                <Icon name="arrow-right" size={16} />
              </button>
            </div>
          </>
        )}

        {step === 'wallet' && (
          <>
            <h1 id="welcome-title" ref={heading} tabIndex={-1} className="focus-target">
              Your wallet
            </h1>
            <p>
              A wallet is who you are on the chain: it <strong>owns what you certify</strong> and <strong>receives the payments</strong>. Its key stays in
              this computer’s keychain; Ativo never shows it.
            </p>
            {wallet !== null ? (
              <div className="welcome-actions">
                <p className="welcome-done">
                  <Icon name="check" size={16} /> You already have a wallet: {walletName(wallet)} ({shortAddress(wallet.address)}).
                </p>
                <button type="button" className="button button-primary" onClick={() => { setStep('backup'); }}>
                  Continue
                </button>
              </div>
            ) : (
              <div className="welcome-choices">
                <div className="welcome-choice">
                  <h2>Create a new wallet</h2>
                  <CreateWalletInline onCreated={onWallet} />
                </div>
                <div className="welcome-choice">
                  <h2>Use a wallet you have</h2>
                  <p className="hint">With its private key or its recovery phrase.</p>
                  <button type="button" className="button" onClick={() => { setDialog('import'); }}>
                    <Icon name="key" size={16} />
                    Import a wallet
                  </button>
                </div>
              </div>
            )}
          </>
        )}

        {step === 'backup' && wallet !== null && (
          <>
            <h1 id="welcome-title" ref={heading} tabIndex={-1} className="focus-target">
              Back up your wallet
            </h1>
            <p>
              If this computer or its keychain is lost, a backup is the only way back to {walletName(wallet)} ({shortAddress(wallet.address)}) and what it
              owns. Ativo saves it as a file encrypted with a password you choose: keep the file and the password apart.
            </p>
            {backedUp && (
              <p className="welcome-done" role="status">
                <Icon name="check" size={16} /> Backup saved.
              </p>
            )}
            <div className="welcome-actions">
              <button type="button" className={`button${backedUp ? '' : ' button-primary'}`} onClick={() => { setDialog('backup'); }}>
                <Icon name="download" size={16} />
                {backedUp ? 'Save another backup' : 'Save a backup'}
              </button>
              <button type="button" className={`button${backedUp ? ' button-primary' : ''}`} onClick={() => { setStep('sandbox'); }}>
                {backedUp ? 'Continue' : 'Continue without a backup'}
              </button>
            </div>
            {!backedUp && <p className="hint">You can save one later on the Wallet screen.</p>}
          </>
        )}

        {step === 'sandbox' && (
          <>
            <h1 id="welcome-title" ref={heading} tabIndex={-1} className="focus-target">
              {network === null || network === 'sandbox' ? 'You are on the sandbox' : `You are on ${netTitle}`}
            </h1>
            {network === null || network === 'sandbox' ? (
              <>
                <p>
                  The sandbox is a practice network that runs on this computer: <strong>its money is test money</strong>, with no value, and{' '}
                  <strong>nothing leaves this computer</strong>. Your wallet starts with 100 test ETH, and publishing pays its own fees from it.
                </p>
                <p>Try everything here: publish a folder, simulate a buyer, approve, get paid. When you are ready, choose a real network on the Wallet screen.</p>
              </>
            ) : (
              <p>Publishing on {netTitle} spends real money from your wallet: Ativo shows every cost before you confirm it.</p>
            )}
            <div className="welcome-actions">
              <button type="button" className="button button-primary" onClick={() => { finish('done'); }}>
                Go to the Library
                <Icon name="arrow-right" size={16} />
              </button>
            </div>
          </>
        )}
      </section>

      <div className="welcome-foot">
        {index > 0 && (
          <button type="button" className="button" onClick={() => { setStep(STEPS[index - 1]?.id ?? 'intro'); }}>
            Back
          </button>
        )}
        {step !== 'sandbox' && (
          <button type="button" className="button" onClick={() => { finish('skipped'); }}>
            Skip for now
          </button>
        )}
      </div>

      {dialog === 'import' && <ImportWalletDialog onClose={() => { setDialog(null); }} onDone={() => undefined} onImported={onWallet} />}
      {dialog === 'backup' && wallet !== null && (
        <ExportBackupDialog
          wallet={wallet}
          onSaved={() => { setBackedUp(true); }}
          onClose={() => { setDialog(null); }}
        />
      )}
    </div>
  );
}
