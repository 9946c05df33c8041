/**
 * Issue 17: the buyer's side of a grant delivered by the owner's Ativo after an approver approved.
 * Attacks: a grant signed by another wallet, a grant for another request, and a storage node that
 * forges what it serves (tags changed under a valid signature, another item's signature, its own
 * claim of who signed) are all refused. Items are real ANS-104 items signed here with real keys
 * (@irys/bundles). The node is a test double ON PURPOSE: a small HTTP server serving /graphql,
 * /tx/{id} and /{id} the way a hostile Irys node could; the real sandbox node never forges items,
 * so the attack cannot be staged with it (the honest path runs on it in approver-flow.test.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EthereumSigner, createData, type DataItem } from '@irys/bundles';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAnchor } from '../storage/item';
import { StorageGateway } from '../storage/gateway';
import { verifyItem } from '../storage/item-verify';
import { deliveredGrantTags, findDeliveredGrants } from './delivered-grant';

const REGISTRY = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const owner = new Wallet(Wallet.createRandom().privateKey);
const stranger = new Wallet(Wallet.createRandom().privateKey);

async function item(by: Wallet, data: string, tags: { name: string; value: string }[]): Promise<DataItem> {
  const signer = new EthereumSigner(by.privateKey.slice(2));
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  const d = createData(data, signer, { tags, anchor: newAnchor() });
  // The package's own Ethereum signer (its class comes from a nested copy of its Signer base).
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  await d.sign(signer);
  return d;
}
const describeItem = (d: DataItem, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: d.id,
  address: owner.address.toLowerCase(),
  signatureType: d.signatureType,
  signature: d.rawSignature.toString('base64url'),
  owner: d.rawOwner.toString('base64url'),
  target: '',
  anchor: d.rawAnchor.toString('base64url'),
  tags: d.tags,
  ...over,
});

/** What the hostile node serves: for each id, its description and bytes (whatever it likes). */
const served = new Map<string, { doc: Record<string, unknown>; data: Buffer }>();
let server: Server;
let gw: StorageGateway;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/graphql') {
      // Every item it holds is "a grant of this request by the owner", whatever it really is.
      const edges = [...served.keys()].map((id) => ({ node: { id } }));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { transactions: { edges } } }));
      return;
    }
    const tx = /^\/tx\/([^/]+)$/.exec(path);
    const hit = served.get(tx?.[1] ?? path.slice(1));
    if (hit === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.end(tx ? JSON.stringify(hit.doc) : hit.data);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  gw = new StorageGateway(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => {
  server.close();
});

describe('grants delivered for an approver’s approval', () => {
  it('accepts only an item signed by the token owner, for this request, token and registry, as signed', async () => {
    const wanted = { requestId: 7n, tokenId: 3n, registry: REGISTRY, owner: owner.address };
    const good = await item(owner, 'the real grant', deliveredGrantTags('7', '3', REGISTRY));
    const byStranger = await item(stranger, 'a grant by another wallet', deliveredGrantTags('7', '3', REGISTRY));
    const otherRequest = await item(owner, 'the grant of request 8', deliveredGrantTags('8', '3', REGISTRY));
    const otherRegistry = await item(owner, 'the grant of another registry', deliveredGrantTags('7', '3', stranger.address));
    // Forgeries: request 8's signed item served with request 7's tags; the stranger's item served under the owner's key.
    const retagged = await item(owner, 'retagged', deliveredGrantTags('8', '3', REGISTRY));
    const borrowedKey = await item(stranger, 'borrowed key', deliveredGrantTags('7', '3', REGISTRY));
    served.clear();
    for (const d of [byStranger, otherRequest, otherRegistry, good]) served.set(d.id, { doc: describeItem(d), data: d.rawData });
    served.set(retagged.id, { doc: describeItem(retagged, { tags: deliveredGrantTags('7', '3', REGISTRY) }), data: retagged.rawData });
    served.set(borrowedKey.id, { doc: describeItem(borrowedKey, { owner: good.rawOwner.toString('base64url') }), data: borrowedKey.rawData });
    // And the real grant's id serving other bytes is caught too (checked separately below).

    const { grants, refused } = await findDeliveredGrants(gw, wanted, 64 * 1024);
    expect(grants.map((g) => g.id)).toEqual([good.id]);
    expect(Buffer.from(grants[0]!.bytes).toString()).toBe('the real grant');
    const why = new Map(refused.map((r) => [r.id, r.why]));
    expect(why.get(byStranger.id)).toBe(`it is signed by ${stranger.address}, not by the owner ${owner.address}`);
    expect(why.get(otherRequest.id)).toBe('its Request-Id tag is not 7');
    expect(why.get(otherRegistry.id)).toBe(`its Ativo-Registry tag is not ${REGISTRY.toLowerCase()}`);
    expect(why.get(retagged.id)).toMatch(/its signature belongs to another item|does not match its contents/);
    expect(why.get(borrowedKey.id)).toMatch(/its signature belongs to another item|does not match its contents/);
    expect(refused).toHaveLength(5);
  });

  it('refuses an item whose bytes were swapped under its description', async () => {
    const good = await item(owner, 'the real grant', deliveredGrantTags('7', '3', REGISTRY));
    expect(await verifyItem(good.id, describeItem(good), good.rawData)).toMatchObject({ ok: true, item: { signer: owner.address } });
    expect(await verifyItem(good.id, describeItem(good), Buffer.from('a forged grant'))).toEqual({ ok: false, why: 'its signature does not match its contents (a forged or altered item)' });
    expect(await verifyItem(good.id, describeItem(good, { signatureType: 1 }), good.rawData)).toEqual({ ok: false, why: 'it is not signed with an Ethereum key' });
  });
});
