/**
 * Attack 5 (issue 12), content-root squatting: someone watching the storage node computes the
 * content root of a public asset from what is stored before its registration, and registers it
 * first from another wallet, so the owner's publication fails for good ("already registered").
 *
 * Real parts: the backend in this process (keychain wallet, durable jobs), the sandbox anvil and
 * storage node over HTTP. The watcher polls the node's GraphQL index and raw items every few
 * milliseconds, and knows even the file names (the strongest watcher: names are often
 * guessable). Whatever it can compute a root from, it tries to register at once.
 *
 * Run under `bash .ci/with-keyring.sh npx vitest run src/publish/squatting.test.ts`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HDNodeWallet, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../api/backend';
import { RegistryClient, connectChain, type ChainConnection } from '../chain/client';
import { buildManifest, contentRoot } from '../ingest/manifest';
import { SANDBOX_MNEMONIC } from '../sandbox/anvil';
import { coreutilsRoot, tempDir } from '../test-support/fs';
import { Keychain } from '../vault/keychain';
import { requireKeychain, uniquePrefix } from '../vault/test-support';

interface Node {
  id: string;
  tags: { name: string; value: string }[];
  receipt: { timestamp: number } | null;
}

async function allItems(url: string): Promise<Node[]> {
  const query = 'query { transactions(tags: [{ name: "App-Name", values: ["Ativo"] }], limit: 1000) { edges { node { id tags { name value } receipt { timestamp } } } } }';
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data: { transactions: { edges: { node: Node }[] } } };
  return body.data.transactions.edges.map((e) => e.node);
}

const tag = (n: Node, name: string): string | undefined => n.tags.find((t) => t.name === name)?.value;

/** Every (name → hash) assignment of `names` to distinct hashes among `hashes` (small sets only). */
function* assignments(names: string[], hashes: string[]): Generator<{ relPath: string; sha256: string }[]> {
  if (names.length === 0) {
    yield [];
    return;
  }
  const [first, ...rest] = names as [string, ...string[]];
  for (const h of hashes) {
    for (const tail of assignments(rest, hashes)) yield [{ relPath: first, sha256: h }, ...tail];
  }
}

/** The content roots someone can compute from what the node holds now, knowing the asset's file names. */
async function rootsFrom(url: string, items: Node[], names: string[]): Promise<Map<string, string>> {
  const roots = new Map<string, string>(); // root → how it was found
  const shaOf = new Map(items.map((n) => [n.id, tag(n, 'Content-Sha256')]));
  for (const n of items) {
    const tagged = tag(n, 'Ativo-Content-Root');
    if (tagged !== undefined) roots.set(tagged, `the Ativo-Content-Root tag of ${n.id}`);
    if (tag(n, 'Type') !== 'manifest') continue;
    const raw = await fetch(`${url}/raw/${n.id}`);
    if (!raw.ok) continue;
    try {
      const doc = JSON.parse(await raw.text()) as { paths?: Record<string, { id?: string }> };
      const files = Object.entries(doc.paths ?? {}).map(([relPath, v]) => ({ relPath, sha256: shaOf.get(v.id ?? '') ?? '' }));
      if (files.length > 0 && files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))) roots.set(contentRoot(buildManifest(files)), `the path manifest ${n.id}`);
    } catch {
      // not JSON (encrypted): nothing to learn
    }
  }
  const hashes = [...new Set([...shaOf.values()].filter((h): h is string => h !== undefined))];
  for (const files of assignments(names, hashes)) roots.set(contentRoot(buildManifest(files)), 'the Content-Sha256 tags of the file items and the file names');
  return roots;
}

describe('content-root squatting (sandbox backend, real keychain)', () => {
  let dir: { path: string; cleanup: () => void };
  let prefix: string;
  let backend: Backend;
  let conn: ChainConnection | undefined;

  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    dir = tempDir('ativo-squat-');
    prefix = uniquePrefix('squat');
    backend = await createBackend({ dataDir: join(dir.path, 'data'), keychainPrefix: prefix, keystoreScryptN: 1024 });
  });
  afterAll(async () => {
    conn?.close();
    for (const w of (await backend.call('wallet.list', {})).wallets) await backend.call('wallet.remove', { address: w.address });
    await backend.close();
    dir.cleanup();
  });

  it('a watcher of the storage node sees nothing that reveals the root before the registration is mined, so it cannot register it first', { timeout: 240_000 }, async () => {
    const folder = join(dir.path, 'Orchids');
    mkdirSync(join(folder, 'img'), { recursive: true });
    writeFileSync(join(folder, 'labels.csv'), `file,label\n1.png,${randomBytes(8).toString('hex')}\n`);
    writeFileSync(join(folder, 'img', '1.png'), randomBytes(40_000));
    const names = ['img/1.png', 'labels.csv'];
    const root = coreutilsRoot(folder);

    const owner = (await backend.call('wallet.create', { label: 'owner' })).address;
    const assetId = (await backend.call('assets.add', { path: folder })).id;
    for (let i = 0; i < 600 && (await backend.call('assets.get', { id: assetId })).state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 100));
    await backend.call('storage.fund', { ether: '0.01' });
    const st = await backend.call('chain.status', {});
    const url = st.storageUrl ?? '';
    conn = await connectChain(st.rpcUrl);
    const registry = await RegistryClient.open(conn, st.registry ?? '');
    const attacker = new Wallet(HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, "m/44'/60'/0'/0/7").privateKey, conn.provider);
    expect(await allItems(url)).toEqual([]);

    // The watcher: chain first, then storage, so "unregistered" is known to precede what it sees.
    const violations: string[] = [];
    const attempts: string[] = [];
    let lastUnregistered = 0; // when the last look at the chain that found no registration began
    let polls = 0;
    const watching = { stop: false };
    const watcher = (async () => {
      while (!watching.stop) {
        const began = Date.now();
        const token = await registry.tokenOfContentRoot(`0x${root}`);
        const unregistered = token === null || token === 0n;
        if (unregistered) lastUnregistered = began;
        const items = await allItems(url);
        const how = (await rootsFrom(url, items, names)).get(root);
        if (how !== undefined && unregistered) violations.push(`before the registration, the root could be computed from ${how}`);
        // Squat: register it from another wallet at once (a real watcher would try every root it
        // computes; only the owner's one matters here).
        if (how !== undefined && (await registry.tokenOfContentRoot(`0x${root}`)) === null) {
          attempts.push(how);
          try {
            await (await registry.register(attacker, { contentRoot: `0x${root}`, manifestId: 'squatted', termsHash: `0x${'00'.repeat(32)}`, price: 0n, split: [{ payee: attacker.address, bps: 10_000 }] })).wait();
          } catch {
            // lost the race: the owner registered first
          }
        }
        polls++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    // The publication's own progress, as the app shows it.
    const progress: { state: string; progress: number; text: string | null }[] = [];
    backend.subscribe((event, payload) => {
      if (event !== 'job.changed') return;
      const p = payload as { kind: string; state: string; progress: number; detail: string | null; error: string | null };
      if (p.kind === 'publish') progress.push({ state: p.state, progress: p.progress, text: p.state === 'waiting' ? p.error : p.detail });
    });

    let pub: { tokenId: string | null } | null = null;
    let failed: string | null = null;
    try {
      const { jobId } = await backend.call('assets.publish', { id: assetId, visibility: 'public', priceEth: '0.01', approval: 'manual' });
      for (let i = 0; i < 1800 && pub === null && failed === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const job = (await backend.call('jobs.list', { kind: 'publish', limit: 10 })).items.find((j) => j.id === jobId);
        if (job?.state === 'failed') failed = job.error;
        pub = (await backend.call('assets.get', { id: assetId })).publication;
      }
    } finally {
      watching.stop = true;
      await watcher;
    }

    expect(failed).toBeNull();
    expect(violations).toEqual([]);
    expect(pub?.tokenId).toMatch(/^\d+$/);
    const tokenId = BigInt(pub?.tokenId ?? '0');
    expect(await registry.tokenOfContentRoot(`0x${root}`)).toBe(tokenId);
    expect(await registry.ownerOf(tokenId)).toBe(owner);
    expect(attempts).toEqual([]);
    expect(polls).toBeGreaterThan(3);
    // Every item the publication stored reached the node after the last look that found no registration.
    const items = await allItems(url);
    // Two files, the manifest, and the version's public metadata and Croissant document (issue 16):
    // all stored after the registration was mined, the metadata too (it names the content root).
    expect(items.length).toBe(5);
    for (const n of items) expect(n.receipt?.timestamp ?? 0).toBeGreaterThan(lastUnregistered);

    // Its progress agrees with itself: it never goes back, says what it does in this order, ends at 100%.
    expect(progress.length).toBeGreaterThan(2);
    for (let i = 1; i < progress.length; i++) expect(progress[i]?.progress ?? 0, JSON.stringify(progress)).toBeGreaterThanOrEqual(progress[i - 1]?.progress ?? 0);
    const texts = progress.flatMap((p) => (p.text === null ? [] : [p.text]));
    for (const t of texts) expect(t).toMatch(/^(Preparing files: \d of 2 signed \(nothing is sent before the registration\)|Registering on chain|Uploading files: \d of 2 stored|Uploading the file list)$/);
    const firstUpload = texts.findIndex((t) => t.startsWith('Uploading'));
    expect(texts.slice(firstUpload).some((t) => t.startsWith('Preparing'))).toBe(false);
    expect(progress.at(-1)).toMatchObject({ state: 'done', progress: 1 });
  });
});
