/**
 * Usage queries (Workspaces and Agents pages) against embedded chDB holding known per-tunnel usage records:
 * every answer equals one computed independently in TypeScript from the same records (no SQL), for each
 * rollup the queries pick (fleet per workspace / per node, per (workspace, node) under a filter, agents per
 * hour and per day), and the agents' last refusals come from the event records.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EVENT, parseEventRecord, parseUsageRecord, type UsageRecord } from '@gatewatch/events';
import {
  type DashboardAgentRow,
  dashboardAgents,
  dashboardUsageSeries,
  dashboardUsageTotals,
  insertEvents,
  insertUsage,
  openStore,
  type Store,
} from '@gatewatch/store';

const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;
const START = Date.UTC(2026, 0, 5); // midnight: two whole UTC days of records
const NODES = ['gw-a', 'gw-b', 'gw-c', 'gw-d', 'gw-e', 'gw-f'];
const WS = Array.from({ length: 5 }, (_, i) => `${i + 1}0000000-0000-4000-8000-00000000000${i}`);

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 30 agents over two days, a record every 5 minutes each (one tunnel per hour): workspaces skewed so the
 * top N is clear, some records with no bytes up (not uploads), agents with a certificate subject whose
 * address changes per tunnel, agents of a host without workspace, one agent that stops half-way.
 */
function makeUsage(): UsageRecord[] {
  const r = rng(7);
  const out: UsageRecord[] = [];
  for (let i = 0; i < 30; i++) {
    const mtls = i % 6 === 0;
    for (let k = 0; k < 576; k++) {
      if (i === 7 && k > 250) break; // stopped reporting
      const ts = START + k * 5 * MIN + i * 1000 + 500;
      const tunnel = Math.floor(k / 12);
      const ws = i % 10 === 9 ? '' : r() < 0.1 ? (WS[(i + 1) % 5] as string) : (WS[i % 5] as string);
      const up = r() < 0.2 ? 0 : Math.floor(r() * 50_000 * (1 + (i % 5)));
      out.push(
        parseUsageRecord({
          recordId: randomUUID(),
          ts,
          nodeId: NODES[(i + (k % 7 === 0 ? 1 : 0)) % NODES.length],
          workspaceId: ws,
          clientAddress: mtls ? `10.${1 + (tunnel % 2)}.0.${i}` : `10.0.0.${i}`,
          clientSubject: mtls ? `C=DE, O=Contoso, CN=agent${i}` : '',
          targetHost: ws ? `${ws}.ods.opinsights.azure.com` : 'global.handler.control.monitor.azure.com',
          bytesUp: up,
          bytesDown: Math.floor(r() * 5000),
          durationMs: k % 12 === 0 ? 4000 : 10_000,
          opened: k % 12 === 0,
          closed: k % 12 === 11,
        }),
      );
    }
  }
  return out;
}

const usage = makeUsage();
const agentOf = (u: UsageRecord) => u.clientSubject || u.clientAddress;
const isUpload = (u: UsageRecord) => u.opened || u.bytesUp > 0;
const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;

/** Refusals (and one later non-refusal, which must not count) from some agents' addresses. */
const refusals = [
  {
    addr: '10.0.0.3',
    eventId: EVENT.DESTINATION_NOT_ALLOWED,
    reason: 'workspace_not_configured',
    at: 27 * H,
  },
  { addr: '10.0.0.3', eventId: EVENT.UNSUPPORTED_TLS_VERSION, reason: 'tls_version_unsupported', at: 28 * H },
  { addr: '10.0.0.3', eventId: EVENT.CONNECT_RECEIVED, reason: '', at: 29 * H },
  { addr: '10.0.0.8', eventId: EVENT.DESTINATION_NOT_ALLOWED, reason: 'host_not_allowed', at: 26 * H },
  { addr: '10.0.0.8', eventId: EVENT.DESTINATION_NOT_ALLOWED, reason: 'port_not_allowed', at: 40 * H },
].map((e) => ({
  ...e,
  record: parseEventRecord({
    recordId: randomUUID(),
    ts: START + e.at,
    nodeId: 'gw-a',
    eventId: e.eventId,
    clientAddress: e.addr,
    targetHost: 'evil.example',
    targetPort: 443,
    reason: e.reason,
  }),
}));

let dir = '';
let store: Store;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatewatch-dash-usage-'));
  store = await openStore({ dataDir: dir });
  // In three inserts, so the rollups merge states of several parts.
  const third = Math.ceil(usage.length / 3);
  for (let i = 0; i < usage.length; i += third) await insertUsage(store, usage.slice(i, i + third));
  await insertEvents(
    store,
    refusals.map((e) => e.record),
  );
});
after(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Records whose rollup bucket (minute or hour start) lies in [from, to), under the filters. */
function inBuckets(from: number, to: number, period: number, f: { ws?: string; node?: string } = {}) {
  return usage.filter((u) => {
    const b = floorTo(u.ts, period);
    return b >= from && b < to && (!f.ws || u.workspaceId === f.ws) && (!f.node || u.nodeId === f.node);
  });
}

function seriesTruth(from: number, to: number, stepSec: number, period: number, topN: number, f = {}) {
  const rows = inBuckets(from, to, period, f);
  const byWs = new Map<string, number>();
  for (const u of rows) byWs.set(u.workspaceId, (byWs.get(u.workspaceId) ?? 0) + u.bytesUp);
  const top = new Set(
    [...byWs]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, topN)
      .map(([w]) => w),
  );
  const out = new Map<string, number>();
  for (const u of rows) {
    const k = `${floorTo(u.ts, stepSec * 1000)}|${top.has(u.workspaceId) ? u.workspaceId : 'others'}`;
    out.set(k, (out.get(k) ?? 0) + u.bytesUp);
  }
  return out;
}

describe('bytes up per workspace over time', () => {
  test('per-minute fleet rollup: top 3 workspaces + others per bucket equal the records', async () => {
    const w = { fromMs: START + 26 * H, toMs: START + 29 * H, stepSec: 300 };
    const rows = await dashboardUsageSeries(store, { ...w, tier: '1m', topN: 3 });
    const got = new Map(rows.map((r) => [`${r.t}|${r.series}`, r.value]));
    const want = seriesTruth(w.fromMs, w.toMs, w.stepSec, MIN, 3);
    assert.ok(want.size > 30);
    assert.deepEqual(got, want);
    assert.equal(new Set(rows.map((r) => r.series)).size, 4, '3 named + others');
  });

  test('per-hour rollup per (workspace, node) under a node filter', async () => {
    const w = { fromMs: START + 20 * H, toMs: START + 40 * H, stepSec: 7200 };
    const f = { node: 'gw-c' };
    const rows = await dashboardUsageSeries(store, {
      ...w,
      tier: '1h',
      topN: 8,
      filters: { nodeId: f.node },
    });
    const got = new Map(rows.map((r) => [`${r.t}|${r.series}`, r.value]));
    assert.deepEqual(got, seriesTruth(w.fromMs, w.toMs, w.stepSec, H, 8, f));
  });
});

function totalsTruth(by: 'workspaceId' | 'nodeId', from: number, to: number, period: number, f = {}) {
  const prev = inBuckets(2 * from - to, from, period, f);
  const cur = inBuckets(from, to, period, f);
  const m = new Map<
    string,
    { up: number; down: number; uploads: number; opened: number; agents: Set<string> }
  >();
  for (const u of cur) {
    const g = m.get(u[by]) ?? { up: 0, down: 0, uploads: 0, opened: 0, agents: new Set<string>() };
    g.up += u.bytesUp;
    g.down += u.bytesDown;
    g.uploads += isUpload(u) ? 1 : 0;
    g.opened += u.opened ? 1 : 0;
    g.agents.add(agentOf(u));
    m.set(u[by], g);
  }
  return [...m]
    .map(([key, g]) => ({
      key,
      bytesUp: g.up,
      bytesDown: g.down,
      uploads: g.uploads,
      tunnelsOpened: g.opened,
      agents: g.agents.size,
      previousBytesUp: prev.filter((u) => u[by] === key).reduce((s, u) => s + u.bytesUp, 0),
    }))
    .sort((a, b) => b.bytesUp - a.bytesUp || a.key.localeCompare(b.key));
}

describe('usage per workspace and per node, with the previous period', () => {
  test('per workspace and per node (fleet rollups, per minute and per hour)', async () => {
    for (const [tier, period, w] of [
      ['1m', MIN, { fromMs: START + 26 * H, toMs: START + 29 * H }],
      ['1h', H, { fromMs: START + 30 * H, toMs: START + 42 * H }],
    ] as const) {
      for (const by of ['workspaceId', 'nodeId'] as const) {
        const rows = await dashboardUsageTotals(store, { ...w, tier, by });
        const want = totalsTruth(by, w.fromMs, w.toMs, period);
        assert.ok(
          want.every((r) => r.previousBytesUp > 0),
          'the previous period has data',
        );
        assert.deepEqual(rows, want, `${tier} by ${by}`);
      }
    }
  });

  test('per node under a workspace filter, per workspace under a node filter (per (workspace, node) rollup)', async () => {
    const w = { fromMs: START + 26 * H, toMs: START + 29 * H };
    const ws = WS[1] as string;
    assert.deepEqual(
      await dashboardUsageTotals(store, { ...w, tier: '1m', by: 'nodeId', filters: { workspaceId: ws } }),
      totalsTruth('nodeId', w.fromMs, w.toMs, MIN, { ws }),
    );
    assert.deepEqual(
      await dashboardUsageTotals(store, { ...w, tier: '1h', by: 'workspaceId', filters: { nodeId: 'gw-b' } }),
      totalsTruth('workspaceId', w.fromMs, w.toMs, H, { node: 'gw-b' }),
    );
  });

  test('a range with no usage has no rows', async () => {
    const rows = await dashboardUsageTotals(store, {
      fromMs: START - 10 * H,
      toMs: START - 5 * H,
      tier: '1h',
      by: 'workspaceId',
    });
    assert.deepEqual(rows, []);
  });
});

/** The agent table from the records: the range widened to whole hours (or days), refusals from the events. */
function agentsTruth(fromMs: number, toMs: number, period: number): DashboardAgentRow[] {
  const lo = floorTo(fromMs, period);
  const hi = period === DAY ? floorTo(toMs - 1, DAY) + DAY : toMs;
  const by = new Map<string, UsageRecord[]>();
  for (const u of usage) {
    const b = floorTo(u.ts, period);
    if (b < lo || b >= hi) continue;
    by.set(agentOf(u), [...(by.get(agentOf(u)) ?? []), u]);
  }
  // Refusals: the exact range, or its whole days when the agents are read per day.
  const [rlo, rhi] = period === DAY ? [lo, hi] : [fromMs, toMs];
  return [...by].map(([agent, rs]) => {
    const last = rs.reduce((a, b) => (b.ts > a.ts ? b : a));
    const uploads = rs.filter(isUpload);
    const refusal = refusals
      .filter((e) => e.addr === last.clientAddress && e.reason && e.record.ts >= rlo && e.record.ts < rhi)
      .sort((a, b) => b.record.ts - a.record.ts)[0];
    return {
      agent,
      clientSubject: last.clientSubject,
      clientAddress: last.clientAddress,
      workspaces: [...new Set(rs.map((u) => u.workspaceId))].sort(),
      nodes: [...new Set(rs.map((u) => u.nodeId))].sort(),
      firstSeen: Math.min(...rs.map((u) => u.ts - u.durationMs)),
      lastSeen: last.ts,
      lastActive: Math.max(0, ...uploads.map((u) => u.ts)),
      uploads: uploads.length,
      bytesUp: rs.reduce((s, u) => s + u.bytesUp, 0),
      bytesDown: rs.reduce((s, u) => s + u.bytesDown, 0),
      tunnelsOpened: rs.filter((u) => u.opened).length,
      lastRefusal: refusal
        ? {
            recordId: refusal.record.recordId,
            eventId: refusal.eventId,
            reason: refusal.reason,
            ts: refusal.record.ts,
          }
        : null,
    };
  });
}

describe('agent inventory', () => {
  const w = { fromMs: START + 25 * H + 17 * MIN, toMs: START + 31 * H + 5 * MIN };

  test('every agent of the range (hourly rows) equals the records, with its last refusal', async () => {
    const page = await dashboardAgents(store, { ...w, daily: false, limit: 1000, sort: 'agent' });
    const want = agentsTruth(w.fromMs, w.toMs, H).sort((a, b) => a.agent.localeCompare(b.agent));
    assert.equal(want.length, 29, 'every agent but the one that stopped');
    assert.equal(page.total, 29);
    assert.equal(page.matching, 29);
    assert.deepEqual(
      page.rows.map((r) => r.agent),
      want.map((r) => r.agent),
    );
    assert.deepEqual(page.rows, want);
    const a3 = page.rows.find((r) => r.agent === '10.0.0.3');
    assert.equal(a3?.lastRefusal?.reason, 'tls_version_unsupported', 'the newest refusal, not the later 103');
    assert.ok(page.rows.some((r) => r.clientSubject && r.workspaces.length > 0));
  });

  test('server-side sort and paging: page 2 of 5 by uploads, descending', async () => {
    const want = agentsTruth(w.fromMs, w.toMs, H).sort(
      (a, b) => b.uploads - a.uploads || a.agent.localeCompare(b.agent),
    );
    const page = await dashboardAgents(store, {
      ...w,
      daily: false,
      sort: 'uploads',
      desc: true,
      limit: 5,
      offset: 5,
    });
    assert.deepEqual(page.rows, want.slice(5, 10));
    assert.equal(page.matching, 29);
  });

  test('text, workspace and node filters', async () => {
    const all = agentsTruth(w.fromMs, w.toMs, H);
    const cn = await dashboardAgents(store, { ...w, daily: false, text: 'cn=AGENT', limit: 100 });
    assert.deepEqual(
      cn.rows.map((r) => r.agent).sort(),
      all
        .filter((a) => a.clientSubject)
        .map((a) => a.agent)
        .sort(),
    );
    assert.equal(cn.total, 29);
    assert.equal(cn.matching, 5);
    const ws = WS[2] as string;
    const inWs = await dashboardAgents(store, {
      ...w,
      daily: false,
      filters: { workspaceId: ws },
      limit: 100,
    });
    assert.deepEqual(
      inWs.rows.map((r) => r.agent).sort(),
      all
        .filter((a) => a.workspaces.includes(ws))
        .map((a) => a.agent)
        .sort(),
    );
    const onNode = await dashboardAgents(store, {
      ...w,
      daily: false,
      filters: { nodeId: 'gw-f' },
      limit: 100,
    });
    assert.equal(onNode.matching, all.filter((a) => a.nodes.includes('gw-f')).length);
    assert.ok(onNode.matching > 0 && onNode.matching < 29);
  });

  test('daily rows: the range widened to whole UTC days; the stopped agent is absent on day 2', async () => {
    const d = { fromMs: START + DAY + 3 * H, toMs: START + 2 * DAY - 30 * MIN };
    const page = await dashboardAgents(store, { ...d, daily: true, limit: 1000, sort: 'agent' });
    const want = agentsTruth(d.fromMs, d.toMs, DAY).sort((a, b) => a.agent.localeCompare(b.agent));
    assert.deepEqual(page.rows, want);
    assert.equal(page.total, 29);
    assert.ok(!page.rows.some((r) => r.agent === '10.0.0.7'));
  });
});
