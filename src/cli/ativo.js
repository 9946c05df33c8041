#!/usr/bin/env node
// The `ativo` command. It runs the bundle `npm run build` makes (out/cli/main.mjs: no TypeScript
// compiled at start) when that bundle is newer than every source file; otherwise (before the first
// build, or after an edit) the TypeScript sources through tsx. Either way, the same code.
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  // Answered before loading anything else.
  process.stdout.write(`${createRequire(import.meta.url)('../../package.json').version}\n`);
} else {
  const bundle = fileURLToPath(new URL('../../out/cli/main.mjs', import.meta.url));
  const src = fileURLToPath(new URL('..', import.meta.url));
  /** Newest modification time of the sources (tests aside; a few hundred stats: milliseconds). */
  const newest = (dir) => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) t = Math.max(t, newest(p));
      else if (/\.(ts|sql|json)$/.test(e.name) && !/\.(test|bench)\.ts$/.test(e.name)) t = Math.max(t, statSync(p).mtimeMs);
    }
    return t;
  };
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    built = 0; // not built yet
  }
  if (built > 0 && process.env.ATIVO_CLI_FROM_SOURCE !== '1' && built >= newest(src)) {
    await import(pathToFileURL(bundle).href);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('./main.ts');
  }
}
