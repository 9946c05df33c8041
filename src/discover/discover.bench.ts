/**
 * Discover benchmark (issue 16), against a real `ativo serve` (its sandbox anvil and storage
 * node, a throwaway keyring via .ci/with-keyring.sh) and Debian's Chromium:
 *   1. indexing (on a sandbox chain of its own, no app beside it): 10,000 assets registered on the sandbox registry (by a bench-only contract,
 *      100 per transaction, ten transactions in flight at a time: 10,000 Registered events and their 10,000 mint Transfers) indexed
 *      from block 0 into a fresh catalog by the Discover indexer's chain pass, against a same-run
 *      baseline: one raw eth_getLogs of the same events (fetch + JSON.parse, no ethers), decoded
 *      by hand. Target: under 10 s. The bench assets have no public metadata, and the index figure
 *      is the chain pass alone (no storage node given: descriptions are fetched after a token is
 *      listed, in the background, and are not what this measures).
 *   2. rendering: the Discover screen with those 10,000 assets (virtualized list) opened and
 *      scrolled from top to bottom, with a PerformanceObserver on long tasks (target: none over
 *      100 ms); the baseline is the Library screen opened in the same page.
 *
 *   npm run build && npm run bench -- discover      (or: npx tsx src/discover/discover.bench.ts)
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ContractFactory, HDNodeWallet, type Contract } from 'ethers';
import { Catalog } from '../catalog/db';
import { registryTopic } from '../chain/abi';
import { RegistryClient } from '../chain/client';
import { compileContracts } from '../chain/compile';
import { connectChain } from '../chain/provider';
import { SANDBOX_MNEMONIC, startAnvil } from '../sandbox/anvil';
import { LONGTASK_RECORDER, REPO, startServe, stopServe, type Serve } from '../test-support/bench-serve';
import { DiscoverIndexer } from './indexer';

export const ASSETS = 10_000;
const PER_TX = 100;
const WINDOW = 10;
const RUNS = 5;
const INDEX_TARGET_MS = 10_000;
const LONGTASK_TARGET_MS = 100;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 === 1 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
};
const EVENTS = ['Registered', 'TermsUpdated', 'SaleChanged', 'Transfer', 'AccessRequested', 'AccessGranted', 'AccessDenied', 'AccessCancelled'] as const;

/** 10,000 registrations in 100 transactions of a bench-only contract, sent without waiting for each. */
export async function registerMany(rpcUrl: string, registry: string): Promise<void> {
  const conn = await connectChain(rpcUrl);
  try {
    const dev = HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, "m/44'/60'/0'/0/9").connect(conn.provider);
    const compiled = await compileContracts(['RegisterBurst.sol'], join(dirname(fileURLToPath(import.meta.url)), 'bench'));
    const a = compiled.artifacts.get('RegisterBurst');
    if (!a) throw new Error('RegisterBurst did not compile');
    const burst = (await (await new ContractFactory(a.abi, a.bytecode, dev).deploy(registry)).waitForDeployment()) as Contract;
    const salt = `0x${randomBytes(32).toString('hex')}`;
    // Ten transactions in flight at a time (sent without waiting for each; a deeper pool once lost some here).
    let nonce = await conn.provider.getTransactionCount(dev.address, 'latest');
    for (let i = 0; i < ASSETS / PER_TX; i += WINDOW) {
      const sent = [];
      for (let j = i; j < Math.min(i + WINDOW, ASSETS / PER_TX); j++) {
        sent.push(await burst.getFunction('burst')(salt, j * PER_TX, PER_TX, 1_000_000_000_000_000n, { gasLimit: 29_000_000n, nonce: nonce++ }));
      }
      for (const tx of sent) await (tx as { wait(): Promise<unknown> }).wait();
    }
  } finally {
    conn.close();
  }
}

interface RawLog {
  topics: string[];
  data: string;
  blockNumber: string;
}

/** The baseline: one eth_getLogs of the events the indexer follows, as raw JSON, decoded by hand. */
async function rawIndex(rpcUrl: string, registry: string, head: number): Promise<number> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getLogs', params: [{ address: registry, fromBlock: '0x0', toBlock: `0x${head.toString(16)}`, topics: [EVENTS.map((e) => registryTopic(e))] }] });
  const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const logs = ((await res.json()) as { result: RawLog[] }).result;
  const registered = registryTopic('Registered');
  const rows: { tokenId: bigint; owner: string; root: string; price: bigint; block: number }[] = [];
  for (const l of logs) {
    if (l.topics[0] !== registered) continue;
    // data: [offset of manifestId][termsHash][price]…; topics: tokenId, owner, contentRoot.
    rows.push({ tokenId: BigInt(l.topics[1] ?? '0x0'), owner: `0x${(l.topics[2] ?? '').slice(26)}`, root: (l.topics[3] ?? '').slice(2), price: BigInt(`0x${l.data.slice(2 + 128, 2 + 192)}`), block: Number(l.blockNumber) });
  }
  return rows.length;
}

/** Paired runs (baseline, then the indexer into a fresh catalog) on a chain that already holds the assets. */
export async function benchDiscoverIndexing(rpcUrl: string, registryAddress: string, runs = RUNS): Promise<string[]> {
  const conn = await connectChain(rpcUrl);
  const registry = await RegistryClient.open(conn, registryAddress);
  const head = await conn.provider.getBlockNumber();
  const base: number[] = [];
  const ours: number[] = [];
  let listed = 0;
  let raw = 0;
  const once = async (): Promise<number> => {
    const dir = mkdtempSync(join(tmpdir(), 'ativo-bench-discover-'));
    const catalog = Catalog.open(join(dir, 'catalog.sqlite'));
    try {
      const ix = new DiscoverIndexer({ catalog, network: 'sandbox', registry: registryAddress, source: () => Promise.resolve({ conn, address: registryAddress, registry, storageUrl: null, startBlock: 0 }) });
      const t = performance.now();
      await ix.syncOnce();
      const took = performance.now() - t;
      listed = catalog.discover.count('sandbox', registryAddress.toLowerCase()).total;
      await ix.stop();
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
      raw = await rawIndex(rpcUrl, registryAddress, head);
      base.push(performance.now() - t0);
      ours.push(await once());
    }
  } finally {
    conn.close();
  }
  const o = median(ours);
  const b = median(base);
  return [
    `index ${listed.toLocaleString('en-US')} registered assets from block 0 into a fresh catalog (chain pass; no metadata): ${s(o)} (median of ${runs}); target under ${s(INDEX_TARGET_MS)} ${o < INDEX_TARGET_MS ? 'OK' : 'OVER TARGET'}`,
    `baseline: one raw eth_getLogs of the same events (${raw.toLocaleString('en-US')} registrations and their mint transfers), decoded by hand: ${s(b)}; ratio ${(o / b).toFixed(2)}x`,
  ];
}

async function benchRendering(serve: Serve): Promise<string[]> {
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript({ content: LONGTASK_RECORDER });
    await page.goto(serve.openUrl);
    await page.getByRole('heading', { name: 'Library', level: 1 }).waitFor();
    await page.waitForTimeout(500);
    const takeTasks = () => page.evaluate<number[]>('window.__longtasks.splice(0)');
    const baseline = await takeTasks();

    const t0 = performance.now();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Discover/ }).click();
    await page.getByTestId('discover-row').first().waitFor({ timeout: 60_000 });
    const shown = performance.now() - t0;
    const open = await takeTasks();

    // Scroll the whole list, three screenfuls at a time, then jump to the top and the end.
    const steps = await page.evaluate<number>(`(async () => {
      const el = document.querySelector('[data-testid="discover-scroll"]');
      const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      let n = 0;
      while (el.scrollTop + el.clientHeight < el.scrollHeight - 1 && n < 2000) {
        el.scrollTop += el.clientHeight * 3;
        n++;
        await frame();
      }
      el.scrollTop = 0;
      await frame();
      el.scrollTop = el.scrollHeight;
      await new Promise((r) => setTimeout(r, 300));
      return n;
    })()`);
    await page.locator(`[data-testid="discover-row"][data-index="${ASSETS - 1}"]`).waitFor({ timeout: 30_000 });
    const scrolled = await takeTasks();
    const max = (xs: number[]) => (xs.length ? Math.round(Math.max(...xs)) : 0);
    const all = [...open, ...scrolled];
    return [
      `render ${ASSETS.toLocaleString('en-US')} assets in Discover (virtualized): first rows shown in ${Math.round(shown)} ms; longest task ${max(all)} ms (target: none over ${LONGTASK_TARGET_MS} ms) ${max(all) <= LONGTASK_TARGET_MS ? 'OK' : 'OVER TARGET'}`,
      `  opening: ${open.length} long task(s), max ${max(open)} ms; scrolling ${steps} steps to the last row: ${scrolled.length} long task(s), max ${max(scrolled)} ms`,
      `baseline: app start on the Library screen: ${baseline.length} long task(s), max ${max(baseline)} ms`,
    ];
  } finally {
    await browser.close();
  }
}

/** The index figure on a sandbox chain of its own (no app running beside it: its own indexer would compete for the CPU). */
export async function benchDiscoverIndexingStandalone(): Promise<string[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ativo-bench-discover-chain-'));
  const sandbox = await startAnvil({ dataDir });
  try {
    if (sandbox.registry === null) throw new Error('the sandbox has no registry');
    const t0 = performance.now();
    await registerMany(sandbox.rpcUrl, sandbox.registry.address);
    return [`(registered ${ASSETS.toLocaleString('en-US')} assets on a sandbox chain in ${s(performance.now() - t0)})`, ...(await benchDiscoverIndexing(sandbox.rpcUrl, sandbox.registry.address))];
  } finally {
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchDiscover(): Promise<string[]> {
  const indexing = await benchDiscoverIndexingStandalone();
  if (!existsSync(join(REPO, 'out/renderer/index.html'))) return [...indexing, 'rendering skipped: out/renderer is missing (run `npm run build` first)'];
  return [...indexing, ...(await benchDiscoverRendering())];
}

async function benchDiscoverRendering(): Promise<string[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ativo-bench-serve-'));
  const serve = await startServe(dataDir);
  try {
    await serve.call('wallet.create', { label: 'bench' });
    const status = await serve.call<{ rpcUrl: string; registry: string | null }>('chain.status');
    if (status.registry === null) throw new Error('the sandbox has no registry');
    const t0 = performance.now();
    await registerMany(status.rpcUrl, status.registry);
    const lines = [`(registered ${ASSETS.toLocaleString('en-US')} assets on the app's sandbox chain in ${s(performance.now() - t0)})`];
    // The app's own indexer catches up before the screen opens.
    for (let i = 0; (await serve.call<{ total: number }>('discover.list', { limit: 1 })).total < ASSETS; i++) {
      if (i > 1200) throw new Error('the app did not index the assets within 120 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    lines.push(...(await benchRendering(serve)));
    return lines;
  } finally {
    await stopServe(serve, dataDir);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await benchDiscover()) console.log(line);
}
