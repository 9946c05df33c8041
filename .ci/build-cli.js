#!/usr/bin/env node
// Builds the `ativo` command into one file, out/cli/main.mjs (our TypeScript bundled by esbuild,
// the packages left in node_modules), so the CLI starts without compiling TypeScript at run time.
// src/cli/ativo.js runs it when it is newer than every source file, else the sources through tsx.
// Part of `npm run build`; the test runners call it too (globalSetup), so tests never run a stale bundle.
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildCli() {
  const out = join(repo, 'out', 'cli');
  rmSync(join(out, 'migrations'), { recursive: true, force: true });
  await build({
    entryPoints: [join(repo, 'src/cli/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: join(out, 'main.mjs'),
    logLevel: 'warning',
    legalComments: 'none',
  });
  // The catalog reads its numbered migrations from beside the code that runs it.
  cpSync(join(repo, 'src/catalog/migrations'), join(out, 'migrations'), { recursive: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
