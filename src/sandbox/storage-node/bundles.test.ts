/**
 * Nested ANS-104 bundles through the real node, with real anvil funding and bundles built and
 * signed by @irys/bundles (bundleAndSignData + createData + EthereumSigner).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleAndSignData, createData, EthereumSigner, type DataItem } from '@irys/bundles';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStorageNode, type StorageNode } from './index';
import { startTestAnvil, type TestAnvil } from './testing';

type Signer = Parameters<typeof createData>[1];

const BUNDLE_TAGS = [
  { name: 'Bundle-Format', value: 'binary' },
  { name: 'Bundle-Version', value: '2.0.0' },
];

async function balance(node: StorageNode, address: string): Promise<bigint> {
  const r = await fetch(`${node.url}/account/balance/ethereum?address=${address}`);
  const j = (await r.json()) as { balance: string };
  return BigInt(j.balance);
}

async function postTx(node: StorageNode, raw: Uint8Array): Promise<{ status: number; body: string }> {
  const r = await fetch(`${node.url}/tx/ethereum`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: raw });
  return { status: r.status, body: await r.text() };
}

async function graphqlIdsByTag(node: StorageNode, name: string, value: string): Promise<string[]> {
  const query = `query { transactions(tags: [{ name: "${name}", values: ["${value}"] }], first: 100) { edges { node { id } } } }`;
  const r = await fetch(`${node.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const j = (await r.json()) as { data: { transactions: { edges: { node: { id: string } }[] } } };
  return j.data.transactions.edges.map((e) => e.node.id);
}

describe('nested bundles', () => {
  let anvil: TestAnvil;
  let node: StorageNode;
  let dataDir: string;
  let signer: Signer;
  let address: string;

  async function makeBundle(n: number, label: string): Promise<{ items: DataItem[]; raw: Buffer; id: string }> {
    const items = Array.from({ length: n }, (_, i) => createData(`${label} file ${i} `.repeat(20), signer, { tags: [{ name: 'Test-Label', value: label }, { name: 'File-No', value: `${label}-${i}` }] }));
    const bundle = await bundleAndSignData(items, signer);
    const outer = createData(bundle.getRaw(), signer, { tags: BUNDLE_TAGS });
    await outer.sign(signer);
    return { items, raw: Buffer.from(outer.getRaw()), id: outer.id };
  }

  beforeAll(async () => {
    anvil = await startTestAnvil();
    dataDir = await mkdtemp(join(tmpdir(), 'ativo-storage-bundles-'));
    node = await startStorageNode({ dataDir, rpcUrl: anvil.rpcUrl });
    const key = anvil.privateKey(2);
    // EthereumSigner implements the Signer interface structurally (it does not extend a Signer class).
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    signer = new EthereumSigner(key.slice(2));
    address = new Wallet(key).address.toLowerCase();
    const tx = await anvil.wallet(2).sendTransaction({ to: node.address, value: 10n ** 16n });
    await tx.wait();
    await anvil.mine(10);
    const r = await fetch(`${node.url}/account/balance/ethereum`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tx_id: tx.hash }) });
    expect(r.status).toBe(200);
  });

  afterAll(async () => {
    await node.stop();
    await anvil.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores, indexes and serves every item of a 50-item bundle, charging the bundle once; re-posting is free', async () => {
    const { items, raw, id } = await makeBundle(50, 'round');
    const before = await balance(node, address);
    const r = await postTx(node, raw);
    expect(r.status).toBe(200);
    const receipt = JSON.parse(r.body) as { id: string; bundledItems: string[] };
    expect(receipt.id).toBe(id);
    expect(receipt.bundledItems).toEqual(items.map((i) => i.id));
    const after = await balance(node, address);
    expect(before - after).toBe(node.price(raw.length));

    for (const item of items) {
      const g = await fetch(`${node.url}/${item.id}`);
      expect(g.status).toBe(200);
      expect(Buffer.from(await g.arrayBuffer()).equals(Buffer.from(item.rawData))).toBe(true);
      const t = (await (await fetch(`${node.url}/tx/${item.id}`)).json()) as { tags: { name: string; value: string }[]; bundledIn: string; address: string };
      expect(t.tags).toEqual(item.tags);
      expect(t.bundledIn).toBe(id);
      expect(t.address).toBe(address);
    }
    expect(new Set(await graphqlIdsByTag(node, 'Test-Label', 'round'))).toEqual(new Set(items.map((i) => i.id)));
    expect(await graphqlIdsByTag(node, 'File-No', 'round-7')).toEqual([items[7]?.id]);

    // the same bundle again: accepted as a duplicate, nothing charged
    const again = await postTx(node, raw);
    expect(again.status).toBe(201);
    expect(await balance(node, address)).toBe(after);

    // an inner item posted on its own: already held, nothing charged
    const single = await postTx(node, Buffer.from(items[3]!.getRaw()));
    expect(single.status).toBe(201);
    expect(await balance(node, address)).toBe(after);
  });

  it('charges a new bundle only for the bytes of inner items it does not hold yet', async () => {
    const first = await makeBundle(3, 'overlap');
    expect((await postTx(node, first.raw)).status).toBe(200);
    const fresh = createData('a new one', signer, { tags: [{ name: 'Test-Label', value: 'overlap2' }] });
    const bundle = await bundleAndSignData([...first.items, fresh], signer);
    const outer = createData(bundle.getRaw(), signer, { tags: BUNDLE_TAGS });
    await outer.sign(signer);
    const before = await balance(node, address);
    const r = await postTx(node, outer.getRaw());
    expect(r.status).toBe(200);
    const held = first.items.reduce((n, i) => n + i.getRaw().length, 0);
    expect(before - (await balance(node, address))).toBe(node.price(outer.getRaw().length - held));
    expect((await fetch(`${node.url}/${fresh.id}`)).status).toBe(200);
  });

  it('refuses a bundle holding one forged item: nothing stored, nothing charged', async () => {
    const items = Array.from({ length: 5 }, (_, i) => createData(`forge ${i}`, signer, { tags: [{ name: 'Test-Label', value: 'forged' }] }));
    for (const it of items) await it.sign(signer);
    // item 2: its data swapped after signing (same length), so its signature no longer matches
    const raw2 = Buffer.from(items[2]!.getRaw());
    raw2.writeUInt8(raw2.readUInt8(raw2.length - 1) ^ 0xff, raw2.length - 1);
    const raws = items.map((it, i) => (i === 2 ? raw2 : Buffer.from(it.getRaw())));
    const head = Buffer.alloc(32 + raws.length * 64);
    head.writeUInt32LE(raws.length, 0);
    raws.forEach((r, i) => {
      head.writeUInt32LE(r.length, 32 + i * 64);
      items[i]!.rawId.copy(head, 32 + i * 64 + 32);
    });
    const outer = createData(Buffer.concat([head, ...raws]), signer, { tags: BUNDLE_TAGS });
    await outer.sign(signer);
    const before = await balance(node, address);
    const r = await postTx(node, outer.getRaw());
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/bundle was refused.*does not match its bytes/);
    expect(await balance(node, address)).toBe(before);
    for (const it of items) expect((await fetch(`${node.url}/${it.id}`)).status).toBe(404);
    expect((await fetch(`${node.url}/${outer.id}`)).status).toBe(404);
    expect(await graphqlIdsByTag(node, 'Test-Label', 'forged')).toEqual([]);
  });
});
