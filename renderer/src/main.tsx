import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createWebBridge } from './bridge/web';
import { refreshAll, useApp } from './state/store';
import './styles.css';
import './layout.css';

// Electron's preload defines window.ativo; anywhere else this is the browser shell.
if (window.ativo === undefined) {
  // Takes the session token from the link's fragment (and out of the address bar).
  const { bridge, connection } = createWebBridge();
  window.ativo = bridge;
  useApp.setState({ connection: connection.state });
  connection.subscribe((state, reconnected) => {
    useApp.setState({ connection: state });
    // Events may have been missed while disconnected: refetch what is on screen.
    if (reconnected) refreshAll();
  });
}
useApp.setState({ shell: window.ativo.shell, ...(window.ativo.shell === 'electron' ? { connection: 'open' as const } : {}) });
// Electron: the backend runs in its own process; while it restarts the window says "reconnecting".
window.ativo.onConnection?.((state, reconnected) => {
  useApp.setState({ connection: state });
  // The restarted backend's events while it was down are lost: refetch what is on screen.
  if (reconnected) refreshAll();
});

// A file dropped outside a drop zone must not navigate the window away.
window.addEventListener('dragover', (e) => {
  e.preventDefault();
});
window.addEventListener('drop', (e) => {
  e.preventDefault();
});

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
