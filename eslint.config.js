// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/** Layering (DESIGN.md): nothing imports upward; enforced here, not hoped for. */
const restrict = (patterns, paths = []) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns, paths }],
});
const noUi = [
  { group: ['electron', 'electron/*'], message: 'src/ is framework-free: no electron imports.' },
  { group: ['react', 'react-dom', 'react/*', 'react-dom/*', 'zustand', 'zustand/*'], message: 'src/ is framework-free: no react imports.' },
  { group: ['**/renderer/**', '**/electron/**'], message: 'src/ must not import the shells.' },
];
const noSqlite = { group: ['better-sqlite3'], message: 'SQL lives only in src/catalog query modules.' };
const noCli = { group: ['**/cli/*', '**/cli'], message: 'Nothing imports the CLI.' };

/**
 * src/ layers, bottom up: each may import its own layer and the ones below, never one above.
 * base ← platform services ← features ← api ← shells (src/cli here; electron/ and renderer/ below).
 */
const LAYERS = [
  { name: 'base', dirs: ['util', 'catalog'] },
  { name: 'platform services', dirs: ['vault', 'crypto', 'storage', 'chain', 'jobs', 'ingest', 'metadata'] },
  { name: 'features', dirs: ['publish', 'access', 'earnings', 'discover', 'governance'] },
  { name: 'api', dirs: ['api'] },
  { name: 'shells', dirs: ['cli'] },
];
/** A relative import of src/<dir> from another src/ folder: `../<dir>`, `../../<dir>/x`… */
const srcDir = (dirs) => `^(?:\\.\\./)+(?:${dirs.join('|')})(?:/|$)`;
/** The sandbox (local anvil + storage node) is a test double: only the network runtime and tests load it. */
const noSandbox = {
  regex: srcDir(['sandbox', 'test-support']),
  caseSensitive: true,
  message: 'Only the network runtime (src/api/network-runtime.ts) and tests may import src/sandbox; production code never imports a test double.',
};
/** Test doubles and helpers that live beside production code. */
const noTestDoubles = {
  regex: '(?:^|/)(?:testing|test-utils|test-support|fixtures|[^/]+\\.child)(?:\\.[jt]s)?(?:/|$)',
  caseSensitive: true,
  message: 'Production code never imports a test double or test helper.',
};
/** The restrictions for a file in layer `i`: nothing from the layers above it. */
const layerRules = (i, extra = []) => {
  const above = LAYERS.slice(i + 1);
  const patterns = [...noUi, noCli, noSandbox, noTestDoubles, ...extra];
  for (const l of above) {
    patterns.push({
      regex: srcDir(l.dirs),
      caseSensitive: true,
      // Types of the public contract (src/api) are the wire vocabulary every layer speaks; erased at run time.
      ...(l.name === 'api' ? { allowTypeImports: true } : {}),
      message: `Layering: ${LAYERS[i].name} (src/${LAYERS[i].dirs.join(', src/')}) must not import ${l.name} (src/${l.dirs.join(', src/')}); move the shared code down a layer.`,
    });
  }
  return restrict(patterns);
};
/** Test code: *.test.ts, benches, fixtures, the test-support helpers and test doubles beside the code. */
const TEST_FILES = [
  'src/**/*.test.ts',
  'src/**/*.bench.ts',
  'src/**/bench/**/*.ts',
  'src/test-support/**/*.ts',
  'src/**/fixtures/**/*.ts',
  'src/**/testing.ts',
  'src/**/test-utils.ts',
  'src/**/test-support.ts',
  'src/**/*.child.ts',
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'src/chain/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'src/cli/*.js', '.ci/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      // Async APIs may not await yet (the backend will start the sandbox there); keeping them async keeps errors as rejections.
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked, languageOptions: { globals: globals.node } },
  // src/: framework-free core, in layers (LAYERS above)
  { files: ['src/**/*.ts'], languageOptions: { globals: globals.node }, rules: restrict([...noUi, noSqlite, noCli, noSandbox, noTestDoubles]) },
  ...LAYERS.map((l, i) => ({
    files: l.dirs.map((d) => `src/${d}/**/*.ts`),
    rules: layerRules(i, l.dirs.includes('catalog') ? [] : [noSqlite]),
  })),
  // The network runtime: the one production module that starts (or attaches to) anvil and the storage node.
  { files: ['src/api/network-runtime.ts', 'src/api/sandbox-errors.ts'], rules: restrict([...noUi, noSqlite, noCli, noTestDoubles]) },
  // The sandbox itself: a test double over the platform services, below features.
  { files: ['src/sandbox/**/*.ts'], rules: restrict([...noUi, noSqlite, noCli, { regex: srcDir(['publish', 'access', 'earnings', 'api', 'cli']), caseSensitive: true, message: 'The sandbox stands in for the network: it imports only base and platform services.' }]) },
  // electron/: the thin shell, talks to src/api only
  {
    files: ['electron/**/*.ts'],
    languageOptions: { globals: globals.node },
    rules: restrict([
      noSqlite,
      // Main relays to the backend host; it never loads the backend itself (out/main/index.js stays small).
      {
        regex: '^(?:\\.\\./)+src/(?!api/(?:names|supervisor|host-protocol|bridge|contract|links)$|util/format$)',
        caseSensitive: true,
        message: 'electron/ talks to the backend host through src/api/supervisor (and names, bridge and contract types, and the text helpers of src/util/format) only; the backend runs in its own process.',
      },
      { group: ['**/src/api/contract', '**/src/api/bridge'], allowTypeImports: true, message: 'electron/ imports only types from the contract.' },
      { group: ['react', 'react-dom', '**/renderer/**'], message: 'The shell does not import the renderer.' },
    ]),
  },
  // renderer/: browser code, types from src/api only, through window.ativo
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser, parserOptions: { project: './tsconfig.web.json', projectService: false } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...restrict([
        { group: ['**/src/api/*', '**/src/api'], allowTypeImports: true, message: 'The renderer imports only types from src/api; talk through window.ativo.' },
        { group: ['**/src/**', '!**/src/api/**'], message: 'The renderer imports only types from src/api.' },
        { group: ['node:*', 'electron', 'electron/*', 'better-sqlite3', 'fs', 'path', 'child_process'], message: 'No Node or Electron in the renderer.' },
      ]),
    },
  },
  // Tests and benchmarks may open the catalog file directly (to check it from outside) and run the CLI.
  {
    files: [...TEST_FILES, 'e2e/**/*.ts', '.ci/**/*.ts', '*.config.ts'],
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', ...restrict(noUi) },
  },
);
