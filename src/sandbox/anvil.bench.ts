/**
 * Sandbox startup benchmark: from nothing to a deployed registry (target < 2 s), a restart
 * from persisted state, and, as the same-run baseline, a bare anvil process to its first
 * RPC answer.
 *
 *   npx tsx src/sandbox/anvil.bench.ts
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fetchChainId } from '../chain/client';
import { findFreePort, resolveAnvilBinary, startAnvil } from './anvil';

const TARGET_MS = 2000;

function stats(samples: number[]): { median: number; min: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return { median, min: s[0] ?? 0, max: s[s.length - 1] ?? 0 };
}
const fmt = (ms: number) => `${Math.round(ms)} ms`;

/** A bare anvil (no state, no deploy) from spawn to its first RPC answer. */
async function bareAnvil(): Promise<number> {
  const port = await findFreePort();
  const t0 = performance.now();
  const child = spawn(resolveAnvilBinary(), ['--host', '127.0.0.1', '--port', String(port), '--quiet'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    for (;;) {
      try {
        await fetchChainId(`http://127.0.0.1:${port}`, 1000);
        return performance.now() - t0;
      } catch {
        if (performance.now() - t0 > 20_000) throw new Error('bare anvil did not answer within 20 s');
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** Measures sandbox startup; returns printable lines. */
export async function benchSandboxStartup(runs = 5): Promise<string[]> {
  const base: number[] = [];
  const fresh: number[] = [];
  const restart: number[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(await bareAnvil());
    const dir = await mkdtemp(join(tmpdir(), 'ativo-bench-sandbox-'));
    try {
      let t0 = performance.now();
      const first = await startAnvil({ dataDir: dir });
      fresh.push(performance.now() - t0);
      if (first.registry?.deployedNow !== true) throw new Error('expected a fresh deployment');
      await first.stop();
      t0 = performance.now();
      const second = await startAnvil({ dataDir: dir });
      restart.push(performance.now() - t0);
      if (second.registry?.deployedNow !== false) throw new Error('expected the registry to be reused');
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const b = stats(base);
  const f = stats(fresh);
  const r = stats(restart);
  return [
    `sandbox startup, fresh (spawn anvil + deploy registry): median ${fmt(f.median)} (min ${fmt(f.min)}, max ${fmt(f.max)}, ${runs} runs); target < ${TARGET_MS} ms: ${f.median < TARGET_MS ? 'OK' : 'TOO SLOW'}`,
    `sandbox startup, restart (load state, reuse registry): median ${fmt(r.median)} (min ${fmt(r.min)}, max ${fmt(r.max)})`,
    `baseline, bare anvil to first RPC answer: median ${fmt(b.median)}; fresh/baseline ${(f.median / b.median).toFixed(2)}x, restart/baseline ${(r.median / b.median).toFixed(2)}x`,
  ];
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  benchSandboxStartup().then(
    (lines) => {
      for (const l of lines) console.log(l);
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
