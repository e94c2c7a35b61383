import { columnTexts, expect, screenshot, seedInfo, test } from './fixtures.ts';

const seed = seedInfo();

test('overview renders the seeded fleet: stats, four counter charts (top 8 + others), node table', async ({
  page,
}) => {
  await page.goto('/?range=24h');
  await expect(page.getByRole('heading', { level: 1, name: 'Fleet overview' })).toBeVisible();
  const nodes = await columnTexts(page, 'nodes', 'Node');
  expect(nodes.sort()).toEqual([...seed.nodeIds].sort());
  const statuses = await columnTexts(page, 'nodes', 'Status');
  expect(statuses.filter((s) => s === 'down')).toHaveLength(1);
  await expect(page.getByTestId('stat-nodes')).toContainText(/\d+ \/ \d+ \/ 1$/);
  for (const id of ['active', 'connected', 'errors', 'rejections']) {
    const chart = page.getByTestId(`chart-${id}`);
    // 12 reporting nodes → 8 named series + "others"; the SVG has one area per series.
    await expect(chart).toHaveAttribute('data-series', '9');
    await expect(chart.locator('.recharts-area-area')).toHaveCount(9);
    await expect(chart.locator('.recharts-legend-item-text', { hasText: 'others' })).toBeVisible();
  }
  const events = await columnTexts(page, 'event-totals', 'Event');
  expect(events).toContain('105');
  expect(events).toContain('103');
  await screenshot(page, 'overview', true);
});

test('time picker changes URL and data; a shared URL restores the view', async ({ page, browser }) => {
  await page.goto('/?range=24h');
  await expect(page.getByTestId('table-nodes')).toContainText(seed.downNode);
  await page.getByRole('button', { name: 'Last hour' }).click();
  await expect(page).toHaveURL(/range=1h/);
  await expect(page.getByRole('button', { name: 'Last hour' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('p.sub')).toContainText('Last hour');
  await expect(page.locator('p.sub')).toContainText('raw samples');
  // The node that went down 2 h ago is not in the last hour.
  await expect(page.getByTestId('table-nodes')).not.toContainText(seed.downNode);

  // Absolute range: 3 h .. 2 h before the seed's end — only the down node's era.
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);
  await page.getByTestId('abs-toggle').click();
  await page.getByLabel('From (UTC)').fill(iso(seed.end - 3 * 3_600_000));
  await page.getByLabel('To (UTC)').fill(iso(seed.end - 2.5 * 3_600_000));
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/from=.*&to=/);
  await expect(page).not.toHaveURL(/range=/);
  await expect(page.getByTestId('table-nodes')).toContainText(seed.downNode);

  // Filter the node table, sort it, turn auto-refresh on: then open the same URL in a fresh context.
  await page.getByLabel('Auto-refresh interval').selectOption('30s');
  await expect(page).toHaveURL(/refresh=30s/);
  const url = page.url();
  const before = await columnTexts(page, 'nodes', 'Node');
  const other = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const p2 = await other.newPage();
  await p2.goto(url);
  await expect(p2.getByLabel('Auto-refresh interval')).toHaveValue('30s');
  await expect(p2.locator('p.sub')).toContainText(/\d\s*–\s*\d/); // an absolute range's label
  expect(await columnTexts(p2, 'nodes', 'Node')).toEqual(before);
  await other.close();
});

test('node table sorts by column and filters rows (server-side, in the URL)', async ({ page }) => {
  await page.goto('/?range=24h');
  const table = page.getByTestId('table-nodes');
  const names = () => columnTexts(page, 'nodes', 'Node');
  await table.getByRole('button', { name: 'Node' }).click();
  await expect(page).toHaveURL(/sort=node/);
  await expect(table.locator('th[aria-sort="ascending"]')).toHaveCount(1);
  const asc = await names();
  expect(asc).toEqual([...asc].sort((a, b) => a.localeCompare(b)));
  await table.getByRole('button', { name: /^Node/ }).click();
  await expect(page).toHaveURL(/sort=-node/);
  await expect.poll(names).toEqual([...asc].reverse());
  await table.getByLabel('Filter Nodes').fill('down');
  await expect(page).toHaveURL(/filter=down/);
  await expect.poll(names).toEqual([seed.downNode]);
  await expect(page.getByTestId('count-nodes')).toHaveText(`1 of ${seed.nodeIds.length}`);
});

test('node table pages: one page of rows in the HTML, page in the URL, sort across pages', async ({
  page,
}) => {
  const size = 5;
  const sorted = [...seed.nodeIds].sort((a, b) => a.localeCompare(b));
  const pages = Math.ceil(sorted.length / size);
  expect(pages, 'the seed spans several pages of 5').toBeGreaterThan(2);
  await page.goto(`/?range=24h&size=${size}&sort=node`);
  const pager = page.getByTestId('pager-nodes');
  const seen: string[] = [];
  for (let p = 1; p <= pages; p++) {
    await expect(pager).toContainText(`Page ${p} of ${pages}`);
    const rows = await columnTexts(page, 'nodes', 'Node');
    expect(rows).toEqual(sorted.slice((p - 1) * size, p * size));
    seen.push(...rows);
    if (p < pages) {
      await pager.getByRole('link', { name: 'Next →' }).click();
      await expect(page).toHaveURL(new RegExp(`page=${p + 1}`));
    }
  }
  expect(seen).toEqual(sorted);
  // Descending sort orders every node, not just the page: page 1 starts with the last name overall.
  await page.goto(`/?range=24h&size=${size}&sort=-node&page=1`);
  expect(await columnTexts(page, 'nodes', 'Node')).toEqual([...sorted].reverse().slice(0, size));
  // The stats count every node, whatever the page.
  await expect(page.getByTestId('stat-nodes')).toContainText(/\d+ \/ \d+ \/ 1$/);
  // A page past the end shows the last one.
  await page.goto(`/?range=24h&size=${size}&sort=node&page=99`);
  await expect(pager).toContainText(`Page ${pages} of ${pages}`);
});

test('dark theme persists across reloads and pages without a flash', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/?range=6h');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await page.evaluate(() => localStorage.getItem('gatewatch-theme'))).toBe('dark');
  await page.reload();
  // Set by the inline script before React hydrates.
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(17, 18, 23)');
  await expect(page.getByTestId('chart-active').locator('.recharts-area-area').first()).toBeVisible();
  await screenshot(page, 'overview-dark');
  await page.getByRole('link', { name: 'Events' }).click();
  await expect(page).toHaveURL(/\/events\?range=6h/);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});

test('keyboard: skip link and time range buttons are reachable', async ({ page }) => {
  await page.goto('/');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.getByRole('button', { name: 'Last 6 hours' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/range=6h/);
});

test('auto-refresh re-fetches while visible and pauses while the tab is hidden', async ({ page }) => {
  const isRefresh = (r: { headers(): Record<string, string>; url(): string }) =>
    r.headers().rsc === '1' && !r.headers()['next-router-prefetch'] && new URL(r.url()).pathname === '/';
  await page.goto('/?range=1h&refresh=10s');
  await page.waitForRequest(isRefresh, { timeout: 15_000 });
  const setVisibility = (state: 'hidden' | 'visible') =>
    page.evaluate((s) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
  await setVisibility('hidden');
  let refreshed = 0;
  page.on('request', (r) => {
    if (isRefresh(r)) refreshed++;
  });
  await page.waitForTimeout(11_000);
  expect(refreshed, 'no refresh while hidden').toBe(0);
  const again = page.waitForRequest(isRefresh, { timeout: 3_000 });
  await setVisibility('visible');
  await again; // overdue → refreshes at once
});
