import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { test as base, expect, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';

export interface SeedInfo {
  end: number;
  nodeIds: string[];
  downNode: string;
  spikeNode: string;
  spikePerMin: number;
  unconfiguredWorkspaces: string[];
  configuredWorkspaces: string[];
  traceId: string;
  silenceId: string;
  failedReceiver: string;
  tracedClient: string;
  tracedHost: string;
}

export function seedInfo(): SeedInfo {
  const path = process.env.E2E_INFO;
  if (!path) throw new Error('E2E_INFO is not set: run the browser tests with `npm run test:e2e`');
  return JSON.parse(readFileSync(path, 'utf8')) as SeedInfo;
}

/**
 * Every test fails on a browser console error or an uncaught page error, except those a test expects
 * (`test.use({ expectedConsoleErrors: [/…/] })`, e.g. Chromium's line for a page answering 404).
 */
export const test = base.extend<{ consoleErrors: string[]; expectedConsoleErrors: RegExp[] }>({
  expectedConsoleErrors: [[], { option: true }],
  consoleErrors: [
    async ({ page, expectedConsoleErrors }, use) => {
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && !expectedConsoleErrors.some((re) => re.test(m.text())))
          errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      await use(errors);
      expect(errors, 'no console errors').toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

const SHOTS = 'test-results/screenshots';
/** The README's pictures: refreshed only with UPDATE_SCREENSHOTS=1 (a test run leaves the tree as it was). */
const DOCS = '../../docs/screenshots';

/** A full-page picture in test-results/screenshots; `readme` ones also go to docs/ with UPDATE_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string, readme = false): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  // No hover tooltip in the picture; let charts measure their container first.
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  if (readme && process.env.UPDATE_SCREENSHOTS) {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(`${SHOTS}/${name}.png`, `${DOCS}/${name}.png`);
  }
}

/** Text of every cell in one column of a dashboard table (by header label). */
export async function columnTexts(page: Page, tableId: string, header: string): Promise<string[]> {
  const table = page.getByTestId(`table-${tableId}`);
  const headers = await table.locator('thead th').allInnerTexts();
  const idx = headers.findIndex((h) => h.replace(/[▲▼]/g, '').trim() === header);
  if (idx < 0) throw new Error(`table ${tableId} has no column "${header}" (has: ${headers.join(', ')})`);
  return table.locator(`tbody tr td:nth-child(${idx + 1})`).allInnerTexts();
}

/** Parse a CSV (RFC 4180, as the dashboard writes it). */
export function parseCsv(text: string): string[][] {
  return parse(text) as string[][];
}

/**
 * Rows of a table whose box lies wholly inside its scroll box (what a reader sees without scrolling),
 * and the tallest row's height.
 */
export async function visibleRows(
  page: Page,
  tableId: string,
): Promise<{ visible: number; tallest: number }> {
  return page
    .getByTestId(`table-${tableId}`)
    .locator('.table-scroll')
    .evaluate((box) => {
      const outer = box.getBoundingClientRect();
      const rows = [...box.querySelectorAll('tbody tr')].map((r) => r.getBoundingClientRect());
      return {
        visible: rows.filter((r) => r.top >= outer.top && r.bottom <= outer.bottom).length,
        tallest: Math.max(0, ...rows.map((r) => r.height)),
      };
    });
}
