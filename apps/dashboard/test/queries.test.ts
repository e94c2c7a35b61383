/**
 * Dashboard query layer against embedded chDB holding the store's generated fixture (50 nodes × 24 h):
 * every series equals an aggregate computed independently in TypeScript, and rollup answers equal raw ones.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EVENT } from '@gatewatch/events';
import {
  type DashboardCounter,
  type DashboardSeriesRow,
  dashboardCounterSeries,
  dashboardEventSeries,
  dashboardEventTotals,
  dashboardLatestEvents,
  dashboardNodes,
  dashboardTopValues,
  loadFixture,
  openStore,
  type Store,
} from '@gatewatch/store';
import {
  countEvents,
  fixtureData,
  fleet,
  gaugeByNode,
  rateByNode,
  type Truth,
  totals,
} from './support/truth.ts';

const OPTS = {
  seed: 5,
  nodes: 50,
  hours: 24,
  // 30 s samples (production: 10 s) keep generation and insert fast; 2 samples per minute still
  // exercise the rollup's weighted averages and first/last logic.
  intervalMs: 30_000,
  connectRate: 0.05,
  rejectionRate: 0.3,
  errorRate: 0.05,
  restartEveryHours: 4,
};

let dir = '';
let store: Store;
let d: Truth;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatewatch-dash-q-'));
  store = await openStore({ dataDir: dir });
  await loadFixture(store, OPTS, 50_000);
  d = fixtureData(OPTS);
});

after(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const toMap = (rows: DashboardSeriesRow[]) => new Map(rows.map((r) => [`${r.t}|${r.series}`, r.value]));

function assertSameSeries(actual: Map<string, number>, expected: Map<string, number>, what: string) {
  assert.ok(expected.size > 0, `${what}: the expectation is not empty`);
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const extra = [...actual.keys()].filter((k) => !expected.has(k));
  assert.deepEqual(
    { missing: missing.slice(0, 5), extra: extra.slice(0, 5) },
    { missing: [], extra: [] },
    what,
  );
  for (const [k, v] of expected) {
    const a = actual.get(k) ?? Number.NaN;
    assert.ok(Math.abs(a - v) <= 1e-6 * Math.max(1, Math.abs(v)), `${what} at ${k}: got ${a}, want ${v}`);
  }
}

const H = 3_600_000;

describe('counter series', () => {
  const gauges: [DashboardCounter, 'activeClientConnections' | 'connectedClients'][] = [
    ['active', 'activeClientConnections'],
    ['connected', 'connectedClients'],
  ];
  const cumulative: [DashboardCounter, 'errorCount' | 'rejectionCount'][] = [
    ['errors', 'errorCount'],
    ['rejections', 'rejectionCount'],
  ];

  test('raw per-node gauges and rates (with restarts) equal independent aggregates', async () => {
    const w = { fromMs: d.start + 6 * H, toMs: d.start + 12 * H, stepSec: 60 };
    const restarts = new Set(d.counters.map((c) => `${c.nodeId}|${c.startedAt}`)).size - d.nodeIds.length;
    assert.ok(restarts > 10, `the fixture restarts nodes (${restarts} restarts)`);
    for (const [counter, col] of gauges) {
      const rows = await dashboardCounterSeries(store, { ...w, counter, rollup: false, topN: 1000 });
      assertSameSeries(toMap(rows), gaugeByNode(d, col, w.fromMs, w.toMs, w.stepSec), `raw ${counter}`);
    }
    for (const [counter, col] of cumulative) {
      const rows = await dashboardCounterSeries(store, { ...w, counter, rollup: false, topN: 1000 });
      assertSameSeries(toMap(rows), rateByNode(d, col, w.fromMs, w.toMs, w.stepSec), `raw ${counter}`);
    }
  });

  test('top-N + others: N named series, the largest ones, summing to the fleet total', async () => {
    const w = { fromMs: d.start + 2 * H, toMs: d.start + 8 * H, stepSec: 300 };
    const byNode = rateByNode(d, 'rejectionCount', w.fromMs, w.toMs, w.stepSec);
    const rows = await dashboardCounterSeries(store, { ...w, counter: 'rejections', rollup: false, topN: 5 });
    const names = new Set(rows.map((r) => r.series));
    assert.equal(names.size, 6);
    assert.ok(names.has('others'));
    const perNode = new Map<string, number>();
    for (const [k, v] of byNode) {
      const n = k.split('|')[1] as string;
      perNode.set(n, (perNode.get(n) ?? 0) + v);
    }
    const top5 = [...perNode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5);
    assert.deepEqual([...names].filter((n) => n !== 'others').sort(), top5.map(([n]) => n).sort());
    const got = new Map<number, number>();
    for (const r of rows) got.set(r.t, (got.get(r.t) ?? 0) + r.value);
    const want = fleet(byNode);
    assertSameSeries(
      new Map([...got].map(([t, v]) => [String(t), v])),
      new Map([...want].map(([t, v]) => [String(t), v])),
      'fleet total',
    );
  });

  test('one node only', async () => {
    const node = d.nodeIds[7] as string;
    const w = { fromMs: d.start + 1 * H, toMs: d.start + 3 * H, stepSec: 120 };
    const rows = await dashboardCounterSeries(store, {
      ...w,
      counter: 'errors',
      rollup: false,
      nodeId: node,
      topN: 1,
    });
    const want = new Map(
      [...rateByNode(d, 'errorCount', w.fromMs, w.toMs, w.stepSec)].filter(([k]) => k.endsWith(`|${node}`)),
    );
    assertSameSeries(toMap(rows), want, 'node errors');
  });

  test('rollup answers equal raw answers (24 h, 5 min buckets)', async () => {
    const w = { fromMs: d.start, toMs: d.end, stepSec: 300 };
    for (const counter of ['active', 'connected'] as const) {
      const raw = await dashboardCounterSeries(store, { ...w, counter, rollup: false, topN: 8 });
      const rolled = await dashboardCounterSeries(store, { ...w, counter, rollup: true, topN: 8 });
      assert.ok(raw.length >= 288, `${counter}: a point per bucket`);
      assertSameSeries(toMap(rolled), toMap(raw), `rollup vs raw ${counter}`);
    }
    // Rates per node: equal for every bucket without a restart strictly inside it (documented loss).
    const inside = restartedBuckets(w.stepSec);
    for (const counter of ['errors', 'rejections'] as const) {
      const raw = toMap(await dashboardCounterSeries(store, { ...w, counter, rollup: false, topN: 1000 }));
      const rolled = toMap(await dashboardCounterSeries(store, { ...w, counter, rollup: true, topN: 1000 }));
      const keep = (m: Map<string, number>) => new Map([...m].filter(([k]) => !inside.has(k)));
      assert.ok(
        inside.size > 10 && keep(raw).size > raw.size * 0.9,
        'some buckets hold a restart, most do not',
      );
      assert.deepEqual([...rolled.keys()].sort(), [...raw.keys()].sort(), `${counter}: same node-buckets`);
      assertSameSeries(keep(rolled), keep(raw), `rollup vs raw ${counter} (no restart inside the bucket)`);
    }
  });
});

describe('5-minute counter rollup (ranges over 12 h up to 3 days)', () => {
  // Mid-fixture edges, so the look-back bucket before the window carries each node's last sample in.
  const windows = () => [300, 900].map((stepSec) => ({ fromMs: d.start + 2 * H, toMs: d.end - H, stepSec }));

  test('gauges equal raw; rates equal raw for every node-bucket without a restart inside it', async () => {
    for (const w of windows()) {
      for (const counter of ['active', 'connected'] as const) {
        for (const topN of [8, 1000]) {
          const raw = await dashboardCounterSeries(store, { ...w, counter, rollup: false, topN });
          const five = await dashboardCounterSeries(store, { ...w, counter, rollup: '5m', topN });
          assertSameSeries(toMap(five), toMap(raw), `5m vs raw ${counter} step ${w.stepSec} top ${topN}`);
        }
      }
      const inside = restartedBuckets(w.stepSec);
      for (const counter of ['errors', 'rejections'] as const) {
        const raw = toMap(await dashboardCounterSeries(store, { ...w, counter, rollup: false, topN: 1000 }));
        const five = toMap(await dashboardCounterSeries(store, { ...w, counter, rollup: '5m', topN: 1000 }));
        const keep = (m: Map<string, number>) => new Map([...m].filter(([k]) => !inside.has(k)));
        assert.ok(inside.size > 10 && keep(raw).size > raw.size * 0.8, 'some buckets hold a restart');
        assert.deepEqual([...five.keys()].sort(), [...raw.keys()].sort(), `${counter}: same node-buckets`);
        assertSameSeries(keep(five), keep(raw), `5m vs raw ${counter} step ${w.stepSec}`);
      }
    }
  });

  test('equal to the per-minute rollup merged to the same buckets, restarts included; one node too', async () => {
    const node = d.nodeIds[3] as string;
    for (const w of windows()) {
      for (const counter of ['active', 'connected', 'errors', 'rejections'] as const) {
        for (const nodeId of ['', node]) {
          const q = { ...w, counter, nodeId, topN: 8 };
          assertSameSeries(
            toMap(await dashboardCounterSeries(store, { ...q, rollup: '5m' })),
            toMap(await dashboardCounterSeries(store, { ...q, rollup: '1m' })),
            `5m vs 1m ${counter} step ${w.stepSec} node '${nodeId}'`,
          );
        }
      }
    }
  });

  test('gateway_counters_5m is what answers; events at the 5m tier read the per-minute rollup', async () => {
    const [w] = windows();
    assert.ok(w);
    const q = { ...w, counter: 'errors' as const, rollup: '5m' as const, topN: 8 };
    const before = await dashboardCounterSeries(store, q);
    const events = await dashboardEventSeries(store, { ...w, rollup: '5m' });
    assertSameSeries(
      toMap(events),
      toMap(await dashboardEventSeries(store, { ...w, rollup: false })),
      'events',
    );
    await store.client.command({ query: 'RENAME TABLE gateway_counters_5m TO gateway_counters_5m_away' });
    try {
      await assert.rejects(dashboardCounterSeries(store, q), /gateway_counters_5m/);
      assert.deepEqual(await dashboardEventSeries(store, { ...w, rollup: '5m' }), events);
    } finally {
      await store.client.command({ query: 'RENAME TABLE gateway_counters_5m_away TO gateway_counters_5m' });
    }
    assert.deepEqual(await dashboardCounterSeries(store, q), before);
  });
});

/** `bucket|node` keys of buckets where a node restarted after the bucket's first sample. */
function restartedBuckets(stepSec: number): Set<string> {
  const ms = stepSec * 1000;
  const out = new Set<string>();
  const prev = new Map<string, (typeof d.counters)[number]>();
  for (const c of d.counters) {
    const p = prev.get(c.nodeId);
    const b = Math.floor(c.ts / ms) * ms;
    if (p && p.startedAt !== c.startedAt && Math.floor(p.ts / ms) * ms === b) out.add(`${b}|${c.nodeId}`);
    prev.set(c.nodeId, c);
  }
  return out;
}

describe('hourly rollups (ranges over 3 days)', () => {
  test('gauges and event counts equal raw; rates equal raw for every node-hour without a restart', async () => {
    const w = { fromMs: d.start, toMs: d.end, stepSec: 3600 };
    for (const counter of ['active', 'connected'] as const) {
      const raw = await dashboardCounterSeries(store, { ...w, counter, rollup: false, topN: 1000 });
      const hourly = await dashboardCounterSeries(store, { ...w, counter, rollup: '1h', topN: 1000 });
      assertSameSeries(toMap(hourly), toMap(raw), `1h vs raw ${counter}`);
    }
    const rawEvents = await dashboardEventSeries(store, { ...w, rollup: false });
    assertSameSeries(
      toMap(await dashboardEventSeries(store, { ...w, rollup: '1h' })),
      toMap(rawEvents),
      '1h events',
    );
    // A restart inside an hour loses that hour's pre-restart increase (documented): compare the others.
    const restarted = restartedBuckets(3600);
    for (const counter of ['errors', 'rejections'] as const) {
      const raw = toMap(await dashboardCounterSeries(store, { ...w, counter, rollup: false, topN: 1000 }));
      const hourly = toMap(await dashboardCounterSeries(store, { ...w, counter, rollup: '1h', topN: 1000 }));
      const keep = (m: Map<string, number>) => new Map([...m].filter(([k]) => !restarted.has(k)));
      assert.ok(keep(raw).size > raw.size * 0.5, 'most node-hours have no restart');
      assertSameSeries(keep(hourly), keep(raw), `1h vs raw ${counter} (no restart in the hour)`);
    }
  });
});

describe('events', () => {
  test('trend by event id equals independent counts; rollup equals raw', async () => {
    const w = { fromMs: d.start + 3 * H, toMs: d.start + 9 * H, stepSec: 600 };
    const raw = await dashboardEventSeries(store, { ...w, rollup: false });
    assertSameSeries(
      toMap(raw),
      countEvents(d, w.fromMs, w.toMs, w.stepSec, (e) => String(e.eventId)),
      'raw events',
    );
    const rolled = await dashboardEventSeries(store, { ...w, rollup: true });
    assertSameSeries(toMap(rolled), toMap(raw), 'rollup vs raw events');
  });

  test('filters: node + event ids, and 105 by reason for one workspace', async () => {
    const w = { fromMs: d.start, toMs: d.end, stepSec: 3600 };
    const node = d.nodeIds[3] as string;
    const ids = [EVENT.NETWORKING_ERROR, EVENT.APPLICATION_ERROR];
    const where = (e: { nodeId: string; eventId: number }) =>
      e.nodeId === node && ids.includes(e.eventId as 400);
    for (const rollup of [false, true]) {
      const rows = await dashboardEventSeries(store, {
        ...w,
        rollup,
        filters: { nodeId: node, eventIds: ids },
      });
      assertSameSeries(
        toMap(rows),
        countEvents(d, w.fromMs, w.toMs, w.stepSec, (e) => String(e.eventId), where),
        `node errors rollup=${rollup}`,
      );
    }
    const ws = d.events.find((e) => e.reason === 'workspace_not_configured')?.workspaceId as string;
    const wsWhere = (e: { eventId: number; workspaceId: string }) =>
      e.eventId === 105 && e.workspaceId === ws;
    for (const rollup of [false, true]) {
      const rows = await dashboardEventSeries(store, {
        ...w,
        rollup,
        by: 'reason',
        filters: { workspaceId: ws, eventIds: [EVENT.DESTINATION_NOT_ALLOWED] },
      });
      assertSameSeries(
        toMap(rows),
        countEvents(d, w.fromMs, w.toMs, w.stepSec, (e) => e.reason, wsWhere),
        `ws reasons rollup=${rollup}`,
      );
    }
  });

  test('105 totals per workspace and reason; rollup equals raw', async () => {
    const w = { fromMs: d.start, toMs: d.end };
    const want = totals(
      d,
      w.fromMs,
      w.toMs,
      (e) => `${e.workspaceId}|${e.reason}`,
      (e) => e.eventId === 105,
    );
    for (const rollup of [false, true]) {
      const rows = await dashboardEventTotals(store, {
        ...w,
        rollup,
        by: ['workspaceId', 'reason'],
        filters: { eventIds: [EVENT.DESTINATION_NOT_ALLOWED] },
        limit: 1000,
      });
      assert.deepEqual(new Map(rows.map((r) => [r.keys.join('|'), r.events])), want, `rollup=${rollup}`);
      const counts = rows.map((r) => r.events);
      assert.deepEqual(
        counts,
        [...counts].sort((a, b) => b - a),
        'largest first',
      );
    }
    assert.ok([...want.keys()].some((k) => k.endsWith('|workspace_not_configured')));
  });

  test('top rejected hosts and clients for a workspace', async () => {
    const w = { fromMs: d.start, toMs: d.end };
    const ws = d.events.find((e) => e.reason === 'workspace_not_configured')?.workspaceId as string;
    const where = (e: { eventId: number; workspaceId: string }) => e.eventId === 105 && e.workspaceId === ws;
    const hosts = await dashboardTopValues(store, {
      ...w,
      by: 'targetHost',
      filters: { workspaceId: ws, eventIds: [105] },
    });
    const wantHosts = totals(d, w.fromMs, w.toMs, (e) => e.targetHost, where);
    assert.deepEqual(new Map(hosts.map((h) => [h.value, h.events])), wantHosts);
    const host = hosts[0]?.value as string;
    const clients = await dashboardTopValues(store, {
      ...w,
      by: 'clientAddress',
      limit: 5000,
      filters: { workspaceId: ws, targetHost: host, eventIds: [105] },
    });
    const wantClients = totals(
      d,
      w.fromMs,
      w.toMs,
      (e) => e.clientAddress,
      (e) => where(e) && e.targetHost === host,
    );
    assert.deepEqual(new Map(clients.map((c) => [c.value, c.events])), wantClients);
    // Drill-down to raw records: workspace → host → client.
    const client = clients[0]?.value as string;
    const recs = await dashboardLatestEvents(store, {
      ...w,
      limit: 1000,
      filters: { workspaceId: ws, targetHost: host, clientAddress: client, eventIds: [105] },
    });
    assert.equal(recs.length, wantClients.get(client));
    assert.ok(recs.every((r) => r.workspaceId === ws && r.targetHost === host && r.clientAddress === client));
    assert.ok(
      recs.every((r, i) => i === 0 || (recs[i - 1] as { ts: number }).ts >= r.ts),
      'newest first',
    );
    assert.ok(recs.every((r) => r.level === 'warning' && r.reason !== ''));
  });
});

describe('fleet rollups (hourly, no node filter)', () => {
  const w = () => ({ fromMs: d.start, toMs: d.end, stepSec: 3600 });

  test('trends and totals from gateway_events_fleet_1h equal raw answers', async () => {
    assertSameSeries(
      toMap(await dashboardEventSeries(store, { ...w(), rollup: '1h' })),
      countEvents(d, w().fromMs, w().toMs, 3600, (e) => String(e.eventId)),
      'fleet events by id',
    );
    const ws = d.events.find((e) => e.reason === 'workspace_not_configured')?.workspaceId as string;
    const f = { workspaceId: ws, eventIds: [EVENT.DESTINATION_NOT_ALLOWED] };
    assertSameSeries(
      toMap(await dashboardEventSeries(store, { ...w(), rollup: '1h', by: 'reason', filters: f })),
      toMap(await dashboardEventSeries(store, { ...w(), rollup: false, by: 'reason', filters: f })),
      'fleet 105 by reason for a workspace',
    );
    for (const by of [['eventId'], ['workspaceId', 'reason'], ['reason']] as const) {
      const q = { fromMs: d.start, toMs: d.end, by: [...by], limit: 1000 };
      const raw = await dashboardEventTotals(store, { ...q, rollup: false });
      const fleetRows = await dashboardEventTotals(store, { ...q, rollup: '1h' });
      const pick = (rows: typeof raw) =>
        new Map(
          rows.map((r) => [r.keys.join('|'), { events: r.events, clients: r.clients, nodes: r.nodes }]),
        );
      // Distinct clients and nodes are uniqCombined on both sides: exact at this size.
      assert.deepEqual(pick(fleetRows), pick(raw), `totals by ${by.join(',')}`);
    }
  });

  test('the fleet rollup is what answers (an emptied one answers nothing); a node filter reads per node', async () => {
    const q = { fromMs: d.start, toMs: d.end, by: ['eventId' as const], rollup: '1h' as const };
    const before = await dashboardEventTotals(store, q);
    const node = d.nodeIds[2] as string;
    const perNode = await dashboardEventTotals(store, { ...q, filters: { nodeId: node } });
    await store.client.command({
      query: 'RENAME TABLE gateway_events_fleet_1h TO gateway_events_fleet_1h_away',
    });
    try {
      await assert.rejects(dashboardEventTotals(store, q), /gateway_events_fleet_1h/);
      assert.deepEqual(await dashboardEventTotals(store, { ...q, filters: { nodeId: node } }), perNode);
    } finally {
      await store.client.command({
        query: 'RENAME TABLE gateway_events_fleet_1h_away TO gateway_events_fleet_1h',
      });
    }
    assert.deepEqual(await dashboardEventTotals(store, q), before);
  });

  test('grouped by node: one node per group, counts equal independent ones', async () => {
    const q = { fromMs: d.start, toMs: d.end, by: ['nodeId' as const, 'eventId' as const], limit: 5000 };
    const want = new Map<string, number>();
    for (const e of d.events) {
      if (e.ts < q.fromMs || e.ts >= q.toMs) continue;
      const k = `${e.nodeId}|${e.eventId}`;
      want.set(k, (want.get(k) ?? 0) + 1);
    }
    for (const rollup of [false, '1m', '5m', '1h'] as const) {
      const rows = await dashboardEventTotals(store, { ...q, rollup });
      assert.deepEqual(new Map(rows.map((r) => [r.keys.join('|'), r.events])), want, `rollup=${rollup}`);
      assert.ok(
        rows.every((r) => r.nodes === 1),
        `rollup=${rollup}: one node per group`,
      );
    }
  });

  test('clients: false / nodes: false skip those counts and change nothing else', async () => {
    const q = { fromMs: d.start, toMs: d.end, by: ['eventId' as const], limit: 100 };
    for (const rollup of [false, '1m', '1h'] as const) {
      const all = await dashboardEventTotals(store, { ...q, rollup });
      assert.ok(all.some((r) => r.clients > 0) && all.some((r) => r.nodes > 0));
      assert.deepEqual(
        await dashboardEventTotals(store, { ...q, rollup, clients: false }),
        all.map((r) => ({ ...r, clients: 0 })),
        `clients: false, rollup=${rollup}`,
      );
      assert.deepEqual(
        await dashboardEventTotals(store, { ...q, rollup, nodes: false }),
        all.map((r) => ({ ...r, nodes: 0 })),
        `nodes: false, rollup=${rollup}`,
      );
    }
  });

  test('top hosts from gateway_events_hosts_1h equal raw answers', async () => {
    const where = (e: { eventId: number }) => e.eventId === 105;
    // Not a whole UTC day (whole days of 105 read the daily rollup, tested below).
    const q = { fromMs: d.start + H, toMs: d.end, by: 'targetHost' as const, limit: 1000 };
    const f = { eventIds: [EVENT.DESTINATION_NOT_ALLOWED] };
    const rolled = await dashboardTopValues(store, { ...q, rollup: '1h', filters: f });
    const raw = await dashboardTopValues(store, { ...q, filters: f });
    assert.deepEqual(
      new Map(rolled.map((h) => [h.value, h.events])),
      totals(d, q.fromMs, q.toMs, (e) => e.targetHost, where),
    );
    const facts = (rows: typeof raw) =>
      new Map(rows.map((r) => [r.value, { other: r.other, nodes: r.nodes, lastSeen: r.lastSeen }]));
    assert.deepEqual(facts(rolled), facts(raw));
    // The top reason is one with the most events for that host (ties may pick either).
    for (const h of rolled) {
      const byReason = totals(
        d,
        q.fromMs,
        q.toMs,
        (e) => e.reason,
        (e) => where(e) && e.targetHost === h.value,
      );
      assert.equal(byReason.get(h.topReason), Math.max(...byReason.values()), h.value);
    }
    // A client filter is not in the rollup: raw rows answer, and agree.
    const client = d.events.find((e) => e.eventId === 105)?.clientAddress as string;
    const fc = { ...f, clientAddress: client };
    assert.deepEqual(
      await dashboardTopValues(store, { ...q, rollup: '1h', filters: fc }),
      await dashboardTopValues(store, { ...q, filters: fc }),
    );
  });

  test('top clients: the N largest by count, then their details', async () => {
    const where = (e: { eventId: number }) => e.eventId === 105;
    const want = [...totals(d, d.start, d.end, (e) => e.clientAddress, where)].sort(
      (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
    );
    const got = await dashboardTopValues(store, {
      fromMs: d.start,
      toMs: d.end,
      by: 'clientAddress',
      limit: 10,
      filters: { eventIds: [EVENT.DESTINATION_NOT_ALLOWED] },
    });
    assert.deepEqual(
      got.map((c) => [c.value, c.events]),
      want.slice(0, 10),
    );
    for (const c of got) {
      const mine = d.events.filter((e) => where(e) && e.clientAddress === c.value);
      assert.equal(c.other, new Set(mine.map((e) => e.targetHost)).size, `${c.value} hosts`);
      assert.equal(c.nodes, new Set(mine.map((e) => e.nodeId)).size, `${c.value} nodes`);
      assert.equal(c.lastSeen, Math.max(...mine.map((e) => e.ts)));
    }
  });
});

describe('event 105 drill-down (gateway_events_105, migration 6)', () => {
  const E105 = [EVENT.DESTINATION_NOT_ALLOWED];
  // The busiest (named workspace, host) pair of the 105s and that host's busiest client: what a user clicks.
  const drill = () => {
    const refusals = d.events.filter((e) => e.eventId === 105);
    const top = (key: (e: (typeof refusals)[number]) => string, rows = refusals) =>
      [...totals(d, d.start, d.end, key, (e) => rows.includes(e))].sort(
        (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
      )[0]?.[0] as string;
    // "" means "any workspace" to the filters: the busiest named one.
    const ws = top(
      (e) => e.workspaceId,
      refusals.filter((e) => e.workspaceId !== ''),
    );
    const host = top(
      (e) => e.targetHost,
      refusals.filter((e) => e.workspaceId === ws),
    );
    const client = top(
      (e) => e.clientAddress,
      refusals.filter((e) => e.workspaceId === ws && e.targetHost === host),
    );
    return { refusals, ws, host, client };
  };

  test('filtered 105 tables equal independently computed answers', async () => {
    const { refusals, ws, host, client } = drill();
    // Not a whole UTC day: the hourly rollups and gateway_events_105 answer, exactly.
    const w = { fromMs: d.start + H, toMs: d.end };
    const inRange = (e: { ts: number }) => e.ts >= w.fromMs && e.ts < w.toMs;
    for (const f of [
      { workspaceId: ws },
      { workspaceId: ws, targetHost: host },
      { workspaceId: ws, targetHost: host, clientAddress: client },
    ]) {
      const mine = refusals.filter(
        (e) =>
          inRange(e) &&
          e.workspaceId === f.workspaceId &&
          (!f.targetHost || e.targetHost === f.targetHost) &&
          (!('clientAddress' in f) || e.clientAddress === f.clientAddress),
      );
      assert.ok(mine.length > 0, JSON.stringify(f));
      const filters = { ...f, eventIds: E105 };
      const byNode = await dashboardEventTotals(store, {
        ...w,
        rollup: '1h',
        by: ['nodeId'],
        limit: 1000,
        filters,
      });
      const wantNodes = totals(
        d,
        w.fromMs,
        w.toMs,
        (e) => e.nodeId,
        (e) => mine.includes(e),
      );
      assert.deepEqual(new Map(byNode.map((r) => [r.keys[0], r.events])), wantNodes, JSON.stringify(f));
      for (const r of byNode) {
        const rows = mine.filter((e) => e.nodeId === r.keys[0]);
        assert.equal(r.clients, new Set(rows.map((e) => e.clientAddress)).size);
      }
      const latest = await dashboardLatestEvents(store, { ...w, filters, limit: 20 });
      const newest = [...mine].sort((a, b) => b.ts - a.ts || (a.recordId < b.recordId ? -1 : 1)).slice(0, 20);
      assert.deepEqual(
        latest.map((r) => [r.recordId, r.ts, r.nodeId, r.clientAddress, r.message]),
        newest.map((e) => [e.recordId, e.ts, e.nodeId, e.clientAddress, e.message]),
        `latest ${JSON.stringify(f)}`,
      );
      for (const by of ['targetHost', 'clientAddress'] as const) {
        const got = await dashboardTopValues(store, { ...w, rollup: '1h', by, limit: 5000, filters });
        const want = totals(
          d,
          w.fromMs,
          w.toMs,
          (e) => e[by],
          (e) => mine.includes(e),
        );
        assert.deepEqual(new Map(got.map((r) => [r.value, r.events])), want, `${by} ${JSON.stringify(f)}`);
        for (const r of got) {
          const rows = mine.filter((e) => e[by] === r.value);
          const other = by === 'targetHost' ? 'clientAddress' : 'targetHost';
          assert.equal(r.other, new Set(rows.map((e) => e[other])).size);
          assert.equal(r.nodes, new Set(rows.map((e) => e.nodeId)).size);
          assert.equal(r.lastSeen, Math.max(...rows.map((e) => e.ts)));
        }
      }
    }
  });

  test('gateway_events_105 is what answers raw reads of 105 alone; other events still read gateway_events', async () => {
    const { ws, host } = drill();
    const w = { fromMs: d.start, toMs: d.end, by: ['workspaceId' as const], rollup: '1h' as const };
    const filters = { workspaceId: ws, targetHost: host, eventIds: E105 };
    const before = await dashboardEventTotals(store, { ...w, filters });
    const others = { ...filters, eventIds: [EVENT.DESTINATION_NOT_ALLOWED, EVENT.TLS_SESSION_VERIFIED] };
    const both = await dashboardEventTotals(store, { ...w, filters: others });
    await store.client.command({ query: 'RENAME TABLE gateway_events_105 TO gateway_events_105_away' });
    try {
      await assert.rejects(dashboardEventTotals(store, { ...w, filters }), /gateway_events_105/);
      await assert.rejects(
        dashboardTopValues(store, { ...w, by: 'clientAddress', filters }),
        /gateway_events_105/,
      );
      await assert.rejects(dashboardLatestEvents(store, { ...w, filters }), /gateway_events_105/);
      // Event 105 without a workspace/host/client filter reads gateway_events.
      assert.ok((await dashboardLatestEvents(store, { ...w, filters: { eventIds: E105 } })).length > 0);
      assert.deepEqual(await dashboardEventTotals(store, { ...w, filters: others }), both);
    } finally {
      await store.client.command({ query: 'RENAME TABLE gateway_events_105_away TO gateway_events_105' });
    }
    assert.deepEqual(await dashboardEventTotals(store, { ...w, filters }), before);
  });

  test('over whole days the daily 105 rollups answer: counts exact, distinct clients within 3 %, edge days raw', async () => {
    const near = (got: number, want: number, what: string) =>
      assert.ok(Math.abs(got - want) <= 0.03 * want, `${what}: ${got} vs ${want}`);
    // The fixture is one UTC day: read as a whole day, then as an edge day (the whole days empty).
    for (const [fromMs, toMs] of [
      [d.start, d.end + 12 * H],
      [d.start + 6 * H, d.end + 36 * H],
    ] as const) {
      const mine = d.events.filter((e) => e.eventId === 105 && e.ts >= fromMs && e.ts < toMs);
      const filters = { eventIds: E105 };
      const byWs = await dashboardEventTotals(store, {
        fromMs,
        toMs,
        rollup: '1h',
        by: ['workspaceId'],
        limit: 1000,
        filters,
      });
      assert.deepEqual(
        new Map(byWs.map((r) => [r.keys[0], r.events])),
        totals(
          d,
          fromMs,
          toMs,
          (e) => e.workspaceId,
          (e) => mine.includes(e),
        ),
      );
      for (const r of byWs) {
        const rows = mine.filter((e) => e.workspaceId === r.keys[0]);
        near(r.clients, new Set(rows.map((e) => e.clientAddress)).size, `clients of ${r.keys[0]}`);
        assert.equal(r.nodes, new Set(rows.map((e) => e.nodeId)).size);
        assert.equal(r.firstSeen, Math.min(...rows.map((e) => e.ts)));
        assert.equal(r.lastSeen, Math.max(...rows.map((e) => e.ts)));
      }
      const hosts = await dashboardTopValues(store, {
        fromMs,
        toMs,
        rollup: '1h',
        by: 'targetHost',
        limit: 1000,
        filters,
      });
      assert.deepEqual(
        new Map(hosts.map((r) => [r.value, r.events])),
        totals(
          d,
          fromMs,
          toMs,
          (e) => e.targetHost,
          (e) => mine.includes(e),
        ),
      );
      for (const h of hosts) {
        const rows = mine.filter((e) => e.targetHost === h.value);
        near(h.other, new Set(rows.map((e) => e.clientAddress)).size, `clients of ${h.value}`);
        assert.equal(h.nodes, new Set(rows.map((e) => e.nodeId)).size);
        assert.equal(h.lastSeen, Math.max(...rows.map((e) => e.ts)));
        const byReason = totals(
          d,
          fromMs,
          toMs,
          (e) => e.reason,
          (e) => rows.includes(e),
        );
        assert.equal(byReason.get(h.topReason), Math.max(...byReason.values()), h.value);
      }
      const want = [
        ...totals(
          d,
          fromMs,
          toMs,
          (e) => e.clientAddress,
          (e) => mine.includes(e),
        ),
      ].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const clients = await dashboardTopValues(store, {
        fromMs,
        toMs,
        rollup: '1h',
        by: 'clientAddress',
        limit: 10,
        filters,
      });
      assert.deepEqual(
        clients.map((c) => [c.value, c.events]),
        want.slice(0, 10),
      );
    }
    // The daily tables are what answer over whole days.
    const q = { fromMs: d.start, toMs: d.end, rollup: '1h' as const, filters: { eventIds: E105 } };
    for (const [table, run] of [
      ['gateway_events_105_1d', () => dashboardEventTotals(store, { ...q, by: ['workspaceId'] })],
      ['gateway_events_105_1d', () => dashboardTopValues(store, { ...q, by: 'targetHost' })],
      ['gateway_events_105_clients_1d', () => dashboardTopValues(store, { ...q, by: 'clientAddress' })],
    ] as const) {
      await store.client.command({ query: `RENAME TABLE ${table} TO ${table}_away` });
      try {
        await assert.rejects(run(), new RegExp(table));
      } finally {
        await store.client.command({ query: `RENAME TABLE ${table}_away TO ${table}` });
      }
    }
  });

  test('top hosts from the rollup, limited to N, are the raw top N', async () => {
    const q = {
      fromMs: d.start + H,
      toMs: d.end,
      by: 'targetHost' as const,
      limit: 3,
      filters: { eventIds: E105 },
    };
    const rolled = await dashboardTopValues(store, { ...q, rollup: '1h' });
    assert.equal(rolled.length, 3);
    assert.deepEqual(
      rolled.map((r) => [r.value, r.events, r.other, r.nodes, r.lastSeen, r.topReason]),
      (await dashboardTopValues(store, q)).map((r) => [
        r.value,
        r.events,
        r.other,
        r.nodes,
        r.lastSeen,
        r.topReason,
      ]),
    );
  });
});

test('latest records are the newest ones of the whole range (newest hour first, widened when short)', async () => {
  const w = { fromMs: d.start, toMs: d.end };
  const byNewest = (a: { ts: number; recordId: string }, b: { ts: number; recordId: string }) =>
    b.ts - a.ts || (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0);
  const got = await dashboardLatestEvents(store, { ...w, limit: 50 });
  assert.deepEqual(
    got.map((r) => r.recordId),
    [...d.events]
      .sort(byNewest)
      .slice(0, 50)
      .map((e) => e.recordId),
  );
  // 400-level errors are rare: the first hour is not enough, the query widens to the whole range.
  const errors = await dashboardLatestEvents(store, { ...w, limit: 300, filters: { eventIds: [400] } });
  const want = d.events
    .filter((e) => e.eventId === 400)
    .sort(byNewest)
    .slice(0, 300);
  assert.ok(want.length === 300, 'enough 400s for the check');
  assert.deepEqual(
    errors.map((r) => r.recordId),
    want.map((e) => e.recordId),
  );
});

describe('nodes', () => {
  test('last sample per node: last seen, version, config version, cumulative values', async () => {
    const rows = await dashboardNodes(store, { fromMs: d.start, toMs: d.end });
    assert.equal(rows.length, 50);
    const last = new Map<string, (typeof d.counters)[number]>();
    for (const c of d.counters) last.set(c.nodeId, c);
    for (const r of rows) {
      const c = last.get(r.nodeId);
      assert.ok(c, r.nodeId);
      assert.equal(r.lastSeen, c.ts);
      assert.equal(r.startedAt, c.startedAt);
      assert.equal(r.version, c.version);
      assert.equal(r.configVersion, c.configVersion);
      assert.equal(r.active, c.activeClientConnections);
      assert.equal(r.errorCount, c.errorCount);
      assert.equal(r.rejectionCount, c.rejectionCount);
    }
  });
});
