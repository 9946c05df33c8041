/**
 * The typed bridge the renderer talks to: `window.ativo`. The Electron preload and the
 * browser shell's web bridge both implement it. Types only.
 */
import type { CommandInput, CommandName, CommandOutput, EventName, EventPayload, Result } from './contract';

export type CommandFns = {
  readonly [K in CommandName]: (input: CommandInput<K>) => Promise<Result<CommandOutput<K>>>;
};

/** The renderer's link to the backend: the browser shell's socket, or Electron's backend host process. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'signed-out';

export interface AtivoBridge {
  readonly shell: 'electron' | 'browser';
  readonly commands: CommandFns;
  /** Subscribe to a backend event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** Native folder dialog (Electron). Resolves null where there is none (browser shell) or on cancel. */
  pickFolder(): Promise<string | null>;
  /**
   * Native save dialog (Electron) for a new file, suggesting `defaultName`; resolves the chosen
   * absolute path, or null on cancel and where there is none (browser shell).
   */
  pickSaveFile(defaultName: string): Promise<string | null>;
  /** Absolute path of a dropped file or folder (Electron's webUtils); null in the browser shell. */
  pathForFile(file: Blob): string | null;
  /**
   * Electron: follow the backend host's state (called at once with the last known state, then on
   * every change; `reconnected` when a restarted host may have missed events). The browser
   * shell reports its socket's state through its own connection object instead.
   */
  onConnection?(listener: (state: ConnectionState, reconnected: boolean) => void): () => void;
}

export type { CommandInput, CommandName, CommandOutput, EventName, EventPayload, Result };
export type * from './contract';
