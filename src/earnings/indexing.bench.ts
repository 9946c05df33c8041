/**
 * Indexing benchmark (issues 7 and 18): 10,000 payouts (Credited events, plus their 20,000
 * request/grant events) on a sandbox chain, indexed from block 0 into a fresh catalog by the
 * earnings follower, against a same-run baseline: one raw eth_getLogs of the same events
 * (fetch + JSON.parse, no ethers), decoded by hand (logs.ts). Baseline and follower alternate RUNS times (the machine is shared);
 * the ratio is the median of the per-pair ratios. Target: ≤ 1.3x.
 *
 *   npx tsx src/earnings/indexing.bench.ts      (or: npm run bench indexing)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ContractFactory, HDNodeWallet, type Contract } from 'ethers';
import { connectChain } from '../chain/provider';
import { compileContracts } from '../chain/compile';
import { Catalog } from '../catalog/db';
import { SANDBOX_MNEMONIC, startAnvil } from '../sandbox/anvil';
import { earningsFollower } from './index';
import { decodeLog, fetchEarningsEvents, TOPICS, type RawLog } from './logs';

export const PAYOUTS = 10_000;
const PER_TX = 100;
const RUNS = 9;
const TARGET = 1.3;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 === 1 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
};

/** 10,000 approvals to `payee` in 100 transactions of a bench-only contract. */
export async function makePayouts(rpcUrl: string, registry: string, payee: string): Promise<void> {
  const conn = await connectChain(rpcUrl);
  try {
    const dev = HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, "m/44'/60'/0'/0/7").connect(conn.provider);
    const compiled = await compileContracts(['PayoutBurst.sol'], join(dirname(fileURLToPath(import.meta.url)), 'bench'));
    const a = compiled.artifacts.get('PayoutBurst');
    if (!a) throw new Error('PayoutBurst did not compile');
    const factory = new ContractFactory(a.abi, a.bytecode, dev);
    const burst = (await (await factory.deploy(registry)).waitForDeployment()) as Contract;
    const price = 1_000_000_007n;
    const setup = (await burst.getFunction('setup')(`0x${randomBytes(32).toString('hex')}`, payee, price)) as { wait(): Promise<unknown> };
    await setup.wait();
    let nonce = await conn.provider.getTransactionCount(dev.address, 'pending');
    const sent = [];
    for (let i = 0; i < PAYOUTS / PER_TX; i++) {
      sent.push(await burst.getFunction('burst')(PER_TX, { value: price * BigInt(PER_TX), gasLimit: 29_000_000n, nonce: nonce++ }));
    }
    for (const tx of sent) await (tx as { wait(): Promise<unknown> }).wait();
  } finally {
    conn.close();
  }
}

/** Paired runs on a chain that already holds the payouts. */
export async function benchIndexing(rpcUrl: string, registry: string, runs = RUNS): Promise<string[]> {
  const conn = await connectChain(rpcUrl);
  const head = await conn.provider.getBlockNumber();
  const base: number[] = [];
  const ours: number[] = [];
  const ratios: number[] = [];
  const viaEthers: number[] = [];
  let events = 0;
  let rows = { payouts: 0, access: 0, transfers: 0 };
  const once = async (): Promise<number> => {
    const dir = mkdtempSync(join(tmpdir(), 'ativo-bench-earn-'));
    const catalog = Catalog.open(join(dir, 'catalog.sqlite'));
    try {
      const follower = earningsFollower({ catalog, network: 'sandbox', source: () => Promise.resolve({ conn, address: registry }) });
      const t = performance.now();
      await follower.syncOnce();
      const took = performance.now() - t;
      rows = catalog.payouts.count('sandbox');
      return took;
    } finally {
      catalog.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await once(); // warm-up (JIT, the node's caches) for both sides
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      events = (await fetchEarningsEvents(conn, registry, 0, head)).length;
      const b = performance.now() - t0;
      const o = await once();
      base.push(b);
      ours.push(o);
      ratios.push(o / b);
    }
    // The baseline as measured before issue 18: the same call through ethers' provider.send (after
    // the paired runs: its garbage would land in the next run's time).
    for (let i = 0; i < 3; i++) {
      const t1 = performance.now();
      const raw = (await conn.provider.send('eth_getLogs', [{ address: registry, fromBlock: '0x0', toBlock: `0x${head.toString(16)}`, topics: [Object.values(TOPICS)] }])) as RawLog[];
      for (const l of raw) decodeLog(l);
      viaEthers.push(performance.now() - t1);
    }
  } finally {
    conn.close();
  }
  const r = median(ratios);
  return [
    `index ${rows.payouts.toLocaleString('en-US')} payouts (${(rows.payouts + rows.access + rows.transfers).toLocaleString('en-US')} events) from block 0 into a fresh catalog: ${s(median(ours))} (median of ${runs})`,
    `(the same eth_getLogs through ethers' provider.send, the baseline before issue 18: ${s(median(viaEthers))}; indexing = ${(median(ours) / median(viaEthers)).toFixed(2)}x of it)`,
    `baseline: one raw eth_getLogs of the same ${events.toLocaleString('en-US')} events, decoded by hand: ${s(median(base))}; ratio ${r.toFixed(2)}x (runs ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) target <= ${TARGET}x ${r <= TARGET ? 'OK' : 'OVER TARGET'}`,
  ];
}

/** `npm run bench indexing`: its own sandbox chain (no app, no browser). */
export async function benchIndexingStandalone(): Promise<string[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ativo-bench-index-'));
  const sandbox = await startAnvil({ dataDir });
  try {
    if (sandbox.registry === null) throw new Error('the sandbox has no registry');
    const payee = HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, "m/44'/60'/0'/0/8").address;
    const t0 = performance.now();
    await makePayouts(sandbox.rpcUrl, sandbox.registry.address, payee);
    return [`(made ${PAYOUTS.toLocaleString('en-US')} approvals on the sandbox chain in ${s(performance.now() - t0)})`, ...(await benchIndexing(sandbox.rpcUrl, sandbox.registry.address))];
  } finally {
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await benchIndexingStandalone()) console.log(line);
}
