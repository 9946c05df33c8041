/**
 * The storage gateway against a hostile node: a plain HTTP server that claims a receipt key of
 * its own choosing and serves what it likes. Real RSA keys and receipts (the sandbox node's
 * signing code), real HTTP.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signReceipt, type RsaJwk } from '../sandbox/storage-node/receipts';
import { GatewayHttpError, StorageGateway, refusedReceipts } from './gateway';

const newKey = (): { jwk: RsaJwk; publicKey: string } => {
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 }).privateKey.export({ format: 'jwk' }) as RsaJwk;
  return { jwk, publicKey: jwk.n };
};

describe('the storage gateway', () => {
  const node = newKey();
  const stranger = newKey();
  const fields = { id: 'x'.repeat(43), timestamp: 1_700_000_000_000, deadlineHeight: 14_000_200 };
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // A node that now says its key is the stranger's, knows one item, and serves nothing else.
    server = createServer((req, res) => {
      if (req.url === '/info') res.writeHead(200).end(JSON.stringify({ public: stranger.publicKey }));
      else if (req.url === '/graphql') {
        const edges = [{ node: { id: 'enc', tags: [{ name: 'Ativo-Encryption', value: 'age' }] } }, { node: { id: 'pub', tags: [{ name: 'Content-Sha256', value: 'ab'.repeat(32) }] } }];
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { transactions: { edges } } }));
      } else if (req.url === '/pub') res.writeHead(200).end('hello');
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise<void>((ok) => server.close(() => { ok(); }));
  });

  it('checks receipts against the pinned key: one signed by another key is refused, whatever key the node now claims', async () => {
    const gw = new StorageGateway(url);
    const key = await gw.receiptKey(() => Promise.resolve(node.publicKey));
    expect(key).toBe(node.publicKey);
    const genuine = await signReceipt(node, fields);
    const forged = await signReceipt(stranger, { ...fields, id: 'y'.repeat(43) });
    expect(await refusedReceipts([genuine, forged, { ...forged, public: node.publicKey }], key)).toEqual([
      { id: 'y'.repeat(43), why: 'it is signed by another key than the storage node’s' },
      { id: 'y'.repeat(43), why: 'its signature does not verify with the storage node’s key' },
    ]);
    // Without a pinned key the node's own word is all there is (and it vouches for the forgery).
    expect(await gw.receiptKey()).toBe(stranger.publicKey);
  });

  it('reads tags, streams and caps items, and says which HTTP status a download got', async () => {
    const gw = new StorageGateway(url);
    expect(gw.url).toBe(url.replace(/\/$/, ''));
    const items = await gw.items(['enc', 'pub', 'gone']);
    expect(items.get('enc')).toMatchObject({ encrypted: true, sha256: null });
    expect(items.get('pub')).toMatchObject({ encrypted: false, sha256: 'ab'.repeat(32) });
    expect(items.has('gone')).toBe(false);
    expect((await gw.bytes('pub', 5, 'the item')).toString()).toBe('hello');
    await expect(gw.bytes('pub', 4, 'the item')).rejects.toThrow(/the item is (larger|more) than the 4 bytes it can be/);
    const err = await gw.open('gone', AbortSignal.timeout(10_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayHttpError);
    expect((err as GatewayHttpError).status).toBe(404);
    expect(await gw.dataSize('gone', 'the item')).toBeNull();
  });
});
