import { expect, seedInfo, test } from './fixtures.ts';

const seed = seedInfo();

test('an invalid range, unreadable from/to or from after to: a notice and what is shown instead', async ({
  page,
}) => {
  await page.goto('/?range=2h');
  const notices = page.getByTestId('notices');
  await expect(notices).toContainText('range=2h is not a range');
  await expect(notices).toContainText(/showing Last 24( hours|h)/);
  await expect(page.getByRole('button', { name: /^Last 24/ })).toHaveAttribute('aria-pressed', 'true');
  // Links and CSV exports carry the range shown, not the bad one.
  expect(await page.getByTestId('csv-nodes').getAttribute('href')).toContain('range=24h');

  await page.goto('/events?from=yesterday&to=2026-01-01T00:00:00Z');
  await expect(page.getByTestId('notices')).toContainText('from=yesterday is not a time');

  await page.goto('/events?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z');
  await expect(page.getByTestId('notices')).toContainText(
    'from=2026-01-02T00:00:00Z is not before to=2026-01-01T00:00:00Z',
  );
  await page.goto('/events?range=24h');
  await expect(page.getByTestId('notices')).toHaveCount(0);
});

test('an unknown event id says so', async ({ page }) => {
  await page.goto('/events?range=24h&event=999');
  await expect(page.getByTestId('notices')).toContainText('unknown event id 999');
  await expect(page.getByTestId('table-events')).toContainText('No records match');
});

test.describe('a missing node', () => {
  test.use({ expectedConsoleErrors: [/the server responded with a status of 404/] });
  test('answers 404 with the helpful message', async ({ page }) => {
    const res = await page.goto('/nodes/no-such-node?range=24h');
    expect(res?.status()).toBe(404);
    await expect(page.getByTestId('node-not-found')).toContainText('Node no-such-node has never reported');
    await expect(page.getByTestId('node-not-found')).toContainText('the Overview lists every node');
    // A node that exists is a 200.
    expect((await page.goto(`/nodes/${seed.nodeIds[0]}?range=24h`))?.status()).toBe(200);
  });
});

test('a 5,000-character workspace id does not widen the page', async ({ page }) => {
  const ws = 'w'.repeat(5000);
  for (const path of ['/investigate', '/events']) {
    await page.goto(`${path}?range=24h&ws=${ws}`);
    await expect(page.getByTestId('notices')).toContainText('ws is 5000 characters long');
    const { scroll, width } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: window.innerWidth,
    }));
    expect(scroll, `${path}: page width`).toBeLessThanOrEqual(width);
  }
});
