import { columnTexts, expect, screenshot, seedInfo, test } from './fixtures.ts';

const seed = seedInfo();

test('node page: details, four counters, events and recent errors', async ({ page }) => {
  const node = seed.nodeIds[0] as string;
  await page.goto('/?range=24h');
  await page.getByTestId('table-nodes').getByRole('link', { name: node, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/nodes/${node}\\?range=24h`));
  await expect(page.getByRole('heading', { level: 1, name: `Node ${node}` })).toBeVisible();
  await expect(page.getByTestId('config-version')).toHaveText('cfg-1');
  for (const id of ['active', 'connected', 'errors', 'rejections']) {
    await expect(page.getByTestId(`chart-${id}`).locator('.recharts-line-curve')).toHaveCount(1);
  }
  await expect(page.getByTestId('chart-node-events').locator('.recharts-area-area').first()).toBeVisible();
  const errors = await columnTexts(page, 'node-errors', 'Event');
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) expect(['400', '401', '402', '403']).toContain(e);
  await screenshot(page, 'node', true);
});

test.describe('a node that never reported', () => {
  test.use({ expectedConsoleErrors: [/the server responded with a status of 404/] });
  test('says so', async ({ page }) => {
    await page.goto('/nodes/no-such-node');
    await expect(page.getByText('has never reported')).toBeVisible();
  });
});

test('no data in range: the empty state says what to do', async ({ page }) => {
  await page.goto('/?from=2020-01-01T00:00:00.000Z&to=2020-01-01T01:00:00.000Z');
  await expect(page.getByTestId('no-data')).toContainText('npm start');
});
