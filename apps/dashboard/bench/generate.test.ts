/**
 * The bench's in-engine generator on a tiny fleet in real chDB: row counts, rollups filled by the store's
 * views (raw days) and by their copies (history), the marker, and the panels answering from it.
 * `node --import tsx --test bench/generate.test.ts` (apps/dashboard).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EVENT } from '@gatewatch/events';
import { openStore, type Store } from '@gatewatch/store';
import {
  type FleetParams,
  fleetRows,
  generateFleet,
  generateUsage,
  readMarker,
  readUsageMarker,
  SAMPLE_MS,
} from './generate.ts';
import { pageCases, pickDrill } from './panels.ts';

const HOUR = 3_600_000;
// 3 nodes × 6 days: 1 raw day, 4 days at 1 sample/min, 1 day at 1 sample/h.
const p: FleetParams = {
  nodes: 3,
  days: 6,
  rawDays: 1,
  events: 20_000,
  endMs: Math.floor(Date.UTC(2026, 0, 10, 12, 0, 5) / SAMPLE_MS) * SAMPLE_MS,
};
let dir = '';
let store: Store;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatewatch-bench-gen-'));
  store = await openStore({ dataDir: dir });
  assert.equal(await readMarker(store), null);
  await generateFleet(store, p, () => {});
});
after(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function one(query: string): Promise<Record<string, string>> {
  const rows = await (await store.client.query({ query, format: 'JSONEachRow' })).json<
    Record<string, string>
  >();
  return rows[0] ?? {};
}

test('raw samples for the raw days only, one per node every 10 s, ending at endMs', async () => {
  const r = await one(
    'SELECT count() AS n, uniqExact(nodeId) AS nodes, toUnixTimestamp64Milli(max(ts)) AS last FROM gateway_counters',
  );
  assert.equal(Number(r.n), 3 * 8640);
  assert.equal(Number(r.nodes), 3);
  assert.equal(Number(r.last), p.endMs - SAMPLE_MS);
  assert.equal(fleetRows(p), 3 * (8640 + 4 * 1440 + 24));
});

test('rollups cover the whole range: 1h for 6 days, 1m and 5m for the raw day + 4 history days', async () => {
  const h = await one(
    `SELECT uniqExact(hour) AS hours, toUnixTimestamp64Milli(toDateTime64(min(hour), 3)) AS first FROM gateway_counters_1h`,
  );
  assert.ok(Number(h.hours) >= 6 * 24 && Number(h.hours) <= 6 * 24 + 1, `hours ${h.hours}`);
  assert.ok(Number(h.first) <= p.endMs - 6 * 24 * HOUR + HOUR);
  const m = await one(
    'SELECT uniqExact(minute) AS minutes, countMerge(samples) AS s FROM gateway_counters_1m',
  );
  assert.ok(Number(m.minutes) >= 5 * 1440 && Number(m.minutes) <= 5 * 1440 + 1, `minutes ${m.minutes}`);
  // Every raw sample and every per-minute history sample reached the 1m rollup exactly once.
  assert.equal(Number(m.s), 3 * 8640 + 3 * 4 * 1440);
  const f = await one(
    'SELECT uniqExact(fiveMinute) AS buckets, countMerge(samples) AS s FROM gateway_counters_5m',
  );
  assert.ok(Number(f.buckets) >= 5 * 288 && Number(f.buckets) <= 5 * 288 + 1, `5-min buckets ${f.buckets}`);
  assert.equal(Number(f.s), Number(m.s), 'the 5m rollup holds what the 1m one holds');
  const hs = await one('SELECT countMerge(samples) AS s FROM gateway_counters_1h');
  assert.equal(Number(hs.s), 3 * 8640 + 3 * 4 * 1440 + 3 * 24);
});

test('cumulative counters restart at 0 and only grow in between', async () => {
  const r = await one(
    `SELECT countIf(d < 0 AND s = ps) AS backwards, countIf(s != ps) AS restarts FROM (
       SELECT nodeId, errorCount - lagInFrame(errorCount) OVER w AS d, startedAt AS s, lagInFrame(startedAt) OVER w AS ps,
         row_number() OVER w AS rn
       FROM gateway_counters WINDOW w AS (PARTITION BY nodeId ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW))
     WHERE rn > 1`,
  );
  assert.equal(Number(r.backwards), 0);
  assert.ok(Number(r.restarts) >= 3, `restarts ${r.restarts}`);
});

test('events: the requested count, 105s with every 105 reason, catalog levels', async () => {
  const r = await one(
    `SELECT count() AS n, countIf(eventId = ${EVENT.DESTINATION_NOT_ALLOWED}) AS e105,
       uniqExactIf(reason, eventId = ${EVENT.DESTINATION_NOT_ALLOWED}) AS reasons, countIf(level = '') AS nolevel,
       toUnixTimestamp64Milli(max(ts)) AS last FROM gateway_events`,
  );
  assert.equal(Number(r.n), p.events);
  assert.ok(Number(r.e105) > p.events * 0.05);
  assert.equal(Number(r.reasons), 6);
  assert.equal(Number(r.nolevel), 0);
  assert.ok(Number(r.last) < p.endMs);
});

test('the marker reads back and every panel answers', async () => {
  assert.deepEqual(await readMarker(store), p);
  const drill = await pickDrill(store, p.endMs);
  assert.match(drill.ws, /^00000bad-/); // a not-configured workspace is the first drill-down
  assert.ok(drill.host.startsWith(drill.ws) && drill.client);
  for (const c of pageCases(p.endMs, '7d', 'gw-0001', drill)) {
    for (const panel of c.panels) await panel.run(store);
  }
});

test('usage: every rollup the Workspaces and Agents pages read, sums agreeing across tables, panels with data', async () => {
  const u = { nodes: p.nodes, agents: 40, days: p.days, endMs: p.endMs };
  await generateUsage(store, u, () => {});
  assert.deepEqual(await readUsageMarker(store), u);
  const counts = await one(
    `SELECT (SELECT count() FROM gateway_usage_clients_1d) AS d, (SELECT count() FROM gateway_usage_clients_1h) AS h,
       (SELECT uniqExact(hour) FROM gateway_usage_ws_1h) AS wsHours, (SELECT uniqExact(minute) FROM gateway_usage_nodes_1m) AS minutes,
       (SELECT uniqCombinedMerge(12)(agents) FROM gateway_usage_nodes_1h) AS agents`,
  );
  assert.deepEqual([counts.d, counts.h, counts.wsHours, counts.minutes, counts.agents].map(Number), [
    40 * p.days,
    40 * 48,
    p.days * 24,
    1440,
    40,
  ]);
  // Per hour, the workspaces' bytes and the nodes' bytes are the agents' bytes (up to one byte per row of rounding).
  const sums = await one(
    `SELECT max(abs(toInt64(a.up) - toInt64(w.up))) AS ws, max(abs(toInt64(a.up) - toInt64(n.up))) AS nodes FROM
       (SELECT hour, sum(bytesUp) AS up FROM gateway_usage_clients_1h GROUP BY hour) AS a
       JOIN (SELECT hour, sum(bytesUp) AS up FROM gateway_usage_ws_1h GROUP BY hour) AS w USING (hour)
       JOIN (SELECT hour, sum(bytesUp) AS up FROM gateway_usage_nodes_1h GROUP BY hour) AS n USING (hour)`,
  );
  assert.ok(Number(sums.ws) <= 40 && Number(sums.nodes) <= 40, JSON.stringify(sums));
  const drill = await pickDrill(store, p.endMs);
  for (const range of ['1h', '7d'] as const) {
    for (const c of pageCases(p.endMs, range, 'gw-0001', drill).filter(
      (x) => x.page === 'Workspaces' || x.page === 'Agents',
    )) {
      for (const panel of c.panels) {
        const out = (await panel.run(store)) as unknown[] | { rows?: unknown[]; data?: { rows: unknown[] } };
        const rows = Array.isArray(out) ? out : (out.rows ?? out.data?.rows ?? []);
        assert.ok(
          rows.length > 0 || panel.panel.includes('page 20'),
          `${range} ${c.page} / ${panel.panel} has rows`,
        );
      }
    }
  }
});
