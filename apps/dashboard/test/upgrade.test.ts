/**
 * Upgrade path of migrations 5 (fleet rollups), 6 (event 105 rows by workspace, host, client) and 7 (5-minute
 * counter rollup), in its own process: embedded chDB opens one data directory per process. The rollups'
 * answers equal raw answers (the 5-minute one: the per-minute one's) when filled by the views, when
 * backfilled by the migration from rows stored before it, and for rows inserted after it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  applyMigrations,
  dashboardCounterSeries,
  dashboardEventTotals,
  dashboardTopValues,
  describeFixture,
  loadFixture,
  openStore,
  type Store,
} from '@gatewatch/store';

const H = 3_600_000;

/** Every state column of gateway_counters_5m finalized per (5 minutes, node), from the table's own types. */
async function fiveMinuteRows(store: Store): Promise<unknown[]> {
  const rs = await store.client.query({
    query: `SELECT name, type FROM system.columns
            WHERE database = currentDatabase() AND table = 'gateway_counters_5m' AND type LIKE 'AggregateFunction(%'`,
    format: 'JSONEachRow',
  });
  const cols = await rs.json<{ name: string; type: string }>();
  assert.ok(cols.length >= 20, 'the 5m rollup has the per-minute rollup state columns');
  const merged = cols.map(
    (c) => `${/^AggregateFunction\((\w+)/.exec(c.type)?.[1]}Merge(${c.name}) AS ${c.name}`,
  );
  const out = await store.client.query({
    query: `SELECT fiveMinute, nodeId, ${merged.join(', ')} FROM gateway_counters_5m
            GROUP BY fiveMinute, nodeId ORDER BY fiveMinute, nodeId`,
    format: 'JSONEachRow',
  });
  return out.json();
}

/** The dashboard's four counter series at 5-minute buckets from one tier, values rounded to 1e-6. */
async function counterAnswers(store: Store, fromMs: number, toMs: number, rollup: '1m' | '5m') {
  const out: Record<string, string[]> = {};
  for (const counter of ['active', 'connected', 'errors', 'rejections'] as const) {
    const rows = await dashboardCounterSeries(store, {
      fromMs,
      toMs,
      stepSec: 300,
      counter,
      rollup,
      topN: 1000,
    });
    out[counter] = rows.map((r) => `${r.t}|${r.series}|${r.value.toFixed(6)}`);
  }
  return out;
}

test('an upgraded store: migrations 5, 6 and 7 fill their tables from the rows already stored, then the views add new ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewatch-dash-upgrade-'));
  const store = await openStore({ dataDir: dir });
  try {
    const o = { seed: 9, nodes: 4, hours: 3, intervalMs: 60_000 };
    const f = describeFixture(o);
    await loadFixture(store, o);
    const q = {
      // One whole UTC day: the 105 hosts and top clients read migration 6's daily rollups.
      fromMs: f.options.start,
      toMs: f.options.start + 24 * H,
      by: ['eventId' as const, 'reason' as const],
      limit: 1000,
    };
    const hosts = {
      fromMs: q.fromMs,
      toMs: q.toMs,
      by: 'targetHost' as const,
      limit: 1000,
      filters: { eventIds: [105] },
    };
    // Event 105 with a host filter reads gateway_events_105; with 105 and another id, gateway_events.
    const rs = await store.client.query({
      query: 'SELECT topK(1)(targetHost)[1] AS host FROM gateway_events WHERE eventId = 105',
      format: 'JSONEachRow',
    });
    const [{ host = '' } = {}] = await rs.json<{ host: string }>();
    assert.ok(host, 'the fixture has 105s with a target host');
    const clients = (eventIds: number[]) => ({
      fromMs: q.fromMs,
      toMs: q.toMs,
      by: 'clientAddress' as const,
      limit: 1000,
      filters: { eventIds, targetHost: host },
    });
    const answers = async () => ({
      totals: await dashboardEventTotals(store, { ...q, rollup: '1h' }),
      hosts: await dashboardTopValues(store, { ...hosts, rollup: '1h' }),
      clients: await dashboardTopValues(store, clients([105])),
      top: await dashboardTopValues(store, { ...hosts, by: 'clientAddress', rollup: '1h' }),
    });
    const raw = async () => ({
      totals: await dashboardEventTotals(store, { ...q, rollup: false }),
      hosts: await dashboardTopValues(store, hosts),
      clients: (await dashboardTopValues(store, clients([105, 65535]))).filter((r) => r.events > 0),
      top: await dashboardTopValues(store, { ...hosts, by: 'clientAddress' }),
    });
    const counts = (a: Awaited<ReturnType<typeof answers>>) => ({
      totals: a.totals.map((r) => [r.keys.join('|'), r.events, r.nodes]),
      hosts: a.hosts.map((r) => [r.value, r.events, r.nodes]),
      clients: a.clients.map((r) => [r.value, r.events, r.other, r.nodes, r.lastSeen]),
      top: a.top.map((r) => [r.value, r.events, r.nodes, r.lastSeen]),
    });
    assert.deepEqual(counts(await answers()), counts(await raw()), 'filled by the views');
    // Through the hours of the second fixture below.
    const counters = (rollup: '1m' | '5m') => counterAnswers(store, f.options.start, f.end + 3 * H, rollup);
    const viewFilled = await fiveMinuteRows(store);
    assert.ok(viewFilled.length >= 4 * 36, 'every node has its 5-minute rows');
    assert.deepEqual(await counters('5m'), await counters('1m'), '5m = 1m, filled by the views');
    // Back to a store from before migration 5 that already holds these events and counters.
    for (const t of [
      'gateway_counters_5m',
      'gateway_events_fleet_1h',
      'gateway_events_hosts_1h',
      'gateway_events_105',
      'gateway_events_105_1d',
      'gateway_events_105_clients_1d',
    ]) {
      await store.client.command({ query: `DROP VIEW ${t}_mv` });
      await store.client.command({ query: `DROP TABLE ${t}` });
    }
    await store.client.command({
      query: 'ALTER TABLE schema_migrations DELETE WHERE version IN (5, 6, 7)',
      clickhouse_settings: { mutations_sync: '1' },
    });
    assert.deepEqual(await applyMigrations(store.client), [5, 6, 7]);
    assert.deepEqual(counts(await answers()), counts(await raw()), 'backfilled');
    // Migration 7 fills from the per-minute rollup: every state equals what the view made from raw rows.
    assert.deepEqual(await fiveMinuteRows(store), viewFilled, '5m backfill = 5m view');
    assert.deepEqual(await counters('5m'), await counters('1m'), '5m = 1m, backfilled');
    assert.deepEqual(await applyMigrations(store.client), [], 'applied once');
    // New rows after the upgrade reach the rollups through the views (another fixture).
    // Node names repeat across fixtures: the later hours, so no node has two samples at one instant.
    await loadFixture(store, { ...o, seed: 10, nodes: 2, start: f.end });
    const after = counts(await answers());
    assert.deepEqual(after, counts(await raw()), 'views after the backfill');
    const samples = (rows: unknown[]) =>
      rows.reduce((n: number, r) => n + Number((r as { samples: string }).samples), 0);
    assert.ok(samples(await fiveMinuteRows(store)) > samples(viewFilled), 'new samples reach the 5m rollup');
    assert.deepEqual(await counters('5m'), await counters('1m'), '5m = 1m, views after the backfill');
    assert.ok(after.totals.reduce((n, r) => n + Number(r[1]), 0) > 0);
    assert.ok(after.clients.length > 0);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
