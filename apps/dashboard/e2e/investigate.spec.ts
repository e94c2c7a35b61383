import { readFileSync } from 'node:fs';
import { columnTexts, expect, parseCsv, screenshot, seedInfo, test } from './fixtures.ts';

const seed = seedInfo();

test('105 investigation: unconfigured workspaces are called out with the admin command', async ({ page }) => {
  await page.goto('/investigate?range=24h');
  await expect(page.getByRole('heading', { level: 1, name: 'Event 105 investigation' })).toBeVisible();
  const callouts = page.getByTestId('not-configured');
  await expect(callouts).toHaveCount(seed.unconfiguredWorkspaces.length);
  for (const ws of seed.unconfiguredWorkspaces) {
    const callout = callouts.filter({ hasText: ws });
    // The spiking node reports its config file: its command edits that file…
    await expect(callout.getByTestId('fix-group').filter({ hasText: seed.spikeNode })).toContainText(
      `npm run admin -- --config /srv/gatewatch/gateway.yaml config set workspaces`,
    );
    // …the fixture's nodes report none: their command says which flag to add.
    const unknown = callout.getByTestId('fix-group').filter({ hasText: 'did not report their config file' });
    await expect(unknown.getByTestId('fix-command')).toHaveText(/^npm run admin -- config set workspaces /);
    await expect(unknown).toContainText('add --config <file>');
  }
  // The command keeps the configured workspaces (config set replaces the list).
  const cmd = await page.getByTestId('fix-command').first().textContent();
  for (const ws of seed.configuredWorkspaces) expect(cmd).toContain(ws);
  // Configured workspaces may see other 105 reasons but are never called out.
  for (const ws of seed.configuredWorkspaces) {
    await expect(callouts.locator('strong').filter({ hasText: ws })).toHaveCount(0);
  }
  await expect(page.getByTestId('chart-trend105').locator('.recharts-area-area').first()).toBeVisible();
  const reasons = await columnTexts(page, 'reasons105', 'Reason');
  expect(reasons).toContain('Workspace not configured');
  expect(reasons).toContain('Host not allowed');
  await screenshot(page, 'investigate', true);
});

test('drill-down workspace → host → client → raw records, with CSV', async ({ page }) => {
  const ws = seed.unconfiguredWorkspaces[0] as string;
  await page.goto('/investigate?range=24h');
  await page.getByTestId('table-ws105').getByRole('link', { name: ws }).click();
  await expect(page).toHaveURL(new RegExp(`ws=${ws}`));
  await expect(page.getByRole('navigation', { name: 'Drill-down' })).toContainText(ws);
  expect(await columnTexts(page, 'ws105', 'Workspace')).toEqual([ws]);

  const host = (await columnTexts(page, 'hosts105', 'Host'))[0] as string;
  expect(host.startsWith(`${ws}.`)).toBe(true);
  await page.getByTestId('table-hosts105').getByRole('link', { name: host, exact: true }).click();
  await expect(page).toHaveURL(/host=/);

  const clientCounts = await columnTexts(page, 'clients105', '105 count');
  const client = (await columnTexts(page, 'clients105', 'Client'))[0] as string;
  await page.getByTestId('table-clients105').getByRole('link', { name: client, exact: true }).click();
  await expect(page).toHaveURL(/client=/);
  await expect(page.getByRole('navigation', { name: 'Drill-down' })).toContainText(client);

  const targets = await columnTexts(page, 'records105', 'Target');
  expect(targets).toHaveLength(Number(clientCounts[0]));
  // The workspace's agents are refused as "not configured" (port 443) or "port not 443".
  for (const t of targets) expect(t.startsWith(`${host}:`)).toBe(true);
  for (const c of await columnTexts(page, 'records105', 'Client')) expect(c).toBe(client);
  for (const r of await columnTexts(page, 'records105', 'Reason')) {
    expect(['Workspace not configured', 'Port not 443']).toContain(r);
  }
  await screenshot(page, 'investigate-drilldown');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('csv-records105').click(),
  ]);
  const rows = parseCsv(readFileSync((await download.path()) as string, 'utf8'));
  expect(rows.slice(1)).toHaveLength(targets.length);
  const ti = (rows[0] as string[]).indexOf('Target');
  expect(rows.slice(1).map((r) => r[ti])).toEqual(targets);

  // Back up one level via the breadcrumbs.
  await page
    .getByRole('navigation', { name: 'Drill-down' })
    .getByRole('link', { name: /^Workspace/ })
    .click();
  await expect(page).not.toHaveURL(/host=/);
  await expect(page).toHaveURL(new RegExp(`ws=${ws}`));
});
