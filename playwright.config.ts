import { defineConfig, devices } from '@playwright/test';

/**
 * End-to-end tests drive the browser shell (`ativo serve`, spawned per test file by
 * e2e/fixtures.ts) with Debian's Chromium. They need the renderer bundle in out/renderer:
 * run `npm run build` first (`npm test` does).
 */
/** Debian's Chromium (never a downloaded browser). */
const debianChromium = {
  ...devices['Desktop Chrome'],
  viewport: { width: 1280, height: 800 },
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  },
};

export default defineConfig({
  testDir: 'e2e',
  // Builds the `ativo` bundle the fixtures spawn (see .ci/build-cli.js).
  globalSetup: './.ci/cli-global-setup.ts',
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  outputDir: 'test-results',
  use: {
    headless: true,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: /responsiveness\.spec\.ts/,
      use: debianChromium,
    },
    {
      // Renderer long tasks under a 20,000-file publish: after every other test, alone, so the
      // other test files' servers and browsers do not share the two cores with it.
      name: 'responsiveness',
      testMatch: /responsiveness\.spec\.ts/,
      dependencies: ['chromium'],
      use: debianChromium,
    },
  ],
});
