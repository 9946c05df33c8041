/**
 * `npm run bench`: each benchmark measures Ativo against a baseline in the same run and
 * prints ratios. Targets are reported here, never asserted in tests.
 */
import { existsSync } from 'node:fs';
import { benchIngest } from '../src/ingest/ingest.bench';

type Bench = { name: string; run: () => Promise<string[]> | string[] };
const benches: Bench[] = [{ name: 'ingest', run: benchIngest }];

const optional: [string, string, string][] = [
  ['sandbox startup', '../src/sandbox/anvil.bench.ts', 'benchSandboxStartup'],
  // `ativo --version` and `ativo list --json` against `node -e 0` (issue 13).
  ['startup', '../src/cli/startup.bench.ts', 'benchStartup'],
  ['encryption', '../src/crypto/crypto.bench.ts', 'benchEncryption'],
  ['upload', '../src/storage/storage.bench.ts', 'benchUpload'],
  // 10,000 payouts indexed from the sandbox chain (< 10 s) and rendered in Chromium (no long task > 100 ms).
  ['earnings', '../src/earnings/earnings.bench.ts', 'benchEarnings'],
  // Indexing alone (issue 18): 10,000 payouts on its own sandbox chain vs one raw eth_getLogs (target <= 1.3x).
  ['indexing', '../src/earnings/indexing.bench.ts', 'benchIndexingStandalone'],
  // Ingest + publish of 20,000 files with the UI open (no renderer long task > 100 ms).
  ['publish', '../src/publish/publish.bench.ts', 'benchPublishResponsiveness'],
  // 2,000 small items through the sandbox storage node: one POST each vs one nested bundle (issue 18).
  ['node-bundle', '../src/sandbox/storage-node/node.bench.ts', 'benchNodeBundle'],
  // 10,000 registered assets indexed from the sandbox chain (< 10 s) and shown in Discover (no long task > 100 ms; issue 16).
  ['discover', '../src/discover/discover.bench.ts', 'benchDiscover'],
];
for (const [name, path, fn] of optional) {
  if (!existsSync(new URL(path, import.meta.url))) continue;
  const mod = (await import(path)) as Record<string, () => Promise<string[]>>;
  const run = mod[fn];
  if (run) benches.push({ name, run });
}

const only = process.argv[2];
for (const b of benches) {
  if (only !== undefined && !b.name.includes(only)) continue;
  console.log(`== ${b.name}`);
  for (const line of await b.run()) console.log(`  ${line}`);
}
