import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { call } from '../api/client';
import type { Route } from '../state/router';
import { activityCount, loadNetwork, useApp } from '../state/store';
import { Icon } from './Icon';
import type { IconName } from './Icon';
import { WalletContext } from './WalletContext';

/** App sections; only those that exist are listed in NAV. */
type Section = 'library' | 'discover' | 'activity' | 'publish' | 'inbox' | 'earnings' | 'wallet' | 'myaccess' | 'verify';

interface NavItem {
  id: Section;
  label: string;
  icon: IconName;
  href: string;
}

/** Sections of the app. */
const NAV: readonly NavItem[] = [
  { id: 'library', label: 'Library', icon: 'library', href: '#/' },
  { id: 'discover', label: 'Discover', icon: 'search', href: '#/discover' },
  { id: 'inbox', label: 'Inbox', icon: 'inbox', href: '#/inbox' },
  { id: 'earnings', label: 'Earnings', icon: 'earnings', href: '#/earnings' },
  { id: 'myaccess', label: 'My access', icon: 'key', href: '#/my-access' },
  { id: 'verify', label: 'Verify', icon: 'shield', href: '#/verify' },
  { id: 'activity', label: 'Activity', icon: 'activity', href: '#/activity' },
  { id: 'wallet', label: 'Wallet', icon: 'wallet', href: '#/wallet' },
];

function Logo() {
  return (
    <svg className="logo" width="28" height="28" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="currentColor" />
      <path d="M9 23 16 8l7 15M11.6 18h8.8" fill="none" stroke="#fff" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

function sectionOf(route: Route): Section | null {
  switch (route.name) {
    case 'library':
    case 'asset':
      return 'library';
    case 'wallet':
      return 'wallet';
    case 'activity':
      return 'activity';
    case 'inbox':
      return 'inbox';
    case 'earnings':
      return 'earnings';
    case 'myaccess':
      return 'myaccess';
    case 'discover':
    case 'public':
      return 'discover';
    case 'certificate':
      return 'library';
    case 'verify':
      return 'verify';
    case 'welcome':
      return null;
  }
}

export function AppFrame({ children }: { children: ReactNode }) {
  const route = useApp((s) => s.route);
  const connection = useApp((s) => s.connection);
  const shell = useApp((s) => s.shell);
  const [version, setVersion] = useState<string | null>(null);
  useEffect(() => {
    call('app.info', {}).then(
      (info) => {
        setVersion(info.version);
      },
      () => undefined,
    );
    loadNetwork();
  }, []);
  const section = sectionOf(route);
  const activeJobs = useApp(activityCount);
  const unread = useApp((s) => s.unreadRequests);

  return (
    <div className="frame">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          // Routes live in the hash: move focus without touching it.
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <Logo />
          <span className="brand-name">Ativo</span>
        </div>
        <div className="topbar-right">
          {connection !== 'open' && connection !== 'signed-out' && (
            <span className="conn" role="status">
              <span className="dot" aria-hidden="true" />
              {connection === 'connecting' ? 'Connecting to Ativo…' : 'Connection lost, reconnecting…'}
            </span>
          )}
          {connection === 'signed-out' && (
            <span className="conn conn-signed-out" role="alert" data-testid="signed-out">
              <span className="dot" aria-hidden="true" />
              Not connected: open the link Ativo showed when it started.
            </span>
          )}
          <WalletContext />
        </div>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {NAV.map((item) => (
            <li key={item.id}>
              <a className="nav-link" href={item.href} title={item.label} aria-current={section === item.id ? 'page' : undefined}>
                <Icon name={item.icon} />
                <span className="nav-label">{item.label}</span>
                {item.id === 'inbox' && unread > 0 && (
                  <span className="nav-badge" data-testid="inbox-unread">
                    {unread}
                    <span className="sr-only"> unread</span>
                  </span>
                )}
                {item.id === 'activity' && activeJobs > 0 && (
                  <span className="nav-badge" data-testid="activity-count">
                    {activeJobs}
                    <span className="sr-only"> in progress</span>
                  </span>
                )}
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          {version !== null && <span>Ativo {version}</span>}
          <span>{shell === 'electron' ? 'Desktop app' : 'Browser session'}</span>
        </div>
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
