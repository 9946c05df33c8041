/**
 * TEST ONLY (e2e): drives earnings on a running chain from a child process (Playwright's loader
 * cannot import the registry's JSON artifact). Prints one JSON line.
 *   seed  <rpcUrl> <registry> <ownerPrivateKey> <n>   3 assets, n requests (see seedEarnings)
 *   state <rpcUrl> <registry> <address>               balance, withdrawable, expected figures
 */
import { HDNodeWallet, Wallet } from 'ethers';
import { RegistryClient, balanceOf, connectChain } from '../chain/client';
import { SANDBOX_MNEMONIC } from '../sandbox/anvil';
import { expectedFromLogs, seedEarnings } from './testing';

const [cmd, rpcUrl = '', registryAddress = '', who = '', n = '9'] = process.argv.slice(2);
const conn = await connectChain(rpcUrl);
const registry = await RegistryClient.open(conn, registryAddress);
let account = who;
if (cmd === 'seed') {
  const owner = new Wallet(who, conn.provider);
  account = owner.address;
  const buyers = [1, 2, 3].map((i) => HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(conn.provider));
  const payees = [Wallet.createRandom().address, Wallet.createRandom().address, Wallet.createRandom().address] as [string, string, string];
  await seedEarnings(registry, owner, buyers, payees, Number(n));
} else if (cmd !== 'state') {
  throw new Error(`unknown command ${String(cmd)}`);
}
const out = {
  account,
  balanceWei: (await balanceOf(conn, account)).toString(),
  withdrawableWei: (await registry.withdrawable(account)).toString(),
  expected: await expectedFromLogs(conn, registry.address, account),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
conn.close();
