/**
 * The Discover index (issue 16) against a real anvil, a real registry and a real storage node:
 * every token is indexed (not only one wallet's), metadata is fetched and searched (FTS5),
 * filters and sorts work, the public record comes from the chain's request events; a hostile
 * node's or impostor's metadata is skipped, never fatal.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { RegistryClient, deployRegistry } from '../chain/client';
import { AGE_RECIPIENT, hex32 } from '../chain/test-utils';
import { buildMetadata, encodeMetadata, type PublicMetadata } from '../metadata/document';
import { devPrivateKey, startStorageTestEnv, type StorageTestEnv } from '../storage/testing';
import type { StorageClient } from '../storage/client';
import { DiscoverIndexer } from './indexer';
import { METADATA_ROOT_TAG } from './metadata-fetch';

let env: StorageTestEnv;
let registry: RegistryClient;
let catalog: Catalog;
let owner: Wallet;
let other: Wallet;
let buyer: Wallet;
let ownerStore: StorageClient;
let otherStore: StorageClient;
const TERMS = hex32('terms');

beforeAll(async () => {
  env = await startStorageTestEnv();
  const signer = (i: number): Wallet => new Wallet(devPrivateKey(i), env.conn.provider);
  owner = signer(1);
  other = signer(2);
  buyer = signer(3);
  const deployed = await (await deployRegistry(env.conn, signer(0))).wait();
  registry = await RegistryClient.open(env.conn, deployed.result.address);
  catalog = Catalog.open(join(env.dir, 'catalog.sqlite'));
  ownerStore = await env.client(1);
  otherStore = await env.client(2);
  await env.fund(ownerStore, '0.1');
  await env.fund(otherStore, '0.1');
}, 120_000);
afterAll(async () => {
  catalog.close();
  await env.stop();
});

const indexer = (): DiscoverIndexer =>
  new DiscoverIndexer({
    catalog,
    network: 'test',
    registry: registry.address,
    source: () => Promise.resolve({ conn: env.conn, address: registry.address, registry, storageUrl: env.node.url }),
    maxTries: 2,
    now: () => Date.now() + 10 * 60 * 60_000 * (clock++), // every pass is "later": retries are due
  });
let clock = 0;

async function register(w: Wallet, label: string, price: bigint): Promise<{ tokenId: string; root: string }> {
  const root = hex32(label).slice(2);
  const sent = await registry.register(w, { contentRoot: `0x${root}`, manifestId: `manifest-${label}`, termsHash: TERMS, price, split: [{ payee: w.address, bps: 10_000 }] });
  return { tokenId: (await sent.wait()).result.tokenId.toString(), root };
}

const doc = (root: string, over: Partial<Parameters<typeof buildMetadata>[0]> = {}): PublicMetadata =>
  buildMetadata({ name: 'x', kind: 'dataset', size: 10, fileCount: 1, version: 1, contentRoot: root, ...over });

async function post(client: StorageClient, root: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(env.dir, `doc-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, bytes);
  const r = await client.uploadFile(path, { contentType: 'application/json', tags: [{ name: 'Type', value: 'metadata' }, { name: METADATA_ROOT_TAG, value: root }] });
  return r.id;
}

describe('the Discover index', () => {
  it('indexes every token of the registry, caches valid metadata, skips impostors and bad documents, searches and sorts', { timeout: 180_000 }, async () => {
    const birds = await register(owner, 'birds', 10n ** 16n);
    const free = await register(other, 'free-model', 0n);
    const squatted = await register(owner, 'squatted', 5n);
    const broken = await register(owner, 'broken', 7n);
    const lying = await register(owner, 'lying', 9n);

    await post(ownerStore, birds.root, encodeMetadata(doc(birds.root, { name: 'Meadow birds', folder: { description: 'Dawn songs of larks', contributors: [{ name: 'Ada Lovelace', role: 'author' }] } })));
    // An impostor's document for the same root is never taken, even newer.
    await post(otherStore, birds.root, encodeMetadata(doc(birds.root, { name: 'Scam birds' })));
    await post(otherStore, free.root, encodeMetadata(doc(free.root, { name: 'Tiny model', kind: 'model', overrides: { license: 'MIT' } })));
    // Only an impostor posted for this token: nothing is taken.
    await post(otherStore, squatted.root, encodeMetadata(doc(squatted.root, { name: 'Not yours' })));
    // The registrant's own bytes, but not a valid document (not JSON; then valid JSON, not canonical).
    await post(ownerStore, broken.root, '{"schema": "ativo.metadata/1", "name": ');
    await post(ownerStore, broken.root, JSON.stringify(doc(broken.root), null, 2));
    // A valid document of other content, tagged with this root.
    await post(ownerStore, lying.root, encodeMetadata(doc(birds.root, { name: 'Meadow birds again' })));

    const ix = indexer();
    await ix.syncOnce();
    await ix.syncOnce(); // retries are due
    await ix.syncOnce();
    const reg = registry.address.toLowerCase();
    const all = catalog.discover.search({ network: 'test', registry: reg, sort: 'newest', offset: 0, limit: 50 });
    expect(all.total).toBe(5);
    expect(all.items.map((r) => r.tokenId)).toEqual([lying.tokenId, broken.tokenId, squatted.tokenId, free.tokenId, birds.tokenId]);
    const byToken = new Map(all.items.map((r) => [r.tokenId, r]));
    expect(byToken.get(birds.tokenId)).toMatchObject({ name: 'Meadow birds', kind: 'dataset', metaState: 'found', owner: owner.address.toLowerCase() });
    expect(byToken.get(free.tokenId)).toMatchObject({ name: 'Tiny model', kind: 'model', license: 'MIT', metaState: 'found' });
    expect(byToken.get(squatted.tokenId)).toMatchObject({ name: null, metaState: 'missing' });
    expect(byToken.get(broken.tokenId)).toMatchObject({ name: null, metaState: 'invalid' });
    expect(byToken.get(lying.tokenId)).toMatchObject({ name: null, metaState: 'invalid' });

    const q = (query: string) => catalog.discover.search({ network: 'test', registry: reg, query, sort: 'newest', offset: 0, limit: 50 }).items.map((r) => r.tokenId);
    expect(q('larks')).toEqual([birds.tokenId]); // description
    expect(q('lovelace')).toEqual([birds.tokenId]); // contributor
    expect(q('meadow')).toEqual([birds.tokenId]); // name
    expect(q('scam')).toEqual([]);
    expect(q('"birds"* (')).toEqual([birds.tokenId]); // FTS syntax is not interpreted (no error)
    expect(q('birds OR scam')).toEqual([]); // every word is required; OR is a word
    expect(q('—')).toEqual([]);
    const s = (extra: object) => catalog.discover.search({ network: 'test', registry: reg, sort: 'newest', offset: 0, limit: 50, ...extra }).items.map((r) => r.tokenId);
    expect(s({ kind: 'model' })).toEqual([free.tokenId]);
    expect(s({ free: true })).toEqual([free.tokenId]);
    expect(s({ license: 'MIT' })).toEqual([free.tokenId]);
    expect(s({ sort: 'price' })).toEqual([free.tokenId, squatted.tokenId, broken.tokenId, lying.tokenId, birds.tokenId]);
    expect(s({ maxPriceWei: '8', minPriceWei: '1' })).toEqual([broken.tokenId, squatted.tokenId]);
    expect(catalog.discover.search({ network: 'test', registry: reg, sort: 'newest', offset: 1, limit: 2 }).items.map((r) => r.tokenId)).toEqual([broken.tokenId, squatted.tokenId]);

    // Terms, listing and the public record, from the chain's events.
    await (await registry.updateTerms(owner, BigInt(birds.tokenId), TERMS, 2n * 10n ** 16n)).wait();
    await (await registry.setForSale(owner, BigInt(squatted.tokenId), false)).wait();
    const offer = { termsHash: TERMS, price: 2n * 10n ** 16n };
    const r1 = (await (await registry.requestAccess(buyer, BigInt(birds.tokenId), AGE_RECIPIENT, offer)).wait()).result.requestId;
    const r2 = (await (await registry.requestAccess(buyer, BigInt(birds.tokenId), AGE_RECIPIENT, offer)).wait()).result.requestId;
    await (await registry.requestAccess(buyer, BigInt(birds.tokenId), AGE_RECIPIENT, offer)).wait();
    await (await registry.approve(owner, r1, 'grant-item-1')).wait();
    await (await registry.deny(owner, r2, 'no')).wait();
    await ix.syncOnce();
    expect(catalog.discover.get('test', reg, birds.tokenId)).toMatchObject({ priceWei: (2n * 10n ** 16n).toString(), approved: 1 });
    expect(catalog.discover.get('test', reg, squatted.tokenId)?.forSale).toBe(false);
    const rec = catalog.discover.record('test', reg, birds.tokenId);
    expect(rec).toMatchObject({ requests: 3, approved: 1, denied: 1, pending: 1, paidWei: (2n * 10n ** 16n).toString() });
    expect(rec.decisions).toHaveLength(2);
    expect(s({ sort: 'approved' })[0]).toBe(birds.tokenId);
    await ix.stop();
  });

  it('a storage node that cannot be reached fails only the metadata pass: the chain is indexed, metadata comes later', { timeout: 120_000 }, async () => {
    const late = await register(owner, 'late', 1n);
    const ix = new DiscoverIndexer({
      catalog,
      network: 'test',
      registry: registry.address,
      source: () => Promise.resolve({ conn: env.conn, address: registry.address, registry, storageUrl: 'http://127.0.0.1:9' }),
    });
    await expect(ix.syncOnce()).rejects.toThrow();
    const reg = registry.address.toLowerCase();
    expect(catalog.discover.get('test', reg, late.tokenId)).toMatchObject({ metaState: 'pending', name: null });
    await ix.stop();
    await post(ownerStore, late.root, encodeMetadata(doc(late.root, { name: 'Late arrival' })));
    const ok = indexer();
    await ok.syncOnce();
    expect(catalog.discover.get('test', reg, late.tokenId)).toMatchObject({ metaState: 'found', name: 'Late arrival' });
    await ok.stop();
  });
});
