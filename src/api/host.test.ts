/**
 * The backend host under plain Node: src/api/host.ts forked as a child process with an IPC
 * channel (the same protocol Electron main speaks over a MessagePort), driven by the same
 * supervisor electron/main.ts uses. Real SQLite in a temp data dir, the real keychain (run
 * under .ci/with-keyring.sh), a real kill -9 of the host and its restart.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fs';
import { requireKeychain } from '../vault/test-support';
import { Keychain } from '../vault/keychain';
import { createBackend } from './backend';
import { forkHost, type ForkedHost } from './host-node';
import { parentPortTransport, parseFromHost, serveBackend, type FromHost, type MessagePortLike } from './host-protocol';
import { superviseHost, type HostState, type Supervisor } from './supervisor';

const HOST = fileURLToPath(new URL('./host.ts', import.meta.url));

/** Polls until `check` is true (generous: a loaded machine starts tsx slowly). */
async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('backend host in a child process', () => {
  let dir: { path: string; cleanup: () => void };
  let sup: Supervisor | null = null;
  let hosts: ForkedHost[] = [];
  let states: { state: HostState; reconnected: boolean; message: string | null }[] = [];
  let events: { event: string; payload: unknown }[] = [];
  const keychainPrefix = `ativo-test-host-${randomBytes(4).toString('hex')}`;

  const start = (dataDir: string): Supervisor =>
    superviseHost({
      spawn: () => {
        const h = forkHost(HOST, { env: { ...process.env, ATIVO_DATA_DIR: dataDir, ATIVO_KEYCHAIN_PREFIX: keychainPrefix }, execArgv: ['--import', 'tsx'] });
        hosts.push(h);
        return h;
      },
      onState: (state, info) => states.push({ state, ...info }),
      onEvent: (event, payload) => events.push({ event, payload }),
      restart: { baseMs: 200, factor: 2, maxDelayMs: 2_000, jitter: 0 },
    });

  beforeEach(() => {
    dir = tempDir('ativo-host-');
    hosts = [];
    states = [];
    events = [];
  });
  afterEach(async () => {
    await sup?.close();
    sup = null;
    for (const h of hosts) h.kill();
    dir.cleanup();
  });

  it('runs commands, pushes events, survives kill -9 with its data, and closes cleanly', async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    const dataDir = join(dir.path, 'data');
    const folder = join(dir.path, 'folder');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.txt'), 'hello');
    const s = start(dataDir);
    sup = s;

    // A command made while the host is still starting waits for it.
    const info = await s.invoke('app.info', {});
    expect(info.ok).toBe(true);
    expect(s.state).toBe('open');
    expect(states[0]).toEqual({ state: 'open', reconnected: false, message: null });

    const added = await s.invoke('assets.add', { path: folder, name: 'Host test' });
    expect(added.ok).toBe(true);
    const assetId = (added as { value: { id: number } }).value.id;
    await until('asset.changed event', () => events.some((e) => e.event === 'asset.changed' && (e.payload as { assetId: number }).assetId === assetId));

    const wallet = await s.invoke('wallet.create', { label: 'host' });
    expect(wallet.ok).toBe(true);
    const address = (wallet as { value: { address: string } }).value.address;

    // Errors keep the public shape the browser shell returns.
    expect(await s.invoke('no.suchCommand', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    expect(await s.invoke('assets.get', { id: 'x' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });

    // kill -9: the supervisor says so, starts a new host, and the data is all there.
    const first = hosts[0]!;
    expect(first.pid).toBeDefined();
    process.kill(first.pid!, 'SIGKILL');
    await until('reconnecting', () => states.some((x) => x.state === 'reconnecting'));
    const listed = await s.invoke('assets.list', {});
    expect(hosts.length).toBe(2);
    expect(hosts[1]!.pid).not.toBe(first.pid);
    expect(states.at(-1)).toEqual({ state: 'open', reconnected: true, message: null });
    expect(listed.ok).toBe(true);
    expect(JSON.stringify(listed)).toContain('Host test');
    const wallets = await s.invoke('wallet.list', {});
    expect(JSON.stringify(wallets).toLowerCase()).toContain(address.toLowerCase());

    // Commands and events work again in the new host.
    events = [];
    const rescanned = await s.invoke('assets.rescan', { id: assetId });
    expect(rescanned.ok).toBe(true);
    await until('event from the restarted host', () => events.some((e) => e.event === 'scan.progress' || e.event === 'asset.changed'));

    expect(await s.invoke('wallet.remove', { address })).toMatchObject({ ok: true });
    let exitCode: number | null | undefined;
    hosts[1]!.onExit((code) => {
      exitCode = code;
    });
    await s.close();
    expect(exitCode).toBe(0);
    expect(await s.invoke('app.info', {})).toMatchObject({ ok: false, error: { code: 'BUSY' } });
    // Two host starts through tsx: room for a loaded machine.
  }, 300_000);

  it('a host whose backend cannot open reports why and is not restarted in a loop', async () => {
    // The data dir is a file: the catalog cannot be created there.
    const notADir = join(dir.path, 'file');
    writeFileSync(notADir, 'x');
    const s = start(notADir);
    sup = s;
    const r = await s.invoke('app.info', {});
    expect(r.ok).toBe(false);
    expect(s.state).toBe('failed');
    expect(hosts.length).toBe(1);
    const failed = states.find((x) => x.state === 'failed');
    expect(failed?.message).toBeTruthy();
    expect(failed?.message).not.toMatch(/\bat \S+ \(|node:internal/);
  });
});

/** A worker_threads port with the event shape of Electron's MessagePortMain (`{ data }`). */
const electronShaped = (p: MessagePort): MessagePortLike => ({
  on(event: 'message' | 'close', listener: ((e: { data: unknown }) => void) | (() => void)) {
    if (event === 'message') {
      p.on('message', (data: unknown) => {
        listener({ data });
      });
    } else p.on('close', listener as () => void);
    return this;
  },
  postMessage: (msg) => {
    p.postMessage(msg);
  },
  start: () => {
    p.start();
  },
});

describe('backend host over a MessagePort (the Electron path: parentPort hands over the port)', () => {
  it('serves commands and events on the port it is given, and closes the backend when the port closes', async () => {
    const dir = tempDir('ativo-host-port-');
    try {
      const folder = join(dir.path, 'folder');
      mkdirSync(folder);
      writeFileSync(join(folder, 'b.txt'), 'port');
      // What Electron main does: a channel, one end transferred to the host with { type: 'port' }.
      const { port1, port2 } = new MessageChannel();
      let parentListener: ((e: { data: unknown; ports: MessagePortLike[] }) => void) | null = null;
      const transport = parentPortTransport({
        on: (_event, listener) => {
          parentListener = listener;
        },
      });
      parentListener!({ data: { type: 'hello' }, ports: [] }); // not the port message: ignored
      parentListener!({ data: { type: 'port' }, ports: [electronShaped(port2)] });
      const closed = new Promise<void>((resolve) => {
        void transport.then((t) => {
          serveBackend(createBackend({ dataDir: join(dir.path, 'data'), runJobs: false, keychainPrefix: `ativo-test-port-${randomBytes(4).toString('hex')}` }), t, resolve);
        });
      });
      const received: FromHost[] = [];
      port1.on('message', (m: unknown) => {
        const msg = parseFromHost(m);
        if (msg) received.push(msg);
      });
      port1.postMessage({ type: 'call', id: 7, name: 'assets.add', input: { path: folder, name: 'Over a port' } });
      port1.postMessage({ type: 'call', id: 8, name: 'assets.get', input: { id: -1 } });
      port1.postMessage({ type: 'call', id: 'bad' }); // malformed: ignored
      await until('both results', () => received.filter((m) => m.type === 'result').length === 2);
      expect(received[0]).toEqual({ type: 'ready', dataDir: join(dir.path, 'data') });
      const byId = new Map(received.flatMap((m) => (m.type === 'result' ? [[m.id, m.result] as const] : [])));
      expect(byId.get(7)).toMatchObject({ ok: true, value: { name: 'Over a port' } });
      expect(byId.get(8)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      expect(received.some((m) => m.type === 'event' && m.event === 'asset.changed')).toBe(true);
      port1.close();
      await closed;
    } finally {
      dir.cleanup();
    }
  });
});
