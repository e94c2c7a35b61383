/**
 * What an operator sees first on the seeded data (a node spiking now, its alert firing): rate tiles, node
 * ranking, alert marks, the default range. Early in the suite: the tiles look back 15 minutes at most.
 */
import { columnTexts, expect, seedInfo, test } from './fixtures.ts';

const seed = seedInfo();

test('rate tiles show the newest complete minute, as the alert rules count it', async ({ page }) => {
  await page.goto('/?range=24h');
  const tile = page.getByTestId('stat-rejections');
  // The seeded node alone refuses spikePerMin in each of the last 10 minutes; the chart's 5-minute
  // buckets over 24 h would show a fraction of that.
  const num = async (id: string) =>
    Number(((await page.getByTestId(id).textContent()) ?? '').replace(/,/g, ''));
  const now = await num('stat-rejections-value');
  const avg = await num('stat-rejections-window');
  expect(now).toBeGreaterThanOrEqual(seed.spikePerMin);
  expect(avg).toBeGreaterThanOrEqual(seed.spikePerMin);
  // The page's time format (en, UTC).
  const minute = new Intl.DateTimeFormat('en', {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
  }).format(seed.end - 60_000);
  await expect(tile).toContainText(`last complete minute (${minute} UTC)`);
  await expect(tile).toContainText('as the alert rules count');
  await expect(page.getByTestId('stat-errors')).toContainText(`(${minute} UTC)`);
  // The seed's alerter last evaluated at the end of that minute: the fleet rule saw the same 5-min rate.
  await page.goto('/alerts?range=24h');
  const fleet = page.getByTestId('alert-row').filter({ hasText: 'RejectionSpikeFleet' });
  const ruleValue = Number(((await fleet.locator('td').nth(3).textContent()) ?? '').replace(/,/g, ''));
  expect(Math.abs(ruleValue - avg)).toBeLessThan(0.06);
});

test('node table ranks nodes by rejections in the selected range; errors sort too', async ({ page }) => {
  await page.goto('/?range=1h');
  const table = page.getByTestId('table-nodes');
  await expect(table.locator('th[aria-sort="descending"]')).toHaveText(/Rejections in range/);
  const names = await columnTexts(page, 'nodes', 'Node');
  expect(names[0]).toBe(seed.spikeNode);
  const counts = (await columnTexts(page, 'nodes', 'Rejections in range')).map(Number);
  expect(counts).toEqual([...counts].sort((a, b) => b - a));
  // The last 10 minutes at spikePerMin, plus 1/min before within the hour.
  expect(counts[0]).toBeGreaterThanOrEqual(10 * seed.spikePerMin);
  expect(counts[0]).toBeLessThanOrEqual(10 * seed.spikePerMin + 60);
  await table.getByRole('button', { name: 'Errors in range' }).click();
  await expect(page).toHaveURL(/sort=-errorsInRange/);
  await expect(table.locator('th[aria-sort="descending"]')).toHaveText(/Errors in range/);
  const errs = (await columnTexts(page, 'nodes', 'Errors in range')).map(Number);
  expect(errs).toEqual([...errs].sort((a, b) => b - a));
});

test('an alert marks only the chart its rule watches, with a marker and a tooltip', async ({ page }) => {
  await page.goto('/?range=1h');
  // RejectionSpikePerNode (metric rejection_rate) fires for the spiking node.
  const rejections = page.getByTestId('chart-rejections');
  await expect(rejections).not.toHaveAttribute('data-annotations', '0');
  await expect(page.getByTestId('chart-errors')).toHaveAttribute('data-annotations', '0');
  await expect(page.getByTestId('chart-active')).toHaveAttribute('data-annotations', '0');
  await expect(
    rejections.locator('.alert-marker title', { hasText: 'RejectionSpikePerNode' }),
  ).not.toHaveCount(0);
  // No text printed in the band (overlapping periods' labels used to collide).
  await expect(rejections.locator('.alert-annotation text, .recharts-reference-area text')).toHaveCount(0);
});

test('a URL without a range opens one that fits the data present', async ({ page }) => {
  await page.goto('/events');
  // The seed holds 24 h of data: the smallest range holding it is 24h.
  await expect(page).toHaveURL(/\/events\?range=24h$/);
  await expect(page.getByRole('button', { name: /^Last 24/ })).toHaveAttribute('aria-pressed', 'true');
});
