/**
 * Layers are enforced by lint (eslint.config.js): base (util, catalog) ← platform services
 * (vault, crypto, storage, chain, jobs, ingest) ← features (publish, access, earnings) ← api ←
 * shells. Only the network runtime (src/api/network-runtime.ts) and tests load src/sandbox; production
 * code never imports a test double; Electron main never loads the backend.
 *
 * Runs the project's real ESLint config on small probe files placed in each layer (linted as
 * text at those paths; type-aware rules are switched off for speed, the import rules are not).
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const RULE = '@typescript-eslint/no-restricted-imports';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({
    cwd: root,
    overrideConfig: [{ ...tseslint.configs.disableTypeChecked, languageOptions: { parserOptions: { projectService: false, project: null } } }],
  });
});

/** The layering messages for a probe at `path` (relative to the repo) that imports `spec`. */
async function violations(path: string, spec: string, typeOnly = false): Promise<string[]> {
  const code = typeOnly ? `import type { X } from '${spec}';\nexport type Y = X;\n` : `import { x } from '${spec}';\nexport const y = x;\n`;
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('layering lint', () => {
  it.each([
    ['src/storage/probe.ts', '../publish/pipeline', /platform services .* must not import features/],
    ['src/catalog/probe.ts', '../vault/vault', /base .* must not import platform services/],
    ['src/util/probe.ts', '../crypto/age', /base .* must not import platform services/],
    ['src/jobs/probe.ts', '../access/jobs', /must not import features/],
    ['src/publish/probe.ts', '../api/backend', /features .* must not import api/],
    ['src/util/probe.ts', '../api/backend', /base .* must not import api/],
    ['src/ingest/probe.ts', '../earnings', /platform services .* must not import features/],
    ['src/api/probe.ts', '../cli/main', /Nothing imports the CLI|must not import shells/],
  ])('%s importing %s fails lint', async (path, spec, message) => {
    const found = await violations(path, spec);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(message);
  });

  it.each([
    ['src/api/probe.ts', '../sandbox/anvil'],
    ['src/api/backend.ts', '../sandbox/storage-node'],
    ['src/api/chain.ts', '../sandbox/anvil'],
    ['src/publish/probe.ts', '../sandbox/storage-node/receipts'],
    ['src/storage/probe.ts', '../sandbox/anvil'],
    ['src/cli/probe.ts', '../sandbox/anvil'],
  ])('production %s importing the sandbox (%s) fails lint', async (path, spec) => {
    expect((await violations(path, spec)).join('\n')).toMatch(/Only the network runtime .* may import src\/sandbox/);
  });

  it.each([
    ['src/publish/probe.ts', '../storage/testing'],
    ['src/api/probe.ts', '../chain/test-utils'],
    ['src/api/probe.ts', '../test-support/backend-sandbox'],
    ['src/earnings/probe.ts', './seed.child'],
    ['src/access/probe.ts', './fixtures/approve-worker'],
  ])('production %s importing a test double (%s) fails lint', async (path, spec) => {
    expect(await violations(path, spec)).not.toEqual([]);
  });

  it.each([
    ['electron/probe.ts', '../src/api/backend'],
    ['electron/probe.ts', '../src/api/host'],
    ['electron/probe.ts', '../src/catalog/db'],
    ['electron/probe.ts', 'better-sqlite3'],
    ['electron/probe.ts', '../src/util/errors'],
  ])('Electron main importing %s (%s) fails lint', async (path, spec) => {
    expect(await violations(path, spec)).not.toEqual([]);
  });

  it.each([
    ['src/publish/probe.ts', '../storage/client'],
    ['src/publish/probe.ts', '../catalog/db'],
    ['src/earnings/probe.ts', '../access/indexer'],
    ['src/storage/probe.ts', '../crypto/age'],
    ['src/api/probe.ts', '../publish/pipeline'],
    ['src/api/network-runtime.ts', '../sandbox/anvil'],
    ['src/api/network-runtime.ts', '../sandbox/storage-node'],
    ['src/cli/probe.ts', '../api/backend'],
    ['src/publish/probe.test.ts', '../sandbox/anvil'],
    ['src/storage/testing.ts', '../sandbox/storage-node'],
    ['electron/probe.ts', '../src/api/supervisor'],
    ['electron/probe.ts', '../src/api/names'],
    ['electron/probe.ts', '../src/util/format'],
  ])('%s importing %s is allowed', async (path, spec) => {
    expect(await violations(path, spec)).toEqual([]);
  });

  it('type-only imports of the public contract are allowed from lower layers (erased at run time)', async () => {
    expect(await violations('src/util/probe.ts', '../api/contract', true)).toEqual([]);
    expect(await violations('src/util/probe.ts', '../api/contract')).not.toEqual([]);
  });
});
