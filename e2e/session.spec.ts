/**
 * The browser shell's session token stays with the Ativo tab (issue 12, attack 4: the token
 * runs every command, so it is worth the wallet). A real `ativo serve`, a plain HTTP server on
 * another loopback port (any local dev server, another person's Ativo), and one Chromium:
 * after the Ativo tab has opened its link and used the API, the browser visits the other
 * server, which must receive no cookie and nothing carrying the token; the Ativo API refuses a
 * call without the token header even from this very browser. The token leaves the address bar;
 * a reload keeps the tab signed in; a tab opened without the link says what to do.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures';
import { audit } from './helpers';
import { screenshotSizes } from './screenshots';

/** A 1×1 transparent GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP server on 127.0.0.1 that records every request it gets. */
async function recordingServer(): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        // A page that asks for more: a subresource (an image), as any page would.
        res.end('<!doctype html><html lang="en"><title>Another local server</title><h1>Another local server</h1><img src="/pixel.gif" alt=""></html>');
      } else {
        res.writeHead(200, { 'Content-Type': 'image/gif' });
        res.end(PIXEL);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

test('another loopback server gets no cookie and no token from the browser; the API refuses calls without the header', async ({ page, server, context, problems }) => {
  const other = await recordingServer();
  try {
    await test.step('the Ativo tab is signed in: the token left the address bar, no cookie exists', async () => {
      await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
      expect(server.openUrl).toContain(`#token=${server.token}`);
      expect(page.url()).toBe(server.url);
      expect(await context.cookies()).toEqual([]);
      // The API and the event socket work with the header and the subprotocol.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet' }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Wallet' })).toBeVisible();
      await expect(page.getByTestId('network-pill')).toHaveText('Network: Sandbox');
      await expect(page.getByText('Connecting to Ativo…')).toHaveCount(0);
      await expect(page.getByTestId('signed-out')).toHaveCount(0);
    });

    await test.step('the browser visits the other server (by 127.0.0.1 and by localhost): it receives nothing of the session', async () => {
      // Left from the Ativo page itself (as a link would), then typed in.
      await page.evaluate(`window.location.assign(${JSON.stringify(`http://127.0.0.1:${other.port}/`)})`);
      await expect(page.getByRole('heading', { name: 'Another local server' })).toBeVisible();
      await page.goto(`http://localhost:${other.port}/`);
      await expect(page.getByRole('heading', { name: 'Another local server' })).toBeVisible();
      await expect.poll(() => other.seen.filter((r) => r.url === '/pixel.gif').length).toBe(2);
      expect(other.seen.filter((r) => r.url === '/')).toHaveLength(2);
      for (const r of other.seen) {
        expect(r.headers.cookie, `${r.method} ${r.url}`).toBeUndefined();
        expect(r.headers.authorization, `${r.method} ${r.url}`).toBeUndefined();
        expect(JSON.stringify(r), `${r.method} ${r.url}`).not.toContain(server.token);
      }
      expect(await context.cookies()).toEqual([]);
    });

    await test.step('the Ativo API refuses a call without the token header, even from this browser', async () => {
      // The browser context's own request client (its cookie jar, were there one).
      const bare = await context.request.post(`${server.url}api/wallet.list`, { data: {} });
      expect(bare.status()).toBe(401);
      const wrong = await context.request.post(`${server.url}api/wallet.list`, { data: {}, headers: { Authorization: 'Bearer not-the-token' } });
      expect(wrong.status()).toBe(401);
      // The other server's page cannot get an answer either (no cookie to ride on, no CORS).
      const fromOther = await page.evaluate(async (url) => {
        try {
          const r = await fetch(url, { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: '{}' });
          return `status ${String(r.status)}`;
        } catch {
          return 'blocked';
        }
      }, `${server.url}api/wallet.list`);
      expect(fromOther).toBe('blocked');
      // Chromium reports the refused cross-origin call on the console: expected here, and only that.
      const expected = (p: string): boolean => /CORS policy|Failed to load resource|net::ERR_FAILED/.test(p);
      expect(problems.filter((p) => !expected(p))).toEqual([]);
      problems.length = 0;
      const withToken = await context.request.post(`${server.url}api/wallet.list`, { data: {}, headers: { Authorization: `Bearer ${server.token}` } });
      expect(withToken.status()).toBe(200);
    });
  } finally {
    await new Promise<void>((resolve) => other.server.close(() => { resolve(); }));
  }
});

test('a reload keeps the tab signed in; a tab opened without the link says how to connect, then the link connects it', async ({ page, server, context }, testInfo) => {
  await test.step('reload: still connected (the token stays in this tab only)', async () => {
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet' }).click();
    await expect(page.getByTestId('network-pill')).toHaveText('Network: Sandbox');
    await expect(page.getByTestId('signed-out')).toHaveCount(0);
  });

  const bare = await context.newPage();
  const bareErrors: string[] = [];
  bare.on('pageerror', (e) => bareErrors.push(e.message));
  await test.step('a new tab on the bare address: a clear sentence, nothing else works', async () => {
    await bare.goto(server.url);
    await expect(bare.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
    const alert = bare.getByTestId('signed-out');
    await expect(alert).toHaveText('Not connected: open the link Ativo showed when it started.');
    await expect(alert).toHaveAttribute('role', 'alert');
    await expect(bare.getByText('Connecting to Ativo…')).toHaveCount(0);
    await audit(bare, 'signed-out tab');
    await screenshotSizes(bare, testInfo, 'signed-out');
  });

  await test.step('a stale token (Ativo restarted since) signs the tab out too', async () => {
    await bare.evaluate("sessionStorage.setItem('ativo.session', 'a-token-from-an-earlier-start')");
    await bare.reload();
    await expect(bare.getByTestId('signed-out')).toBeVisible();
  });

  await test.step('opening the link in that tab connects it', async () => {
    await bare.goto(server.openUrl);
    await expect(bare.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
    await expect(bare).toHaveURL(server.url);
    await bare.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet' }).click();
    await expect(bare.getByTestId('network-pill')).toHaveText('Network: Sandbox');
    await expect(bare.getByTestId('signed-out')).toHaveCount(0);
  });
  expect(bareErrors).toEqual([]);
  await bare.close();
});
