/**
 * Issue 12: `access fetch` trusts nothing a storage node says about an asset's files that it
 * cannot check. A hostile node (here: an HTTP server that serves whatever file list and items
 * the test gives it) must not make it
 *   - accept a file list in the clear for a private asset (its access came with a grant): the
 *     paths, sizes, hashes and headers in it are not authenticated;
 *   - start a download whose declared sizes add up to more than the disk holding --out can take;
 *   - write more than the file list declared, per file and in all.
 *
 * Real parts: anvil with the AtivoRegistry (the registration, the request and its approval are
 * real transactions), the fetch code over HTTP, the file system.
 * Run under `bash .ci/with-keyring.sh npx vitest run src/access/fetch-hostile.test.ts`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestChain, type TestChain } from '../chain/test-utils';
import { generateIdentity } from '../crypto/age';
import { buildManifest, contentRoot } from '../ingest/manifest';
import { tempDir } from '../test-support/fs';
import { fetchAccess } from './fetch';

/** A storage node that serves what it is told: file lists, items (bytes, tags, declared sizes). */
class HostileNode {
  readonly items = new Map<string, { bytes: Buffer; tags: { name: string; value: string }[]; dataSize?: number }>();
  /** Bytes of items (not file lists) it got to send. */
  served = 0;
  lists = new Set<string>();
  url = '';
  private server: Server | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method === 'POST' && path === '/graphql') {
        const body: Buffer[] = [];
        req.on('data', (d: Buffer) => body.push(d));
        req.on('end', () => {
          const edges = [...this.items].map(([id, i]) => ({ node: { id, tags: i.tags } }));
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ data: { transactions: { edges } } }));
        });
        return;
      }
      const tx = /^\/tx\/([^/]+)$/.exec(path);
      if (tx) {
        const i = this.items.get(decodeURIComponent(tx[1] ?? ''));
        res.writeHead(i ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(i ? { id: tx[1], dataSize: i.dataSize ?? i.bytes.length } : {}));
        return;
      }
      const id = decodeURIComponent(path.slice(1));
      const i = this.items.get(id);
      if (!i) {
        res.writeHead(404).end();
        return;
      }
      if (!this.lists.has(id)) this.served += i.bytes.length;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(i.bytes);
    });
    await new Promise<void>((ok) => this.server?.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((ok) => {
      server.close(() => {
        ok();
      });
    });
  }
}

const itemId = (): string => randomBytes(32).toString('base64url');
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const TERMS = `0x${'ab'.repeat(32)}`;

describe('access fetch against a hostile storage node (real registry on anvil)', () => {
  let chain: TestChain;
  let node: HostileNode;
  let dir: { path: string; cleanup: () => void };
  const requester = { identity: '', recipient: '' };

  beforeAll(async () => {
    chain = await startTestChain();
    node = new HostileNode();
    await node.start();
    dir = tempDir();
    Object.assign(requester, await generateIdentity());
  }, 120_000);
  afterAll(async () => {
    await node.stop();
    await chain.close();
    dir.cleanup();
  });

  /** Registers `files` under a file list `listBytes` (served by the node), asks for access and has it approved with `grantId`. */
  const approved = async (files: { relPath: string; bytes: Buffer }[], listBytes: Buffer, grantId: string): Promise<bigint> => {
    const owner = chain.signers[1];
    const buyer = chain.signers[2];
    if (!owner || !buyer) throw new Error('no dev signers');
    const listId = itemId();
    node.items.set(listId, { bytes: listBytes, tags: [{ name: 'Type', value: 'manifest' }] });
    node.lists.add(listId);
    const root = contentRoot(buildManifest(files.map((f) => ({ relPath: f.relPath, sha256: sha256(f.bytes) }))));
    const reg = await (await chain.registry.register(owner, { contentRoot: `0x${root}`, manifestId: listId, termsHash: TERMS, price: 0n, split: [{ payee: owner.address, bps: 10_000 }] })).wait();
    const tokenId = reg.result.tokenId;
    const req = await (await chain.registry.requestAccess(buyer, tokenId, requester.recipient, { termsHash: TERMS, price: 0n }, { message: 'please' })).wait();
    await (await chain.registry.approve(owner, req.result.requestId, grantId)).wait();
    return req.result.requestId;
  };
  const fetchInto = (requestId: bigint, out: string) =>
    fetchAccess(
      {
        chain: { conn: chain.conn, registry: chain.registry, chainId: Number(chain.conn.chainId), network: 'sandbox' },
        storageUrl: () => Promise.resolve(node.url),
        wallet: chain.signers[2]?.address ?? '',
        requesterIdentity: () => Promise.resolve(requester),
      },
      requestId,
      out,
    );
  const listOf = (entries: Record<string, { id: string; size?: number }>): Buffer => Buffer.from(JSON.stringify({ manifest: 'arweave/paths', version: '0.2.0', paths: entries }));

  it('refuses a file list in the clear for a private asset (approved with a grant): nothing downloaded', async () => {
    const bytes = Buffer.from(`secret rows ${randomBytes(8).toString('hex')}\n`);
    const id = itemId();
    // The node serves the file in the clear too, with a hash tag that matches: everything checks out but the list's origin.
    node.items.set(id, { bytes, tags: [{ name: 'Content-Sha256', value: sha256(bytes) }] });
    node.served = 0;
    const requestId = await approved([{ relPath: 'rows.csv', bytes }], listOf({ 'rows.csv': { id, size: bytes.length } }), itemId());
    const parent = join(dir.path, 'private');
    mkdirSync(parent);
    await expect(fetchInto(requestId, join(parent, 'out'))).rejects.toThrow(
      /^The file list \S+ of this private asset came in the clear, but a private asset's file list is encrypted: the storage node is not serving what was published, so nothing was downloaded\. Try again later, or ask the owner\.$/,
    );
    expect(node.served).toBe(0);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('refuses a file list whose sizes add up to more than the disk can take, before any byte is downloaded', async () => {
    const free = await statfs(dir.path);
    const huge = Math.floor(free.bavail * free.bsize / 2) + 1; // each fits alone; together they do not
    const files = ['a.bin', 'b.bin'].map((relPath) => ({ relPath, bytes: randomBytes(64), id: itemId() }));
    for (const f of files) node.items.set(f.id, { bytes: f.bytes, tags: [{ name: 'Content-Sha256', value: sha256(f.bytes) }] });
    node.served = 0;
    const requestId = await approved(files, listOf(Object.fromEntries(files.map((f) => [f.relPath, { id: f.id, size: huge }]))), '');
    const parent = join(dir.path, 'huge');
    mkdirSync(parent);
    await expect(fetchInto(requestId, join(parent, 'out'))).rejects.toThrow(/^The asset's file list adds up to .* bytes\), more than the .* free on the disk of .*: free some space or choose another folder to fetch into\. Nothing was downloaded\.$/);
    expect(node.served).toBe(0);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('stops a file (sizes from the node, for a list without them) the moment more arrives than declared, and keeps nothing', async () => {
    const small = Buffer.from('twelve bytes');
    const id = itemId();
    // The node declares 12 bytes and sends 5 MB.
    node.items.set(id, { bytes: randomBytes(5_000_000), tags: [], dataSize: small.length });
    node.served = 0;
    const requestId = await approved([{ relPath: 'small.txt', bytes: small }], listOf({ 'small.txt': { id } }), '');
    const parent = join(dir.path, 'more');
    mkdirSync(parent);
    const out = join(parent, 'out');
    await expect(fetchInto(requestId, out)).rejects.toThrow(/^small\.txt is larger than the 12 bytes it was published with: the storage node sent more, so the download was stopped there\. Nothing was kept\.$/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
  });
});
