import { defineConfig } from '@playwright/test';

// Chosen once by e2e/run.ts (this file is evaluated again in each worker).
const port = process.env.E2E_PORT;
if (!port) throw new Error('E2E_PORT is not set: run the browser tests with `npm run test:e2e`');
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './e2e',
  // Only the browser specs: e2e/*.test.ts are node:test suites that e2e/run.ts runs itself.
  testMatch: '**/*.spec.ts',
  // Per run: Playwright empties its output dir at start, and runs may overlap in this shared checkout.
  outputDir: `./test-results/artifacts-${process.env.E2E_RUN_ID ?? port}`,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  globalSetup: './e2e/global-setup.ts',
  use: {
    baseURL,
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    timezoneId: 'UTC',
    acceptDownloads: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    // The store opens lazily on the first page request, after globalSetup has seeded and closed it.
    command: `npx next start -H 127.0.0.1 -p ${port}`,
    // The seed's nodes stop reporting when it ends; the whole suite (≈ 10 min) must still see them "up".
    // The seeded down node stopped 2 h before: still "down".
    env: {
      ...process.env,
      DASHBOARD_NODE_UP_WITHIN_S: '1800',
      DASHBOARD_NODE_DOWN_AFTER_S: '3600',
    } as Record<string, string>,
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
