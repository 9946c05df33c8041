import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Builds the `ativo` bundle the tests spawn (see .ci/build-cli.js).
    globalSetup: ['./.ci/cli-global-setup.ts'],
    environment: 'node',
    // Real SQLite files, real anvil, real keychain: integration tests need room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
