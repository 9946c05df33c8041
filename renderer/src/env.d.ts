import type { AtivoBridge } from '../../src/api/bridge';

declare global {
  interface Window {
    /** Installed by the Electron preload, or by the web bridge in the browser shell (main.tsx). */
    ativo?: AtivoBridge;
  }
}

export {};
