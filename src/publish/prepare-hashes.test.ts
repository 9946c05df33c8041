/**
 * Issue 12, attack 5 (what remained): before its registration is mined, a public publication
 * must not tell the storage node the Content-Sha256 of its files. A search of the node by those
 * hashes ("is this content stored already?") is as good as publishing them: with the file names,
 * anyone watching the node's requests computes the content root and registers it first.
 *
 * Real parts: the sandbox anvil and storage node over HTTP, a real storage client (which signs
 * the items), the catalog file. Every request the client makes goes through a logging proxy in
 * front of the node: that log is what the node (or anyone on its path) sees.
 *
 * Run under `bash .ci/with-keyring.sh npx vitest run src/publish/prepare-hashes.test.ts`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import type { StorageClient } from '../storage/client';
import { startStorageTestEnv, type StorageTestEnv } from '../storage/testing';
import { encodeManifest } from './manifest';
import { prepareFiles, prepareManifest } from './prepare';

/** An HTTP proxy in front of the node that keeps every request line and body it passes on. */
async function loggingProxy(target: string): Promise<{ url: string; log: string[]; close(): Promise<void> }> {
  const t = new URL(target);
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (d: Buffer) => body.push(d));
    req.on('end', () => {
      const bytes = Buffer.concat(body);
      log.push(`${req.method ?? ''} ${req.url ?? ''}\n${bytes.toString('latin1')}`);
      const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(bytes);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => {
          r();
        });
      }),
  };
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('preparing a public publication asks the storage node nothing about its content (sandbox node)', () => {
  let env: StorageTestEnv;
  let catalog: Catalog;
  let proxy: Awaited<ReturnType<typeof loggingProxy>>;
  let client: StorageClient;

  beforeAll(async () => {
    env = await startStorageTestEnv();
    catalog = Catalog.open(join(env.dir, 'catalog.sqlite'));
    proxy = await loggingProxy(env.node.url);
    client = await env.client(2, { nodeUrl: proxy.url });
    await env.fund(client, '0.05');
  }, 120_000);
  afterAll(async () => {
    catalog.close();
    await proxy.close();
    await env.stop();
  });

  it('sends no Content-Sha256 of a new file (nor of one the node holds already) before the registration; the catalog still dedupes', { timeout: 120_000 }, async () => {
    const folder = join(env.dir, 'Kestrel');
    mkdirSync(folder, { recursive: true });
    const files: Record<string, Buffer> = {
      'new-scan.bin': randomBytes(30_000),
      'stored-before.txt': Buffer.from(`stored by an earlier upload ${randomBytes(6).toString('hex')}\n`),
      'in-catalog.txt': Buffer.from(`recorded in the catalog ${randomBytes(6).toString('hex')}\n`),
    };
    for (const [rel, bytes] of Object.entries(files)) writeFileSync(join(folder, rel), bytes);
    const now = new Date().toISOString();
    const assetId = catalog.assets.insert({ kind: 'dataset', name: 'Kestrel', rootPath: folder }, now);
    catalog.files.upsertHashed(
      assetId,
      Object.entries(files).map(([relPath, bytes]) => ({ relPath, size: bytes.length, mtimeMs: 0, sha256: sha256(bytes) })),
    );
    // One file was stored by this wallet before (the catalog forgot it); another is in the catalog.
    await client.uploadFile(join(folder, 'stored-before.txt'));
    const known = await client.uploadFile(join(folder, 'in-catalog.txt'));
    const inCatalog = files['in-catalog.txt'] ?? Buffer.alloc(0);
    catalog.uploads.record(
      { assetId, relPath: 'in-catalog.txt', sha256: sha256(inCatalog), network: 'sandbox', storageId: known.id, receipt: known.receipt, quotedAtomic: null, chargedAtomic: '0', bytes: inCatalog.length, itemBytes: null, dataSha256: sha256(inCatalog), encryption: null, source: 'uploaded', chargeWarning: null },
      now,
    );
    proxy.log.length = 0;

    // The part of a publication that runs before its registration: the files, then the manifest.
    const signal = new AbortController().signal;
    await prepareFiles(catalog, client, join(env.dir, 'staging'), { assetId, name: 'Kestrel', rootPath: folder, network: 'sandbox', signal });
    const entries = Object.keys(files).map((relPath) => {
      const h = sha256(files[relPath] ?? Buffer.alloc(0));
      const id = catalog.uploads.findReusable('sandbox', h, null)?.storageId ?? catalog.prepared.get('sandbox', h, null)?.itemId;
      return { relPath, id: id ?? '' };
    });
    await prepareManifest(catalog, client, join(env.dir, 'staging'), { network: 'sandbox', assetId, bytes: encodeManifest(entries), contentType: 'application/x.irys-manifest+json', tags: [{ name: 'Type', value: 'manifest' }], signal, registered: () => Promise.resolve(false) });

    const seen = proxy.log.join('\n');
    for (const [rel, bytes] of Object.entries(files)) expect(seen.includes(sha256(bytes)), `the sha256 of ${rel} in a request to the node`).toBe(false);
    expect(seen).not.toMatch(/Content-Sha256/);
    // The catalog's upload is reused; the file the catalog forgot is prepared again (a new item).
    expect(catalog.prepared.get('sandbox', sha256(inCatalog), null)).toBeUndefined();
    expect(catalog.prepared.get('sandbox', sha256(files['stored-before.txt'] ?? Buffer.alloc(0)), null)).toBeDefined();
    expect(catalog.prepared.get('sandbox', sha256(files['new-scan.bin'] ?? Buffer.alloc(0)), null)).toBeDefined();
    expect(entries.every((e) => e.id !== '')).toBe(true);
  });
});
