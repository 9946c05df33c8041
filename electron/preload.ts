/**
 * The preload: exposes `window.ativo` (the typed AtivoBridge) through contextBridge.
 * Named functions only, one fixed IPC channel per command; never a generic invoke, never
 * ipcRenderer itself. Runs sandboxed, so it is bundled as CommonJS with no Node imports.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { AtivoBridge, CommandFns, EventName } from '../src/api/bridge';
import { COMMAND_NAMES, EVENT_CHANNEL, EVENT_NAMES, commandChannel } from '../src/api/names';

const commands = Object.freeze(
  Object.fromEntries(COMMAND_NAMES.map((name) => [name, (input: unknown) => ipcRenderer.invoke(commandChannel(name), input)])),
) as unknown as CommandFns;

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
ipcRenderer.on(EVENT_CHANNEL, (_e: IpcRendererEvent, msg: { event: string; payload: unknown }) => {
  for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
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
};

contextBridge.exposeInMainWorld('ativo', bridge);
