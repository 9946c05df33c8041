/**
 * Issue 17, approvers end to end on the real backend (sandbox anvil + storage node, keychain
 * wallets, durable jobs): the owner names an approver; a buyer requests a private asset; the
 * approver (another wallet of the same app) sees the request in its inbox and approves it with an
 * empty grant id; the owner's Ativo delivers the key; the buyer fetches and verifies; the inbox
 * and the audit log say who decided.
 * Run under `bash .ci/with-keyring.sh npx vitest run src/access/approver-flow.test.ts`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HDNodeWallet, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../api/backend';
import { RegistryClient, connectChain, type ChainConnection } from '../chain/client';
import { generateIdentity } from '../crypto/age';
import { SANDBOX_MNEMONIC } from '../sandbox/anvil';
import { tempDir } from '../test-support/fs';
import { Keychain } from '../vault/keychain';
import { requireKeychain, uniquePrefix } from '../vault/test-support';
import { KEY_ON_ITS_WAY, keyNote } from '../api/buyer-key-note';
import { Vault } from '../vault/vault';
import { fetchAccess } from './fetch';

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

describe('approvers (sandbox backend, real keychain)', () => {
  let dir: { path: string; cleanup: () => void };
  let dataDir: string;
  let prefix: string;
  let backend: Backend;
  let conn: ChainConnection;
  let registry: RegistryClient;
  const buyer = devWallet(7);

  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    process.env.ATIVO_ACCESS_POLL_MS = '200';
    dir = tempDir('ativo-approvers-');
    dataDir = join(dir.path, 'data');
    prefix = uniquePrefix('approvers');
    backend = await createBackend({ dataDir, keychainPrefix: prefix, keystoreScryptN: 1024 });
  }, 60_000);
  afterAll(async () => {
    await backend.close();
    conn.close();
    const b = await createBackend({ dataDir, keychainPrefix: prefix, keystoreScryptN: 1024, runJobs: false });
    for (const w of (await b.call('wallet.list', {})).wallets) await b.call('wallet.remove', { address: w.address });
    await b.close();
    dir.cleanup();
    delete process.env.ATIVO_ACCESS_POLL_MS;
  });

  it('an approver approves a request on an asset it does not own; the owner delivers the key; the buyer fetches; everyone sees who approved', async () => {
    const owner = (await backend.call('wallet.create', { label: 'owner' })).address;
    const folder = join(dir.path, 'Lab data');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.bin'), randomBytes(5_000));
    writeFileSync(join(folder, 'notes.txt'), 'private notes');
    const assetId = (await backend.call('assets.add', { path: folder })).id;
    await until('the scan', async () => (await backend.call('assets.get', { id: assetId })).state === 'ready');
    await backend.call('storage.fund', { ether: '0.001' });
    await backend.call('assets.publish', { id: assetId, visibility: 'private', priceEth: '0.01', approval: 'manual' });
    const tokenId = await until('the publication', async () => (await backend.call('assets.get', { id: assetId })).publication?.tokenId, 180_000);
    const st = await backend.call('chain.status', {});
    conn = await connectChain(st.rpcUrl);
    registry = await RegistryClient.open(conn, st.registry ?? '');

    // The owner names an approver (a wallet created in the same app, switched to later).
    const approver = (await backend.call('wallet.create', { label: 'lab member' })).address;
    await backend.call('wallet.use', { address: owner });
    expect((await backend.call('approvers.list', { assetId })).approvers).toEqual([]);
    await expect(backend.call('approvers.add', { assetId, address: owner })).rejects.toMatchObject({ message: expect.stringMatching(/That is your own wallet/) as unknown });
    const named = await backend.call('approvers.add', { assetId, address: approver.toLowerCase() });
    expect(named).toMatchObject({ published: true, tokenId, isOwner: true, approvers: [{ address: approver, short: `${approver.slice(0, 6)}…${approver.slice(-4)}` }] });
    await expect(backend.call('approvers.add', { assetId, address: approver })).rejects.toMatchObject({ message: expect.stringMatching(/is already an approver/) as unknown });

    // A buyer requests access.
    const requester = await generateIdentity();
    const a = await registry.asset(BigInt(tokenId));
    const requestId = (await (await registry.requestAccess(buyer.connect(conn.provider), BigInt(tokenId), requester.recipient, { termsHash: a?.termsHash ?? '', price: a?.price ?? 0n })).wait()).result.requestId;

    // The approver's inbox holds it, though the approver owns nothing.
    await backend.call('wallet.use', { address: approver });
    await expect(backend.call('approvers.add', { assetId, address: buyer.address })).rejects.toMatchObject({ message: expect.stringMatching(/switch to the owner's wallet/) as unknown });
    const row = await until('the request in the approver inbox', async () => (await backend.call('access.list', { limit: 100 })).items.find((r) => r.requestId === requestId.toString()));
    expect(row).toMatchObject({ role: 'approver', state: 'pending', decision: null });
    await backend.call('access.approve', { ids: [row.id] });
    const approved = await until('the approval', async () => {
      const d = await backend.call('access.get', { id: row.id });
      return d.state === 'approved' && d.action?.state === 'done' ? d : undefined;
    });
    expect(approved).toMatchObject({ decidedBy: approver, decision: 'Approved by you' });
    const onChain = await registry.request(requestId);
    expect(onChain?.status).toBe('approved');
    expect(onChain?.grantId).toBe(''); // the approver holds no key
    expect(await registry.withdrawable(owner)).toBeGreaterThan(0n); // the split is credited as for the owner

    // The owner's Ativo delivers the key; the buyer fetches and the content root matches.
    const fetchDeps = { chain: { conn, registry, chainId: st.chainId, network: 'sandbox' }, storageUrl: () => backend.call('chain.status', {}).then((s) => s.storageUrl ?? ''), wallet: buyer.address, requesterIdentity: () => Promise.resolve(requester) };
    const got = await until('the delivered key', async () => fetchAccess(fetchDeps, requestId, join(dir.path, 'fetched')).catch((e: unknown) => {
      if (e instanceof Error && /still delivering your key/.test(e.message)) return undefined;
      throw e;
    }));
    expect(got.verified).toBe(true);
    expect(`0x${got.contentRoot}`).toBe((await registry.asset(BigInt(tokenId)))?.contentRoot);
    const storageUrl = fetchDeps.storageUrl;
    expect(await keyNote(fetchDeps.chain, storageUrl, requestId, BigInt(tokenId))).toBeNull(); // delivered

    // An approval mined while the owner's Ativo runs no jobs (closed, or before its runner starts):
    // the buyer is told the key is on its way; the owner's Ativo delivers it once it runs them.
    const reopen = async (runJobs: boolean): Promise<void> => {
      await backend.close();
      conn.close();
      backend = await createBackend({ dataDir, keychainPrefix: prefix, keystoreScryptN: 1024, runJobs });
      const s = await backend.call('chain.status', {});
      conn = await connectChain(s.rpcUrl);
      registry = await RegistryClient.open(conn, s.registry ?? '');
      Object.assign(fetchDeps.chain, { conn, registry });
    };
    await reopen(false);
    const r2 = (await (await registry.requestAccess(buyer.connect(conn.provider), BigInt(tokenId), requester.recipient, { termsHash: a?.termsHash ?? '', price: a?.price ?? 0n })).wait()).result.requestId;
    const approverKey = (await new Vault({ servicePrefix: prefix, keystoreScryptN: 1024 }).signer(approver)).connect(conn.provider);
    await (await registry.approve(approverKey, r2, '')).wait();
    expect(await keyNote(fetchDeps.chain, storageUrl, r2, BigInt(tokenId))).toBe(KEY_ON_ITS_WAY);
    await expect(fetchAccess(fetchDeps, r2, join(dir.path, 'too-early'))).rejects.toThrow(/the owner's Ativo is still delivering your key/);
    await reopen(true);
    await backend.call('wallet.use', { address: approver }); // the owner's wallet need not be the one in use
    await backend.call('access.sync', {});
    await until('the key of the second request', async () => ((await keyNote(fetchDeps.chain, storageUrl, r2, BigInt(tokenId))) === null ? true : undefined));
    expect((await fetchAccess(fetchDeps, r2, join(dir.path, 'fetched-2'))).verified).toBe(true);

    // Who decided, as the owner sees it, and in the audit log.
    await backend.call('wallet.use', { address: owner });
    const asOwner = (await backend.call('access.list', { limit: 100 })).items.find((r) => r.requestId === requestId.toString());
    expect(asOwner).toMatchObject({ role: 'owner', decision: `Approved by ${approver.slice(0, 6)}…${approver.slice(-4)} (approver)` });
    const audit = await backend.call('audit.list', {});
    expect(audit.intact).toBe(true);
    const mine = audit.items.filter((e) => e.details.requestId === requestId.toString());
    expect(mine.map((e) => [e.action, e.actor, e.details.decidedAs ?? e.details.decidedBy])).toEqual(
      expect.arrayContaining([
        ['approve', approver, 'approver'],
        ['deliver', owner, approver.toLowerCase()],
      ]),
    );

    // Removing the approver: it can no longer answer.
    expect((await backend.call('approvers.remove', { assetId, address: approver })).approvers).toEqual([]);
  }, 400_000);
});
