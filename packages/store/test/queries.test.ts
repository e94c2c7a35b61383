import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  counterSeries,
  type FixtureData,
  generateFixture,
  insertCounters,
  insertEvents,
  type Store,
} from '../src/index.ts';
import { tempStore } from './support/helpers.ts';
import { nodeSeriesTruth } from './support/truth.ts';

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
    const samples = (series: Awaited<ReturnType<typeof counterSeries>>) =>
      series.flatMap((s) => s.points.map((p) => p.samples)).reduce((x, y) => x + y, 0);
    const auto = await counterSeries(store, { from, to, step: 3600 });
    const raw = await counterSeries(store, { from, to, step: 3600, source: 'raw' });
    assert.equal(samples(auto), samples(raw));
    assert.ok(samples(raw) > 0);
  });
});
