/**
 * Several processes on one data dir, as people use Ativo: `ativo serve` (the app's stand-in) runs
 * the jobs; CLI commands and another client queue work and wait for it. Real processes, keychain,
 * sandbox chain and storage node. Run under `bash .ci/with-keyring.sh npx vitest run src/cli/multiprocess.test.ts`.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HDNodeWallet, Wallet, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../api/backend';
import { RegistryClient, connectChain, type ChainConnection } from '../chain/client';
import { generateIdentity } from '../crypto/age';
import { SANDBOX_MNEMONIC } from '../sandbox/anvil';
import { tempDir } from '../test-support/fs';
import { ativo, ativoAsync } from '../test-support/run-cli';
import { Keychain } from '../vault/keychain';
import { requireKeychain, uniquePrefix } from '../vault/test-support';

const devWallet = (i: number): Wallet => new Wallet(HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey);

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 180_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('ativo serve runs the jobs; the CLI and another client queue work and wait for it', () => {
  const dir = tempDir('ativo-multi-');
  const dataDir = join(dir.path, 'data');
  const prefix = uniquePrefix('multi');
  const env = { ATIVO_KEYCHAIN_PREFIX: prefix };
  let serve: ChildProcess;
  let serveOut = '';
  let client: Backend;
  let conn: ChainConnection;
  let registry: RegistryClient;
  let tokenId: bigint;
  const requester = { identity: '', recipient: '' };

  const cli = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = ativo([...args, '--data-dir', dataDir], { env });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the JSON's shape
  const cliJson = <T>(args: string[]): T => {
    const r = cli([...args, '--json']);
    expect(r.status, `${args.join(' ')}\n${r.stdout}\n${r.stderr}\nserve:\n${serveOut}`).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  /** A buyer (a dev account, outside Ativo) pays for access; the owner approves from the other client. */
  const buyAndApprove = async (i: number): Promise<void> => {
    const asset = await registry.asset(tokenId);
    const terms = { termsHash: asset?.termsHash ?? '', price: parseEther('0.01') };
    const sent = await registry.requestAccess(devWallet(i).connect(conn.provider), tokenId, requester.recipient, terms, { message: `buyer ${i}` });
    const requestId = (await sent.wait()).result.requestId.toString();
    const row = await until(`request ${requestId} in the inbox`, async () => (await client.call('access.list', { limit: 1000 })).items.find((r) => r.requestId === requestId));
    await client.call('access.approve', { ids: [row.id] });
    // The approval job was queued by this client; serve's runner runs it.
    await until(`request ${requestId} approved`, async () => (await client.call('access.get', { id: row.id })).state === 'approved');
  };

  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    serve = ativoAsync(['serve', '--port', '0', '--data-dir', dataDir], env);
    await new Promise<void>((resolve, reject) => {
      serve.stdout?.on('data', (d: Buffer) => {
        serveOut += d.toString();
        if (/Ativo is running at http/.test(serveOut)) resolve();
      });
      serve.stderr?.on('data', (d: Buffer) => (serveOut += d.toString()));
      serve.on('exit', (code) => { reject(new Error(`ativo serve exited ${String(code)}:\n${serveOut}`)); });
    });
    Object.assign(requester, await generateIdentity());
  });
  afterAll(async () => {
    // Set by the tests (unset when an earlier step failed).
    await (client as Backend | undefined)?.close();
    (conn as ChainConnection | undefined)?.close();
    const exited = new Promise((r) => serve.once('exit', r));
    serve.kill('SIGTERM');
    await exited;
    const b = await createBackend({ dataDir, keychainPrefix: prefix, runJobs: false });
    for (const w of (await b.call('wallet.list', {})).wallets) await b.call('wallet.remove', { address: w.address });
    await b.close();
    dir.cleanup();
  });

  it('ativo publish --wait finishes with a certificate while serve runs the jobs', async () => {
    const folder = join(dir.path, 'Soil samples');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.csv'), randomBytes(4000).toString('hex'));
    writeFileSync(join(folder, 'b.csv'), 'site,ph\n1,6.5\n');
    cliJson<{ address: string }>(['wallet', 'create', '--label', 'owner']);
    const asset = cliJson<{ id: number }>(['add', folder]);
    await until('the scan', async () => cliJson<{ state: string }>(['show', String(asset.id)]).state === 'ready');
    cliJson(['storage', 'fund', '--ether', '0.01']);
    const cert = cliJson<{ chain: { tokenId: string; registry: string }; asset: { contentRoot: string } }>(['publish', String(asset.id), '--price', '0.01', '--wait']);
    expect(cert.chain.tokenId).toMatch(/^\d+$/);
    tokenId = BigInt(cert.chain.tokenId);
    // The job ran in serve (this CLI never held the runner): its certificate is in the catalog.
    expect(cliJson<{ chain: { tokenId: string } }>(['certificate', String(asset.id)]).chain.tokenId).toBe(cert.chain.tokenId);
    const status = cliJson<{ rpcUrl: string; registry: string }>(['network', 'status']);
    conn = await connectChain(status.rpcUrl);
    registry = await RegistryClient.open(conn, status.registry);
    expect((await registry.asset(tokenId))?.contentRoot).toBe(`0x${cert.asset.contentRoot}`);
  });

  it('ativo earnings withdraw --wait finishes; the app’s Withdraw works after it', async () => {
    client = await createBackend({ dataDir, keychainPrefix: prefix, runJobs: false });
    await buyAndApprove(5);
    const owner = (await client.call('wallet.list', {})).current ?? '';
    const before = await registry.withdrawable(owner);
    expect(before).toBeGreaterThan(0n);
    const w = cliJson<{ jobId: number; txHash: string | null }>(['earnings', 'withdraw', '--wait']);
    expect(w.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await registry.withdrawable(owner)).toBe(0n);

    // Another sale; the app's Withdraw (the same command, from a client that does not run jobs)
    // gets a new job, which serve runs to the end.
    await buyAndApprove(6);
    const second = await client.call('earnings.withdraw', {});
    expect(second.jobId).not.toBe(w.jobId);
    await until('the second withdrawal', async () => (await client.call('jobs.list', { kind: 'withdraw', limit: 10 })).items.find((j) => j.id === second.jobId)?.state === 'done');
    expect(await registry.withdrawable(owner)).toBe(0n);
  });
});

describe('a shared sandbox survives the process that started it', () => {
  const dir = tempDir('ativo-shared-');
  const dataDir = join(dir.path, 'data');
  const prefix = uniquePrefix('shared');
  const env = { ATIVO_KEYCHAIN_PREFIX: prefix, ATIVO_ACCESS_POLL_MS: '300' };
  const owner = (): number | null => {
    try {
      return (JSON.parse(readFileSync(join(dataDir, 'sandbox', 'anvil.pid'), 'utf8')) as { parentPid: number }).parentPid;
    } catch {
      return null;
    }
  };
  const startServe = async (): Promise<ChildProcess> => {
    const child = ativoAsync(['serve', '--port', '0', '--data-dir', dataDir], env);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (/Ativo is running at http/.test(out)) resolve();
      });
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => { reject(new Error(`ativo serve exited ${String(code)}:\n${out}`)); });
    });
    return child;
  };
  const stop = async (child: ChildProcess): Promise<void> => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  afterAll(() => {
    dir.cleanup();
  });

  it('the app keeps working after the CLI-like owner exits, and the other way round', async () => {
    const cli = (args: string[]): string => {
      const r = ativo([...args, '--json', '--data-dir', dataDir], { env });
      expect(r.status, `${args.join(' ')}: ${r.stdout}\n${r.stderr}`).toBe(0);
      return r.stdout;
    };
    // A wallet, an asset and a publication queued from the CLI (each CLI command starts the
    // sandbox it needs and stops it on exit; nobody runs the publication yet).
    const w = JSON.parse(cli(['wallet', 'create', '--label', 'survivor'])) as { address: string };
    const folder = join(dir.path, 'Survey');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.csv'), 'x,y\n1,2\n');
    const asset = JSON.parse(cli(['add', folder])) as { id: number };
    await until('the scan', async () => (JSON.parse(cli(['show', String(asset.id)])) as { state: string }).state === 'ready');
    cli(['storage', 'fund', '--ether', '0.01']);
    cli(['publish', String(asset.id)]);
    // 1. serve runs the publication, so it starts (owns) the sandbox; this client shares it.
    let serve = await startServe();
    await until('serve to start the sandbox', async () => owner() === serve.pid, 120_000);
    await until('the certificate', async () => ativo(['certificate', String(asset.id), '--data-dir', dataDir], { env }).status === 0, 120_000);
    const client = await createBackend({ dataDir, keychainPrefix: prefix, runJobs: false });
    try {
      const shared = await client.call('chain.status', {});
      expect(shared.mode).toBe('sandbox-shared');
      // The owner exits: the client starts the sandbox again, with the same chain state.
      await stop(serve);
      const again = await client.call('chain.status', {});
      expect(again.mode).toBe('sandbox-owned');
      expect(again.registry).toBe(shared.registry);
      expect(BigInt((await client.call('wallet.balance', { address: w.address })).wei)).toBeGreaterThan(0n);
      expect(owner()).toBe(process.pid);

      // 2. Now serve shares this client's sandbox; the client goes away; serve starts it again.
      serve = await startServe();
      await until('serve to follow the chain', async () => (await client.call('chain.status', {})).blockNumber >= again.blockNumber);
    } finally {
      await client.close();
    }
    await until('serve to start the sandbox again', async () => owner() === serve.pid, 60_000);
    const status = ativo(['network', 'status', '--json', '--data-dir', dataDir], { env });
    expect(status.status, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { registry: string | null }).registry).not.toBeNull();
    await stop(serve);
    const b = await createBackend({ dataDir, keychainPrefix: prefix, runJobs: false });
    for (const x of (await b.call('wallet.list', {})).wallets) await b.call('wallet.remove', { address: x.address });
    await b.close();
  }, 300_000);
});
