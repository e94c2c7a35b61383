import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from '@playwright/test';
import { DEMO_WORKSPACES } from '../src/demo/environment.ts';
import { freePort, interrupt, launch } from './helpers.ts';

// Real gateway → real 105s from the demo's new agent fleet → alerter → Alerts page → the matching 105 view.
// A rules file with short windows, so the spike fires within a couple of minutes instead of the defaults' ~5.
const RULES = `rules:
  - name: NewFleet105Spike
    metric: event_rate
    event: 105
    scope: workspace
    condition:
      spike: { window: 1m, baseline: 10m, k: 3, floor: 30, min_ratio: 2, clear_ratio: 0.5 }
    for: 10s
    keep_firing_for: 1m
    labels: { severity: warning }
    annotations:
      summary: "Event 105 spike for workspace {{ $labels.workspace }}: {{ $value }}/min"
      description: "{{ description 105 }} Remedy: {{ remedy 105 }}"
      dashboard: "/investigate?ws={{ $labels.workspace }}&from={{ $from }}&to={{ $to }}"
`;

const SHOTS = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));
const DOCS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
let dir: string;
let browser: Browser;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatewatch-alerts-'));
  await mkdir(SHOTS, { recursive: true });
  if (process.env.UPDATE_SCREENSHOTS) await mkdir(DOCS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

test('the demo burst fires a 105 alert; the Alerts page shows it and its link opens the workspace 105 view', async () => {
  const rules = join(dir, 'rules.yaml');
  await writeFile(rules, RULES);
  const dashboardPort = await freePort();
  const demo = launch(
    [
      'all',
      '--demo',
      '--data-dir',
      join(dir, 'data'),
      '--listen-port',
      String(await freePort()),
      '--admin-port',
      String(await freePort()),
      '--dashboard-port',
      String(dashboardPort),
      '--rules',
      rules,
    ],
    { GATEWATCH_DEMO_BURST_AFTER_S: '5' },
  );
  try {
    await demo.waitFor(/Ready \(/, 300_000);
    const page = await browser.newPage();
    const url = `http://127.0.0.1:${dashboardPort}/alerts?range=15m`;
    const row = page.locator('tr', { hasText: DEMO_WORKSPACES.newFleet }).filter({ hasText: 'firing' });
    for (const deadline = Date.now() + 240_000; ; ) {
      await page.goto(url, { waitUntil: 'networkidle' });
      if ((await row.count()) > 0) break;
      if (Date.now() > deadline) assert.fail(`no firing alert for ${DEMO_WORKSPACES.newFleet} on /alerts`);
      await page.waitForTimeout(5000);
    }
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.screenshot({ path: join(SHOTS, 'demo-alerts.png'), fullPage: true });
    await row.first().getByTestId('alert-link').click();
    await page.waitForURL(/\/investigate\?/);
    assert.equal(new URL(page.url()).searchParams.get('ws'), DEMO_WORKSPACES.newFleet);
    await page.getByTestId('not-configured').filter({ hasText: DEMO_WORKSPACES.newFleet }).first().waitFor();
    // The firing period is drawn on the workspace's 105 trend chart (the alert link's own range is the
    // window that triggered it, which ends as the alert starts: look at the last 15 minutes).
    // Charts end at the last complete bucket, so a period that began seconds ago shows up a little later.
    const annotated = page.locator('.alert-annotation');
    for (const deadline = Date.now() + 90_000; ; ) {
      await page.goto(
        `http://127.0.0.1:${dashboardPort}/investigate?ws=${DEMO_WORKSPACES.newFleet}&range=15m`,
        {
          waitUntil: 'networkidle',
        },
      );
      if ((await annotated.count()) > 0) break;
      if (Date.now() > deadline) assert.fail('the firing period is not drawn on the 105 chart');
      await page.waitForTimeout(5000);
    }
    await page.screenshot({ path: join(SHOTS, 'demo-alert-105.png'), fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS)
      for (const name of ['demo-alerts.png', 'demo-alert-105.png'])
        await copyFile(join(SHOTS, name), join(DOCS, name));
    await page.close();
  } finally {
    assert.equal(await interrupt(demo), 0, demo.output());
  }
});
