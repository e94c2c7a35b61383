import { readFileSync } from 'node:fs';
import { columnTexts, expect, parseCsv, screenshot, seedInfo, test, visibleRows } from './fixtures.ts';

const seed = seedInfo();

test('events page: trend and tables; level and event filters change URL and data', async ({ page }) => {
  await page.goto('/events?range=24h');
  await expect(page.getByRole('heading', { level: 1, name: 'Events' })).toBeVisible();
  const trend = page.getByTestId('chart-event-trend');
  await expect(trend.locator('.recharts-area-area').first()).toBeVisible();
  const allLevels = new Set(await columnTexts(page, 'events', 'Level'));
  expect(allLevels.size).toBeGreaterThan(1);
  await screenshot(page, 'events', true);

  await page.getByLabel('Level').selectOption('error');
  await expect(page).toHaveURL(/level=error/);
  await expect(async () => {
    const levels = new Set(await columnTexts(page, 'events', 'Level'));
    expect([...levels]).toEqual(['error']);
  }).toPass();
  const ids = new Set(await columnTexts(page, 'event-totals', 'Event'));
  for (const id of ids) expect(['400', '401', '402', '403']).toContain(id);

  await page.getByLabel('Level').selectOption('');
  await expect(page).not.toHaveURL(/level=/);
  await page.getByLabel('Event id').selectOption('105');
  await expect(page).toHaveURL(/event=105/);
  await expect(page).not.toHaveURL(/level=/);
  // The catalog's text (from @gatewatch/events) for the selected event.
  await expect(page.getByTestId('event-info')).toContainText("Destination server isn't in allowed list");
  await expect(page.getByTestId('event-info')).toContainText('What to do');
  await expect(async () => {
    expect(new Set(await columnTexts(page, 'events', 'Event'))).toEqual(new Set(['105']));
  }).toPass();
  const remedy = await columnTexts(page, 'events', 'Remedy');
  expect(remedy[0]).toContain('Configure the workspace on the gateways');

  // A text filter applies on Enter.
  const node = seed.nodeIds[2] as string;
  await page.getByLabel('Node').fill(node);
  await page.getByLabel('Node').press('Enter');
  await expect(page).toHaveURL(new RegExp(`node=${node}`));
  await expect(async () => {
    expect(new Set(await columnTexts(page, 'events', 'Node'))).toEqual(new Set([node]));
  }).toPass();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).not.toHaveURL(/node=|event=/);
});

test('CSV export has the same rows as the table, with the same filters', async ({ page }) => {
  await page.goto(`/events?range=24h&event=105&client=${seed.tracedClient}`);
  const times = await columnTexts(page, 'events', 'Time (UTC)');
  expect(times.length).toBeGreaterThan(0);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('csv-events').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^gatewatch-events-.*\.csv$/);
  const rows = parseCsv(readFileSync((await download.path()) as string, 'utf8'));
  const header = rows[0] as string[];
  expect(header.slice(0, 4)).toEqual(['Time (UTC)', 'Node', 'Event', 'Level']);
  const body = rows.slice(1);
  expect(body).toHaveLength(times.length);
  expect(body.map((r) => r[0])).toEqual(times);
  const ci = header.indexOf('Client');
  for (const r of body) {
    expect(r[2]).toBe('105');
    expect(r[ci]).toBe(seed.tracedClient);
  }
});

test('a record links to its trace (spans from otel_traces)', async ({ page }) => {
  await page.goto(`/events?range=24h&client=${seed.tracedClient}`);
  const table = page.getByTestId('table-events');
  await table.getByRole('link', { name: seed.traceId.slice(0, 16) }).click();
  await expect(page).toHaveURL(new RegExp(`/trace/${seed.traceId}`));
  const spans = page.getByTestId('spans');
  await expect(spans).toContainText(`CONNECT ${seed.tracedHost}:443`);
  await expect(spans).toContainText('policy');
  await expect(spans).toContainText('4.00 ms');
  // Attributes: one line, cut with the whole text on hover.
  const attrs = spans.locator('td.attrs').first();
  expect(await attrs.getAttribute('title')).toBe(await attrs.textContent());
  expect((await attrs.boundingBox())?.height).toBeLessThan(40);
  await screenshot(page, 'trace');
});

test('records are readable: one line each, 15+ visible at 1440 px, the whole text on hover', async ({
  page,
}) => {
  await page.goto('/events?range=24h');
  const { visible, tallest } = await visibleRows(page, 'events');
  expect(visible, 'records visible in the Latest records box').toBeGreaterThanOrEqual(15);
  expect(tallest, 'one line per record').toBeLessThan(40);
  // A cut message keeps its whole text in the title (hover).
  const message = page.getByTestId('table-events').locator('tbody td.clip[title]').first();
  const text = await message.textContent();
  expect(await message.getAttribute('title')).toBe(text);
  const box = await message.boundingBox();
  expect(box?.width, 'a message column has room').toBeGreaterThanOrEqual(200);

  await page.goto('/investigate?range=24h');
  const raw = await visibleRows(page, 'records105');
  expect(raw.visible, 'records visible in the Raw 105 records box').toBeGreaterThanOrEqual(15);
  expect(raw.tallest).toBeLessThan(40);
});
