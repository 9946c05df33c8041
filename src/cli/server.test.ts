import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBackend, type Backend } from '../api/backend';
import { startShellServer, type ShellServer } from './server';
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
  let cookie: string;
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
    const login = await http(server.port, `/?token=${server.token}`, { headers: { Host: `127.0.0.1:${server.port}` } });
    expect(login.status).toBe(302);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    cookie = setCookie.split(';')[0] ?? '';
  });
  afterAll(async () => {
    await server.close();
    await backend.close();
    dir.cleanup();
  });

  const host = (): Record<string, string> => ({ Host: `127.0.0.1:${server.port}` });

  it('listens on loopback only and prints a link carrying the token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.openUrl).toBe(`${server.url}?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses every request without the token, and a wrong token', async () => {
    expect((await http(server.port, '/', { headers: host() })).status).toBe(401);
    expect((await http(server.port, '/api/assets.list', { method: 'POST', headers: { ...host(), ...json }, body: '{}' })).status).toBe(401);
    expect((await http(server.port, '/?token=wrong', { headers: host() })).status).toBe(403);
    expect((await http(server.port, '/', { headers: { ...host(), Cookie: `ativo_session_${server.port}=wrong` } })).status).toBe(401);
    expect(cookie.startsWith(`ativo_session_${server.port}=`)).toBe(true);
    expect((await http(server.port, '/', { headers: { ...host(), Authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('serves the renderer with a CSP once the cookie is set, never files outside it', async () => {
    const page = await http(server.port, '/', { headers: { ...host(), Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Ativo</title>');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const js = await http(server.port, '/assets/app.js', { headers: { ...host(), Cookie: cookie } });
    expect(js.headers['content-type']).toMatch(/javascript/);
    const escape = await http(server.port, '/..%2fsecret.txt', { headers: { ...host(), Cookie: cookie } });
    expect(escape.status).toBe(403);
    expect(escape.body).not.toContain('outside the bundle');
    expect((await http(server.port, '/library/42', { headers: { ...host(), Cookie: cookie } })).body).toContain('<title>Ativo</title>');
  });

  it('refuses another Host (DNS rebinding) and another Origin (CSRF)', async () => {
    expect((await http(server.port, '/', { headers: { Host: 'evil.example:80', Cookie: cookie } })).status).toBe(403);
    const cross = await http(server.port, '/api/assets.list', { method: 'POST', headers: { ...host(), ...json, Cookie: cookie, Origin: 'http://evil.example' }, body: '{}' });
    expect(cross.status).toBe(403);
    expect(cross.headers['access-control-allow-origin']).toBeUndefined();
    const form = await http(server.port, '/api/assets.list', { method: 'POST', headers: { ...host(), Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
    expect(form.status).toBe(415);
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
    const refused = (headers: Record<string, string>): Promise<number> =>
      new Promise((ok) => {
        const ws = new WebSocket(url, { headers });
        ws.on('unexpected-response', (_req, res) => {
          ok(res.statusCode ?? 0);
        });
        ws.on('error', () => {
          ok(-1);
        });
      });
    expect(await refused({})).toBe(403);
    expect(await refused({ Cookie: cookie, Origin: 'http://evil.example' })).toBe(403);

    const ws = new WebSocket(url, { headers: { Cookie: cookie, Origin: `http://127.0.0.1:${server.port}` } });
    await new Promise((ok, fail) => {
      ws.once('open', ok);
      ws.once('error', fail);
    });
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
});
