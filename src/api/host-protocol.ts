/**
 * The backend host's wire protocol and its transports: the one process that runs the backend
 * (src/api/host.ts) talks to whoever relays for it (Electron main, a test, a future CLI client)
 * with the same command/event protocol the browser shell speaks over HTTP + WebSocket:
 *
 *   client → host   { type: 'call', id, name, input }   a command (ids chosen by the client)
 *                   { type: 'close' }                   finish jobs' current steps and exit
 *   host → client   { type: 'ready', dataDir }          the backend is open (sent once)
 *                   { type: 'result', id, result }      the command's Result (never a throw)
 *                   { type: 'event', event, payload }   a pushed backend event
 *                   { type: 'fatal', message }          the backend could not start (then exit)
 *
 * Messages are plain JSON-safe objects (the same values the browser shell serializes), so a
 * Node child process's IPC channel, a worker_threads port and Electron's MessagePortMain all
 * carry them. Framework-free: Electron's ports are described structurally here.
 */
import type { Backend } from './backend';
import type { Result } from './contract';

export type ToHost = { type: 'call'; id: number; name: string; input: unknown } | { type: 'close' };
export type FromHost =
  | { type: 'ready'; dataDir: string }
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'event'; event: string; payload: unknown }
  | { type: 'fatal'; message: string };

/** A message channel to the other side: what the host and its clients need of one, nothing more. */
export interface Transport<Out = FromHost> {
  post(msg: Out): void;
  /** Every message received (not yet validated: parse it). */
  onMessage(listener: (msg: unknown) => void): void;
  /** The other side went away (its process exited or closed the channel). */
  onClose(listener: () => void): void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function parseToHost(v: unknown): ToHost | null {
  if (!isObject(v)) return null;
  if (v.type === 'close') return { type: 'close' };
  if (v.type === 'call' && Number.isSafeInteger(v.id) && typeof v.name === 'string') return { type: 'call', id: v.id as number, name: v.name, input: v.input };
  return null;
}

export function parseFromHost(v: unknown): FromHost | null {
  if (!isObject(v)) return null;
  switch (v.type) {
    case 'ready':
      return typeof v.dataDir === 'string' ? { type: 'ready', dataDir: v.dataDir } : null;
    case 'result': {
      const r = v.result;
      if (!Number.isSafeInteger(v.id) || !isObject(r) || typeof r.ok !== 'boolean') return null;
      return { type: 'result', id: v.id as number, result: r as Result<unknown> };
    }
    case 'event':
      return typeof v.event === 'string' ? { type: 'event', event: v.event, payload: v.payload } : null;
    case 'fatal':
      return typeof v.message === 'string' ? { type: 'fatal', message: v.message } : null;
    default:
      return null;
  }
}

/**
 * Serves `backend` (once it opens) over `transport`: commands in, results and events out.
 * Calls that arrive while it is still opening wait for it. `onClose` runs when the client asks
 * to close or goes away, after the backend has closed.
 */
export function serveBackend(opening: Promise<Backend>, transport: Transport, onClose: () => void): void {
  let closing: Promise<void> | null = null;
  const close = (): void => {
    closing ??= opening.then(
      (b) => b.close(),
      () => undefined,
    ).finally(onClose);
  };
  opening.then(
    (b) => {
      b.subscribe((event, payload) => {
        transport.post({ type: 'event', event, payload });
      });
      transport.post({ type: 'ready', dataDir: b.dataDir });
    },
    (e: unknown) => {
      transport.post({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
      close();
    },
  );
  transport.onMessage((raw) => {
    const msg = parseToHost(raw);
    if (msg === null) return;
    if (msg.type === 'close') {
      close();
      return;
    }
    void opening.then(
      async (b) => {
        transport.post({ type: 'result', id: msg.id, result: await b.invoke(msg.name, msg.input) });
      },
      () => undefined,
    );
  });
  transport.onClose(close);
}

/** This process's Node IPC channel (the host forked with child_process.fork). */
export function nodeProcessTransport(proc: NodeJS.Process = process): Transport {
  return {
    post(msg) {
      if (proc.connected) proc.send?.(msg);
    },
    onMessage(listener) {
      proc.on('message', listener);
    },
    onClose(listener) {
      proc.on('disconnect', listener);
    },
  };
}

/** Electron's MessagePortMain, structurally (src/ does not import electron). */
export interface MessagePortLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(msg: unknown): void;
  start(): void;
}

/** Electron's `process.parentPort` in a utilityProcess, structurally. */
export interface ParentPortLike {
  on(event: 'message', listener: (e: { data: unknown; ports: MessagePortLike[] }) => void): unknown;
}

export function messagePortTransport(port: MessagePortLike): Transport {
  let closed = false;
  return {
    post(msg) {
      if (!closed) port.postMessage(msg);
    },
    onMessage(listener) {
      port.on('message', (e) => {
        listener(e.data);
      });
      port.start();
    },
    onClose(listener) {
      port.on('close', () => {
        closed = true;
        listener();
      });
    },
  };
}

/** In an Electron utilityProcess: the first MessagePort the parent sends (a `{ type: 'port' }` message). */
export function parentPortTransport(parent: ParentPortLike): Promise<Transport> {
  return new Promise((resolve) => {
    parent.on('message', (e) => {
      const port = e.ports[0];
      if (isObject(e.data) && e.data.type === 'port' && port !== undefined) resolve(messagePortTransport(port));
    });
  });
}
