/**
 * For tests that drive the real backend in their own process (keychain wallet, durable jobs,
 * the sandbox anvil and storage node over HTTP): a temp data dir and keychain prefix of their
 * own, and helpers to publish and to look at the storage node from outside.
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createBackend, type Backend } from '../api/backend';
import { Keychain } from '../vault/keychain';
import { requireKeychain, uniquePrefix } from '../vault/test-support';
import { tempDir } from './fs';

export interface StoredNode {
  id: string;
  tags: { name: string; value: string }[];
  receipt: { timestamp: number } | null;
}

/** Every item on the storage node (any owner, any tags), with all their tags. */
export async function allStoredItems(url: string): Promise<StoredNode[]> {
  const query = 'query { transactions(limit: 1000) { edges { node { id tags { name value } receipt { timestamp } } } } }';
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data: { transactions: { edges: { node: StoredNode }[] } } };
  return body.data.transactions.edges.map((e) => e.node);
}

/** An item's bytes as the node serves them (GET /raw/<id>). */
export async function rawItem(url: string, id: string): Promise<Buffer> {
  const res = await fetch(`${url}/raw/${id}`);
  if (!res.ok) throw new Error(`GET /raw/${id}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface BackendSandbox {
  backend: () => Backend;
  dir: () => string;
  prefix: () => string;
  /** Adds a folder as an asset and waits for its scan. */
  add(folder: string): Promise<number>;
  /** Publishes and waits for the publication to be certified (throws with the job's error if it fails). */
  publish(assetId: number, visibility: 'public' | 'private'): Promise<{ tokenId: string; version: number | null }>;
}

export function useBackendSandbox(tag: string): BackendSandbox {
  let dir: { path: string; cleanup: () => void } | undefined;
  let prefix = '';
  let backend: Backend | undefined;
  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    dir = tempDir(`ativo-${tag}-`);
    prefix = uniquePrefix(tag);
    backend = await createBackend({ dataDir: join(dir.path, 'data'), keychainPrefix: prefix, keystoreScryptN: 1024 });
  });
  afterAll(async () => {
    if (backend) {
      for (const w of (await backend.call('wallet.list', {})).wallets) await backend.call('wallet.remove', { address: w.address });
      await backend.close();
    }
    dir?.cleanup();
  });
  const b = (): Backend => {
    if (!backend) throw new Error('useBackendSandbox: only inside a test');
    return backend;
  };
  return {
    backend: b,
    dir: () => dir?.path ?? '',
    prefix: () => prefix,
    add: async (folder) => {
      const id = (await b().call('assets.add', { path: folder })).id;
      await until('the scan', async () => (await b().call('assets.get', { id })).state === 'ready');
      return id;
    },
    publish: async (assetId, visibility) => {
      const before = (await b().call('assets.get', { id: assetId })).publication?.tokenId ?? null;
      const { jobId } = await b().call('assets.publish', { id: assetId, visibility, priceEth: '0.01', approval: 'manual' });
      return until('the publication', async () => {
        const job = (await b().call('jobs.list', { kind: 'publish', limit: 100 })).items.find((j) => j.id === jobId);
        if (job?.state === 'failed' || job?.state === 'cancelled') throw new Error(`The publication ${job.state}: ${job.error ?? ''}`);
        const pub = (await b().call('assets.get', { id: assetId })).publication;
        return job?.state === 'done' && pub?.tokenId != null && pub.tokenId !== before ? { tokenId: pub.tokenId, version: pub.version } : undefined;
      });
    },
  };
}
