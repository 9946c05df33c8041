import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { signReceipt, type RsaJwk } from '../sandbox/storage-node/receipts';
import { nodeReceiptKey, verifyReceipt, verifyReceiptFrom } from './receipts';

const newKey = (): { jwk: RsaJwk; publicKey: string } => {
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 }).privateKey.export({ format: 'jwk' }) as RsaJwk;
  return { jwk, publicKey: jwk.n };
};

describe('storage receipts are checked against the node\'s key, not the key they carry', () => {
  const node = newKey();
  const stranger = newKey();
  const fields = { id: 'x'.repeat(43), timestamp: 1_700_000_000_000, deadlineHeight: 14_000_200 };

  it('a receipt the node signed verifies against its key', async () => {
    const r = await signReceipt(node, fields);
    expect(await verifyReceiptFrom(r, node.publicKey)).toEqual({ ok: true });
  });

  it('a receipt signed by any other RSA key passes the client\'s own check but not this one', async () => {
    const forged = await signReceipt(stranger, fields);
    expect(await verifyReceipt(forged)).toBe(true);
    expect(await verifyReceiptFrom(forged, node.publicKey)).toEqual({ ok: false, why: 'it is signed by another key than the storage node’s' });
    // Naming the node's key over another key's signature does not help.
    expect(await verifyReceiptFrom({ ...forged, public: node.publicKey }, node.publicKey)).toEqual({ ok: false, why: 'its signature does not verify with the storage node’s key' });
    // Nor does changing what the node signed.
    const real = await signReceipt(node, fields);
    expect((await verifyReceiptFrom({ ...real, timestamp: real.timestamp + 1 }, node.publicKey)).ok).toBe(false);
  });

  it('something that is not a receipt is refused, not thrown', async () => {
    for (const bad of [null, 'receipt', { id: 'a' }, { ...fields, public: node.publicKey, signature: 7, version: '1.0.0' }]) {
      expect(await verifyReceiptFrom(bad, node.publicKey)).toEqual({ ok: false, why: 'it is not a storage receipt (a field is missing)' });
    }
  });

  describe('the node\'s key', () => {
    let server: Server | undefined;
    afterEach(async () => {
      await new Promise<void>((ok) => {
        if (server) server.close(() => { ok(); });
        else ok();
      });
      server = undefined;
    });
    const serve = async (routes: Record<string, string>): Promise<string> => {
      server = createServer((req, res) => {
        const body = routes[req.url ?? ''];
        res.writeHead(body === undefined ? 404 : 200).end(body);
      });
      await new Promise<void>((ok) => server?.listen(0, '127.0.0.1', ok));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };

    it('comes from /info, else /public; a node that gives none is a sentence', async () => {
      expect(await nodeReceiptKey(await serve({ '/info': JSON.stringify({ public: node.publicKey }) }))).toBe(node.publicKey);
      await new Promise<void>((ok) => server?.close(() => { ok(); }));
      expect(await nodeReceiptKey(await serve({ '/info': '{}', '/public': `${node.publicKey}\n` }))).toBe(node.publicKey);
      await new Promise<void>((ok) => server?.close(() => { ok(); }));
      const url = await serve({ '/info': '{}', '/public': 'not a key' });
      await expect(nodeReceiptKey(url)).rejects.toThrow(`the storage node at ${url} did not give a receipt key it could sign with`);
    });
  });
});
