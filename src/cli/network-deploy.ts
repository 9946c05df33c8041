/** `ativo network deploy-registry [--network testnet|mainnet] [--yes]` (issue 15). */
import { createInterface } from 'node:readline/promises';
import type { Backend } from '../api/backend';
import { ethText } from '../util/format';
import { UsageError, type Print } from './usage';

async function askYes(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export async function deployRegistryCommand(backend: Backend, values: { network?: string | undefined; yes?: boolean | undefined }, print: Print, json: boolean): Promise<number> {
  const name = values.network ?? 'testnet';
  if (name !== 'testnet' && name !== 'mainnet') throw new UsageError(`--network must be testnet or mainnet (the sandbox has its own registry), not "${name}"`);
  const q = await backend.call('network.registryQuote', { name });
  const what = q.pending !== null
    ? `A registry deployment sent earlier (transaction ${q.pending.txHash}) is not confirmed yet; deploying finishes it at ${q.pending.address} (nothing new is sent).`
    : `Deploying an AtivoRegistry on ${name} (chain ${q.chainId}, ${q.rpcUrl}) from ${q.from} costs up to ${ethText(BigInt(q.feeWei), true)}; the wallet has ${ethText(BigInt(q.balanceWei))}.`;
  process.stderr.write(`${what}\n`);
  if (q.pending === null && !q.enough) {
    throw new UsageError(`the wallet in use cannot pay the fee: add at least ${ethText(BigInt(q.feeWei) - BigInt(q.balanceWei), true)} to ${q.from} on ${name}, then run this again`);
  }
  let yes = values.yes === true;
  if (!yes && process.stdin.isTTY && !json) yes = await askYes('Deploy it? [y/N] ');
  if (!yes) {
    print({ ...q, deployed: false }, () => 'Nothing was sent. To deploy it, run this again with --yes.');
    return 1;
  }
  const r = await backend.call('network.deployRegistry', { name, maxFeeWei: q.feeWei });
  print(r, () =>
    `${r.sentNow ? 'Deployed' : 'Finished deploying'} an AtivoRegistry at ${r.address} on ${name} (transaction ${r.txHash}, block ${r.blockNumber}); the ${name} profile now uses it.\nSwitch to it: ativo network use ${name}`,
  );
  return 0;
}
