import { useEffect } from 'react';
import { AppFrame } from './components/AppFrame';
import { Notices } from './components/Notices';
import { AssetScreen } from './screens/AssetScreen';
import { LibraryScreen } from './screens/Library';
import { useApp, wireEvents } from './state/store';

export function App() {
  const route = useApp((s) => s.route);
  useEffect(() => wireEvents(), []);
  useEffect(() => {
    document.title = route.name === 'asset' ? 'Asset · Ativo' : 'Library · Ativo';
  }, [route]);
  return (
    <AppFrame>
      {route.name === 'asset' ? <AssetScreen key={route.id} id={route.id} /> : <LibraryScreen />}
      <Notices />
    </AppFrame>
  );
}
