/**
 * The browser shell's implementation of `window.ativo` (see src/api/bridge.ts).
 *
 * Commands: `POST /api/<commandName>` with the JSON input as body; the server answers with a
 * JSON `Result`. Auth is the HttpOnly session cookie the server set when the page was opened
 * with `/?token=...`, so requests only need `credentials: 'same-origin'`.
 * Events: one WebSocket at `/api/events` delivering `{"event": name, "payload": {...}}`,
 * reconnected with capped exponential backoff when it drops.
 *
 * Only types come from src/api. The command functions come from a Proxy, so every command of
 * the contract (`CommandFns`) is available without a runtime list that could fall behind; the
 * server rejects unknown names with UNKNOWN_COMMAND.
 */
import type { AtivoBridge, CommandFns, ErrorCode, EventName, EventPayload, Result } from '../../../src/api/bridge';

/** Command names look like `assets.list`: anything else is not sent (e.g. `then`, symbols). */
const COMMAND_NAME = /^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/;

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface WebConnection {
  readonly state: ConnectionState;
  /** Called on every state change; `reconnected` is true when events may have been missed. */
  subscribe(listener: (state: ConnectionState, reconnected: boolean) => void): () => void;
  close(): void;
}

const failure = (code: ErrorCode, message: string): Result<never> => ({ ok: false, error: { code, message } });

function isResult(body: unknown): body is Result<unknown> {
  if (typeof body !== 'object' || body === null || !('ok' in body)) return false;
  if (body.ok === true) return 'value' in body;
  if (body.ok !== false || !('error' in body)) return false;
  const err = body.error;
  return typeof err === 'object' && err !== null && 'code' in err && 'message' in err && typeof err.message === 'string';
}

async function post(name: string, input: unknown): Promise<Result<unknown>> {
  let res: Response;
  try {
    res = await fetch(`/api/${name}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(input ?? {}),
    });
  } catch {
    return failure('INTERNAL', 'Cannot reach the Ativo server. Check that `ativo serve` is still running, then try again.');
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (isResult(body)) return body;
  if (res.status === 401 || res.status === 403) {
    return failure('INTERNAL', 'This browser is not signed in to Ativo. Open the link that `ativo serve` printed (it carries the session token).');
  }
  return failure('INTERNAL', `The Ativo server gave an unexpected answer (HTTP ${res.status}).`);
}

type Listener = (payload: unknown) => void;

function commandProxy(): CommandFns {
  const cache = new Map<string, (input: unknown) => Promise<Result<unknown>>>();
  // Read-only: no writes, no new properties (the target stays extensible so `has` may say true).
  return new Proxy({}, {
    get(_target, prop) {
      if (typeof prop !== 'string' || !COMMAND_NAME.test(prop)) return undefined;
      let fn = cache.get(prop);
      if (fn === undefined) {
        fn = (input: unknown) => post(prop, input);
        cache.set(prop, fn);
      }
      return fn;
    },
    has(_target, prop) {
      return typeof prop === 'string' && COMMAND_NAME.test(prop);
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  }) as CommandFns;
}

class EventSocket implements WebConnection {
  state: ConnectionState = 'connecting';
  private ws: WebSocket | null = null;
  private attempt = 0;
  private everOpened = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly stateListeners = new Set<(state: ConnectionState, reconnected: boolean) => void>();

  constructor(private readonly url: string) {
    this.connect();
  }

  on(event: string, listener: Listener): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  subscribe(listener: (state: ConnectionState, reconnected: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => {
      this.stateListeners.delete(listener);
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.ws?.close();
  }

  private setState(state: ConnectionState, reconnected = false): void {
    this.state = state;
    for (const l of this.stateListeners) l(state, reconnected);
  }

  private connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener('open', () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.setState('open', reconnected);
    });
    ws.addEventListener('message', (msg) => {
      this.dispatch(msg.data);
    });
    ws.addEventListener('close', () => {
      if (this.ws !== ws || this.closed) return;
      this.ws = null;
      this.setState(this.everOpened ? 'reconnecting' : 'connecting');
      // 0.5 s, 1 s, 2 s ... capped at 15 s, with jitter so many tabs don't reconnect in step.
      const base = Math.min(15_000, 500 * 2 ** this.attempt);
      this.attempt += 1;
      this.timer = setTimeout(
        () => {
          this.timer = null;
          this.connect();
        },
        base / 2 + Math.random() * (base / 2),
      );
    });
  }

  private dispatch(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof msg !== 'object' || msg === null || !('event' in msg) || !('payload' in msg) || typeof msg.event !== 'string') return;
    for (const listener of this.listeners.get(msg.event) ?? []) {
      try {
        listener(msg.payload);
      } catch (e) {
        // A broken listener must not stop the others; surface it like any uncaught error.
        setTimeout(() => {
          throw e;
        });
      }
    }
  }
}

export function createWebBridge(loc: Location = window.location): { bridge: AtivoBridge; connection: WebConnection } {
  const wsUrl = `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/api/events`;
  const socket = new EventSocket(wsUrl);
  const commands = commandProxy();
  const bridge: AtivoBridge = Object.freeze({
    shell: 'browser' as const,
    commands,
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      return socket.on(event, listener as Listener);
    },
    pickFolder: () => Promise.resolve(null),
    pathForFile: () => null,
  });
  return { bridge, connection: socket };
}
