/**
 * Keeps the backend host running for a client (Electron main; the tests under plain Node):
 * starts it, routes command results back to their callers, hands pushed events on, and when
 * the host dies restarts it with capped exponential backoff, saying so through `onState` (the
 * renderer shows "reconnecting", as for the browser shell's dropped socket).
 *
 * Framework-free: how a host process is spawned (Electron's utilityProcess + MessagePort, or
 * child_process.fork) is the caller's `spawn`, which returns a HostHandle.
 *
 * A command already sent when the host dies is answered with a BUSY error (it may or may not
 * have run: it is never sent twice); commands made while the host is (re)starting wait for it.
 */
import { backoffDelay, type Backoff } from '../util/backoff';
import type { Result } from './contract';
import { parseFromHost, type ToHost } from './host-protocol';

/** One running host process, as the supervisor needs it. */
export interface HostHandle {
  post(msg: ToHost): void;
  onMessage(listener: (msg: unknown) => void): void;
  /** Called once when the process has exited (or could not be started). */
  onExit(listener: (code: number | null) => void): void;
  /** Ends the process at once. */
  kill(): void;
}

/** starting: first start; open: answering; reconnecting: restarting after a crash; failed: given up. */
export type HostState = 'starting' | 'open' | 'reconnecting' | 'failed';

export interface HostStateInfo {
  /** On 'open': true when this is a restarted host (events may have been missed: refetch). */
  reconnected: boolean;
  /** On 'failed': the sentence to show. */
  message: string | null;
}

export interface SupervisorOptions {
  spawn(): HostHandle;
  onState?(state: HostState, info: HostStateInfo): void;
  onEvent?(event: string, payload: unknown): void;
  /** Restart delays (default 0.5 s doubling to 15 s, with jitter). */
  restart?: Backoff;
  /** A host up this long resets the backoff (default 30 s). */
  stableMs?: number;
  /** Starts in a row that die before the host is ready, before giving up (default 5). */
  maxStartFailures?: number;
}

export interface Supervisor {
  readonly state: HostState;
  /** Runs a command in the host; never throws (a Result, like backend.invoke). */
  invoke(name: string, input: unknown): Promise<Result<unknown>>;
  /** Asks the host to close (jobs stop at a safe point), kills it after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export const HOST_RESTARTED_MESSAGE = "Ativo's background process stopped before it finished this and is starting again. Check the result, then try again in a moment.";
const KEEPS_STOPPING = "Ativo's background process keeps stopping as it starts. Quit Ativo and open it again; if that does not help, restart the computer.";
const CLOSED_MESSAGE = 'Ativo is shutting down.';

const DEFAULT_RESTART = { baseMs: 500, factor: 2, maxDelayMs: 15_000, jitter: 0.5 };

export function superviseHost(opts: SupervisorOptions): Supervisor {
  const policy: Backoff = { ...DEFAULT_RESTART, ...opts.restart };
  const stableMs = opts.stableMs ?? 30_000;
  const maxStartFailures = opts.maxStartFailures ?? 5;

  let state: HostState = 'starting';
  let host: HostHandle | null = null;
  let ready = false;
  let everOpen = false;
  let attempts = 0;
  let failedStarts = 0;
  let openedAt = 0;
  let nextId = 1;
  let closing = false;
  let restartTimer: ReturnType<typeof setTimeout> | null = null;
  let failedMessage = KEEPS_STOPPING;
  const inflight = new Map<number, (r: Result<unknown>) => void>();
  const waiting: { name: string; input: unknown; resolve: (r: Result<unknown>) => void }[] = [];
  const exitWaiters: (() => void)[] = [];

  const busy = (message: string): Result<never> => ({ ok: false, error: { code: 'BUSY', message } });

  const setState = (s: HostState, info: Partial<HostStateInfo> = {}): void => {
    state = s;
    opts.onState?.(s, { reconnected: info.reconnected ?? false, message: info.message ?? null });
  };

  const send = (name: string, input: unknown, resolve: (r: Result<unknown>) => void): void => {
    const id = nextId++;
    inflight.set(id, resolve);
    host?.post({ type: 'call', id, name, input });
  };

  const answerWaiting = (message: string): void => {
    for (const w of waiting.splice(0)) w.resolve(busy(message));
  };

  const start = (): void => {
    restartTimer = null;
    if (closing) return;
    ready = false;
    let fatal: string | null = null;
    const h = opts.spawn();
    host = h;
    h.onMessage((raw) => {
      if (host !== h) return;
      const msg = parseFromHost(raw);
      if (msg === null) return;
      if (msg.type === 'ready') {
        ready = true;
        openedAt = Date.now();
        const reconnected = everOpen;
        everOpen = true;
        failedStarts = 0;
        setState('open', { reconnected });
        for (const w of waiting.splice(0)) send(w.name, w.input, w.resolve);
      } else if (msg.type === 'result') {
        const resolve = inflight.get(msg.id);
        inflight.delete(msg.id);
        resolve?.(msg.result);
      } else if (msg.type === 'event') {
        opts.onEvent?.(msg.event, msg.payload);
      } else {
        fatal = msg.message;
      }
    });
    h.onExit(() => {
      if (host !== h) return;
      host = null;
      for (const resolve of inflight.values()) resolve(busy(closing ? CLOSED_MESSAGE : HOST_RESTARTED_MESSAGE));
      inflight.clear();
      if (closing) {
        for (const w of exitWaiters.splice(0)) w();
        return;
      }
      if (!ready) failedStarts += 1;
      // A backend that cannot open on the first start (another Ativo holds the data dir, a
      // catalog from a newer version…) will not open on the next: say why and stop.
      if ((fatal !== null && !everOpen) || failedStarts >= maxStartFailures) {
        failedMessage = fatal ?? KEEPS_STOPPING;
        setState('failed', { message: failedMessage });
        answerWaiting(failedMessage);
        return;
      }
      if (ready && Date.now() - openedAt >= stableMs) attempts = 0;
      attempts += 1;
      setState(everOpen ? 'reconnecting' : 'starting');
      restartTimer = setTimeout(start, backoffDelay(policy, attempts, Math.random));
    });
  };

  start();

  return {
    get state() {
      return state;
    },
    invoke(name, input) {
      return new Promise((resolve) => {
        if (closing) resolve(busy(CLOSED_MESSAGE));
        else if (state === 'failed') resolve(busy(failedMessage));
        else if (host !== null && ready) send(name, input, resolve);
        else waiting.push({ name, input, resolve });
      });
    },
    async close(graceMs = 10_000) {
      if (closing) return;
      closing = true;
      if (restartTimer !== null) clearTimeout(restartTimer);
      answerWaiting(CLOSED_MESSAGE);
      const h = host;
      if (h === null) return;
      const exited = new Promise<void>((resolve) => exitWaiters.push(resolve));
      h.post({ type: 'close' });
      const timer = setTimeout(() => {
        h.kill();
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
