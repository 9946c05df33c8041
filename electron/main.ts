/**
 * The Electron shell: windows, menus, notifications, the dock badge and the IPC relay, nothing
 * else. The backend (src/api: SQLite, hashing, encryption, uploads, the chain, jobs) runs in
 * its own process, a utilityProcess started from out/main/host.js (src/api/host.ts), which this
 * process talks to over a MessagePort with the command/event protocol of the browser shell. If
 * that process dies, the supervisor (src/api/supervisor.ts) restarts it with backoff and the
 * window shows "reconnecting" meanwhile. This bundle never loads better-sqlite3 or the backend.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, MessageChannelMain, Notification, session, utilityProcess, type IpcMainInvokeEvent } from 'electron';
import type { ConnectionState } from '../src/api/bridge';
import type { EventName, EventPayload } from '../src/api/contract';
import { assetLinkInArgs, assetLinkRoute, parseAssetLink, type AssetLink } from '../src/api/links';
import { COMMAND_NAMES, CONNECTION_CHANNEL, EVENT_CHANNEL, commandChannel } from '../src/api/names';
import { superviseHost, type HostHandle, type HostState, type Supervisor } from '../src/api/supervisor';
import { priceText, shortAddress } from '../src/util/format';

const RENDERER_FILE = join(import.meta.dirname, '../renderer/index.html');
const PRELOAD = join(import.meta.dirname, '../preload/index.cjs');
/** The backend host's bundle (electron.vite.config.ts builds src/api/host.ts beside this one). */
const HOST_ENTRY = join(import.meta.dirname, 'host.js');
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
let backend: Supervisor | null = null;

/** One backend host process: a utilityProcess, and a MessagePort to it for the protocol. */
function spawnHost(): HostHandle {
  const child = utilityProcess.fork(HOST_ENTRY, [], { serviceName: 'Ativo backend', stdio: 'inherit' });
  const { port1, port2 } = new MessageChannelMain();
  child.once('spawn', () => {
    child.postMessage({ type: 'port' }, [port2]);
  });
  port1.start();
  return {
    post: (msg) => {
      port1.postMessage(msg);
    },
    onMessage: (listener) => {
      port1.on('message', (e) => {
        listener(e.data);
      });
    },
    onExit: (listener) => {
      child.once('exit', (code) => {
        port1.close();
        listener(code);
      });
    },
    kill: () => {
      child.kill();
    },
  };
}

/** What the window shows about the backend ('connecting', 'open', 'reconnecting'). */
let connection: { state: ConnectionState; reconnected: boolean } = { state: 'connecting', reconnected: false };

function onHostState(state: HostState, info: { reconnected: boolean; message: string | null }): void {
  if (state === 'failed') {
    dialog.showErrorBox('Ativo cannot start', info.message ?? 'Ativo could not open its data. Quit and open it again.');
    app.exit(1);
    return;
  }
  connection = { state: state === 'open' ? 'open' : state === 'starting' ? 'connecting' : 'reconnecting', reconnected: info.reconnected };
  if (win && !win.isDestroyed()) win.webContents.send(CONNECTION_CHANNEL, connection);
  if (state === 'open' && backend) loadUnreadBadge(backend);
}

/** Only our own top frame, showing our own renderer, may call the backend. */
function trustedSender(e: IpcMainInvokeEvent): boolean {
  if (!win || e.sender !== win.webContents) return false;
  const frame = e.senderFrame;
  if (!frame || frame !== win.webContents.mainFrame) return false;
  return isOwnPage(frame.url);
}

/**
 * Paths the person chose in the native save dialog, each good for one `wallet.export`: the
 * renderer cannot make the backend write a key backup anywhere the person did not pick.
 */
const chosenSavePaths = new Set<string>();

/** A wallet.export whose `path` did not come from the save dialog (a `fileName` or none is fine). */
function unchosenExportPath(input: unknown): boolean {
  if (typeof input !== 'object' || input === null || !('path' in input)) return false;
  const path = input.path;
  if (typeof path === 'string' && chosenSavePaths.delete(path)) return false;
  return true;
}

function registerIpc(b: Supervisor): void {
  for (const name of COMMAND_NAMES) {
    // The host validates the payload with the command's zod schema; a Result comes back, never a throw.
    ipcMain.handle(commandChannel(name), (e, input: unknown) => {
      if (!trustedSender(e)) return { ok: false, error: { code: 'INVALID_INPUT', message: 'Untrusted sender.' } };
      if (name === 'wallet.export' && unchosenExportPath(input)) {
        return { ok: false, error: { code: 'INVALID_INPUT', message: 'Choose where to save the backup in the save dialog, then try again.' } };
      }
      return b.invoke(name, input);
    });
  }
  ipcMain.handle('ativo:dialog.pickFolder', async (e) => {
    if (!trustedSender(e) || !win) return null;
    const r = await dialog.showOpenDialog(win, { title: 'Add a folder to Ativo', properties: ['openDirectory'] });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  ipcMain.handle('ativo:dialog.pickSaveFile', async (e, defaultName: unknown) => {
    if (!trustedSender(e) || !win) return null;
    // A suggested name only: no folder, no control characters.
    // eslint-disable-next-line no-control-regex -- control characters are what this removes
    const name = typeof defaultName === 'string' ? basename(defaultName).replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200) : '';
    const r = await dialog.showSaveDialog(win, {
      title: 'Save the wallet backup',
      defaultPath: join(app.getPath('documents'), name === '' ? 'ativo-wallet.json' : name),
      filters: [{ name: 'Encrypted keystore', extensions: ['json'] }],
      properties: ['createDirectory', 'showOverwriteConfirmation'],
    });
    if (r.canceled || r.filePath === '') return null;
    chosenSavePaths.add(r.filePath);
    return r.filePath;
  });
  ipcMain.handle('ativo:connection.state', (e) => (trustedSender(e) ? connection : null));
}

/** A pushed event from the host: to the window, and to the OS (notifications, badge). */
function relayEvent(event: string, payload: unknown): void {
  if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, { event, payload });
  if (backend) osIntegration(backend, event as EventName, payload as EventPayload<EventName>);
}

// ---- OS integration: notifications and the dock/launcher badge -------------------------

/** Brings the window forward showing `route` (a hash route built here from numeric ids only). */
function reveal(route: string): void {
  if (!win || win.isDestroyed()) {
    win = createWindow(route);
    win.on('closed', () => {
      win = null;
    });
    return;
  }
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
  // A same-document hash change: the renderer's router follows it, nothing reloads.
  void win.webContents.executeJavaScript(`window.location.hash = ${JSON.stringify(route)};`).catch(() => undefined);
}

/** Shown notifications, kept referenced until closed (else their click handler can be collected). */
const shown = new Set<Notification>();

function osNotify(title: string, body: string, route: string): void {
  if (!Notification.isSupported()) return;
  const n = new Notification({ title, body });
  shown.add(n);
  n.on('click', () => {
    shown.delete(n);
    reveal(route);
  });
  n.on('close', () => {
    shown.delete(n);
  });
  n.show();
}

function setUnreadBadge(unread: number): void {
  // macOS dock and Linux launchers (Unity API); a no-op where the platform has no badge.
  app.setBadgeCount(Math.max(0, unread));
}

/** Last state seen per publish job (a notification once per done/failed transition). */
const publishStates = new Map<number, string>();

function osIntegration<E extends EventName>(b: Supervisor, event: E, payload: EventPayload<E>): void {
  if (event === 'access.changed') {
    setUnreadBadge((payload as EventPayload<'access.changed'>).unread);
  } else if (event === 'access.new') {
    const r = payload as EventPayload<'access.new'>;
    const what = r.assetName !== null ? `“${r.assetName}”` : 'one of your assets';
    osNotify('New access request', `${shortAddress(r.requester)} requests access to ${what} (${priceText(r.amountWei)}).`, `#/inbox/${r.id}`);
  } else if (event === 'job.changed') {
    const j = payload as EventPayload<'job.changed'>;
    if (j.kind !== 'publish') return;
    const before = publishStates.get(j.id);
    publishStates.set(j.id, j.state);
    if (before === j.state || (j.state !== 'done' && j.state !== 'failed')) return;
    publishStates.delete(j.id);
    // The window shows its own notice when it has focus; the OS notification is for when it does not.
    if (win && !win.isDestroyed() && win.isFocused()) return;
    const route = j.assetId !== null ? `#/assets/${j.assetId}` : '#/activity';
    const tell = (name: string): void => {
      if (j.state === 'done') osNotify('Certified', `${name} is certified.`, route);
      else osNotify('Publishing failed', `Publishing ${name} failed: ${j.error ?? 'unknown error'}`, route);
    };
    if (j.assetId === null) {
      tell('the asset');
      return;
    }
    void b.invoke('assets.get', { id: j.assetId }).then((r) => {
      tell(r.ok ? `“${(r.value as { name: string }).name}”` : `asset #${j.assetId ?? ''}`);
    });
  }
}

/** The badge's first value (then access.changed keeps it live). */
function loadUnreadBadge(b: Supervisor): void {
  void b.invoke('access.list', { limit: 1 }).then((r) => {
    if (r.ok) setUnreadBadge((r.value as { unread: number }).unread);
  });
}

/** The window; `route` (a hash route like '#/inbox/7') is the page it opens on. */
function createWindow(route?: string): BrowserWindow {
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
  if (devUrl !== undefined) void w.loadURL(route !== undefined ? `${devUrl}${route}` : devUrl);
  else void w.loadFile(RENDERER_FILE, route !== undefined ? { hash: route.slice(1) } : undefined);
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

// ---- Links: ativo://asset/<chainId>/<registry>/<tokenId> opens the asset's public page ----------

/** A link the OS handed over before the window existed (macOS open-url at launch, or argv). */
let pendingLink: string | undefined;

/**
 * Opens an asset link, however the OS handed it over (open-url, or a second instance's arguments):
 * parsed strictly, the route rebuilt from its parts; kept for the window when there is none yet.
 */
function openLink(link: AssetLink | null): void {
  if (link === null) return;
  const route = assetLinkRoute(link);
  if (!app.isReady() || backend === null) {
    pendingLink = route;
    return;
  }
  reveal(route);
}

// In a checkout (electron .), the OS must start Electron with this app's folder to open a link.
if (process.defaultApp && process.argv[1] !== undefined) app.setAsDefaultProtocolClient('ativo', process.execPath, [join(process.cwd(), process.argv[1])]);
else app.setAsDefaultProtocolClient('ativo');
{
  const atLaunch = assetLinkInArgs(process.argv);
  if (atLaunch !== null) pendingLink = assetLinkRoute(atLaunch);
}
// macOS hands links over with open-url (also at launch, before ready: registered at once).
app.on('open-url', (e, url) => {
  e.preventDefault();
  openLink(parseAssetLink(url));
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_e, argv) => {
    // Windows and Linux start a second instance with the link among its arguments.
    const link = assetLinkInArgs(argv);
    if (link !== null) {
      openLink(link);
      return;
    }
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  void app.whenReady().then(() => {
    // Deny every permission, except writing sanitized text to the clipboard (the Copy buttons) from our own page.
    session.defaultSession.setPermissionRequestHandler((wc, permission, callback) => {
      callback(permission === 'clipboard-sanitized-write' && isOwnPage(wc.getURL()));
    });
    session.defaultSession.setPermissionCheckHandler(
      (_wc, permission, _origin, details) => permission === 'clipboard-sanitized-write' && isOwnPage(details.requestingUrl ?? ''),
    );
    // better-sqlite3 built for Electron's ABI (node_modules' copy is built for Node's): shipped as
    // a resource in packages, in native/electron/ after `npm run setup:electron` in a checkout.
    if (!process.env.ATIVO_SQLITE_BINDING) {
      const binding = app.isPackaged ? join(process.resourcesPath, 'native', 'better_sqlite3.node') : join(app.getAppPath(), 'native', 'electron', 'better_sqlite3.node');
      if (existsSync(binding)) process.env.ATIVO_SQLITE_BINDING = binding;
    }
    // The host inherits this environment (ATIVO_DATA_DIR, ATIVO_KEYCHAIN_PREFIX, the binding above).
    backend = superviseHost({ spawn: spawnHost, onState: onHostState, onEvent: relayEvent });
    registerIpc(backend);
    // The window opens at once; it says "Connecting to Ativo…" until the host is ready.
    win = createWindow(pendingLink);
    pendingLink = undefined;
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
