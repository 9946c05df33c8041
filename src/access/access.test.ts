/**
 * The owner side of access requests through the real backend: sandbox anvil + storage node,
 * keychain wallets, durable jobs. Run under `bash .ci/with-keyring.sh npx vitest run src/access/access.test.ts`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HDNodeWallet, Wallet, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../api/backend';
import type { EventName } from '../api/contract';
import { Catalog } from '../catalog/db';
import { RegistryClient, connectChain, type ChainConnection } from '../chain/client';
import { chainFailure } from '../chain/test-utils';
import { generateIdentity, recipientOf } from '../crypto/age';
import { openGrant } from '../crypto/grant';
import { fetchAccess } from './fetch';
import { SANDBOX_MNEMONIC, startAnvil } from '../sandbox/anvil';
import { tempDir } from '../test-support/fs';
import { ativo } from '../test-support/run-cli';
import { Keychain } from '../vault/keychain';
import { requireKeychain, uniquePrefix } from '../vault/test-support';

const WORKER = fileURLToPath(new URL('./fixtures/approve-worker.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PRICE = parseEther('0.01');

const devWallet = (i: number): Wallet => new Wallet(HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey);

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('access requests, owner side (sandbox backend, real keychain)', () => {
  let dir: { path: string; cleanup: () => void };
  let dataDir: string;
  let prefix: string;
  let backend: Backend;
  let events: { event: EventName; payload: unknown }[] = [];
  let owner: string;
  let assetId: number;
  let tokenId: bigint;
  /** The published asset's license terms, as a buyer reads them. */
  let terms: { termsHash: string; price: bigint };
  let conn: ChainConnection;
  let registry: RegistryClient;
  const requester = { identity: '', recipient: '' };
  const buyer = devWallet(5);

  const open = async (): Promise<Backend> => {
    const b = await createBackend({ dataDir, keychainPrefix: prefix, keystoreScryptN: 1024 });
    b.subscribe((event, payload) => {
      events.push({ event, payload });
    });
    return b;
  };
  const connect = async (): Promise<void> => {
    const st = await backend.call('chain.status', {});
    conn = await connectChain(st.rpcUrl);
    registry = await RegistryClient.open(conn, st.registry ?? '');
  };
  const request = async (message: string, from = buyer): Promise<bigint> => {
    const sent = await registry.requestAccess(from.connect(conn.provider), tokenId, requester.recipient, terms, { message });
    return (await sent.wait()).result.requestId;
  };
  const rowOf = async (requestId: bigint) =>
    until(`request ${requestId} in the inbox`, async () => (await backend.call('access.list', { limit: 1000 })).items.find((r) => r.requestId === requestId.toString()));
  const settled = async (id: number, state: 'approved' | 'denied') =>
    until(`request row ${id} ${state}`, async () => {
      const d = await backend.call('access.get', { id });
      return d.state === state && d.action?.state === 'done' ? d : undefined;
    });

  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    process.env.ATIVO_ACCESS_POLL_MS = '200';
    dir = tempDir('ativo-access-');
    dataDir = join(dir.path, 'data');
    prefix = uniquePrefix('access');
    backend = await open();
    owner = (await backend.call('wallet.create', { label: 'owner' })).address;
    const folder = join(dir.path, 'Secret set');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.bin'), randomBytes(10_000));
    writeFileSync(join(folder, 'b.txt'), 'private b');
    assetId = (await backend.call('assets.add', { path: folder })).id;
    await until('the scan', async () => (await backend.call('assets.get', { id: assetId })).state === 'ready');
    await backend.call('storage.fund', { ether: '0.01' });
    await backend.call('assets.publish', { id: assetId, visibility: 'private', priceEth: '0.01', approval: 'manual' });
    const pub = await until('the publication', async () => (await backend.call('assets.get', { id: assetId })).publication, 120_000);
    tokenId = BigInt(pub.tokenId ?? '0');
    await connect();
    terms = { termsHash: (await registry.asset(tokenId))?.termsHash ?? '', price: PRICE };
    Object.assign(requester, await generateIdentity());
  });
  afterAll(async () => {
    await backend.close();
    conn.close();
    const b = await createBackend({ dataDir, keychainPrefix: prefix, runJobs: false });
    for (const w of (await b.call('wallet.list', {})).wallets) await b.call('wallet.remove', { address: w.address });
    await b.close();
    dir.cleanup();
    delete process.env.ATIVO_ACCESS_POLL_MS;
  });

  it('a new request shows in the inbox (once, with a notification event); approving a private asset delivers a grant that opens it', async () => {
    const requestId = await request('for my thesis');
    const row = await rowOf(requestId);
    expect(row).toMatchObject({ tokenId: tokenId.toString(), assetId, assetName: 'Secret set', requester: buyer.address, amountWei: PRICE.toString(), message: 'for my thesis', state: 'pending', read: false, action: null });
    await until('access.new', async () => events.some((e) => e.event === 'access.new' && (e.payload as { id: number }).id === row.id));
    expect(events.filter((e) => e.event === 'access.changed').at(-1)?.payload).toMatchObject({ unread: 1 });

    const { items } = await backend.call('access.approve', { ids: [row.id] });
    expect(items).toEqual([{ id: row.id, jobId: expect.any(Number) as unknown }]);
    const done = await settled(row.id, 'approved');
    expect(done.action).toMatchObject({ kind: 'approve', state: 'done', txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) as unknown });
    expect(done.grantId).toMatch(/.+/);
    const onChain = await registry.request(requestId);
    expect(onChain).toMatchObject({ status: 'approved', grantId: done.grantId });

    // The requester opens the grant with their identity; it holds the asset's key.
    const st = await backend.call('chain.status', {});
    const res = await fetch(`${st.storageUrl ?? ''}/tx/${done.grantId ?? ''}/data`);
    expect(res.status).toBe(200);
    const assetIdentity = await openGrant(new Uint8Array(await res.arrayBuffer()), requester.identity, { assetId: tokenId.toString() });
    const c = Catalog.open(backend.catalogPath, { readonly: true });
    const encryption = c.uploads.forAsset(assetId).find((u) => u.relPath === 'a.bin')?.encryption;
    c.close();
    expect(encryption).toBe(`age:${await recipientOf(assetIdentity)}`);

    // Approving it again is refused with a sentence.
    await expect(backend.call('access.approve', { ids: [row.id] })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/approved already/) as unknown });
  });

  it('denying refunds the requester; both answers are in an intact audit log', async () => {
    const requestId = await request('second try');
    const row = await rowOf(requestId);
    const before = await registry.withdrawable(buyer.address);
    await backend.call('access.deny', { ids: [row.id], reason: 'not for commercial use' });
    const done = await settled(row.id, 'denied');
    expect(done.action).toMatchObject({ kind: 'deny', reason: 'not for commercial use' });
    expect(await registry.withdrawable(buyer.address)).toBe(before + PRICE);
    expect(done.history.map((h) => h.requestId)).toContain((requestId - 1n).toString());

    const audit = await backend.call('audit.list', {});
    expect(audit).toMatchObject({ total: 2, intact: true, brokenAt: null });
    expect(audit.items.map((e) => e.action)).toEqual(['deny', 'approve']);
    expect(audit.items[0]).toMatchObject({ actor: owner, details: { requestId: requestId.toString(), txHash: done.action?.txHash, reason: 'not for commercial use' } });
  });

  it('never approves when the request on chain is not the one in the inbox (the chain or registry changed under it)', async () => {
    const requestId = await request('swapped');
    const row = await rowOf(requestId);
    // What a changed registry looks like from the catalog: the same request id, another buyer.
    // (Test-only SQL: nothing in the app writes this.)
    const c = Catalog.open(backend.catalogPath);
    c.db.prepare('UPDATE access_requests SET requester = ? WHERE id = ?').run('0x000000000000000000000000000000000000bEEF', row.id);
    c.close();
    await backend.call('access.approve', { ids: [row.id] });
    const failed = await until('the approval to fail', async () => {
      const d = await backend.call('access.get', { id: row.id });
      return d.action?.state === 'failed' ? d : undefined;
    });
    expect(failed.action?.error).toMatch(/is not the request in your inbox \(requester .* \(inbox: 0x0+bEEF\)\).*Nothing was sent/);
    expect(await registry.request(requestId)).toMatchObject({ status: 'pending', grantId: '' });
  });

  it('refuses to approve a request for a token the current wallet does not own; the chain reverts it too', async () => {
    const requestId = await request('attack');
    const row = await rowOf(requestId);
    const attacker = (await backend.call('wallet.create', { label: 'attacker' })).address;
    await backend.call('wallet.use', { address: attacker });
    try {
      // The inbox is the current wallet's: the attacker sees nothing to approve…
      expect((await backend.call('access.list', {})).items).toEqual([]);
      // …and asking anyway is refused, naming who owns the token.
      await expect(backend.call('access.approve', { ids: [row.id] })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(new RegExp(`owned by ${owner}, not by your current wallet ${attacker}: only the token's owner or one of its approvers can approve it`)) as unknown,
      });
      await expect(backend.call('access.deny', { ids: [row.id] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      // Straight to the contract, the approval reverts.
      const err = await chainFailure(registry.approve(devWallet(6).connect(conn.provider), requestId, 'forged-grant'));
      expect(err.code).toBe('REVERTED');
      expect(err.details.revert?.name).toBe('NotTokenOwner');
      expect((await registry.request(requestId))?.status).toBe('pending');
    } finally {
      await backend.call('wallet.use', { address: owner });
    }
    await expect(backend.call('access.approve', { ids: [999_999] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const marked = await backend.call('access.markRead', { all: true });
    expect(marked.unread).toBe(0);
  });

  it('a request made while the app is closed appears after the next start', async () => {
    await backend.close();
    conn.close();
    const sb = await startAnvil({ dataDir: join(dataDir, 'sandbox') });
    let requestId: bigint;
    try {
      const reg = await RegistryClient.open(sb.conn, registry.address);
      requestId = (await (await reg.requestAccess(devWallet(7).connect(sb.conn.provider), tokenId, requester.recipient, terms, { message: 'while you were away' })).wait()).result.requestId;
    } finally {
      await sb.stop();
    }
    events = [];
    backend = await open();
    // No command: the runner's poller finds it.
    const row = await rowOf(requestId);
    expect(row).toMatchObject({ message: 'while you were away', state: 'pending' });
    await until('access.new after restart', async () => events.some((e) => e.event === 'access.new' && (e.payload as { id: number }).id === row.id));
    await connect();
  });

  it('auto-approve: the publish dialog\'s choice and access.setAutoApprove approve requests that pay the price; the simulated buyer asks', async () => {
    // A public asset published with approval 'auto': its rule is on once the publication is done.
    const folder = join(dir.path, 'Open set');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'open.txt'), `open ${Date.now()}`);
    const open = (await backend.call('assets.add', { path: folder })).id;
    await until('the scan', async () => (await backend.call('assets.get', { id: open })).state === 'ready');
    await backend.call('assets.publish', { id: open, visibility: 'public', priceEth: '0.002', approval: 'auto' });
    await until('the publication', async () => (await backend.call('assets.get', { id: open })).publication, 120_000);
    const sim = await backend.call('access.simulateBuyer', { assetId: open, message: 'simulated' });
    expect(sim.requester).not.toBe(owner);
    const simRow = await rowOf(BigInt(sim.requestId));
    expect(simRow).toMatchObject({ assetId: open, message: 'simulated', amountWei: parseEther('0.002').toString() });
    const simDone = await settled(simRow.id, 'approved');
    expect(simDone.autoApprove).toBe(true);
    expect(simDone.grantId).toBe(''); // public: nothing to decrypt

    // The private asset: turned on by hand.
    expect((await backend.call('access.get', { id: (await rowOf(await request('manual'))).id })).autoApprove).toBe(false);
    expect(await backend.call('access.setAutoApprove', { assetId, autoApprove: true })).toEqual({ assetId, autoApprove: true });
    const row = await rowOf(await request('auto please'));
    const done = await settled(row.id, 'approved');
    expect(done.grantId).toMatch(/.+/);
    const entry = (await backend.call('audit.list', {})).items.find((e) => e.details.requestId === row.requestId);
    expect(entry).toMatchObject({ action: 'approve', details: { auto: true } });
    await backend.call('access.setAutoApprove', { assetId, autoApprove: false });

    // Clear refusals.
    const bare = join(dir.path, 'Unpublished');
    mkdirSync(bare, { recursive: true });
    writeFileSync(join(bare, 'x.txt'), 'x');
    const unpublished = (await backend.call('assets.add', { path: bare })).id;
    await expect(backend.call('access.simulateBuyer', { assetId: unpublished })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/not certified on the sandbox yet/) as unknown });
    await expect(backend.call('access.setAutoApprove', { assetId: 999_999, autoApprove: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const st = await backend.call('chain.status', {});
    await backend.call('network.set', { name: 'testnet', rpcUrl: st.rpcUrl, chainId: st.chainId, registry: st.registry ?? '', storageUrl: st.storageUrl ?? '' });
    await backend.call('network.use', { name: 'testnet' });
    try {
      await expect(backend.call('access.simulateBuyer', { assetId: open })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/only on the sandbox/) as unknown });
    } finally {
      await backend.call('network.use', { name: 'sandbox' });
      conn.close();
      await connect(); // the sandbox chain restarted
    }
  });

  it('auto-approve also acts on requests that arrived while another wallet was in use, once the owner is back', async () => {
    await backend.call('access.setAutoApprove', { assetId, autoApprove: true });
    const other = (await backend.call('wallet.create', { label: 'someone else' })).address;
    await backend.call('wallet.use', { address: other });
    const rowId = await (async () => {
      try {
        const requestId = await request('while away');
        // Indexed, but nothing is enqueued while another wallet is in use (it would pay the grant's storage).
        const row = await until('the request indexed', async () => {
          const c = Catalog.open(backend.catalogPath, { readonly: true });
          const r = c.access.list({ network: 'sandbox', owner: owner.toLowerCase(), offset: 0, limit: 1000 }).items.find((x) => x.requestId === requestId.toString());
          c.close();
          return r;
        });
        await backend.call('access.sync', {});
        await expect(backend.call('access.get', { id: row.id }).then((d) => d.action)).resolves.toBeNull();
        return row.id;
      } finally {
        await backend.call('wallet.use', { address: owner });
      }
    })();
    const done = await settled(rowId, 'approved');
    expect(done.action).toMatchObject({ kind: 'approve', state: 'done' });
    await backend.call('access.setAutoApprove', { assetId, autoApprove: false });
  });

  it('`ativo audit --json` exports the chain, and says so when it was tampered with', () => {
    const env = { ATIVO_DATA_DIR: dataDir, ATIVO_KEYCHAIN_PREFIX: prefix };
    const r = ativo(['audit', '--json'], { env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { intact: boolean; entries: { id: number; action: string; hash: string }[] };
    expect(out.intact).toBe(true);
    expect(out.entries.length).toBeGreaterThanOrEqual(2);
    expect(out.entries.map((e) => e.id)).toEqual([...out.entries.map((e) => e.id)].sort((a, b) => a - b));
    expect(ativo(['audit'], { env }).stdout).toMatch(/is intact/);
    const c = Catalog.open(join(dataDir, 'catalog.sqlite'));
    const first = out.entries[0]?.id ?? 0;
    const actor = c.db.prepare('SELECT actor FROM audit_log WHERE id = ?').pluck().get(first);
    c.db.prepare("UPDATE audit_log SET actor = '0xmallory' WHERE id = ?").run(first);
    try {
      const bad = ativo(['audit'], { env });
      expect(bad.status).toBe(1);
      expect(bad.stdout).toMatch(new RegExp(`entry ${first} does not match`));
    } finally {
      c.db.prepare('UPDATE audit_log SET actor = ? WHERE id = ?').run(actor, first);
      c.close();
    }
  });

  for (const point of ['access:after-tx-saved', 'access:after-broadcast', 'access:before-deliver']) {
    it(`an approval killed at ${point} finishes after a restart with exactly one approve transaction`, async () => {
      const requestId = await request(`crash ${point}`);
      const row = await rowOf(requestId);
      await backend.close();
      conn.close();
      const nonceBefore = await (async () => {
        const sb = await startAnvil({ dataDir: join(dataDir, 'sandbox') });
        try {
          return await sb.conn.provider.getTransactionCount(owner);
        } finally {
          await sb.stop();
        }
      })();
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER, dataDir, prefix, String(row.id), owner], { cwd: REPO, env: { ...process.env, ATIVO_FAULT: point }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => { resolve({ code, signal }); }));
      expect(exit.signal, out).toBe('SIGKILL');
      if (point === 'access:before-deliver') {
        // Approved and paid on chain, the grant not stored yet: the buyer is told to come back.
        const idle = await createBackend({ dataDir, keychainPrefix: prefix, keystoreScryptN: 1024, runJobs: false });
        try {
          const st = await idle.call('chain.status', {});
          const c = await connectChain(st.rpcUrl);
          try {
            const reg = await RegistryClient.open(c, st.registry ?? '');
            expect((await reg.request(requestId))?.status).toBe('approved');
            const early = fetchAccess(
              { chain: { conn: c, registry: reg, chainId: st.chainId, network: 'sandbox' }, storageUrl: () => Promise.resolve(st.storageUrl ?? ''), wallet: buyer.address, requesterIdentity: () => Promise.resolve(requester) },
              requestId,
              join(dir.path, 'too-early'),
            );
            await expect(early).rejects.toThrow(/is approved, and the owner's Ativo is still delivering your key .* Try again in a few minutes; nothing was downloaded\./);
          } finally {
            c.close();
          }
        } finally {
          await idle.close();
        }
      }

      backend = await open(); // the runner resumes the job from its checkpoint
      const done = await settled(row.id, 'approved');
      await connect();
      expect(await conn.provider.getTransactionCount(owner)).toBe(nonceBefore + 1);
      const granted = (await registry.events(0)).filter((e) => e.name === 'AccessGranted' && e.requestId === requestId);
      expect(granted).toHaveLength(1);
      expect(granted[0]?.transactionHash).toBe(done.action?.txHash);
      const audit = await backend.call('audit.list', {});
      expect(audit.intact).toBe(true);
      expect(audit.items.filter((e) => e.details.requestId === requestId.toString())).toHaveLength(1);
      // The grant named on chain is stored and opens the asset (delivered after the restart).
      const onChain = await registry.request(requestId);
      expect(onChain?.grantId).toBe(done.grantId);
      const st = await backend.call('chain.status', {});
      expect(await grantItems(st.storageUrl ?? '', requestId)).toEqual([onChain?.grantId]);
    });
  }

  /** What a buyer watching the storage node finds for a request: the ids of items tagged as its grant. */
  async function grantItems(storageUrl: string, requestId: bigint): Promise<string[]> {
    const query = `query { transactions(tags: [{ name: "Type", values: ["grant"] }, { name: "Request-Id", values: ["${requestId}"] }], limit: 100) { edges { node { id } } } }`;
    const res = await fetch(new URL('/graphql', storageUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    expect(res.status).toBe(200);
    const data = (await res.json()) as { data: { transactions: { edges: { node: { id: string } }[] } } };
    return data.data.transactions.edges.map((e) => e.node.id);
  }

  it('attack: the approval dies after the grant is made; the buyer finds no key, cancels after the timeout, and the approval is never delivered', async () => {
    const requestId = await request('grant thief');
    const row = await rowOf(requestId);
    await backend.close();
    conn.close();
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, dataDir, prefix, String(row.id), owner], { cwd: REPO, env: { ...process.env, ATIVO_FAULT: 'access:after-grant' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exit = await new Promise<{ signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (_code, signal) => { resolve({ signal }); }));
    expect(exit.signal, out).toBe('SIGKILL');

    // The thief's view, with the app down and its job stopped right after making the grant:
    // nothing on storage names this request.
    const idle = await createBackend({ dataDir, keychainPrefix: prefix, keystoreScryptN: 1024, runJobs: false });
    try {
      const st = await idle.call('chain.status', {});
      expect(await grantItems(st.storageUrl ?? '', requestId)).toEqual([]);
      const c = await connectChain(st.rpcUrl);
      try {
        const reg = await RegistryClient.open(c, st.registry ?? '');
        const onChain = await reg.request(requestId);
        const latest = await c.provider.getBlock('latest');
        await c.provider.send('evm_increaseTime', [(onChain?.cancellableAt ?? 0) - (latest?.timestamp ?? 0) + 1]);
        await c.provider.send('evm_mine', []);
        const before = await reg.withdrawable(buyer.address);
        await (await reg.cancel(buyer.connect(c.provider), requestId)).wait();
        expect(await reg.withdrawable(buyer.address)).toBe(before + PRICE);
      } finally {
        c.close();
      }
    } finally {
      await idle.close();
    }

    // The app comes back: the approval does not go on, and the key is never stored.
    backend = await open();
    const failed = await until('the approval to stop', async () => {
      const d = await backend.call('access.get', { id: row.id });
      return d.action?.state === 'failed' ? d : undefined;
    });
    expect(failed.action?.error).toMatch(/cancelled on chain already/);
    await connect();
    expect((await registry.request(requestId))?.status).toBe('cancelled');
    const st = await backend.call('chain.status', {});
    expect(await grantItems(st.storageUrl ?? '', requestId)).toEqual([]);
  });

  it('the approval job itself refuses a request past its timeout (whatever the inbox says), before signing anything', async () => {
    const requestId = await request('late, inbox not told');
    const row = await rowOf(requestId);
    await backend.close();
    conn.close();
    const sb = await startAnvil({ dataDir: join(dataDir, 'sandbox') });
    let nonce: number;
    try {
      const reg = await RegistryClient.open(sb.conn, sb.registry?.address ?? '');
      const onChain = await reg.request(requestId);
      const latest = await sb.conn.provider.getBlock('latest');
      await sb.conn.provider.send('evm_increaseTime', [(onChain?.cancellableAt ?? 0) - (latest?.timestamp ?? 0) + 1]);
      await sb.conn.provider.send('evm_mine', []);
      nonce = await sb.conn.provider.getTransactionCount(owner);
    } finally {
      await sb.stop();
    }
    // The inbox row is still "pending": the worker runs the job as the app would.
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, dataDir, prefix, String(row.id), owner], { cwd: REPO, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.on('exit', resolve));
    expect(out).toMatch(/failed Request #\d+ waited past its time limit .* Nothing was signed or sent\./);
    backend = await open();
    await connect();
    expect(await conn.provider.getTransactionCount(owner)).toBe(nonce);
    expect((await registry.request(requestId))?.status).toBe('pending');
    const st = await backend.call('chain.status', {});
    expect(await grantItems(st.storageUrl ?? '', requestId)).toEqual([]);
  });

  it('an approval for a request past its timeout is refused before anything is signed; denying it still refunds', async () => {
    const requestId = await request('too late');
    const row = await rowOf(requestId);
    const onChain = await registry.request(requestId);
    const latest = await conn.provider.getBlock('latest');
    await conn.provider.send('evm_increaseTime', [(onChain?.cancellableAt ?? 0) - (latest?.timestamp ?? 0) + 1]);
    await conn.provider.send('evm_mine', []);
    const nonce = await conn.provider.getTransactionCount(owner);
    await until('the request to expire', async () => (await backend.call('access.get', { id: row.id })).state === 'expired');
    await expect(backend.call('access.approve', { ids: [row.id] })).rejects.toThrow(/time limit.*can no longer be approved.*Deny it/);
    expect(await conn.provider.getTransactionCount(owner)).toBe(nonce);
    const st = await backend.call('chain.status', {});
    expect(await grantItems(st.storageUrl ?? '', requestId)).toEqual([]);
    await backend.call('access.deny', { ids: [row.id], reason: 'too late' });
    await settled(row.id, 'denied');
  });
});
