import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { columnTexts, expect, parseCsv, type SeedInfo, screenshot, seedInfo, test } from './fixtures.ts';
import type { UsageSeed } from './seed-usage.ts';

const seed = seedInfo() as SeedInfo & { usage: UsageSeed };
const usage = seed.usage;

async function csv(page: Page, id: string): Promise<Record<string, string>[]> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId(`csv-${id}`).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^gatewatch-${id}-.*\\.csv$`));
  const [header = [], ...rows] = parseCsv(readFileSync((await download.path()) as string, 'utf8'));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

test('workspaces: bytes up per workspace over time, per workspace and per node, CSV equal to the seeded bytes', async ({
  page,
}) => {
  await page.goto('/workspaces?range=24h');
  await expect(page.getByRole('heading', { level: 1, name: 'Workspaces' })).toBeVisible();
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workspaces' }),
  ).toHaveAttribute('aria-current', 'page');
  const workspaces = Object.keys(usage.bytesUpByWorkspace);
  const chart = page.getByTestId('chart-usage-trend');
  // Top 8 workspaces + "others": one area per series.
  const series = Math.min(workspaces.length, 8) + (workspaces.length > 8 ? 1 : 0);
  await expect(chart).toHaveAttribute('data-series', String(series));
  await expect(chart.locator('.recharts-area-area')).toHaveCount(series);
  expect((await columnTexts(page, 'usage-workspaces', 'Workspace')).sort()).toEqual([...workspaces].sort());
  // Bytes are shown in units (kB, MB, …), shares as percentages.
  const bytes = await columnTexts(page, 'usage-workspaces', 'Bytes up');
  for (const b of bytes) expect(b).toMatch(/^[\d.,]+\s?(byte|kB|MB|GB|TB)$/);
  expect(await columnTexts(page, 'usage-workspaces', 'Share')).toContainEqual(expect.stringMatching(/%$/));

  // The CSV holds machine values: exactly the bytes the seeded agents sent, per workspace.
  const rows = await csv(page, 'usage-workspaces');
  expect(Object.keys(rows[0] ?? {})).toEqual(
    expect.arrayContaining([
      'Workspace',
      'Bytes up',
      'Share of bytes up',
      'Bytes up, previous period',
      'Change',
    ]),
  );
  expect(Object.fromEntries(rows.map((r) => [r.Workspace, Number(r['Bytes up'])]))).toEqual(
    usage.bytesUpByWorkspace,
  );
  expect(Object.fromEntries(rows.map((r) => [r.Workspace, Number(r['Bytes up, previous period'])]))).toEqual(
    usage.previousBytesUpByWorkspace,
  );
  // The seed's previous period carries half of the first 4 hours' bytes: every workspace grew.
  for (const r of rows) expect(Number(r.Change)).toBeGreaterThan(0);
  expect(rows.reduce((s, r) => s + Number(r['Share of bytes up']), 0)).toBeCloseTo(1, 3);
  const nodes = await csv(page, 'usage-nodes');
  expect(nodes.reduce((s, r) => s + Number(r['Bytes up']), 0)).toBe(usage.totalBytesUp);
  await screenshot(page, 'workspaces', true);

  // A workspace's row filters the page to it (the URL keeps the filter).
  const top = Object.entries(usage.bytesUpByWorkspace).sort((a, b) => b[1] - a[1])[0]?.[0] as string;
  await page.getByTestId('table-usage-workspaces').getByRole('link', { name: top }).click();
  await expect(page).toHaveURL(new RegExp(`ws=${top}`));
  await expect.poll(() => columnTexts(page, 'usage-workspaces', 'Workspace')).toEqual([top]);
});

test('agents: one row per agent with its last refusal, server-side sort and filter, link to its events, CSV', async ({
  page,
}) => {
  await page.goto('/agents?range=24h');
  await expect(page.getByRole('heading', { level: 1, name: 'Agents' })).toBeVisible();
  expect((await columnTexts(page, 'agents', 'Agent')).sort()).toEqual(usage.agents);
  // Default order: most bytes up first (the agent seeded last sends the most).
  const first = (await columnTexts(page, 'agents', 'Agent'))[0];
  expect(first).toBe(usage.refusedAgent);
  const refused = page.getByTestId('table-agents').locator('tbody tr', { hasText: usage.refusedAgent });
  await expect(refused).toContainText('105');
  await expect(refused).toContainText('workspace_not_configured');
  await expect(
    page.getByTestId('table-agents').locator('tbody tr', { hasText: usage.mtlsAgent }),
  ).toContainText('10.9.1.1');
  await screenshot(page, 'agents', true);

  // Sort by agent (server side: in the URL), then filter by text.
  const table = page.getByTestId('table-agents');
  await table.getByRole('button', { name: 'Agent', exact: true }).click();
  await expect(page).toHaveURL(/sort=agent/);
  await expect
    .poll(() => columnTexts(page, 'agents', 'Agent'))
    .toEqual([...usage.agents].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  await page.getByLabel('Client', { exact: true }).fill('CN=e2e');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/client=CN%3De2e/);
  await expect.poll(() => columnTexts(page, 'agents', 'Agent')).toEqual([usage.mtlsAgent]);

  const rows = await csv(page, 'agents');
  expect(rows.map((r) => r.Agent)).toEqual([usage.mtlsAgent]);
  expect(rows[0]?.['First seen (UTC)']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  // Each agent links to its events (by its address).
  await page.goto('/agents?range=24h');
  await page.getByTestId('table-agents').getByRole('link', { name: usage.refusedAgent, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/events\\?.*client=${usage.refusedAgent.replaceAll('.', '\\.')}`));
  await expect(page.getByTestId('table-events')).toContainText(usage.refusedAgent);
});
