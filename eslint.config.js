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
const noApi = { group: ['**/api/*', '**/api'], allowTypeImports: true, message: 'Services must not import src/api (it imports them).' };
const noCli = { group: ['**/cli/*', '**/cli'], message: 'Nothing imports the CLI.' };

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
  // src/: framework-free core
  { files: ['src/**/*.ts'], languageOptions: { globals: globals.node }, rules: restrict([...noUi, noSqlite, noCli]) },
  { files: ['src/catalog/**/*.ts'], rules: restrict([...noUi, noCli, { group: ['**/ingest/**', '**/vault/**', '**/storage/**', '**/chain/**', '**/jobs/**', '**/access/**', '**/earnings/**', '**/sandbox/**', '**/publish/**'], message: 'The catalog is the bottom layer.' }, noApi]) },
  { files: ['src/{ingest,vault,crypto,storage,chain,jobs,access,earnings,sandbox,util,publish}/**/*.ts'], rules: restrict([...noUi, noSqlite, noCli, noApi]) },
  { files: ['src/api/**/*.ts'], rules: restrict([...noUi, noSqlite, noCli]) },
  // electron/: the thin shell, talks to src/api only
  {
    files: ['electron/**/*.ts'],
    languageOptions: { globals: globals.node },
    rules: restrict([
      noSqlite,
      { group: ['**/src/*/**', '!**/src/api/**', '!**/src/util/paths'], message: 'electron/ goes through src/api only.' },
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
    files: ['src/**/*.test.ts', 'src/**/*.bench.ts', 'src/test-support/**/*.ts', 'e2e/**/*.ts', '.ci/**/*.ts', '*.config.ts'],
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', ...restrict(noUi) },
  },
);
