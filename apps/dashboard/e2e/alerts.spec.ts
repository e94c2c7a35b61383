import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { expect, parseCsv, screenshot, seedInfo, test } from './fixtures.ts';

const seed = seedInfo();
const URL = '/alerts?range=24h';

/** A downloaded CSV as header + rows of objects keyed by header label. */
async function download(page: Page, id: string) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`csv-${id}`).click()]);
  expect(file.suggestedFilename()).toMatch(new RegExp(`^gatewatch-${id}-.*\\.csv$`));
  return table(readFileSync((await file.path()) as string, 'utf8'));
}
/** The CSV behind a panel's link, fetched with the link's own URL (same params as the page). */
async function fetchCsv(page: Page, id: string) {
  const href = await page.getByTestId(`csv-${id}`).getAttribute('href');
  expect(href).toMatch(new RegExp(`^/api/csv/${id}\\?`));
  const res = await page.request.get(href as string);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toContain('text/csv');
  return table(await res.text());
}
function table(text: string) {
  const [header = [], ...body] = parseCsv(text);
  return { header, rows: body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']))) };
}
const cells = async (row: Locator) =>
  (await row.locator('td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
/** The page's number format: 2 decimals unless integral, '–' for none. */
const shown = (csv: string) =>
  csv === '' ? '–' : Number.isInteger(Number(csv)) ? csv : Number(csv).toFixed(2);
/** ISO time → the page's `YYYY-MM-DD hh:mm` (UTC). */
const minute = (iso: string) => iso.slice(0, 16).replace('T', ' ');

test('Firing now: the CSV holds the rows the page shows, plain values', async ({ page }) => {
  await page.goto(URL);
  const rows = page.getByTestId('alerts-firing').getByTestId('alert-row');
  await expect(rows.first()).toBeVisible();
  const csv = await download(page, 'alerts-firing');
  expect(csv.header).toEqual([
    'State',
    'Alert',
    'Scope',
    'Labels',
    'Value',
    'Threshold',
    'Since (UTC)',
    'Summary',
    'Link',
    'Silenced by',
  ]);
  expect(csv.rows).toHaveLength(await rows.count());
  for (const [n, c] of csv.rows.entries()) {
    const row = rows.nth(n);
    const [, alert, scope, value, threshold, , summary] = await cells(row);
    expect(await row.getAttribute('data-state')).toBe(c.State);
    expect(alert).toBe(c.Alert);
    expect(scope).toBe(`${c.Scope} ${c.Labels}`.trim());
    expect(value).toBe(shown(c.Value ?? ''));
    expect(threshold).toBe(shown(c.Threshold ?? ''));
    expect(summary).toBe(c.Summary);
    expect((await row.locator('.badge', { hasText: 'silenced' }).count()) > 0).toBe(c['Silenced by'] !== '');
    const link = row.getByTestId('alert-link');
    expect(await link.count()).toBe(c.Link ? 1 : 0);
    if (c.Link) expect(await link.getAttribute('href')).toBe(c.Link);
    if (c.State === 'firing')
      expect(minute(c['Since (UTC)'] ?? '')).toBe(await row.locator('td').nth(5).getAttribute('title'));
  }
  // The seeded down node: firing, silenced by the seeded silence, linked to its node page.
  const down = csv.rows.find(
    (r) => r.Alert === 'NodeStoppedReporting' && r.Scope === `node=${seed.downNode}`,
  );
  expect(down, `NodeStoppedReporting for ${seed.downNode} in ${JSON.stringify(csv.rows)}`).toMatchObject({
    State: 'firing',
    Labels: 'severity=critical',
    Threshold: '60', // once active, the rule's clear level (> 120 to fire, clears at 60)
    'Silenced by': seed.silenceId,
  });
  expect(down?.Link).toMatch(new RegExp(`^/nodes/${seed.downNode}\\?`));
  expect(Number(down?.Value)).toBeGreaterThan(3600);
  expect(Date.parse(down?.['Since (UTC)'] ?? '')).toBeGreaterThan(seed.end - 5 * 60_000);
  await screenshot(page, 'alerts', true);
});

test('History: the CSV holds the state changes the page shows, newest first', async ({ page }) => {
  await page.goto(URL);
  const rows = page.getByTestId('alerts-history').locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  const csv = await download(page, 'alerts-history');
  expect(csv.header).toEqual(['Time (UTC)', 'Alert', 'Scope', 'Change', 'Value', 'Silenced by']);
  expect(csv.rows).toHaveLength(await rows.count());
  for (const [n, c] of csv.rows.entries()) {
    const [time, alert, scope, change, value, silenced] = await cells(rows.nth(n));
    expect(time).toBe(minute(c['Time (UTC)'] ?? ''));
    expect([alert, scope, change, value]).toEqual([c.Alert, c.Scope, c.Change, shown(c.Value ?? '')]);
    expect(silenced).toBe(c['Silenced by'] ? 'yes' : '');
  }
  const times = csv.rows.map((r) => Date.parse(r['Time (UTC)'] ?? ''));
  expect(times).toEqual([...times].sort((a, b) => b - a));
  const down = csv.rows.filter(
    (r) => r.Alert === 'NodeStoppedReporting' && r.Scope === `node=${seed.downNode}`,
  );
  expect(down.map((r) => r.Change)).toEqual(['pending → firing', 'inactive → pending']);
});

test('Rules, Silences and Failed deliveries export through the same CSV route', async ({ page }) => {
  await page.goto(URL);
  const rules = await fetchCsv(page, 'alerts-rules');
  expect(rules.header).toEqual(['Rule', 'Metric', 'Condition', 'Instance', 'State', 'Value', 'Threshold']);
  const ruleRows = page.getByTestId('rule-row');
  expect(rules.rows).toHaveLength(await ruleRows.count());
  for (const [n, c] of rules.rows.entries()) {
    const [rule, , , instance, state] = await cells(ruleRows.nth(n));
    if (rule) expect(rule).toBe(c.Rule); // the page names a rule on its first row only
    expect([instance, state]).toEqual([c.Instance, c.State]);
  }
  expect(rules.rows).toContainEqual(
    expect.objectContaining({
      Rule: 'NodeStoppedReporting',
      Instance: `node=${seed.downNode}`,
      State: 'firing',
    }),
  );

  const silences = await fetchCsv(page, 'alerts-silences');
  expect(silences.header).toEqual(['Matchers', 'From (UTC)', 'Until (UTC)', 'Comment', 'Created by', 'ID']);
  expect(silences.rows).toEqual([
    expect.objectContaining({
      Matchers: `node="${seed.downNode}"`,
      Comment: 'decommissioned',
      ID: seed.silenceId,
    }),
  ]);
  await expect(page.getByTestId('silence-row')).toHaveCount(1);

  const failed = await fetchCsv(page, 'alerts-failed');
  expect(failed.header).toEqual(['Time (UTC)', 'Receiver', 'Alert', 'Status', 'Attempts', 'Error']);
  expect(failed.rows).toEqual([
    expect.objectContaining({
      Receiver: seed.failedReceiver,
      Alert: 'NodeStoppedReporting',
      Status: 'firing',
      Attempts: '4',
      // Comma and quotes survive the CSV round trip.
      Error: 'HTTP 503 from http://127.0.0.1:9/hook, "retry later"',
    }),
  ]);
  const failedRows = page.getByTestId('alerts-failed').locator('tbody tr');
  await expect(failedRows).toHaveCount(1);
  const [time, ...rest] = await cells(failedRows.first());
  expect(failed.rows[0]?.['Time (UTC)']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  expect(time).toBe(minute(failed.rows[0]?.['Time (UTC)'] ?? ''));
  expect(rest).toEqual(['Receiver', 'Alert', 'Status', 'Attempts', 'Error'].map((h) => failed.rows[0]?.[h]));
});

test('Silence… on a firing alert fills the form with its labels as name=value, for 1 h', async ({ page }) => {
  await page.goto(URL);
  const row = page
    .getByTestId('alert-row')
    .filter({ hasText: 'RejectionSpikePerNode' })
    .filter({ hasText: `node=${seed.spikeNode}` });
  await expect(row).toHaveAttribute('data-state', 'firing');
  await row.getByTestId('silence-alert').click();
  await expect(page).toHaveURL(/silence=/);
  const form = page.getByTestId('silence-form');
  const matchers = form.getByRole('textbox', { name: 'Matchers' });
  const value = await matchers.inputValue();
  expect(value.split(', ')).toEqual(
    expect.arrayContaining(['alertname=RejectionSpikePerNode', `node=${seed.spikeNode}`, 'severity=warning']),
  );
  await expect(form.getByRole('combobox', { name: 'For' })).toHaveValue('1');
  await form.getByRole('button', { name: 'Silence' }).click();
  const created = page.getByTestId('silence-row').filter({ hasText: `node="${seed.spikeNode}"` });
  await expect(created).toHaveCount(1);
  await expect(created).toContainText('alertname="RejectionSpikePerNode"');
});
