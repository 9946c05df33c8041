import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createBackend, type Backend } from '../api/backend';
import { EVENTS_PROTOCOL, startShellServer, TOKEN_PROTOCOL_PREFIX, type ShellServer } from './server';
import { tempDir, writeTree } from '../test-support/fs';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (fetch would hide Host and Origin handling). */
function http(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', fail);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

describe('browser shell server', () => {
  let dir: { path: string; cleanup: () => void };
  let backend: Backend;
  let server: ShellServer;
  const json = { 'Content-Type': 'application/json' };

  beforeAll(async () => {
    dir = tempDir();
    const renderer = join(dir.path, 'renderer');
    mkdirSync(join(renderer, 'assets'), { recursive: true });
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Ativo</title>');
    writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir.path, 'secret.txt'), 'outside the bundle');
    backend = await createBackend({ dataDir: join(dir.path, 'data') });
    server = await startShellServer(backend, { rendererDir: renderer });
  });
  afterAll(async () => {
    await server.close();
    await backend.close();
    dir.cleanup();
  });

  const host = (): Record<string, string> => ({ Host: `127.0.0.1:${server.port}` });
  const auth = (): Record<string, string> => ({ Authorization: `Bearer ${server.token}` });
  const api = (name: string, headers: Record<string, string>, body = '{}'): Promise<Reply> =>
    http(server.port, `/api/${name}`, { method: 'POST', headers: { ...host(), ...json, ...headers }, body });

  it('listens on loopback only and prints a link carrying the token in its fragment (never sent to a server)', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.openUrl).toBe(`${server.url}#token=${server.token}`);
    expect(new URL(server.openUrl).search).toBe('');
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('never sets a cookie: not on the page, not for a token in the query (the old link), not on an API answer', async () => {
    const page = await http(server.port, '/', { headers: host() });
    const oldLink = await http(server.port, `/?token=${server.token}`, { headers: host() });
    const call = await api('app.info', auth());
    for (const r of [page, oldLink, call]) expect(r.headers['set-cookie']).toBeUndefined();
    expect(oldLink.status).toBe(200); // just the page: the query means nothing to the server
    expect(call.status).toBe(200);
  });

  it('refuses every API call without the header, with a wrong token, and with the token only in a cookie or the query', async () => {
    expect((await api('assets.list', {})).status).toBe(401);
    expect((await api('assets.list', { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await api('assets.list', { Authorization: `Bearer ${server.token}x` })).status).toBe(401);
    expect((await api('assets.list', { Authorization: server.token })).status).toBe(401);
    expect((await api('assets.list', { Cookie: `ativo_session_${server.port}=${server.token}` })).status).toBe(401);
    expect((await http(server.port, `/api/assets.list?token=${server.token}`, { method: 'POST', headers: { ...host(), ...json }, body: '{}' })).status).toBe(401);
    const ok = await api('assets.list', auth());
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true });
  });

  it('serves the renderer (no secrets in it) without the token, with a CSP; never files outside it', async () => {
    const page = await http(server.port, '/', { headers: host() });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Ativo</title>');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const js = await http(server.port, '/assets/app.js', { headers: host() });
    expect(js.headers['content-type']).toMatch(/javascript/);
    const escape = await http(server.port, '/..%2fsecret.txt', { headers: host() });
    expect(escape.status).toBe(403);
    expect(escape.body).not.toContain('outside the bundle');
    expect((await http(server.port, '/library/42', { headers: host() })).body).toContain('<title>Ativo</title>');
  });

  it('refuses another Host (DNS rebinding), even with the token, and another Origin (CSRF)', async () => {
    expect((await http(server.port, '/', { headers: { Host: 'evil.example:80' } })).status).toBe(403);
    expect((await http(server.port, '/', { headers: { Host: `evil.example:${server.port}` } })).status).toBe(403);
    expect((await http(server.port, '/api/app.info', { method: 'POST', headers: { Host: `attacker.test:${server.port}`, ...json, ...auth() }, body: '{}' })).status).toBe(403);
    expect((await api('app.info', { ...auth(), Host: `localhost:${server.port}` })).status).toBe(200);
    const cross = await api('assets.list', { ...auth(), Origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.headers['access-control-allow-origin']).toBeUndefined();
    expect((await api('assets.list', { ...auth(), Origin: `http://127.0.0.1:${server.port + 1}` })).status).toBe(403);
    const form = await http(server.port, '/api/assets.list', { method: 'POST', headers: { ...host(), ...auth(), 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
    expect(form.status).toBe(415);
  });

  it('over HTTP, a wallet backup goes to the exports folder only: a path is refused before the backend runs', async () => {
    const target = join(dir.path, 'elsewhere.json');
    const r = await api('wallet.export', auth(), JSON.stringify({ address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', password: 'long enough', path: target }));
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/exports folder: give a file name/) as unknown } });
    expect(existsSync(target)).toBe(false);
  });

  it('keeps an idle connection open past 5 s: a client busy for a few seconds reuses it safely', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const get = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path: '/api/app.info', method: 'POST', agent, headers: { ...host(), ...json, Authorization: `Bearer ${server.token}` } }, (res) => {
          res.resume();
          res.on('end', () => { resolve(res.statusCode ?? 0); });
        });
        req.on('socket', (sock) => sockets.add(sock));
        req.on('error', reject);
        req.end('{}');
      });
    try {
      expect(await get()).toBe(200);
      await new Promise((r) => setTimeout(r, 6_000)); // past Node's default 5 s keep-alive
      expect(await get()).toBe(200);
      expect(sockets.size).toBe(1); // the same connection, still open
    } finally {
      agent.destroy();
    }
  });

  it('runs commands with the same envelope as IPC, and typed errors for bad payloads', async () => {
    const folder = join(dir.path, 'set');
    writeTree(folder, { 'a.txt': 'a' });
    const call = async (name: string, body: string): Promise<unknown> => {
      const r = await http(server.port, `/api/${name}`, { method: 'POST', headers: { ...host(), ...json, Authorization: `Bearer ${server.token}` }, body });
      return JSON.parse(r.body);
    };
    expect(await call('assets.add', JSON.stringify({ path: folder }))).toMatchObject({ ok: true, value: { name: 'set', fileCount: 1 } });
    expect(await call('assets.list', '{}')).toMatchObject({ ok: true, value: { total: 1 } });
    expect(await call('assets.get', '{"id": "1; DROP TABLE assets"}')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await call('assets.get', '{"id": 1, "extra": true}')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await call('assets.add', '{"path": "relative/path"}')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/absolute path/) as unknown } });
    expect(await call('assets.get', '{not json')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await call('constructor', '{}')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    expect(await call('__proto__', '{}')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    expect(await call('assets.list', '{}')).toMatchObject({ ok: true, value: { total: 1 } });
  });

  it('pushes events over the WebSocket only to an authorized same-origin client', async () => {
    const url = `ws://127.0.0.1:${server.port}/api/events`;
    const refused = (headers: Record<string, string>, protocols: string[] = []): Promise<number> =>
      new Promise((ok) => {
        const ws = new WebSocket(url, protocols, { headers });
        ws.on('unexpected-response', (_req, res) => {
          ok(res.statusCode ?? 0);
        });
        ws.on('error', () => {
          ok(-1);
        });
      });
    const own = `http://127.0.0.1:${server.port}`;
    expect(await refused({})).toBe(403);
    expect(await refused({ Origin: own, Cookie: `ativo_session_${server.port}=${server.token}` })).toBe(403);
    expect(await refused({ Origin: own }, [EVENTS_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}wrong`])).toBe(403);
    expect(await refused({ Origin: 'http://evil.example' }, [EVENTS_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${server.token}`])).toBe(403);
    expect(await refused({ Origin: own, Host: `evil.example:${server.port}` }, [EVENTS_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${server.token}`])).toBe(403);

    // As a browser does it: the token offered as a subprotocol; the server answers with the
    // events protocol, never echoing the token.
    const ws = new WebSocket(url, [EVENTS_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${server.token}`], { headers: { Origin: own } });
    await new Promise((ok, fail) => {
      ws.once('open', ok);
      ws.once('error', fail);
    });
    expect(ws.protocol).toBe(EVENTS_PROTOCOL);
    const received: { event: string; payload: { phase?: string } }[] = [];
    const sawDone = new Promise<void>((ok) => {
      ws.on('message', (m: Buffer) => {
        const msg = JSON.parse(m.toString()) as (typeof received)[number];
        received.push(msg);
        if (msg.event === 'scan.progress' && msg.payload.phase === 'done') ok();
      });
    });
    const folder = join(dir.path, 'evented');
    writeTree(folder, { 'x.bin': 'x' });
    await backend.call('assets.add', { path: folder, kind: 'dataset' });
    await sawDone;
    ws.close();
    expect(received.some((m) => m.event === 'asset.changed')).toBe(true);
    expect(received.some((m) => m.event === 'scan.progress' && m.payload.phase === 'done')).toBe(true);
  });
  it('answers a bad address with 400 or 404, never 500, and logs no stack for it', async () => {
    const logged: unknown[][] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      logged.push(args);
    });
    try {
      const bad = ['/%', '/%zz', '/a%', '/%00', '/assets/%E0%A4%A', '//'];
      for (const path of bad) {
        const r = await http(server.port, path, { headers: host() });
        expect(r.status, path).toBe(400);
        expect(r.body, path).toBe("Bad request: this address is not one of Ativo's pages. Open Ativo with the link printed when it started.");
      }
      expect((await http(server.port, '/assets/missing.js', { headers: host() })).status).toBe(404);
      const cmd = await api('%', auth());
      expect(cmd.status).toBe(400);
      expect(JSON.parse(cmd.body)).toEqual({ ok: false, error: { code: 'UNKNOWN_COMMAND', message: 'This version of Ativo does not know that request: reload the page.' } });
      // The server still answers, and nothing was logged for any of these.
      expect((await http(server.port, '/', { headers: host() })).status).toBe(200);
      expect(logged).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a WebSocket upgrade to an address that is not a URL, and keeps running', async () => {
    const r = await new Promise<string>((ok, fail) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '//', headers: { ...host(), Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
      req.on('upgrade', () => {
        ok('upgraded');
      });
      req.on('response', (res) => {
        ok(String(res.statusCode));
      });
      req.on('error', (e) => {
        if (/socket hang up|ECONNRESET/.test(e.message)) ok('closed');
        else fail(e);
      });
      req.end();
    });
    expect(r).toBe('403');
    expect((await http(server.port, '/', { headers: host() })).status).toBe(200);
  });
});
