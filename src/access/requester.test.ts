/**
 * The requester side of access requests, end to end on the real sandbox: anvil, the local
 * storage node over HTTP, the OS keychain, the real `ativo` CLI. The owner publishes a private
 * asset through the backend; a second wallet requests through the CLI; the owner answers
 * directly with the chain client + createGrant + a storage upload (as the inbox will).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEther, type Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../api/backend';
import type { Certificate } from '../chain/certificate';
import { connectChain, RegistryClient, type ChainConnection } from '../chain/client';
import { createGrant, generateIdentity } from '../crypto';
import { buildManifest, contentRoot } from '../ingest/manifest';
import { StorageClient } from '../storage/client';
import { coreutilsRoot, tempDir, writeTree } from '../test-support/fs';
import { ativoAsync } from '../test-support/run-cli';
import { Keychain } from '../vault/keychain';
import { purge, requireKeychain, uniquePrefix } from '../vault/test-support';
import { Vault } from '../vault/vault';
import { versionKeyName } from '../publish/keys';

const FILES: Record<string, string | Buffer> = {
  'labels.csv': 'file,label\n0001.png,poppy\n',
  'images/0001.png': randomBytes(300_000),
  'images/empty.png': '',
  'notes/with space ünï.md': '# notes\n',
  '.hidden': 'hidden files count',
};

/** Each test drives the CLI several times (a process each) on a 2-core machine shared with other runs. */
const SLOW = 240_000;

async function until<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 180_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('access requests, requester side (sandbox, real keychain, real CLI)', () => {
  let dir: { path: string; cleanup: () => void };
  const prefix = uniquePrefix('access-req');
  let backend: Backend;
  let env: NodeJS.ProcessEnv;
  let conn: ChainConnection;
  let registry: RegistryClient;
  let vault: Vault;
  let ownerSigner: Wallet;
  let storage: StorageClient;
  let owner: string;
  let requester: string;
  let assetIdentity: string;
  let cert: Certificate;
  let certFile: string;
  let folder: string;

  /**
   * The CLI, run asynchronously: the sandbox's storage node lives in this test process (the
   * backend's), so a synchronous spawn would block it while the CLI talks to it.
   */
  const cli = (args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    new Promise((ok, fail) => {
      const child = ativoAsync(args, env);
      let stdout = '';
      let stderr = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', fail);
      child.on('close', (status) => {
        ok({ status, stdout, stderr });
      });
    });
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await cli([...args, '--json']);
    expect(r.stderr, `ativo ${args.join(' ')}`).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const use = (address: string) => backend.call('wallet.use', { address });
  const request = (message = ''): Promise<{ requestId: string; amountWei: string; txHash: string; requester: string; tokenId: string }> =>
    json(['access', 'request', certFile, ...(message ? ['--message', message] : [])]);
  /** The owner stores a grant (made by the test) and approves the request with its id. */
  const approveWith = async (requestId: string, grant: Uint8Array): Promise<string> => {
    const file = join(dir.path, `grant-${requestId}-${randomBytes(4).toString('hex')}.age`);
    writeFileSync(file, grant);
    const up = await storage.uploadFile(file, { tags: [{ name: 'Type', value: 'grant' }, { name: 'Request-Id', value: requestId }] });
    await (await registry.approve(ownerSigner, BigInt(requestId), up.id)).wait();
    return up.id;
  };
  const realGrant = async (requestId: string): Promise<Uint8Array> => {
    const r = await registry.request(BigInt(requestId));
    return createGrant(assetIdentity, r?.recipient ?? '', { contentRoot: cert.asset.contentRoot });
  };
  /** Nothing of a fetch is left beside --out (no temp folder). */
  const leftovers = (parent: string): string[] => readdirSync(parent).filter((n) => n.includes('.ativo-fetch-'));

  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    dir = tempDir();
    const dataDir = join(dir.path, 'data');
    env = { ATIVO_DATA_DIR: dataDir, ATIVO_KEYCHAIN_PREFIX: prefix };
    backend = await createBackend({ dataDir, keychainPrefix: prefix, keystoreScryptN: 1024 });
    vault = new Vault({ servicePrefix: prefix });

    // The owner publishes a private asset priced 0.01 ETH.
    owner = (await backend.call('wallet.create', { label: 'owner' })).address;
    folder = join(dir.path, 'Wildflowers');
    mkdirSync(folder);
    writeTree(folder, FILES);
    const asset = await backend.call('assets.add', { path: folder, kind: 'dataset' });
    await backend.call('storage.fund', { ether: '0.01' });
    const { jobId } = await backend.call('assets.publish', { id: asset.id, visibility: 'private', priceEth: '0.01' });
    await until('the publication', async () => {
      const j = (await backend.call('jobs.list', { limit: 1000 })).items.find((x) => x.id === jobId);
      if (j?.state === 'failed' || j?.state === 'cancelled') throw new Error(`publish failed: ${j.error ?? ''}`);
      return j?.state === 'done' ? true : undefined;
    });
    cert = (await backend.call('assets.certificate', { id: asset.id })).certificate as unknown as Certificate;
    expect(cert.asset.contentRoot).toBe(coreutilsRoot(folder));
    certFile = join(dir.path, 'ativo-certificate.json');
    writeFileSync(certFile, JSON.stringify(cert, null, 2));
    // The key of the published version (one per version: src/publish/keys.ts).
    const identity = await vault.getAssetIdentity(versionKeyName(asset, cert.asset.contentRoot));
    if (identity === null) throw new Error('the private asset has no identity in the keychain');
    assetIdentity = identity;

    const st = await backend.call('chain.status', {});
    conn = await connectChain(st.rpcUrl);
    registry = await RegistryClient.open(conn, st.registry ?? '');
    ownerSigner = await vault.signer(owner, conn.provider);
    storage = await StorageClient.create({ network: 'sandbox', nodeUrl: st.storageUrl ?? '', rpcUrl: st.rpcUrl, privateKey: ownerSigner.privateKey });

    // The requester: a second wallet, current from now on (it gets sandbox ETH).
    requester = (await backend.call('wallet.create', { label: 'requester' })).address;
    await use(requester);
  }, 300_000);

  afterAll(async () => {
    // beforeAll may have stopped anywhere: each resource is released if it was made.
    const made = { backend: backend as Backend | undefined, conn: conn as ChainConnection | undefined, dir: dir as typeof dir | undefined };
    if (made.backend) {
      for (const w of (await made.backend.call('wallet.list', {})).wallets) await made.backend.call('wallet.remove', { address: w.address });
      await made.backend.close();
    }
    made.conn?.close();
    await purge(new Keychain({ prefix }), ['asset-identity', 'requester-identity']);
    made.dir?.cleanup();
  }, SLOW);

  it('requests with the certificate (paying the price), reports pending, and a denial refunds the requester and fails fetch clearly', async () => {
    const before = await registry.withdrawable(requester);
    const r = await request('for a thesis on meadows');
    expect(r).toMatchObject({ tokenId: cert.chain.tokenId, amountWei: '10000000000000000', requester });
    expect(r.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    // On chain: escrowed, to this wallet's requester key (kept in the keychain).
    const onChain = await registry.request(BigInt(r.requestId));
    const key = await vault.requesterIdentity(requester);
    expect(onChain).toMatchObject({ requester, amount: parseEther('0.01'), status: 'pending', recipient: key?.recipient });
    // Its secret half is in the keychain only: not in the data dir (catalog, sandbox, staging).
    // grep runs in a child process: reading the catalog's files from this process would drop
    // the open catalog's POSIX locks (closing any fd of a file releases all of a process's locks).
    const grep = spawnSync('grep', ['-rlF', key?.identity ?? '-', dir.path], { encoding: 'utf8' });
    expect(grep.status, grep.stdout).toBe(1); // 1: no match
    expect((await registry.totals()).escrowed).toBe(parseEther('0.01'));

    const pending = await json<{ state: string; grantId: string | null; reason: string | null; createdAt: string; cancellableAt: string }>(['access', 'status', r.requestId]);
    expect(pending).toMatchObject({ state: 'pending', grantId: null, reason: null });
    expect(Date.parse(pending.cancellableAt)).toBeGreaterThan(Date.parse(pending.createdAt));
    const human = await cli(['access', 'status', r.requestId]);
    expect(human.stdout).toMatch(new RegExp(`request #${r.requestId} {2}pending`));
    expect(human.stdout).toMatch(/waiting for the owner/);
    const early = await cli(['access', 'fetch', r.requestId, '--out', join(dir.path, 'early')]);
    expect(early.status).toBe(1);
    expect(early.stderr).toMatch(/waiting for the owner/);
    expect(existsSync(join(dir.path, 'early'))).toBe(false);

    await (await registry.deny(ownerSigner, BigInt(r.requestId), 'only for registered researchers')).wait();
    expect((await registry.withdrawable(requester)) - before).toBe(BigInt(r.amountWei));
    const denied = await json<{ state: string; reason: string | null }>(['access', 'status', r.requestId]);
    expect(denied).toMatchObject({ state: 'denied', reason: 'only for registered researchers' });

    const out = join(dir.path, 'denied-out');
    const f = await cli(['access', 'fetch', r.requestId, '--out', out]);
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/The owner denied this request: only for registered researchers; your payment of 0\.01 ETH was credited back to your wallet's withdrawable balance/);
    expect(existsSync(out)).toBe(false);
    expect(leftovers(dir.path)).toEqual([]);
  }, SLOW);

  it('refuses clearly: an unknown token, a certificate of another chain, too little ETH, a bad request id', async () => {
    const unknown = await cli(['access', 'request', '999', '--terms-hash', cert.license.termsHash]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/There is no asset #999 on the sandbox network/);

    const foreign = join(dir.path, 'foreign-certificate.json');
    writeFileSync(foreign, JSON.stringify({ ...cert, chain: { ...cert.chain, chainId: 8453 } }));
    const wrongChain = await cli(['access', 'request', foreign]);
    expect(wrongChain.status).toBe(1);
    expect(wrongChain.stderr).toMatch(/is for chain 8453 .* but Ativo is on sandbox \(chain 31337/);
    writeFileSync(foreign, JSON.stringify({ ...cert, chain: { ...cert.chain, registry: '0x000000000000000000000000000000000000dEaD' } }));
    expect((await cli(['access', 'request', foreign])).stderr).toMatch(/registry 0x000000000000000000000000000000000000dEaD\), but Ativo is on sandbox/);

    // The owner raises the price above what the requester has: nothing is sent.
    const count = await registry.requestCount();
    const asset = await registry.asset(BigInt(cert.chain.tokenId));
    await (await registry.updateTerms(ownerSigner, BigInt(cert.chain.tokenId), asset?.termsHash ?? '', parseEther('5000'))).wait();
    try {
      const poor = await cli(['access', 'request', cert.chain.tokenId, '--terms-hash', asset?.termsHash ?? '', '--json']);
      expect(poor.status).toBe(1);
      expect(poor.stderr).toMatch(/Not enough ETH: requesting access to asset #\d+ costs 5000 ETH plus about [\d.]+ ETH of network fee .* and 0x[0-9a-fA-F]{40} has [\d.]+ ETH on sandbox\. Add at least [\d.]+ ETH/);
      // The command line's own way to add it, not the app's screen.
      expect(poor.stderr).toMatch(/\(test ETH: ativo sandbox fund 0x[0-9a-fA-F]{40} --ether \d+\), then run ativo access request again\. Nothing was paid\./);
      expect(poor.stderr).not.toMatch(/Wallet screen/);
      expect(await registry.requestCount()).toBe(count);
    } finally {
      await (await registry.updateTerms(ownerSigner, BigInt(cert.chain.tokenId), asset?.termsHash ?? '', parseEther('0.01'))).wait();
    }

    expect((await cli(['access', 'status', '0'])).status).toBe(2);
    // A bare token id says nothing of the terms the person read: it is not enough.
    const unpinned = await cli(['access', 'request', cert.chain.tokenId]);
    expect(unpinned.status).toBe(2);
    expect(unpinned.stderr).toMatch(/say which license terms you accept: give the asset's certificate file \(it holds the terms\) instead of the token id, or add --terms-hash/);
    expect(await registry.requestCount()).toBe(count);
    const none = await cli(['access', 'status', '424242']);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/There is no access request #424242/);
    expect((await cli(['access', 'fetch', '1'])).stderr).toMatch(/--out/);
  }, SLOW);

  it('an approved request fetches byte-equal files whose content root is the certificate\'s; a non-empty --out or another wallet is refused', async () => {
    const r = await request();
    const grantId = await approveWith(r.requestId, await realGrant(r.requestId));
    expect(await json<{ state: string; grantId: string }>(['access', 'status', r.requestId])).toMatchObject({ state: 'approved', grantId });

    // A non-empty --out is refused and left as it was; nothing else is written.
    const busy = join(dir.path, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'mine.txt'), 'keep me');
    const refused = await cli(['access', 'fetch', r.requestId, '--out', busy]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/busy is not empty: choose a new or empty folder/);
    expect(readdirSync(busy)).toEqual(['mine.txt']);
    expect(readFileSync(join(busy, 'mine.txt'), 'utf8')).toBe('keep me');
    expect(leftovers(dir.path)).toEqual([]);

    // Another wallet (here the owner) cannot fetch the requester's request.
    await use(owner);
    try {
      const other = await cli(['access', 'fetch', r.requestId, '--out', join(dir.path, 'stolen')]);
      expect(other.status, other.stdout + other.stderr).toBe(1);
      expect(other.stderr).toContain(`Request #${r.requestId} was made by ${requester}, not by the current wallet ${owner}`);
      expect(existsSync(join(dir.path, 'stolen'))).toBe(false);
    } finally {
      await use(requester);
    }

    // The requester fetches into a new folder (and into an existing empty one).
    const out = join(dir.path, 'fetched');
    const got = await json<{ out: string; files: number; bytes: number; contentRoot: string; verified: boolean }>(['access', 'fetch', r.requestId, '--out', out]);
    expect(got).toMatchObject({ out, files: Object.keys(FILES).length, contentRoot: cert.asset.contentRoot, verified: true });
    expect(got.bytes).toBe(Object.values(FILES).reduce((n, c) => n + Buffer.byteLength(c), 0));
    expect(coreutilsRoot(out)).toBe(cert.asset.contentRoot);
    for (const [rel, content] of Object.entries(FILES)) expect(readFileSync(join(out, rel)).equals(Buffer.from(content)), rel).toBe(true);
    expect(leftovers(dir.path)).toEqual([]);

    const empty = join(dir.path, 'empty-out');
    mkdirSync(empty);
    const human = await cli(['access', 'fetch', r.requestId, '--out', empty]);
    expect(human.stderr).toBe('');
    expect(human.stdout).toMatch(new RegExp(`Fetched ${Object.keys(FILES).length} file\\(s\\), .* into .*empty-out; their content root ${cert.asset.contentRoot} matches the registration\\.`));
    expect(coreutilsRoot(empty)).toBe(cert.asset.contentRoot);
  }, SLOW);

  it('a forged grant (made for another key) or one for other content is rejected, and nothing is written', async () => {
    const r = await request();
    const stranger = await generateIdentity();
    await approveWith(r.requestId, await createGrant(assetIdentity, stranger.recipient, { contentRoot: cert.asset.contentRoot }));
    const out = join(dir.path, 'forged');
    const f = await cli(['access', 'fetch', r.requestId, '--out', out]);
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(new RegExp(`The grant \\S+ of request #${r.requestId} was not made for this wallet`));
    expect(existsSync(out)).toBe(false);
    expect(leftovers(dir.path)).toEqual([]);

    const r2 = await request();
    const key = await vault.requesterIdentity(requester);
    await approveWith(r2.requestId, await createGrant(assetIdentity, key?.recipient ?? '', { contentRoot: 'ab'.repeat(32) }));
    const f2 = await cli(['access', 'fetch', r2.requestId, '--out', out]);
    expect(f2.status).toBe(1);
    expect(f2.stderr).toMatch(/is for other content \(root abababababab…\)/);
    expect(existsSync(out)).toBe(false);

    // A grant for this wallet that holds another asset's key: the files do not decrypt.
    const r3 = await request();
    await approveWith(r3.requestId, await createGrant((await generateIdentity()).identity, key?.recipient ?? ''));
    const f3 = await cli(['access', 'fetch', r3.requestId, '--out', out]);
    expect(f3.status).toBe(1);
    expect(f3.stderr).toMatch(/cannot be decrypted with the key the grant holds/);
    expect(existsSync(out)).toBe(false);
    expect(leftovers(dir.path)).toEqual([]);
  }, SLOW);

  it('a public asset needs no grant; a stored file list with an unsafe path is refused and nothing is written', async () => {
    /** Registers (as the owner) a free asset whose file list is `paths` → stored plaintext files. */
    const registerPublic = async (files: Record<string, string>, paths: (rel: string) => string, rootOf = (m: string) => contentRoot(m)): Promise<string> => {
      const entries: Record<string, { id: string }> = {};
      const lines: { relPath: string; sha256: string }[] = [];
      for (const [rel, content] of Object.entries(files)) {
        const f = join(dir.path, `pub-${randomBytes(4).toString('hex')}`);
        writeFileSync(f, content);
        const up = await storage.uploadFile(f);
        entries[paths(rel)] = { id: up.id };
        lines.push({ relPath: paths(rel), sha256: up.sha256 });
      }
      const m = join(dir.path, `manifest-${randomBytes(4).toString('hex')}.json`);
      writeFileSync(m, JSON.stringify({ manifest: 'arweave/paths', version: '0.2.0', paths: entries }));
      const manifest = await storage.uploadFile(m, { contentType: 'application/x.irys-manifest+json', tags: [{ name: 'Type', value: 'manifest' }] });
      const root = rootOf(buildManifest(lines));
      const reg = await (await registry.register(ownerSigner, { contentRoot: root, manifestId: manifest.id, termsHash: '11'.repeat(32), price: 0n, split: [{ payee: owner, bps: 10_000 }] })).wait();
      return reg.result.tokenId.toString();
    };

    const publicFiles = { 'readme.txt': `public ${randomBytes(8).toString('hex')}\n`, 'data/x.csv': 'a,b\n1,2\n' };
    const token = await registerPublic(publicFiles, (rel) => rel);
    const r = await json<{ requestId: string; amountWei: string }>(['access', 'request', token, '--terms-hash', '11'.repeat(32)]);
    expect(r.amountWei).toBe('0');
    await (await registry.approve(ownerSigner, BigInt(r.requestId), '')).wait();
    const out = join(dir.path, 'public-out');
    expect(await json<{ files: number; verified: boolean }>(['access', 'fetch', r.requestId, '--out', out])).toMatchObject({ files: 2, verified: true });
    for (const [rel, content] of Object.entries(publicFiles)) expect(readFileSync(join(out, rel), 'utf8')).toBe(content);

    const evil = await registerPublic({ 'evil.txt': `evil ${randomBytes(8).toString('hex')}` }, () => '../evil.txt');
    const r2 = await json<{ requestId: string }>(['access', 'request', evil, '--terms-hash', '11'.repeat(32)]);
    await (await registry.approve(ownerSigner, BigInt(r2.requestId), '')).wait();
    const f = await cli(['access', 'fetch', r2.requestId, '--out', join(dir.path, 'evil-out')]);
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/unsafe path "\.\.\/evil\.txt"/);
    expect(existsSync(join(dir.path, 'evil.txt'))).toBe(false);
    expect(existsSync(join(dir.path, 'evil-out'))).toBe(false);
    expect(leftovers(dir.path)).toEqual([]);

    // Files that do not hash to the registered content root are not kept.
    const wrong = await registerPublic({ 'a.txt': `a ${randomBytes(8).toString('hex')}` }, (rel) => rel, (m) => contentRoot(`${m}extra`));
    const r3 = await json<{ requestId: string }>(['access', 'request', wrong, '--terms-hash', '11'.repeat(32)]);
    await (await registry.approve(ownerSigner, BigInt(r3.requestId), '')).wait();
    const f3 = await cli(['access', 'fetch', r3.requestId, '--out', join(dir.path, 'wrong-out')]);
    expect(f3.status).toBe(1);
    expect(f3.stderr).toMatch(/hash to the content root [0-9a-f]{64}, not the registered [0-9a-f]{64}: they were not kept/);
    expect(existsSync(join(dir.path, 'wrong-out'))).toBe(false);
    expect(leftovers(dir.path)).toEqual([]);
  }, SLOW);

  it('attack 6: once the owner changes the terms (same price) after the buyer read the certificate, its request is refused and nothing is paid', async () => {
    const tokenId = BigInt(cert.chain.tokenId);
    const asset = await registry.asset(tokenId);
    const count = await registry.requestCount();
    const { escrowed } = await registry.totals();
    const balance = await conn.provider.getBalance(requester);
    await (await registry.updateTerms(ownerSigner, tokenId, '22'.repeat(32), asset?.price ?? 0n)).wait();
    try {
      const r = await cli(['access', 'request', certFile]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`The owner of asset #${tokenId} has changed its license terms since the version you read, so nothing was sent or paid.`);
      // The certificate's hash with the token id is the same statement: refused too.
      const again = await cli(['access', 'request', cert.chain.tokenId, '--terms-hash', cert.license.termsHash]);
      expect(again.status).toBe(1);
      expect(again.stderr).toContain('has changed its license terms');
      expect(await registry.requestCount()).toBe(count);
      expect((await registry.totals()).escrowed).toBe(escrowed);
      expect(await conn.provider.getBalance(requester)).toBe(balance);
      // Having read the new terms, the person asks under them.
      const ok = await json<{ requestId: string; amountWei: string }>(['access', 'request', cert.chain.tokenId, '--terms-hash', `0x${'22'.repeat(32)}`]);
      expect(ok.amountWei).toBe(cert.license.price);
      expect((await registry.request(BigInt(ok.requestId)))?.termsHash).toBe(`0x${'22'.repeat(32)}`);
    } finally {
      await (await registry.updateTerms(ownerSigner, tokenId, asset?.termsHash ?? '', asset?.price ?? 0n)).wait();
    }
  }, SLOW);

  it('a request the owner leaves unanswered past its timeout reads as expired (the chain\'s clock decides)', async () => {
    const r = await request();
    const onChain = await registry.request(BigInt(r.requestId));
    const latest = await conn.provider.getBlock('latest');
    await conn.provider.send('evm_increaseTime', [(onChain?.cancellableAt ?? 0) - (latest?.timestamp ?? 0) + 1]);
    await conn.provider.send('evm_mine', []);
    expect(await json<{ state: string }>(['access', 'status', r.requestId])).toMatchObject({ state: 'expired' });
    const f = await cli(['access', 'fetch', r.requestId, '--out', join(dir.path, 'late')]);
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/has not answered since .*you may cancel it to get your 0\.01 ETH back/);

    // The requester cancels it from the CLI: the payment is withdrawable again, once.
    const before = await registry.withdrawable(requester);
    const c = await json<{ refundedWei: string; withdrawableWei: string; txHash: string }>(['access', 'cancel', r.requestId]);
    expect(BigInt(c.refundedWei)).toBe(BigInt(r.amountWei));
    expect(await registry.withdrawable(requester)).toBe(before + BigInt(r.amountWei));
    expect(BigInt(c.withdrawableWei)).toBe(before + BigInt(r.amountWei));
    expect((await registry.request(BigInt(r.requestId)))?.status).toBe('cancelled');
    const twice = await cli(['access', 'cancel', r.requestId]);
    expect(twice.status).toBe(1);
    expect(twice.stderr).toContain(`Request #${r.requestId} was cancelled already`);
    // A fresh request cannot be cancelled while its owner still has time to answer.
    const fresh = await request();
    const early = await cli(['access', 'cancel', fresh.requestId]);
    expect(early.status).toBe(1);
    expect(early.stderr).toMatch(new RegExp(`Request #${fresh.requestId} can be cancelled from \\S+; until then the owner .* still has time to answer it\\. Nothing was sent\\.`));
    expect((await registry.request(BigInt(fresh.requestId)))?.status).toBe('pending');
  }, SLOW);
});
