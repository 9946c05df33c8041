/**
 * The Electron shell: a window, IPC registration and OS integration, nothing else.
 * All of Ativo runs in the backend (src/api); heavy work runs in its worker threads.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { createBackend, type Backend } from '../src/api/backend';
import { COMMAND_NAMES, EVENT_CHANNEL, commandChannel } from '../src/api/names';

const RENDERER_FILE = join(import.meta.dirname, '../renderer/index.html');
const PRELOAD = join(import.meta.dirname, '../preload/index.cjs');
const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const rendererOrigin = devUrl !== undefined ? new URL(devUrl).origin : 'file://';
const rendererFileUrl = pathToFileURL(RENDERER_FILE).href;

/** Our own page only: the exact origin in development, the exact file in a build (hash routes allowed). */
function isOwnPage(url: string): boolean {
  if (devUrl !== undefined) {
    try {
      return new URL(url).origin === rendererOrigin;
    } catch {
      return false;
    }
  }
  return url === rendererFileUrl || url.startsWith(`${rendererFileUrl}#`);
}

let win: BrowserWindow | null = null;
let backend: Backend | null = null;

/** Only our own top frame, showing our own renderer, may call the backend. */
function trustedSender(e: IpcMainInvokeEvent): boolean {
  if (!win || e.sender !== win.webContents) return false;
  const frame = e.senderFrame;
  if (!frame || frame !== win.webContents.mainFrame) return false;
  return isOwnPage(frame.url);
}

function registerIpc(b: Backend): void {
  for (const name of COMMAND_NAMES) {
    // backend.invoke validates the payload with the command's zod schema and never throws.
    ipcMain.handle(commandChannel(name), (e, input: unknown) => {
      if (!trustedSender(e)) return { ok: false, error: { code: 'INVALID_INPUT', message: 'Untrusted sender.' } };
      return b.invoke(name, input);
    });
  }
  ipcMain.handle('ativo:dialog.pickFolder', async (e) => {
    if (!trustedSender(e) || !win) return null;
    const r = await dialog.showOpenDialog(win, { title: 'Add a folder to Ativo', properties: ['openDirectory'] });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  b.subscribe((event, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, { event, payload });
  });
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Ativo',
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // Middle-click must not open links in new windows.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  w.once('ready-to-show', () => {
    w.show();
  });
  if (devUrl !== undefined) void w.loadURL(devUrl);
  else void w.loadFile(RENDERER_FILE);
  return w;
}

// Security defaults for every web contents: no navigation away, no new windows, no permissions.
app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (e, url) => {
    if (!isOwnPage(url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => {
    e.preventDefault();
  });
  // No new windows, ever (the UI opens none; an external link would need a reviewed allow-list).
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  void app.whenReady().then(async () => {
    // Deny every permission, except writing sanitized text to the clipboard (the Copy buttons) from our own page.
    session.defaultSession.setPermissionRequestHandler((wc, permission, callback) => {
      callback(permission === 'clipboard-sanitized-write' && isOwnPage(wc.getURL()));
    });
    session.defaultSession.setPermissionCheckHandler(
      (_wc, permission, _origin, details) => permission === 'clipboard-sanitized-write' && isOwnPage(details.requestingUrl ?? ''),
    );
    try {
      backend = await createBackend({
        ...(process.env.ATIVO_DATA_DIR ? { dataDir: process.env.ATIVO_DATA_DIR } : {}),
        // Tests use a keychain prefix of their own so they never touch the person's real entries.
        ...(process.env.ATIVO_KEYCHAIN_PREFIX ? { keychainPrefix: process.env.ATIVO_KEYCHAIN_PREFIX } : {}),
      });
    } catch (e) {
      dialog.showErrorBox('Ativo cannot start', e instanceof Error ? e.message : String(e));
      app.exit(1);
      return;
    }
    registerIpc(backend);
    win = createWindow();
    win.on('closed', () => {
      win = null;
    });
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let quitting = false;
  app.on('will-quit', (e) => {
    if (quitting || !backend) return;
    quitting = true;
    e.preventDefault();
    void backend.close().finally(() => {
      app.quit();
    });
  });
}
