/**
 * `npm run bench -- startup` (issue 13): how long the `ativo` command takes to start, against a
 * bare `node -e 0` measured in the same run. Goals: `--version` ≤ 3×, `list --json` on an empty
 * data dir ≤ 4×, and `list`'s peak RSS under 80 MB. Runs the bundle `npm run build` makes (built
 * here first), as a user's command does.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../test-support/fs';

const ATIVO = fileURLToPath(new URL('./ativo.js', import.meta.url));
const ROUNDS = 5;

/** Median wall time (ms) and the largest peak RSS (KiB, from /usr/bin/time when present) of a command. */
function measure(args: string[]): { ms: number; rssKiB: number | null } {
  const times: number[] = [];
  let rss: number | null = null;
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' });
    times.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    const kib = Number(/(\d+)\s*$/.exec(r.stderr.trim())?.[1]);
    if (Number.isFinite(kib)) rss = Math.max(rss ?? 0, kib);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? 0, rssKiB: rss };
}

export async function benchStartup(): Promise<string[]> {
  // @ts-expect-error -- a plain ES module script, without type declarations
  const { buildCli } = (await import('../../.ci/build-cli.js')) as { buildCli: () => Promise<void> };
  await buildCli();
  const dir = tempDir('ativo-startup-');
  try {
    const dataDir = join(dir.path, 'data');
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    const base = measure(['-e', '0']);
    const v = measure([ATIVO, '--version']);
    const l = measure([ATIVO, 'list', '--json', '--data-dir', dataDir]);
    const mb = (k: number | null): string => (k === null ? '?' : `${(k / 1024).toFixed(0)} MB`);
    const ratio = (x: number): string => (x / Math.max(1, base.ms)).toFixed(1);
    return [
      `node -e 0 (baseline): ${base.ms.toFixed(0)} ms, ${mb(base.rssKiB)}`,
      `ativo --version (${version}): ${v.ms.toFixed(0)} ms = ${ratio(v.ms)}x baseline (goal <= 3x) ${Number(ratio(v.ms)) <= 3 ? 'MET' : 'NOT MET'}`,
      `ativo list --json (empty data dir): ${l.ms.toFixed(0)} ms = ${ratio(l.ms)}x baseline (goal <= 4x) ${Number(ratio(l.ms)) <= 4 ? 'MET' : 'NOT MET'}, peak ${mb(l.rssKiB)} (goal < 80 MB) ${l.rssKiB !== null && l.rssKiB < 80 * 1024 ? 'MET' : 'NOT MET'}`,
    ];
  } finally {
    dir.cleanup();
  }
}
