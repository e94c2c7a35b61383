import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from '@playwright/test';
import { DEMO_WORKSPACES } from '../src/demo/environment.ts';
import { freePort, interrupt, launch } from './helpers.ts';

// `npm start -- --demo` on a fresh data dir: every dashboard page shows live data within 60 s of "Ready".
const DEMO_CONTOSO = DEMO_WORKSPACES.contoso;
const SHOTS = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));
const DOCS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));

let dataDir: string;
let ports: { proxy: number; admin: number; dashboard: number };
let browser: Browser;

const args = () => [
  'all',
  '--data-dir',
  dataDir,
  '--listen-port',
  String(ports.proxy),
  '--admin-port',
  String(ports.admin),
  '--dashboard-port',
  String(ports.dashboard),
];

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gatewatch-all-'));
  ports = { proxy: await freePort(), admin: await freePort(), dashboard: await freePort() };
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await mkdir(SHOTS, { recursive: true });
  if (process.env.UPDATE_SCREENSHOTS) await mkdir(DOCS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Reload `path` until `probe` finds what it waits for, or the deadline passes. */
async function eventually(page: Page, path: string, deadline: number, probe: (p: Page) => Promise<boolean>) {
  const url = `http://127.0.0.1:${ports.dashboard}${path}`;
  for (;;) {
    await page.goto(url, { waitUntil: 'networkidle' });
    if (await probe(page)) return;
    if (Date.now() > deadline) assert.fail(`${path} did not show live demo data in time`);
    await page.waitForTimeout(3000);
  }
}

test('npm start -- --demo: all pages show live data within 60 s, Ctrl-C stops cleanly, a restart reuses the data', async () => {
  const demo = launch([...args(), '--demo']);
  try {
    await demo.waitFor(/Ready \(/, 300_000); // the first start builds the dashboard
    assert.match(demo.output(), new RegExp(`Gateway listening on 127\\.0\\.0\\.1:${ports.proxy}`));
    assert.match(demo.output(), new RegExp(`Dashboard at http://127\\.0\\.0\\.1:${ports.dashboard}`));
    const deadline = Date.now() + 60_000;
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url || page.url()})`);
    });
    // The Overview waits for counter samples (its node row must show open tunnels); the node page comes after
    // it, since a node without a counter sample yet is answered 404 ("never reported").
    const activeConns = async (p: Page) => {
      const row = p.locator('tr', { hasText: 'demo-gw-1' });
      if ((await row.count()) === 0) return 0;
      const headers = await p.locator('th').allTextContents();
      const cells = await row.first().locator('td').allTextContents();
      return Number(cells[headers.indexOf('Active conns')] ?? 0);
    };
    const pages: [string, string, (p: Page) => Promise<boolean>][] = [
      [
        'events',
        '/events?range=15m',
        async (p) => (await p.getByText('destination_not_allowed').count()) > 0,
      ],
      [
        'investigate',
        '/investigate?range=15m',
        async (p) => (await p.getByText('a1b2c3d4-e5f6-4a07-8b18-c29d3e4f5a6b').count()) > 0,
      ],
      // The steady fleet uploads to contoso over persistent tunnels: bytes per workspace and one row per agent.
      ['workspaces', '/workspaces?range=15m', async (p) => (await p.getByText(DEMO_CONTOSO).count()) > 0],
      [
        'agents',
        '/agents?range=15m',
        async (p) => (await p.getByRole('link', { name: /^127\./ }).count()) > 0,
      ],
      ['overview', '/?range=15m', async (p) => (await activeConns(p)) > 0],
      [
        'node',
        '/nodes/demo-gw-1?range=15m',
        async (p) => (await p.getByText('tls_session_verified').count()) > 0,
      ],
    ];
    for (const [name, path, probe] of pages) {
      await eventually(page, path, deadline, probe);
      await page.screenshot({ path: join(SHOTS, `demo-${name}.png`), fullPage: true });
      if (process.env.UPDATE_SCREENSHOTS)
        await copyFile(join(SHOTS, `demo-${name}.png`), join(DOCS, `demo-${name}.png`));
    }
    assert.deepEqual(consoleErrors, []);
    // The usage CSVs carry data, in English columns and plain numbers.
    const csv = async (table: string) => {
      const res = await fetch(`http://127.0.0.1:${ports.dashboard}/api/csv/${table}?range=15m`);
      assert.equal(res.status, 200, table);
      return (await res.text()).trim().split('\r\n');
    };
    const [wsHeader, ...wsRows] = await csv('usage-workspaces');
    const contoso = wsRows.find((l) => l.startsWith(`${DEMO_CONTOSO},`))?.split(',') ?? [];
    const bytesUp = wsHeader?.split(',').indexOf('Bytes up') ?? -1;
    assert.ok(Number(contoso[bytesUp]) > 0, `contoso bytes up in ${wsHeader} / ${contoso}`);
    const [, ...agentRows] = await csv('agents');
    assert.ok(
      agentRows.some((l) => l.includes(DEMO_CONTOSO)),
      'an agent of contoso in the inventory CSV',
    );
    await page.close();
  } finally {
    const code = await interrupt(demo);
    assert.equal(code, 0, demo.output());
  }
  assert.match(demo.output(), /SIGINT: stopping/);
  assert.match(demo.output(), /stopped/);

  // Second start on the same data dir: the demo node's history is still there.
  const again = launch(args());
  try {
    await again.waitFor(/Ready \(/, 120_000);
    const html = await (await fetch(`http://127.0.0.1:${ports.dashboard}/?range=1h`)).text();
    assert.match(html, /demo-gw-1/);
  } finally {
    assert.equal(await interrupt(again), 0, again.output());
  }
});

test('a port in use gives one line naming the port and the flag', async () => {
  const busy = launch([
    'gateway',
    '--data-dir',
    dataDir,
    '--listen-port',
    String(ports.proxy),
    '--admin-port',
    '0',
  ]);
  try {
    await busy.waitFor(/Gateway listening/, 60_000);
    const clash = launch([
      'gateway',
      '--data-dir',
      join(dataDir, 'other'),
      '--listen-port',
      String(ports.proxy),
      '--admin-port',
      '0',
    ]);
    const code = await clash.exited;
    assert.equal(code, 1);
    assert.match(
      clash.output(),
      new RegExp(
        `gatewatch: port ${ports.proxy} \\(gateway proxy\\) is already in use: .*--listen-port <port>`,
      ),
    );
    assert.doesNotMatch(clash.output(), /\n\s+at /, 'no stack trace');
  } finally {
    await interrupt(busy);
  }
});
