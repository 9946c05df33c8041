/**
 * The preload: exposes `window.ativo` (the typed AtivoBridge) through contextBridge.
 * Named functions only, one fixed IPC channel per command; never a generic invoke, never
 * ipcRenderer itself. Runs sandboxed, so it is bundled as CommonJS with no Node imports.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { AtivoBridge, CommandFns, ConnectionState, EventName } from '../src/api/bridge';
import { COMMAND_NAMES, CONNECTION_CHANNEL, EVENT_CHANNEL, EVENT_NAMES, commandChannel } from '../src/api/names';

const commands = Object.freeze(
  Object.fromEntries(COMMAND_NAMES.map((name) => [name, (input: unknown) => ipcRenderer.invoke(commandChannel(name), input)])),
) as unknown as CommandFns;

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
ipcRenderer.on(EVENT_CHANNEL, (_e: IpcRendererEvent, msg: { event: string; payload: unknown }) => {
  for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
});

// The backend host's state (main pushes every change; the first value is asked for once).
type ConnectionListener = (state: ConnectionState, reconnected: boolean) => void;
const connectionListeners = new Set<ConnectionListener>();
let connection: { state: ConnectionState; reconnected: boolean } | null = null;
const CONNECTION_STATES: readonly string[] = ['connecting', 'open', 'reconnecting'];
const takeConnection = (msg: unknown, fromPush: boolean): void => {
  if (typeof msg !== 'object' || msg === null || !('state' in msg) || typeof msg.state !== 'string' || !CONNECTION_STATES.includes(msg.state)) return;
  // A pushed change wins over the answer to the first question, whichever arrives last.
  if (!fromPush && connection !== null) return;
  const next = { state: msg.state as ConnectionState, reconnected: 'reconnected' in msg && msg.reconnected === true };
  connection = next;
  for (const l of connectionListeners) l(next.state, next.reconnected);
};
ipcRenderer.on(CONNECTION_CHANNEL, (_e: IpcRendererEvent, msg: unknown) => {
  takeConnection(msg, true);
});
void ipcRenderer.invoke('ativo:connection.state').then((msg: unknown) => {
  takeConnection(msg, false);
});

const bridge: AtivoBridge = {
  shell: 'electron',
  commands,
  on(event: EventName, listener: (payload: never) => void) {
    if (!(EVENT_NAMES as readonly string[]).includes(event)) throw new Error(`Unknown event ${event}`);
    const set = listeners.get(event) ?? new Set<Listener>();
    listeners.set(event, set);
    const l = listener as Listener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  },
  pickFolder: () => ipcRenderer.invoke('ativo:dialog.pickFolder') as Promise<string | null>,
  pickSaveFile: (defaultName: string) => ipcRenderer.invoke('ativo:dialog.pickSaveFile', defaultName) as Promise<string | null>,
  pathForFile: (file: Blob) => (file instanceof File ? webUtils.getPathForFile(file) || null : null),
  onConnection(listener: ConnectionListener) {
    connectionListeners.add(listener);
    if (connection !== null) listener(connection.state, false);
    return () => {
      connectionListeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('ativo', bridge);
