import { useEffect } from 'react';
import { AppFrame } from './components/AppFrame';
import { Notices } from './components/Notices';
import { ActivityScreen } from './screens/Activity';
import { AssetScreen } from './screens/AssetScreen';
import { LibraryScreen } from './screens/Library';
import { WalletScreen } from './screens/Wallet';
import { InboxScreen } from './screens/Inbox';
import { EarningsScreen } from './screens/Earnings';
import { CertificateScreen } from './screens/buyer/CertificatePage';
import { MyAccessScreen } from './screens/buyer/MyAccess';
import { VerifyScreen } from './screens/buyer/Verify';
import { WelcomeScreen, useFirstRun } from './screens/welcome/Welcome';
import { DiscoverScreen } from './screens/discover/Discover';
import { PublicPage } from './screens/discover/PublicPage';
import { useApp, wireEvents } from './state/store';
import type { Route } from './state/router';

const TITLES: Record<Route['name'], string> = {
  library: 'Library · Ativo',
  asset: 'Asset · Ativo',
  wallet: 'Wallet · Ativo',
  activity: 'Activity · Ativo',
  inbox: 'Inbox · Ativo',
  earnings: 'Earnings · Ativo',
  public: 'Asset · Ativo',
  myaccess: 'My access · Ativo',
  certificate: 'Certificate · Ativo',
  verify: 'Verify · Ativo',
  welcome: 'Welcome · Ativo',
  discover: 'Discover · Ativo',
};

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case 'asset':
      return <AssetScreen key={route.id} id={route.id} />;
    case 'wallet':
      return <WalletScreen />;
    case 'activity':
      return <ActivityScreen />;
    case 'inbox':
      return <InboxScreen selected={route.id ?? null} />;
    case 'earnings':
      return <EarningsScreen />;
    case 'public':
      return <PublicPage key={`${route.chainId}/${route.registry}/${route.tokenId}`} chainId={route.chainId} registry={route.registry} tokenId={route.tokenId} />;
    case 'myaccess':
      return <MyAccessScreen />;
    case 'certificate':
      return <CertificateScreen key={route.id} id={route.id} />;
    case 'verify':
      return <VerifyScreen />;
    case 'discover':
      return <DiscoverScreen />;
    case 'library':
      return <LibraryScreen />;
    case 'welcome':
      return <WelcomeScreen />;
  }
}

export function App() {
  const route = useApp((s) => s.route);
  const unread = useApp((s) => s.unreadRequests);
  useEffect(() => wireEvents(), []);
  useFirstRun();
  useEffect(() => {
    // The unread count leads the title: visible in the tab strip, the taskbar and the window list.
    document.title = unread > 0 ? `(${unread}) ${TITLES[route.name]}` : TITLES[route.name];
  }, [route, unread]);
  return (
    <AppFrame>
      <Screen route={route} />
      <Notices />
    </AppFrame>
  );
}
