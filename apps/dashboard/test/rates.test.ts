/**
 * The Overview's rate tiles (lib/rates.ts) and the default range (lib/range.ts fitRange): known counter
 * samples in embedded chDB, rates worked out by hand.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  dashboardCounterSeries,
  dashboardCounterSeriesTotals,
  dashboardDataStart,
  insertCounters,
  openStore,
  type Store,
} from '@gatewatch/store';
import { fitRange } from '../lib/range.ts';
import { currentRates } from '../lib/rates.ts';

const MIN = 60_000;
const E = Date.UTC(2026, 10, 25, 12, 0, 0); // data ends here (a whole minute)
let dir: string;
let store: Store;

/** Samples every 10 s in [from, to): `rej`/`err` per sample, counters from `start` (new process at startedAt). */
function samples(nodeId: string, from: number, to: number, rej: number, err: number, startedAt: number) {
  const out = [];
  for (let ts = from, n = 1; ts < to; ts += 10_000, n++)
    out.push({
      nodeId,
      ts,
      startedAt,
      version: '1',
      configVersion: 'c',
      activeClientConnections: 1,
      connectedClients: 1,
      errorCount: n * err,
      rejectionCount: n * rej,
      rejectionsByReason: {},
      bytesUp: 0,
      bytesDown: 0,
      telemetryDropped: 0,
    });
  return out;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatewatch-dash-rates-'));
  store = await openStore({ dataDir: dir });
  await insertCounters(store, [
    // a: 90 rejections and 6 errors a minute for 30 minutes.
    ...samples('a', E - 30 * MIN, E, 15, 1, E - 31 * MIN),
    // b: 30 a minute, restarted 3 minutes before the end (counters from 0 again, the new process's first
    // sample already counts 5): still 30 a minute, the reset handled.
    ...samples('b', E - 30 * MIN, E - 3 * MIN, 5, 0, E - 31 * MIN),
    ...samples('b', E - 3 * MIN, E, 5, 0, E - 3 * MIN - 5_000),
    // c: 60 a minute, silent for the last 3 minutes.
    ...samples('c', E - 30 * MIN, E - 3 * MIN, 10, 0, E - 31 * MIN),
  ]);
});
after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the newest complete minute and the rules’ 5-minute average, restarts and silent nodes handled', async () => {
  const r = await currentRates(store, E + 30_000);
  assert.equal(r.minuteMs, E - MIN);
  // Last minute: a 90 + b 30 (c silent).
  assert.equal(r.rejections.perMin, 120);
  // [E−5m, E): two minutes at 90 + 30 + 60, three at 90 + 30 → (2·180 + 3·120) / 5.
  assert.equal(r.rejections.windowPerMin, 144);
  assert.equal(r.errors.perMin, 6);
  assert.equal(r.errors.windowPerMin, 6);
});

test('a minute still running does not count; later, the newest minute with samples is used', async () => {
  // 20 s into the next minute after the data ended 10 minutes ago: the newest minute with samples.
  const later = await currentRates(store, E + 10 * MIN + 20_000);
  assert.equal(later.minuteMs, E - MIN);
  assert.equal(later.rejections.perMin, 120);
  // Nothing within the lookback: no rate rather than 0.
  const stale = await currentRates(store, E + 20 * MIN);
  assert.deepEqual(stale, {
    minuteMs: null,
    rejections: { perMin: null, windowPerMin: null },
    errors: { perMin: null, windowPerMin: null },
  });
});

test('the default range is the smallest of 1h, 6h, 24h holding the data', async () => {
  const start = await dashboardDataStart(store, { sinceMs: E - 24 * 60 * MIN });
  assert.equal(start, E - 30 * MIN);
  assert.equal(fitRange(start, E), '1h');
  assert.equal(fitRange(E - 59 * MIN, E), '1h');
  assert.equal(fitRange(E - 61 * MIN, E), '6h');
  assert.equal(fitRange(E - 5 * 60 * MIN, E), '6h');
  assert.equal(fitRange(E - 7 * 60 * MIN, E), '24h');
  assert.equal(fitRange(E - 30 * 24 * 60 * MIN, E), '24h');
  assert.equal(fitRange(null, E), '24h');
  assert.equal(await dashboardDataStart(store, { sinceMs: E + MIN }), null);
});

test('node totals over the range come with the chart series, equal to its points, raw and rolled up', async () => {
  for (const [rollup, stepSec] of [
    [false, 60],
    ['1m', 60],
    ['1m', 300],
  ] as const) {
    const p = { fromMs: E - 30 * MIN, toMs: E, stepSec, rollup, counter: 'rejections' as const };
    const { series, totals } = await dashboardCounterSeriesTotals(store, p);
    // a: 179 steps of 15 after its first sample; b: 161 of 5, then the restarted process's 18 samples of 5;
    // c: 161 of 10 (the first sample of the range has nothing before it to count from).
    // 5-minute buckets: b's restart falls inside [E−5m, E), so the old process's increments after that
    // bucket's first sample (11 × 5) are lost, as on the chart (documented for rollup buckets with a restart).
    const b = stepSec === 300 ? 895 - 55 : 895;
    assert.deepEqual(Object.fromEntries(totals), { a: 2685, b, c: 1610 }, `${rollup} ${stepSec}`);
    const sum = (node: string) =>
      series.filter((r) => r.series === node).reduce((s, r) => s + (r.value * stepSec) / 60, 0);
    for (const node of ['a', 'b', 'c']) assert.equal(Math.round(sum(node)), totals.get(node), node);
    // The chart rows are the plain series query's.
    assert.deepEqual(series, await dashboardCounterSeries(store, p));
  }
  const errors = await dashboardCounterSeriesTotals(store, {
    fromMs: E - 30 * MIN,
    toMs: E,
    stepSec: 60,
    rollup: false,
    counter: 'errors',
  });
  assert.deepEqual(Object.fromEntries(errors.totals), { a: 179, b: 0, c: 0 });
});
