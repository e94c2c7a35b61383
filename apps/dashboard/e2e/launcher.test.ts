/**
 * startDashboard() as the all-in-one launcher uses it: the production build served in this process with
 * an injected, already-open store; plus the optional access token. Runs after `next build`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadFixture, openStore, type Store } from '@gatewatch/store';
import { type RunningDashboard, startDashboard } from '../src/index.ts';

let dir = '';
let store: Store;
let dash: RunningDashboard;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatewatch-dash-launch-'));
  store = await openStore({ dataDir: dir });
  const end = Math.floor(Date.now() / 10_000) * 10_000;
  await loadFixture(store, { seed: 3, nodes: 2, hours: 1, start: end - 3_600_000 });
  // Port 0: any free port; the store is injected, so the dashboard never opens DATA_DIR itself.
  dash = await startDashboard({ port: 0, store });
});

after(async () => {
  delete process.env.DASHBOARD_TOKEN;
  delete process.env.DASHBOARD_BASIC_AUTH;
  await dash?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('serves pages and CSV from the injected store on 127.0.0.1', async () => {
  assert.match(dash.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const page = await fetch(`${dash.url}/?range=6h`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.ok(html.includes('gw-01') && html.includes('gw-02'), 'both fixture nodes are listed');
  const csv = await fetch(`${dash.url}/api/csv/nodes?range=6h`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
  const lines = (await csv.text()).trim().split('\r\n');
  assert.equal(lines.length, 3, 'header + 2 nodes');
  // Rows come ranked by rejections in the range: which node is first depends on the fixture's counts.
  assert.deepEqual(
    lines
      .slice(1)
      .map((l) => l.split(',')[0])
      .sort(),
    ['gw-01', 'gw-02'],
  );
  const unknown = await fetch(`${dash.url}/api/csv/nope`);
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /unknown table "nope": use one of nodes,/);
});

test('DASHBOARD_TOKEN: 401 without it; ?token= sets a cookie; Bearer works', async () => {
  process.env.DASHBOARD_TOKEN = 's3cret-token';
  try {
    const denied = await fetch(`${dash.url}/events`);
    assert.equal(denied.status, 401);
    assert.match(await denied.text(), /DASHBOARD_TOKEN/);
    const wrong = await fetch(`${dash.url}/events?token=nope`, { redirect: 'manual' });
    assert.equal(wrong.status, 401);
    const viaQuery = await fetch(`${dash.url}/events?range=1h&token=s3cret-token`, { redirect: 'manual' });
    assert.equal(viaQuery.status, 307);
    assert.equal(
      new URL(viaQuery.headers.get('location') ?? '', dash.url).search,
      '?range=1h',
      'token removed',
    );
    const cookie = (viaQuery.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    assert.match(cookie, /^gatewatch_token=/);
    assert.equal((await fetch(`${dash.url}/events?range=1h`, { headers: { cookie } })).status, 200);
    const bearer = await fetch(`${dash.url}/api/csv/nodes`, {
      headers: { authorization: 'Bearer s3cret-token' },
    });
    assert.equal(bearer.status, 200);
    assert.equal((await fetch(`${dash.url}/api/health`)).status, 200, 'liveness stays open');
  } finally {
    delete process.env.DASHBOARD_TOKEN;
  }
});

test('DASHBOARD_BASIC_AUTH: challenge, then the right user:password passes', async () => {
  process.env.DASHBOARD_BASIC_AUTH = 'admin:pa:ss';
  try {
    const denied = await fetch(`${dash.url}/`);
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('www-authenticate') ?? '', /^Basic realm="Gatewatch"/);
    const bad = await fetch(`${dash.url}/`, { headers: { authorization: `Basic ${btoa('admin:nope')}` } });
    assert.equal(bad.status, 401);
    const ok = await fetch(`${dash.url}/?range=1h`, {
      headers: { authorization: `Basic ${btoa('admin:pa:ss')}` },
    });
    assert.equal(ok.status, 200);
  } finally {
    delete process.env.DASHBOARD_BASIC_AUTH;
  }
});

test('a port in use is reported in one line with the fix', async () => {
  await assert.rejects(startDashboard({ port: dash.port }), /is in use: pick another dashboard port/);
});
