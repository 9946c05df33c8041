/**
 * Setting up a network Ativo does not run (issue 15): a second anvil, with another chain id, plays
 * the testnet (and the mainnet), with a storage node of its own. Saving a profile checks its RPC
 * and registry; a reachable chain without a registry gets one deployed (from the app's command and
 * from the CLI), and a publication on it is certified on that chain.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { prepareRegistryDeploy } from '../chain/deploy';
import { connectChain, type ChainConnection } from '../chain/provider';
import { broadcastTx } from '../chain/tx';
import { startStorageNode, type StorageNode } from '../sandbox/storage-node';
import { devPrivateKey, freePort, startTestAnvil, type TestAnvil } from '../sandbox/storage-node/testing';
import { useBackendSandbox } from '../test-support/backend-sandbox';
import { ativo } from '../test-support/run-cli';
import { deploySettingKey, type DeployRecord } from './network-setup';

const CHAIN_ID = 84532;

describe('setting up a network: RPC and registry checks, deploying a registry', () => {
  const sb = useBackendSandbox('net-setup');
  let anvil: TestAnvil;
  let conn: ChainConnection;
  let node: StorageNode;
  let rpcUrl = '';
  beforeAll(async () => {
    anvil = await startTestAnvil(['--chain-id', String(CHAIN_ID)]);
    rpcUrl = anvil.rpcUrl;
    conn = await connectChain(rpcUrl);
    node = await startStorageNode({ dataDir: join(sb.dir(), 'testnet-storage'), rpcUrl });
  });
  afterAll(async () => {
    conn.close();
    await node.stop();
    await anvil.stop();
  });
  const dev = (i: number): Wallet => new Wallet(devPrivateKey(i), conn.provider);
  const nonceOf = (a: string): Promise<number> => conn.provider.getTransactionCount(a, 'latest');

  it('refuses an RPC that does not answer, another chain id, and an address without a registry, saving nothing', async () => {
    const b = sb.backend();
    const port = await freePort(); // nothing listens there
    await expect(b.call('network.set', { name: 'testnet', rpcUrl: `http://127.0.0.1:${port}`, chainId: CHAIN_ID })).rejects.toThrow(
      `Ativo could not reach http://127.0.0.1:${port}: check the RPC URL and your connection. The Testnet settings were not saved.`,
    );
    await expect(b.call('network.set', { name: 'testnet', rpcUrl, chainId: 1 })).rejects.toThrow(
      `The chain at ${rpcUrl} has chain id ${CHAIN_ID}, not 1: check the chain id and the RPC URL. The Testnet settings were not saved.`,
    );
    const eoa = dev(5).address;
    await expect(b.call('network.set', { name: 'testnet', rpcUrl, chainId: CHAIN_ID, registry: eoa })).rejects.toThrow(
      `There is no contract at ${eoa} on chain ${CHAIN_ID}: check the address, or leave it empty and deploy a registry. The Testnet settings were not saved.`,
    );
    const p = (await b.call('network.list', {})).profiles.find((x) => x.name === 'testnet');
    expect(p).toMatchObject({ rpcUrl: null, chainId: null, registry: null });
  });

  it('saves a reachable chain without a registry, offers to deploy one, deploys it (fee first) and publishes on it', async () => {
    const b = sb.backend();
    const saved = await b.call('network.set', { name: 'testnet', rpcUrl, chainId: CHAIN_ID, storageUrl: node.url });
    expect(saved.missing).toEqual(['registry']);
    const w = await b.call('wallet.create', { label: 'Testnet creator' });
    // A wallet with nothing on that chain hears the fee and what it has; nothing is sent.
    const poor = await b.call('network.registryQuote', { name: 'testnet' });
    expect(poor).toMatchObject({ network: 'testnet', chainId: CHAIN_ID, from: w.address, balanceWei: '0', enough: false, pending: null });
    expect(BigInt(poor.feeWei)).toBeGreaterThan(0n);
    await expect(b.call('network.deployRegistry', { name: 'testnet', maxFeeWei: poor.feeWei })).rejects.toThrow(/^Deploying the registry costs up to .* ETH and the wallet in use has 0 ETH: add at least .* ETH to it on testnet, then deploy again\. Nothing was sent\.$/);
    expect(await nonceOf(w.address)).toBe(0);

    await (await dev(0).sendTransaction({ to: w.address, value: parseEther('1') })).wait();
    const q = await b.call('network.registryQuote', { name: 'testnet' });
    expect(q.enough).toBe(true);
    const d = await b.call('network.deployRegistry', { name: 'testnet', maxFeeWei: q.feeWei });
    expect(d).toMatchObject({ network: 'testnet', sentNow: true });
    const ready = (await b.call('network.list', {})).profiles.find((x) => x.name === 'testnet');
    expect(ready).toMatchObject({ registry: d.address, missing: [] });
    // Saving the deployed address again passes the registry check.
    await b.call('network.set', { name: 'testnet', registry: d.address });
    await expect(b.call('network.deployRegistry', { name: 'testnet', maxFeeWei: q.feeWei })).rejects.toThrow(`The testnet network has a registry already (${d.address}): nothing was deployed.`);

    await b.call('network.use', { name: 'testnet' });
    expect(await b.call('chain.status', {})).toMatchObject({ network: 'testnet', chainId: CHAIN_ID, registry: d.address, mode: 'remote' });
    await b.call('storage.fund', { ether: '0.01' });
    const folder = join(sb.dir(), 'small');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.txt'), 'hello testnet\n');
    const id = await sb.add(folder);
    await sb.publish(id, 'public');
    const { certificate } = await b.call('assets.certificate', { id });
    expect(certificate).toMatchObject({ chain: { chainId: CHAIN_ID, registry: d.address } });
    await b.call('network.use', { name: 'sandbox' });
  });

  it('a deployment signed and sent before a crash is finished, never sent twice', async () => {
    const b = sb.backend();
    await b.call('network.set', { name: 'mainnet', rpcUrl, chainId: CHAIN_ID, storageUrl: node.url });
    // What deployRegistry saves before it broadcasts, then the broadcast: the process dies here.
    const signer = dev(6);
    const prepared = await prepareRegistryDeploy(conn, signer);
    const rec: DeployRecord = { chainId: CHAIN_ID, from: prepared.from, hash: prepared.hash, raw: prepared.raw, address: prepared.address };
    const catalog = Catalog.open(join(sb.dir(), 'data', 'catalog.sqlite'));
    try {
      catalog.networks.setSetting(deploySettingKey('mainnet'), rec);
    } finally {
      catalog.close();
    }
    await broadcastTx(conn, prepared);
    const wallet = (await b.call('wallet.list', {})).current ?? '';
    const before = await nonceOf(wallet);
    expect((await b.call('network.registryQuote', { name: 'mainnet' })).pending).toEqual({ txHash: prepared.hash, address: prepared.address });
    // A fee of 0 would refuse any new deployment: only the saved one can be finished.
    const d = await b.call('network.deployRegistry', { name: 'mainnet', maxFeeWei: '0' });
    expect(d).toMatchObject({ address: prepared.address, txHash: prepared.hash, sentNow: false });
    expect(await nonceOf(signer.address)).toBe(1);
    expect(await nonceOf(wallet)).toBe(before);
    expect((await b.call('network.list', {})).profiles.find((x) => x.name === 'mainnet')?.registry).toBe(prepared.address);
  });

  it('ativo network deploy-registry shows the fee, sends nothing without --yes, and deploys with it', async () => {
    const env = { ATIVO_DATA_DIR: join(sb.dir(), 'cli-data'), ATIVO_KEYCHAIN_PREFIX: `${sb.prefix()}-cli` };
    const run = (args: string[], input = ''): ReturnType<typeof ativo> => ativo(args, { env, input });
    try {
      const set = run(['network', 'set', 'testnet', '--rpc', rpcUrl, '--chain-id', String(CHAIN_ID), '--storage', node.url]);
      expect(set.stdout).toContain('No registry on that chain yet? Deploy one: ativo network deploy-registry --network testnet');
      expect(run(['wallet', 'import'], devPrivateKey(7)).status).toBe(0);
      const asked = run(['network', 'deploy-registry']);
      expect(asked.status).toBe(1);
      expect(asked.stderr).toMatch(new RegExp(`^Deploying an AtivoRegistry on testnet \\(chain ${CHAIN_ID}, ${rpcUrl.replace(/\./g, '\\.')}\\) from ${dev(7).address} costs up to [0-9.]+ ETH; the wallet has [0-9.]+ ETH\\.`));
      expect(asked.stdout).toBe('Nothing was sent. To deploy it, run this again with --yes.\n');
      expect(await nonceOf(dev(7).address)).toBe(0);
      const done = run(['network', 'deploy-registry', '--network', 'testnet', '--yes']);
      expect(done.stderr).toMatch(/costs up to/);
      expect(done.status).toBe(0);
      const m = /^Deployed an AtivoRegistry at (0x[0-9a-fA-F]{40}) on testnet /.exec(done.stdout);
      expect(m).not.toBeNull();
      const shown = JSON.parse(run(['network', 'show', '--json']).stdout) as { profiles: { name: string; registry: string | null; missing: string[] }[] };
      expect(shown.profiles.find((p) => p.name === 'testnet')).toMatchObject({ registry: m?.[1], missing: [] });
    } finally {
      const list = run(['wallet', 'list', '--json']);
      if (list.status === 0) for (const w of (JSON.parse(list.stdout) as { wallets: { address: string }[] }).wallets) run(['wallet', 'remove', w.address]);
    }
  });
});
