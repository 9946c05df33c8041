import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect } from './fixtures';
import type { ApiResult } from './fixtures';

/** A fresh temp directory (callers remove it). */
export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

/** Writes `files` (relative path → content) under `root`; `symlinks` (relative path → target) too. */
export function writeTree(root: string, files: Record<string, string | Buffer>, symlinks: Record<string, string> = {}): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  for (const [rel, target] of Object.entries(symlinks)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    symlinkSync(target, abs);
  }
}

/**
 * The content root as anyone can compute it with coreutils (DESIGN.md): the sha256 of what
 * `sha256sum` prints for the folder's regular files in LC_ALL=C path order.
 */
export function coreutilsContentRoot(folder: string): string {
  const out = execFileSync('bash', ['-c', "set -o pipefail; find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 sha256sum -- | sha256sum"], {
    cwd: folder,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
  });
  const hex = out.split(' ')[0] ?? '';
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`unexpected sha256sum output: ${out}`);
  return hex;
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Deterministic pseudo-random bytes (so screenshots and sizes are stable). */
export function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** A command's value from its Result envelope (throws the typed error otherwise). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the command's output type
export function value<T = unknown>(r: ApiResult): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** axe-core (WCAG 2.1 A/AA) on the page: serious or critical violations fail, others are printed. */
export async function audit(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of results.violations.filter((x) => !bad.includes(x))) console.log(`a11y (${label}, ${v.impact ?? 'n/a'}): ${v.id}: ${v.help}`);
  expect(
    bad.map((v) => `${v.impact ?? ''} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`),
    `serious/critical accessibility violations on ${label}`,
  ).toEqual([]);
}
