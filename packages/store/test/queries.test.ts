import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventRecord } from '@gatewatch/events';
import {
  counterSeries,
  eventCountsOverTime,
  eventTotals,
  type FixtureData,
  fleetCounterSeries,
  generateFixture,
  insertCounters,
  insertEvents,
  latestCounters,
  latestEvents,
  rejectionsOverTime,
  type Store,
  topRejections,
} from '../src/index.ts';
import { tempStore } from './support/helpers.ts';
import { eventCountsTruth, fleetTruth, nodeSeriesTruth, topTruth } from './support/truth.ts';

const HOUR = 3_600_000;

/** Numbers equal up to float rounding (averages), everything else exactly. */
function assertClose(actual: unknown, expected: unknown, path = ''): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(
      Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
      `${path}: ${actual} ≠ ${expected}`,
    );
  } else if (expected && typeof expected === 'object') {
    assert.equal(typeof actual, 'object', path);
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), `${path} keys`);
    for (const [k, v] of Object.entries(expected))
      assertClose((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else {
    assert.deepEqual(actual, expected, path);
  }
}

describe('typed queries against generated data (embedded chDB)', () => {
  let store: Store;
  let done: () => Promise<void>;
  let data: FixtureData;
  /** A second fleet a day later with no restarts, for the hourly rollup. */
  let calm: FixtureData;
  before(async () => {
    ({ store, done } = await tempStore());
    data = generateFixture({ seed: 5, nodes: 3, hours: 8, restartEveryHours: 1 });
    calm = generateFixture({
      seed: 6,
      nodes: 2,
      hours: 6,
      restartEveryHours: 0,
      start: data.end + 24 * HOUR,
    });
    for (const d of [data, calm]) {
      await insertEvents(store, d.events);
      await insertCounters(store, d.counters);
    }
  });
  after(async () => done());

  test('the fixture restarts nodes, so counter resets are exercised', () => {
    const restarts =
      new Set(data.counters.map((c) => `${c.nodeId}@${c.startedAt}`)).size - data.nodeIds.length;
    assert.ok(restarts >= 3, `${restarts} restarts`);
  });

  for (const source of ['raw', '1m'] as const) {
    test(`counterSeries per node from ${source} equals per-sample increases and gauge stats`, async () => {
      const from = data.options.start + 30 * 60_000;
      const to = from + 5 * HOUR;
      const got = await counterSeries(store, { from, to, step: 600, source });
      const want = nodeSeriesTruth(data.counters, from, to, 600);
      assert.deepEqual(
        got.map((s) => s.nodeId),
        [...want.keys()],
      );
      for (const s of got) assertClose(s.points, want.get(s.nodeId), s.nodeId);
      const one = await counterSeries(store, { from, to, step: 600, source, nodeId: 'gw-02' });
      assert.deepEqual(
        one,
        got.filter((s) => s.nodeId === 'gw-02'),
      );
    });

    test(`fleetCounterSeries from ${source} equals the sum over nodes`, async () => {
      const from = data.options.start + 7 * 60_000;
      const to = data.end + 20 * 60_000; // a tail with no data: filled buckets
      const got = await fleetCounterSeries(store, { from, to, step: 300, source });
      const want = fleetTruth(nodeSeriesTruth(data.counters, from, to, 300), from, to, 300);
      assertClose(got, want);
      assert.equal(got.at(-1)?.samples, 0);
    });
  }

  test('counterSeries from the hourly rollup equals the truth when no node restarts inside an hour', async () => {
    const from = calm.options.start + HOUR;
    const to = calm.end;
    const got = await counterSeries(store, { from, to, step: 3600, source: '1h' });
    const want = nodeSeriesTruth(calm.counters, from, to, 3600);
    for (const s of got) assertClose(s.points, want.get(s.nodeId), s.nodeId);
  });

  test('auto source: short ranges raw, long ranges rollups, same answers', async () => {
    const from = data.options.start;
    const to = data.end + 24 * HOUR + 6 * HOUR; // > 6 h → per-minute rollup
    const auto = await fleetCounterSeries(store, { from, to, step: 3600 });
    const raw = await fleetCounterSeries(store, { from, to, step: 3600, source: 'raw' });
    assert.equal(auto.length, raw.length);
    assert.deepEqual(
      auto.map((p) => p.samples),
      raw.map((p) => p.samples),
    );
  });

  for (const source of ['raw', '1m', '1h'] as const) {
    test(`eventCountsOverTime from ${source} equals counts by id and bucket`, async () => {
      const from = data.options.start;
      const to = data.end;
      const got = await eventCountsOverTime(store, { from, to, step: 3600, source });
      assert.deepEqual(got, eventCountsTruth(data.events, from, to, 3600));
    });
  }

  test('eventCountsOverTime with filters; eventTotals; rejectionsOverTime', async () => {
    const from = data.options.start + HOUR;
    const to = from + 2 * HOUR;
    const sel = data.events.filter((e) => e.nodeId === 'gw-01' && (e.eventId === 105 || e.eventId === 403));
    const got = await eventCountsOverTime(store, {
      from,
      to,
      step: 900,
      nodeId: 'gw-01',
      eventIds: [105, 403],
    });
    assert.deepEqual(got, eventCountsTruth(sel, from, to, 900));

    const totals = await eventTotals(store, { from, to });
    const inRange = data.events.filter((e) => e.ts >= from && e.ts < to);
    const want = new Map<number, number>();
    for (const e of inRange) want.set(e.eventId, (want.get(e.eventId) ?? 0) + 1);
    assert.deepEqual(
      totals,
      [...want].sort(([a], [b]) => a - b).map(([eventId, count]) => ({ eventId, count })),
    );

    // One 2-hour bucket aligned on the epoch: [start + 2 h, start + 4 h).
    const from2 = data.options.start + 2 * HOUR;
    const reasons = await rejectionsOverTime(store, {
      from: from2,
      to: from2 + 2 * HOUR,
      step: 7200,
      eventIds: [105],
    });
    const byReason = new Map<string, number>();
    for (const e of data.events)
      if (e.eventId === 105 && e.ts >= from2 && e.ts < from2 + 2 * HOUR)
        byReason.set(e.reason, (byReason.get(e.reason) ?? 0) + 1);
    assert.deepEqual(
      reasons,
      [...byReason]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([reason, count]) => ({ t: from2, reason, count })),
    );
  });

  test('topRejections (105) by workspace, host, client, reason and node', async () => {
    const from = data.options.start;
    const to = data.end;
    const keys = {
      workspace: (e: { workspaceId: string }) => e.workspaceId,
      host: (e: { targetHost: string }) => e.targetHost,
      client: (e: { clientAddress: string }) => e.clientAddress,
      reason: (e: { reason: string }) => e.reason,
      node: (e: { nodeId: string }) => e.nodeId,
    } as const;
    for (const [by, key] of Object.entries(keys) as [keyof typeof keys, (e: EventRecord) => string][]) {
      const got = await topRejections(store, { from, to, by, limit: 5 });
      const want = topTruth(data.events, from, to, key);
      assert.equal(got.total, want.total, by);
      assert.equal(got.groups, want.groups, by);
      assert.deepEqual(
        got.top.map(({ topReason: _, ...g }) => g),
        want.top.slice(0, 5),
        by,
      );
    }
    // The unconfigured workspaces show up, with their reason.
    const ws = await topRejections(store, { from, to, by: 'workspace', reason: 'workspace_not_configured' });
    assert.deepEqual(ws.top.map((g) => g.key).sort(), [...data.unconfiguredWorkspaces].sort());
    assert.ok(ws.top.every((g) => g.topReason === 'workspace_not_configured'));
  });

  test('latestEvents and latestCounters', async () => {
    const got = await latestEvents(store, { limit: 20, to: data.end, nodeId: 'gw-03' });
    const want = data.events
      .filter((e) => e.nodeId === 'gw-03')
      .sort((a, b) => b.ts - a.ts || a.eventId - b.eventId || (a.recordId < b.recordId ? -1 : 1))
      .slice(0, 20);
    assert.deepEqual(
      got.map(({ level: _, ...e }) => e),
      want,
    );
    const latest = await latestCounters(store, { since: calm.options.start });
    const wantLatest = calm.nodeIds.map((id) => calm.counters.filter((c) => c.nodeId === id).at(-1));
    assert.deepEqual(latest, wantLatest);
  });
});
