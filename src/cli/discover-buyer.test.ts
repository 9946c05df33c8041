/**
 * `ativo discover --json` from a buyer's own data dir (issue 16): the owner runs the real backend
 * in this process (its sandbox anvil and storage node, a keychain wallet) and publishes a private,
 * priced dataset; the buyer is the real `ativo` CLI on a second data dir with its own keychain
 * namespace and wallet, pointed at the owner's chain and storage node (a testnet profile, as a
 * second computer would be; it waits for 3 confirmations, so the test mines them). It lists the owner's asset with name, license (SPDX id), price in
 * wei, token id and owner, not marked as the buyer's.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonRpcProvider } from 'ethers';
import { describe, expect, it } from 'vitest';
import { useBackendSandbox } from '../test-support/backend-sandbox';
import { useCliSandbox } from '../test-support/cli-sandbox';
import { ATIVO_BIN } from '../test-support/run-cli';

describe('ativo discover from a second data dir (sandbox, real keychain)', () => {
  const owner = useBackendSandbox('discover-owner');
  const buyer = useCliSandbox('discover-buyer');

  it("lists the owner's asset with name, license, price in wei, token id and owner", { timeout: 300_000 }, async () => {
    const b = owner.backend();
    const ownerWallet = await b.call('wallet.create', { label: 'owner' });
    await b.call('storage.fund', { ether: '0.01' });
    const folder = join(owner.dir(), 'Estuary salinity');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'README.md'), '# Estuary salinity\n\nHourly salinity at four estuary stations.\n');
    writeFileSync(join(folder, 'salinity.csv'), 'station,hour,psu\nA,0,12.1\n');
    const { tokenId } = await owner.publish(await owner.add(folder), 'private');
    const st = await b.call('chain.status', {});
    if (st.registry === null || st.storageUrl === null) throw new Error('the sandbox has no registry or storage node');

    // Asynchronously: the owner's storage node answers from this process, so a blocking spawnSync would stall it.
    const run = (args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const env = { ...process.env, ATIVO_DATA_DIR: buyer.dataDir(), ATIVO_KEYCHAIN_PREFIX: buyer.keychainPrefix() };
        execFile(process.execPath, [ATIVO_BIN, ...args], { env, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
          resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
        });
      });
    const json = async <T>(args: string[]): Promise<T> => {
      const r = await run([...args, '--json']);
      if (r.status !== 0) throw new Error(`ativo ${args.join(' ')} exited ${String(r.status)}: ${r.stderr}${r.stdout}`);
      return JSON.parse(r.stdout) as T;
    };
    await json(['network', 'set', 'testnet', '--rpc', st.rpcUrl, '--chain-id', String(st.chainId), '--registry', st.registry, '--storage', st.storageUrl]);
    await json(['network', 'use', 'testnet']);
    const buyerWallet = await json<{ address: string }>(['wallet', 'create', '--label', 'buyer']);
    expect(buyerWallet.address.toLowerCase()).not.toBe(ownerWallet.address.toLowerCase());

    // A testnet profile waits for 3 confirmations; the sandbox mines only on a transaction, so
    // mine the blocks a real testnet would have produced meanwhile.
    const provider = new JsonRpcProvider(st.rpcUrl, st.chainId, { staticNetwork: true });
    await provider.send('anvil_mine', ['0x3']);
    provider.destroy();

    const listed = await run(['discover', '--json']);
    expect(listed.stderr).toBe('');
    const out = JSON.parse(listed.stdout) as { items: Record<string, unknown>[]; total: number; network: string };
    expect(out.network).toBe('testnet');
    expect(out.total).toBe(1);
    expect(out.items[0]).toMatchObject({
      name: 'Estuary salinity',
      license: 'CC-BY-4.0',
      priceWei: '10000000000000000',
      tokenId,
      owner: ownerWallet.address.toLowerCase(),
      chainId: st.chainId,
      registry: st.registry.toLowerCase(),
      mine: false,
    });
  });
});
