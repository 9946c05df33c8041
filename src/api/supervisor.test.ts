/**
 * The restart supervisor's rules, with scripted host handles standing in for processes (the real
 * child process, its kill -9 and restart are in host.test.ts): a command in flight when the host
 * dies is answered BUSY and never sent again, commands made meanwhile go to the next host, a
 * host that cannot open is not restarted, a hung host is killed on close, stray messages are
 * ignored.
 */
import { describe, expect, it } from 'vitest';
import type { ToHost } from './host-protocol';
import { HOST_RESTARTED_MESSAGE, superviseHost, type HostHandle, type HostState } from './supervisor';

class ScriptedHost implements HostHandle {
  readonly sent: ToHost[] = [];
  killed = false;
  private readonly listeners: ((msg: unknown) => void)[] = [];
  private readonly exits: ((code: number | null) => void)[] = [];
  post(msg: ToHost): void {
    this.sent.push(msg);
  }
  onMessage(l: (msg: unknown) => void): void {
    this.listeners.push(l);
  }
  onExit(l: (code: number | null) => void): void {
    this.exits.push(l);
  }
  kill(): void {
    this.killed = true;
    this.exit(null);
  }
  emit(msg: unknown): void {
    for (const l of this.listeners) l(msg);
  }
  exit(code: number | null): void {
    for (const l of this.exits.splice(0)) l(code);
  }
  calls(): Extract<ToHost, { type: 'call' }>[] {
    return this.sent.filter((m): m is Extract<ToHost, { type: 'call' }> => m.type === 'call');
  }
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

function setup(opts: { maxStartFailures?: number } = {}) {
  const hosts: ScriptedHost[] = [];
  const states: { state: HostState; reconnected: boolean; message: string | null }[] = [];
  const events: string[] = [];
  const sup = superviseHost({
    spawn: () => {
      const h = new ScriptedHost();
      hosts.push(h);
      return h;
    },
    onState: (state, info) => states.push({ state, ...info }),
    onEvent: (event) => events.push(event),
    restart: { baseMs: 5, factor: 2, maxDelayMs: 20, jitter: 0 },
    ...opts,
  });
  return { sup, hosts, states, events };
}

describe('superviseHost', () => {
  it('answers a call in flight with BUSY when the host dies, sends waiting calls to the restarted host, never resends', async () => {
    const { sup, hosts, states } = setup();
    const early = sup.invoke('app.info', {});
    expect(hosts[0]!.calls()).toEqual([]); // not ready yet: the call waits
    hosts[0]!.emit({ type: 'ready', dataDir: '/d' });
    expect(hosts[0]!.calls().map((c) => c.name)).toEqual(['app.info']);
    hosts[0]!.emit({ type: 'result', id: hosts[0]!.calls()[0]!.id, result: { ok: true, value: 1 } });
    expect(await early).toEqual({ ok: true, value: 1 });

    const inFlight = sup.invoke('wallet.create', {});
    hosts[0]!.exit(null);
    expect(await inFlight).toEqual({ ok: false, error: { code: 'BUSY', message: HOST_RESTARTED_MESSAGE } });
    expect(sup.state).toBe('reconnecting');
    const meanwhile = sup.invoke('assets.list', {});
    await tick(30);
    expect(hosts).toHaveLength(2);
    expect(hosts[1]!.calls()).toEqual([]);
    hosts[1]!.emit({ type: 'ready', dataDir: '/d' });
    expect(hosts[1]!.calls().map((c) => c.name)).toEqual(['assets.list']); // wallet.create is not sent again
    hosts[1]!.emit({ type: 'result', id: hosts[1]!.calls()[0]!.id, result: { ok: true, value: [] } });
    expect(await meanwhile).toEqual({ ok: true, value: [] });
    expect(states.map((s) => `${s.state}:${s.reconnected}`)).toEqual(['open:false', 'reconnecting:false', 'open:true']);
  });

  it('passes events on and ignores malformed messages and results for unknown ids', async () => {
    const { sup, hosts, events } = setup();
    const h = hosts[0]!;
    h.emit({ type: 'ready', dataDir: '/d' });
    h.emit('garbage');
    h.emit({ type: 'result', id: 999, result: { ok: true, value: 'stray' } });
    h.emit({ type: 'result', id: 'x', result: {} });
    h.emit({ type: 'event', event: 'asset.changed', payload: { assetId: 1 } });
    const r = sup.invoke('app.info', {});
    h.emit({ type: 'result', id: h.calls()[0]!.id, result: { ok: true, value: 'mine' } });
    expect(await r).toEqual({ ok: true, value: 'mine' });
    expect(events).toEqual(['asset.changed']);
  });

  it('does not restart a host whose backend cannot open on the first start, and says why', async () => {
    const { sup, hosts, states } = setup();
    const waiting = sup.invoke('app.info', {});
    hosts[0]!.emit({ type: 'fatal', message: 'Ativo cannot use its data folder.' });
    hosts[0]!.exit(1);
    expect(await waiting).toEqual({ ok: false, error: { code: 'BUSY', message: 'Ativo cannot use its data folder.' } });
    await tick(30);
    expect(hosts).toHaveLength(1);
    expect(states.at(-1)).toEqual({ state: 'failed', reconnected: false, message: 'Ativo cannot use its data folder.' });
  });

  it('gives up after repeated crashes before ready', async () => {
    const { sup, hosts } = setup({ maxStartFailures: 3 });
    for (let i = 0; i < 3; i++) {
      await tick(30);
      hosts.at(-1)!.exit(null);
    }
    await tick(30);
    expect(hosts).toHaveLength(3);
    expect(sup.state).toBe('failed');
    expect(await sup.invoke('app.info', {})).toMatchObject({ ok: false, error: { code: 'BUSY' } });
  });

  it('close asks the host to close, kills it after the grace period, and answers later calls BUSY', async () => {
    const { sup, hosts } = setup();
    hosts[0]!.emit({ type: 'ready', dataDir: '/d' });
    const pending = sup.invoke('jobs.list', {});
    await sup.close(20);
    expect(hosts[0]!.sent.at(-1)).toEqual({ type: 'close' });
    expect(hosts[0]!.killed).toBe(true);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'BUSY' } });
    expect(await sup.invoke('app.info', {})).toMatchObject({ ok: false, error: { code: 'BUSY' } });
    await tick(30);
    expect(hosts).toHaveLength(1);
  });
});
