import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Backend } from '../api/backend';

/** The renderer bundle electron-vite builds (`npm run build`). */
/** What a browser gets for an address that cannot be a page of Ativo's. */
const BAD_ADDRESS = 'Bad request: this address is not one of Ativo\'s pages. Open Ativo with the link printed when it started.';

/** The path of a request's URL, or undefined when it is not a URL at all ("//", a bad host). */
export function requestPath(raw: string | undefined): string | undefined {
  try {
    return new URL(raw ?? '/', 'http://127.0.0.1').pathname;
  } catch {
    return undefined;
  }
}

/** A percent-encoded path decoded, or undefined when its escapes are broken ("/%", "/%zz"). */
export function decodePath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

export const RENDERER_DIR = resolve(fileURLToPath(new URL('../../out/renderer', import.meta.url)));

const MAX_BODY = 1024 * 1024;
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface ShellServer {
  url: string;
  /**
   * The link a person opens: the session token rides in the fragment (`#token=…`), which a
   * browser never sends to any server; the page keeps it in its tab and sends it as a header.
   */
  openUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** The WebSocket subprotocol the event socket speaks (the token rides in a second one). */
export const EVENTS_PROTOCOL = 'ativo.events';
/** Prefix of the subprotocol carrying the session token (browsers cannot set WebSocket headers). */
export const TOKEN_PROTOCOL_PREFIX = 'ativo.token.';

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // timingSafeEqual needs equal lengths; the length of a random token is no secret.
  return x.length === y.length && timingSafeEqual(x, y);
};

const bearer = (req: IncomingMessage): string | undefined => {
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') === true ? auth.slice(7) : undefined;
};

/** The token a WebSocket upgrade offers as a subprotocol (`ativo.token.<token>`). */
const protocolToken = (req: IncomingMessage): string | undefined => {
  const header = req.headers['sec-websocket-protocol'];
  if (header === undefined) return undefined;
  for (const p of header.split(',')) {
    const t = p.trim();
    if (t.startsWith(TOKEN_PROTOCOL_PREFIX)) return t.slice(TOKEN_PROTOCOL_PREFIX.length);
  }
  return undefined;
};

/**
 * The browser shell: the same backend behind HTTP + WebSocket on 127.0.0.1.
 *
 * The per-start session token is as good as the wallet (it runs every command), so it never
 * sits where a browser would hand it to another server: no cookie at all (cookies ignore
 * ports: every other server on 127.0.0.1 would get it). The link carries it in the fragment;
 * the page keeps it in its tab (sessionStorage) and sends `Authorization: Bearer <token>` with
 * every API call, and a `ativo.token.<token>` subprotocol when opening the event socket.
 * Static files (the renderer bundle, no secrets) are served without it. Every request must
 * name the loopback Host with this port (DNS rebinding); API calls and the event socket refuse
 * other Origins; POST bodies must be JSON.
 */
export async function startShellServer(
  backend: Backend,
  opts: { port?: number; rendererDir?: string; token?: string } = {},
): Promise<ShellServer> {
  const rendererDir = opts.rendererDir ?? RENDERER_DIR;
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`The renderer is not built (${rendererDir}/index.html is missing): run \`npm run build\` first.`);
  }
  const token = opts.token ?? randomBytes(24).toString('base64url');
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const ownOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  const authorized = (req: IncomingMessage): boolean => {
    const given = bearer(req);
    return given !== undefined && sameSecret(given, token);
  };
  const hostOk = (req: IncomingMessage): boolean => allowedHosts().includes(req.headers.host ?? '');
  const originOk = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    return origin === undefined || ownOrigins().includes(origin);
  };

  const send = (res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...extra });
    res.end(body);
  };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((ok, fail) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          fail(new Error('request body too large'));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => {
        ok(Buffer.concat(chunks).toString('utf8'));
      });
      req.on('error', fail);
    });

  const serveStatic = async (res: ServerResponse, urlPath: string): Promise<void> => {
    let rel = decodePath(urlPath);
    if (rel === undefined || rel.includes('\0')) {
      send(res, 400, BAD_ADDRESS);
      return;
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = normalize(join(rendererDir, rel));
    if (!file.startsWith(rendererDir + sep)) {
      send(res, 403, 'Forbidden');
      return;
    }
    let target = file;
    try {
      if (!(await stat(file)).isFile()) target = join(rendererDir, 'index.html');
    } catch {
      // Unknown paths are app routes: the renderer handles them.
      target = extname(file) === '' ? join(rendererDir, 'index.html') : '';
    }
    if (target === '') {
      send(res, 404, 'Not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream',
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': target.endsWith('index.html') ? 'no-store' : 'private, max-age=3600',
    });
    createReadStream(target).pipe(res);
  };

  const server = createServer((req, res) => {
    void (async () => {
      if (!hostOk(req)) {
        send(res, 403, 'Forbidden: Ativo only answers on its loopback address.');
        return;
      }
      const pathname = requestPath(req.url);
      if (pathname === undefined) {
        send(res, 400, BAD_ADDRESS);
        return;
      }
      if (pathname.startsWith('/api/')) {
        if (!authorized(req)) {
          send(res, 401, 'Open Ativo with the link printed when it started: that link signs the browser tab in (the session token travels in an Authorization header).');
          return;
        }
        if (req.method !== 'POST') {
          send(res, 405, 'Use POST', 'text/plain; charset=utf-8', { Allow: 'POST' });
          return;
        }
        if (!originOk(req)) {
          send(res, 403, 'Forbidden: cross-origin request.');
          return;
        }
        if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
          send(res, 415, 'Send JSON (Content-Type: application/json).');
          return;
        }
        const name = decodePath(pathname.slice('/api/'.length));
        if (name === undefined) {
          send(res, 400, JSON.stringify({ ok: false, error: { code: 'UNKNOWN_COMMAND', message: 'This version of Ativo does not know that request: reload the page.' } }), 'application/json');
          return;
        }
        let input: unknown;
        try {
          const body = await readBody(req);
          input = body.trim() === '' ? {} : JSON.parse(body);
        } catch (e) {
          send(res, 400, JSON.stringify({ ok: false, error: { code: 'INVALID_INPUT', message: `The request body is not valid JSON (${e instanceof Error ? e.message : String(e)}).` } }), 'application/json');
          return;
        }
        if (name === 'wallet.export' && typeof input === 'object' && input !== null && 'path' in input) {
          // Whoever holds the token must not choose where a key backup lands (a folder another
          // program serves, say): over HTTP it goes to the data dir's exports folder, by file name.
          send(res, 200, JSON.stringify({ ok: false, error: { code: 'INVALID_INPUT', message: 'In the browser, Ativo saves wallet backups in its own exports folder: give a file name, without a folder.' } }), 'application/json');
          return;
        }
        const result = await backend.invoke(name, input);
        send(res, 200, JSON.stringify(result), 'application/json');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, 'Method not allowed');
        return;
      }
      await serveStatic(res, pathname);
    })().catch((e: unknown) => {
      console.error('ativo serve: request failed:', e);
      if (!res.headersSent) send(res, 500, 'Internal error');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    // Answer with the events protocol, never echo the token one (a browser that offered
    // subprotocols drops a handshake that selects none).
    handleProtocols: (offered) => (offered.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false),
  });
  const sockets = new Set<WebSocket>();
  const socketAuthorized = (req: IncomingMessage): boolean => {
    if (authorized(req)) return true;
    const given = protocolToken(req);
    return given !== undefined && sameSecret(given, token);
  };
  server.on('upgrade', (req, socket, head) => {
    const path = requestPath(req.url);
    if (path !== '/api/events' || !hostOk(req) || !originOk(req) || !socketAuthorized(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const off = backend.subscribe((event, payload) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
      });
      ws.on('close', () => {
        off();
        sockets.delete(ws);
      });
      // The socket is push-only: anything the page sends is ignored.
    });
  });

  // Keep idle connections longer than Node's 5 s: a client whose event loop was busy for a few
  // seconds (a page, the CLI, a test) would otherwise send its next request on a socket the
  // server just closed, and get "other side closed" (seen in CI after a long synchronous step).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const wanted = opts.port ?? 0;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(wanted, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}#token=${token}`,
    token,
    port,
    close: async () => {
      for (const s of sockets) s.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => {
        ok();
      }));
    },
  };
}
