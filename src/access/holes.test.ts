/**
 * Issue 12, the holes left in "no key before payment" and "a key per version", each performed as
 * an attack (or a mishap) against the real backend: sandbox anvil + storage node, keychain
 * wallets, durable jobs, the approve worker killed at fault points.
 * Run under `bash .ci/with-keyring.sh npx vitest run src/access/holes.test.ts`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HDNodeWallet, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../api/backend';
import { Catalog } from '../catalog/db';
import { RegistryClient, connectChain, type ChainConnection } from '../chain/client';
import { generateIdentity, recipientOf } from '../crypto/age';
import { openGrant } from '../crypto/grant';
import { SANDBOX_MNEMONIC } from '../sandbox/anvil';
import { StorageClient } from '../storage/client';
import { isStorageError } from '../storage/errors';
import { tempDir } from '../test-support/fs';
import { Keychain } from '../vault/keychain';
import { requireKeychain, uniquePrefix } from '../vault/test-support';
import { Vault } from '../vault/vault';

const WORKER = fileURLToPath(new URL('./fixtures/approve-worker.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

const devWallet = (i: number): Wallet => new Wallet(HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey);

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('issue 12 holes: approvals, grants and version keys (sandbox backend, real keychain)', () => {
  let dir: { path: string; cleanup: () => void };
  let dataDir: string;
  let prefix: string;
  let backend: Backend;
  let owner: string;
  let assetId: number;
  let folder: string;
  let conn: ChainConnection;
  let registry: RegistryClient;
  const requester = { identity: '', recipient: '' };
  const buyer = devWallet(8);

  const open = (runJobs = true): Promise<Backend> => createBackend({ dataDir, keychainPrefix: prefix, keystoreScryptN: 1024, runJobs });
  const connect = async (): Promise<void> => {
    const st = await backend.call('chain.status', {});
    conn = await connectChain(st.rpcUrl);
    registry = await RegistryClient.open(conn, st.registry ?? '');
  };
  const request = async (tokenId: bigint, message: string): Promise<bigint> => {
    const a = await registry.asset(tokenId);
    const sent = await registry.requestAccess(buyer.connect(conn.provider), tokenId, requester.recipient, { termsHash: a?.termsHash ?? '', price: a?.price ?? 0n }, { message });
    return (await sent.wait()).result.requestId;
  };
  const rowOf = async (requestId: bigint) =>
    until(`request ${requestId} in the inbox`, async () => (await backend.call('access.list', { limit: 1000 })).items.find((r) => r.requestId === requestId.toString()));
  const settled = async (id: number) =>
    until(`request row ${id} approved`, async () => {
      const d = await backend.call('access.get', { id });
      return d.state === 'approved' && d.action?.state === 'done' ? d : undefined;
    });
  const publication = async (id: number, notToken?: string): Promise<string> =>
    until('the publication', async () => {
      const t = (await backend.call('assets.get', { id })).publication?.tokenId;
      return t !== undefined && t !== null && t !== notToken ? t : undefined;
    }, 180_000);
  /** The grant items stored for a request (what a buyer watching storage finds). */
  const grantItems = async (requestId: bigint): Promise<string[]> => {
    const st = await backend.call('chain.status', {});
    const query = `query { transactions(tags: [{ name: "Type", values: ["grant"] }, { name: "Request-Id", values: ["${requestId}"] }], limit: 100) { edges { node { id } } } }`;
    const res = await fetch(new URL('/graphql', st.storageUrl ?? ''), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const data = (await res.json()) as { data: { transactions: { edges: { node: { id: string } }[] } } };
    return data.data.transactions.edges.map((e) => e.node.id);
  };
  /** The identity a delivered grant hands the buyer. */
  const grantIdentity = async (grantId: string, tokenId: string): Promise<string> => {
    const st = await backend.call('chain.status', {});
    const res = await fetch(`${st.storageUrl ?? ''}/tx/${grantId}/data`);
    expect(res.status).toBe(200);
    return openGrant(new Uint8Array(await res.arrayBuffer()), requester.identity, { assetId: tokenId });
  };
  /** Runs the approve worker (the app's job runner in a child) with a fault point; it must die there. */
  const killedAt = async (rowId: number, point: string): Promise<void> => {
    await backend.close();
    conn.close();
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, dataDir, prefix, String(rowId), owner], { cwd: REPO, env: { ...process.env, ATIVO_FAULT: point }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exit = await new Promise<{ signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (_code, signal) => { resolve({ signal }); }));
    expect(exit.signal, out).toBe('SIGKILL');
  };
  const reopen = async (): Promise<void> => {
    backend = await open();
    await connect();
  };

  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    process.env.ATIVO_ACCESS_POLL_MS = '200';
    dir = tempDir('ativo-holes-');
    dataDir = join(dir.path, 'data');
    prefix = uniquePrefix('holes');
    backend = await open();
    owner = (await backend.call('wallet.create', { label: 'owner' })).address;
    folder = join(dir.path, 'Private then public');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.bin'), randomBytes(10_000));
    writeFileSync(join(folder, 'b.txt'), 'version 1');
    assetId = (await backend.call('assets.add', { path: folder })).id;
    await until('the scan', async () => (await backend.call('assets.get', { id: assetId })).state === 'ready');
    // Just enough storage balance for this publication (3 items, about 1e12 wei each).
    await backend.call('storage.fund', { ether: '0.00001' });
    await backend.call('assets.publish', { id: assetId, visibility: 'private', priceEth: '0.01', approval: 'manual' });
    await publication(assetId);
    await connect();
    Object.assign(requester, await generateIdentity());
  }, 240_000);
  afterAll(async () => {
    await backend.close();
    conn.close();
    const b = await open(false);
    for (const w of (await b.call('wallet.list', {})).wallets) await b.call('wallet.remove', { address: w.address });
    await b.close();
    dir.cleanup();
    delete process.env.ATIVO_ACCESS_POLL_MS;
  });

  it('a drained storage balance at delivery: the paid approval waits for funds (never fails), cannot be cancelled, and delivers once funded', async () => {
    // Spend what the publication left, so the grant's item cannot be paid for.
    const st = await backend.call('chain.status', {});
    const vault = new Vault({ servicePrefix: prefix, keystoreScryptN: 1024 });
    const client = await StorageClient.create({ network: 'sandbox', nodeUrl: st.storageUrl ?? '', rpcUrl: st.rpcUrl, privateKey: (await vault.signer(owner)).privateKey });
    for (let i = 0; i < 40; i++) {
      const filler = join(dir.path, `filler-${i}.bin`);
      writeFileSync(filler, randomBytes(16));
      const err = await client.uploadFile(filler, { dedupe: false }).then(() => null, (e: unknown) => e);
      if (err !== null) {
        expect(isStorageError(err, 'INSUFFICIENT_BALANCE'), err instanceof Error ? err.message : 'not an Error').toBe(true);
        break;
      }
    }
    const tokenId = BigInt((await backend.call('assets.get', { id: assetId })).publication?.tokenId ?? '0');
    const requestId = await request(tokenId, 'pay me, key later');
    const row = await rowOf(requestId);
    const { items } = await backend.call('access.approve', { ids: [row.id] });
    const jobId = items[0]?.jobId ?? 0;
    const waiting = await until('the approval to wait for storage funds', async () => {
      const a = (await backend.call('access.get', { id: row.id })).action;
      expect(a?.state).not.toBe('failed');
      return a?.state === 'waiting' ? a : undefined;
    });
    expect(waiting.jobId).toBe(jobId);
    expect(waiting.error ?? '').toMatch(/approved and paid, but your storage balance is short by .* fund your storage balance and it is delivered/);
    expect((await registry.request(requestId))?.status).toBe('approved'); // the buyer has paid
    expect(await grantItems(requestId)).toEqual([]);

    // The approval is on chain: giving up now would leave a paying buyer without a key.
    await expect(backend.call('jobs.cancel', { id: jobId })).rejects.toMatchObject({ message: expect.stringMatching(/already on its way to the chain .* cannot be cancelled/) as unknown });
    expect((await backend.call('access.get', { id: row.id })).action?.state).toBe('waiting');

    await backend.call('storage.fund', { ether: '0.01' });
    const done = await settled(row.id);
    expect(done.action).toMatchObject({ jobId, state: 'done' });
    const onChain = await registry.request(requestId);
    expect(await grantItems(requestId)).toEqual([onChain?.grantId]);
    expect(done.grantId).toBe(onChain?.grantId);
  }, 240_000);

  it('an approval mined after its job was cancelled still delivers the key: the indexer queues the delivery again', async () => {
    await backend.call('storage.fund', { ether: '0.001' }); // each test stands on its own
    const tokenId = BigInt((await backend.call('assets.get', { id: assetId })).publication?.tokenId ?? '0');
    const requestId = await request(tokenId, 'cancelled under me');
    const row = await rowOf(requestId);
    // The approve transaction is broadcast (and mined: anvil automines), then the app dies.
    await killedAt(row.id, 'access:after-broadcast');
    // The job is then given up on while the approval was already on its way (what a cancel, or a
    // job out of attempts, did before; test-only SQL: the queue now refuses that cancel).
    const c = Catalog.open(join(dataDir, 'catalog.sqlite'));
    const jobId = c.access.get(row.id)?.actionJob ?? 0;
    c.db.prepare("UPDATE jobs SET state = 'cancelled', next_run_at = NULL WHERE id = ?").run(jobId);
    c.close();

    await reopen();
    const onChain = await until('the approval on chain', async () => {
      const r = await registry.request(requestId);
      return r?.status === 'approved' ? r : undefined;
    });
    expect(onChain.grantId).not.toBe('');
    await until('the prepared grant delivered', async () => ((await grantItems(requestId)).includes(onChain.grantId) ? true : undefined), 90_000);
    const done = await settled(row.id);
    expect(done.grantId).toBe(onChain.grantId);
    expect(done.action?.jobId).not.toBe(jobId); // a new job delivered it
    expect(await grantItems(requestId)).toEqual([onChain.grantId]);
    const identity = await grantIdentity(onChain.grantId, tokenId.toString());
    expect(identity).toMatch(/^AGE-SECRET-KEY-1/);
    // Exactly once in the audit log.
    const audit = await backend.call('audit.list', {});
    expect(audit.items.filter((e) => e.details.requestId === requestId.toString())).toHaveLength(1);
  }, 240_000);

  it('the current wallet switched between the grant and its delivery: the job still delivers the original item, signed by its owner', async () => {
    await backend.call('storage.fund', { ether: '0.001' }); // each test stands on its own
    const tokenId = BigInt((await backend.call('assets.get', { id: assetId })).publication?.tokenId ?? '0');
    const requestId = await request(tokenId, 'switch wallets');
    const row = await rowOf(requestId);
    await killedAt(row.id, 'access:before-deliver');
    const idle = await open(false);
    try {
      const other = (await idle.call('wallet.create', { label: 'other' })).address;
      await idle.call('wallet.use', { address: other });
    } finally {
      await idle.close();
    }
    await reopen();
    try {
      const onChain = await registry.request(requestId);
      expect(onChain?.status).toBe('approved');
      const end = await until('the delivery job', async () => {
        const a = (await backend.call('access.get', { id: row.id })).action;
        return a?.state === 'done' || a?.state === 'failed' ? a : undefined;
      });
      expect(end.state, end.error ?? '').toBe('done');
      expect(await grantItems(requestId)).toEqual([onChain?.grantId]);
      expect((await grantIdentity(onChain?.grantId ?? '', tokenId.toString())).length).toBeGreaterThan(0);
    } finally {
      await backend.call('wallet.use', { address: owner });
    }
  }, 240_000);

  it('a grant carries exactly the key of the token\'s version as it was published: private v1 then public v2, and public v1 then private v2', async () => {
    await backend.call('storage.fund', { ether: '0.001' }); // each test stands on its own
    const token1 = await publication(assetId);
    const root1 = (await registry.asset(BigInt(token1)))?.contentRoot.replace(/^0x/, '') ?? '';
    // Version 2 of the private asset is made public.
    writeFileSync(join(folder, 'b.txt'), 'version 2, public');
    await backend.call('assets.rescan', { id: assetId });
    await until('the rescan', async () => (await backend.call('assets.get', { id: assetId })).state === 'ready');
    await backend.call('assets.publish', { id: assetId, visibility: 'public', confirmPublic: true });
    const token2 = await publication(assetId, token1);

    // A second asset: public version 1, then private version 2.
    const other = join(dir.path, 'Public then private');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'c.txt'), 'open version 1');
    const otherId = (await backend.call('assets.add', { path: other })).id;
    await until('the scan', async () => (await backend.call('assets.get', { id: otherId })).state === 'ready');
    await backend.call('assets.publish', { id: otherId, visibility: 'public', priceEth: '0.001', approval: 'manual' });
    const tokenP1 = await publication(otherId);
    writeFileSync(join(other, 'd.bin'), randomBytes(5000));
    await backend.call('assets.rescan', { id: otherId });
    await until('the rescan', async () => (await backend.call('assets.get', { id: otherId })).state === 'ready');
    await backend.call('assets.publish', { id: otherId, visibility: 'private' });
    const tokenP2 = await publication(otherId, tokenP1);
    const rootP2 = (await registry.asset(BigInt(tokenP2)))?.contentRoot.replace(/^0x/, '') ?? '';

    const approve = async (token: string, message: string): Promise<string> => {
      const row = await rowOf(await request(BigInt(token), message));
      await backend.call('access.approve', { ids: [row.id] });
      return (await settled(row.id)).grantId ?? '';
    };
    const c = Catalog.open(backend.catalogPath, { readonly: true });
    try {
      // Private version 1 (the asset is public now): its own key, which opens its files.
      const g1 = await approve(token1, 'v1, private when published');
      expect(g1).not.toBe('');
      const v1Key = await grantIdentity(g1, token1);
      const v1Recipient = c.versionKeys.get(assetId, root1)?.recipient;
      expect(v1Recipient).toBeDefined();
      expect(await recipientOf(v1Key)).toBe(v1Recipient);
      expect(c.versionKeys.forAsset(assetId).map((v) => v.contentRoot)).toEqual([root1]); // v2 (public) has none
      // Public version 2: nothing to hand over.
      expect(await approve(token2, 'v2, public')).toBe('');

      // Public version 1 of the other asset (private now): no key at all.
      expect(await approve(tokenP1, 'p1, public when published')).toBe('');
      // Its private version 2: exactly that version's key, no other version's, not the asset's.
      const gP2 = await approve(tokenP2, 'p2, private');
      const p2Key = await grantIdentity(gP2, tokenP2);
      const p2Recipient = c.versionKeys.get(otherId, rootP2)?.recipient;
      expect(await recipientOf(p2Key)).toBe(p2Recipient);
      expect(c.versionKeys.forAsset(otherId).map((v) => v.contentRoot)).toEqual([rootP2]);
      expect(p2Key).not.toBe(v1Key);
      const encrypted = c.uploads.forAsset(otherId).filter((u) => u.encryption !== null);
      expect(encrypted.map((u) => u.relPath).sort()).toEqual(['c.txt', 'd.bin']);
      for (const u of encrypted) expect(u.encryption).toBe(`age:${p2Recipient ?? ''}`);
    } finally {
      c.close();
    }
  }, 600_000);
});
