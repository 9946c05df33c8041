#!/usr/bin/env node
// Builds the `ativo` command into out/cli/main.mjs (our TypeScript bundled by esbuild, the
// packages left in node_modules), so the CLI starts without compiling TypeScript at run time.
// Code splitting: what main.ts and the modules it reaches load with `await import()` (each
// command's module, the backend's heavy services) become chunks beside main.mjs, read only by
// the commands that need them; start-up parses main.mjs alone (see `npm run bench -- startup`).
// The chunks sit in out/cli itself, so `import.meta.url`-relative paths stay what they are in src/cli.
// src/cli/ativo.js runs it when it is newer than every source file, else the sources through tsx.
// Part of `npm run build`; the test runners call it too (globalSetup), so tests never run a stale bundle.
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Packages stay in node_modules, except zod: bundled, it is one parse instead of ~95 module loads
 * at every start (the command schemas are built when the CLI starts).
 */
const BUNDLED = new Set(['zod']);
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

export async function buildCli() {
  const out = join(repo, 'out', 'cli');
  // Old chunks go (their names carry a content hash); migrations are copied afresh.
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: [join(repo, 'src/cli/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    splitting: true,
    outdir: out,
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
    legalComments: 'none',
  });
  // The catalog reads its numbered migrations from beside the code that runs it.
  cpSync(join(repo, 'src/catalog/migrations'), join(out, 'migrations'), { recursive: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
