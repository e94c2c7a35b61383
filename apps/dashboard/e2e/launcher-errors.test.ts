/**
 * What a user sees when the store is unreachable: pages render an error callout naming the cause and the
 * fix (no stack trace), CSV exports answer 503 with the same one line. Runs after `next build`.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { type RunningDashboard, startDashboard } from '../src/index.ts';

let dash: RunningDashboard;

/** A loopback port with nothing listening (taken, then released). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

before(async () => {
  process.env.CLICKHOUSE_URL = `http://127.0.0.1:${await closedPort()}`;
  dash = await startDashboard({ port: 0 });
});

after(async () => {
  delete process.env.CLICKHOUSE_URL;
  await dash?.close();
});

test('an unreachable CLICKHOUSE_URL is explained on the page and in CSV exports', async () => {
  for (const path of ['/', '/events', '/investigate', '/nodes/gw-01']) {
    const res = await fetch(`${dash.url}${path}`);
    assert.equal(res.status, 200, path);
    const html = await res.text();
    assert.match(html, /Cannot load this view/, path);
    assert.match(html, /cannot reach ClickHouse at http:\/\/127\.0\.0\.1:\d+ .*check CLICKHOUSE_URL/, path);
    assert.doesNotMatch(html, /at [\w.]+ \(.*:\d+:\d+\)/, `${path}: no stack trace`);
  }
  const csv = await fetch(`${dash.url}/api/csv/nodes`);
  assert.equal(csv.status, 503);
  const line = (await csv.text()).trim();
  assert.match(line, /^cannot reach ClickHouse at .*: check CLICKHOUSE_URL or unset it/);
  assert.equal(line.split('\n').length, 1);
});
