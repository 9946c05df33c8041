/**
 * Helpers for the crypto tests and benchmark only (the app never shells out to `age`).
 * The reference `age` CLI (Go) is required: a missing CLI is a hard failure that names the
 * install command, never a silent skip.
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

export const AGE_CLI_MISSING =
  'The `age` command-line tool is required by the crypto interop tests and benchmark but was not found on PATH. ' +
  'Install it with `apt-get install age` (Debian/Ubuntu; `sudo apt-get install -y age`), then re-run.';

/** `age --version`, or throws an Error whose message says to `apt-get install age`. */
export function requireAgeCli(): string {
  let r: SpawnSyncReturns<string>;
  try {
    r = spawnSync('age', ['--version'], { encoding: 'utf8' });
  } catch (e) {
    throw new Error(AGE_CLI_MISSING, { cause: e });
  }
  if (r.error !== undefined || r.status !== 0) throw new Error(AGE_CLI_MISSING, { cause: r.error });
  const k = spawnSync('age-keygen', ['--help'], { encoding: 'utf8' });
  if (k.error !== undefined) throw new Error(AGE_CLI_MISSING, { cause: k.error });
  return r.stdout.trim();
}

/** Runs `age` with `args`; throws with its stderr on a non-zero exit. */
export function runAge(args: string[], input?: Buffer): Buffer {
  const r = spawnSync('age', args, { input, maxBuffer: 1 << 30 });
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0) throw new Error(`age ${args.join(' ')} exited ${r.status ?? r.signal ?? '?'}: ${r.stderr.toString().trim()}`);
  return r.stdout;
}

/** `age-keygen` output: the identity file text, its identity and public recipient. */
export function ageKeygen(): { file: string; identity: string; recipient: string } {
  const r = spawnSync('age-keygen', [], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) throw new Error(AGE_CLI_MISSING, { cause: r.error });
  const identity = /^AGE-SECRET-KEY-1\S+$/m.exec(r.stdout)?.[0];
  const recipient = /^# public key: (age1\S+)$/m.exec(r.stdout)?.[1];
  if (identity === undefined || recipient === undefined) throw new Error('unexpected age-keygen output');
  return { file: r.stdout, identity, recipient };
}

/** Deterministic, non-repeating-looking bytes (so chunk mix-ups cannot go unnoticed). */
export function pattern(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Writes `bytes` of pattern data to `path` in 4 MiB blocks (flat memory). */
export function writePatternFile(path: string, bytes: number, seed = 1): void {
  const block = pattern(4 * 1024 * 1024, seed);
  const fd = openSync(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
  } finally {
    closeSync(fd);
  }
}

export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The rejection of `p` (or an Error saying it resolved). */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return await p.then(
    () => new Error('expected a rejection, but it resolved'),
    (e: unknown) => e,
  );
}
