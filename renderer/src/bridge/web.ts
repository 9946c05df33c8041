/**
 * The browser shell's implementation of `window.ativo` (see src/api/bridge.ts).
 *
 * Session: the link Ativo prints carries the session token in its fragment (`#token=…`),
 * which browsers never send to a server. On load the bridge keeps it in this tab's
 * sessionStorage (scoped to this origin, port included, unlike a cookie) and strips it from
 * the address bar and history. Every command then sends it as `Authorization: Bearer …`,
 * and the event socket offers it as a subprotocol (`ativo.token.…`: browsers cannot set
 * headers on a WebSocket). No cookie is involved, so no other server ever receives it.
 *
 * Commands: `POST /api/<commandName>` with the JSON input as body; the server answers with a
 * JSON `Result`. Events: one WebSocket at `/api/events` delivering
 * `{"event": name, "payload": {...}}`, reconnected with capped exponential backoff when it drops.
 * When the server refuses the token (no link opened in this tab, or Ativo restarted with a new
 * one), the connection state becomes 'signed-out' and nothing more is tried.
 *
 * Only types come from src/api. The command functions come from a Proxy, so every command of
 * the contract (`CommandFns`) is available without a runtime list that could fall behind; the
 * server rejects unknown names with UNKNOWN_COMMAND.
 */
import type { AtivoBridge, CommandFns, ConnectionState, ErrorCode, EventName, EventPayload, Result } from '../../../src/api/bridge';

/** Command names look like `assets.list`: anything else is not sent (e.g. `then`, symbols). */
const COMMAND_NAME = /^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/;

export type { ConnectionState };

/** Where the tab keeps its session token (sessionStorage: this tab and this origin only). */
export const TOKEN_KEY = 'ativo.session';
const TOKEN_FRAGMENT = /^#token=([A-Za-z0-9_-]{16,200})$/;
/** Must match src/cli/server.ts (EVENTS_PROTOCOL, TOKEN_PROTOCOL_PREFIX). */
const EVENTS_PROTOCOL = 'ativo.events';
const TOKEN_PROTOCOL_PREFIX = 'ativo.token.';

const SIGNED_OUT_MESSAGE = 'This browser tab is not connected to Ativo. Open the link Ativo showed when it started (a new one each time it starts).';

/**
 * The session token: taken from the link's fragment (then removed from the address bar and
 * history), else the one this tab kept. Null when the tab was opened without the link.
 */
export function takeSessionToken(loc: Location = window.location, storage: Storage = window.sessionStorage, history: History = window.history): string | null {
  const m = TOKEN_FRAGMENT.exec(loc.hash);
  if (m?.[1] !== undefined) {
    try {
      storage.setItem(TOKEN_KEY, m[1]);
    } catch {
      // Storage disabled: the token lives in memory only (a reload needs the link again).
    }
    history.replaceState(null, '', loc.pathname + loc.search);
    return m[1];
  }
  try {
    return storage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

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

async function post(session: Session, name: string, input: unknown): Promise<Result<unknown>> {
  if (session.token === null) {
    session.signOut();
    return failure('INTERNAL', SIGNED_OUT_MESSAGE);
  }
  let res: Response;
  try {
    res = await fetch(`/api/${name}`, {
      method: 'POST',
      credentials: 'omit',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.token}` },
      body: JSON.stringify(input ?? {}),
    });
  } catch {
    return failure('INTERNAL', 'Cannot reach Ativo. Check that it is still running, then try again.');
  }
  if (res.status === 401) {
    session.signOut();
    return failure('INTERNAL', SIGNED_OUT_MESSAGE);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (isResult(body)) return body;
  return failure('INTERNAL', `Ativo gave an unexpected answer (HTTP ${res.status}).`);
}

/** The tab's token and what to do when the server refuses it. */
interface Session {
  readonly token: string | null;
  signOut(): void;
}

type Listener = (payload: unknown) => void;

function commandProxy(session: Session): CommandFns {
  const cache = new Map<string, (input: unknown) => Promise<Result<unknown>>>();
  // Read-only: no writes, no new properties (the target stays extensible so `has` may say true).
  return new Proxy({}, {
    get(_target, prop) {
      if (typeof prop !== 'string' || !COMMAND_NAME.test(prop)) return undefined;
      let fn = cache.get(prop);
      if (fn === undefined) {
        fn = (input: unknown) => post(session, prop, input);
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

  constructor(
    private readonly url: string,
    private readonly token: string | null,
    /** Asks the server whether the token is still good (it signs the tab out if not). */
    private readonly probe: () => void,
  ) {
    this.connect();
  }

  /** The server refused the token: stop for good and say so (the person must open the link). */
  signOut(): void {
    if (this.state === 'signed-out') return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.ws?.close();
    this.ws = null;
    this.setState('signed-out');
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
    if (this.token === null) {
      this.signOut();
      return;
    }
    const ws = new WebSocket(this.url, [EVENTS_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${this.token}`]);
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
      // A refused handshake looks like any dropped socket: ask over HTTP whether the token is the reason.
      this.probe();
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
  const token = takeSessionToken(loc);
  // The link opened in a tab already showing Ativo only changes the fragment (no page load):
  // keep its token and start afresh with it.
  window.addEventListener('hashchange', () => {
    if (TOKEN_FRAGMENT.test(loc.hash)) {
      takeSessionToken(loc);
      loc.reload();
    }
  });
  let socket: EventSocket | null = null;
  const session: Session = {
    token,
    signOut: () => {
      socket?.signOut();
    },
  };
  socket = new EventSocket(wsUrl, token, () => {
    void post(session, 'app.info', {});
  });
  const events = socket;
  const commands = commandProxy(session);
  const bridge: AtivoBridge = Object.freeze({
    shell: 'browser' as const,
    commands,
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      return events.on(event, listener as Listener);
    },
    pickFolder: () => Promise.resolve(null),
    pickSaveFile: () => Promise.resolve(null),
    pathForFile: () => null,
  });
  return { bridge, connection: events };
}
