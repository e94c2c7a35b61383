import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counterIncreases, evaluateSpike, mad, median } from '../src/detect.ts';
import { counterSeries } from '../src/series.ts';
import { poisson, rng, runs, simulate, spikeParams, spikeRule, T0 } from './support.ts';

const BASELINE = 65; // minutes of history before the first evaluation (1 h baseline + 5 m window)

function noise(seed: number, mean: number, minutes: number): number[] {
  const rand = rng(seed);
  return Array.from({ length: minutes }, () => poisson(rand, mean));
}

test('median and MAD', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(mad([1, 1, 2, 2, 4, 6, 9]), 1);
  assert.equal(median([]), 0);
});

test('a spike fires only after the pending period (for: 2m)', () => {
  const rule = spikeRule();
  const counts = [...noise(1, 2, BASELINE + 10), ...Array(15).fill(60)];
  const steps = simulate(rule, counts);
  const firstPending = steps.find((s) => s.state === 'pending');
  const firstFiring = steps.find((s) => s.state === 'firing');
  assert.ok(firstPending && firstFiring, runs(steps));
  assert.equal(firstFiring.t - firstPending.t, 2 * 60_000, 'firing exactly `for` after pending');
  assert.equal(firstFiring.inst.firedAt, firstFiring.t);
  assert.equal(firstFiring.inst.activeAt, firstPending.t);
  assert.ok((firstFiring.inst.value ?? 0) > (firstFiring.inst.threshold ?? Number.POSITIVE_INFINITY) * 0.5);
  assert.ok(
    steps.slice(0, 10).every((s) => s.state === 'inactive'),
    'quiet before the spike',
  );
});

test('steady high traffic does not fire', () => {
  const rule = spikeRule();
  const steps = simulate(rule, noise(2, 200, BASELINE + 180));
  assert.ok(
    steps.every((s) => s.state === 'inactive'),
    runs(steps),
  );
});

test('near-zero noise does not fire (the floor), even with a zero baseline', () => {
  const rule = spikeRule();
  const rand = rng(3);
  // Mostly zero with the odd burst of a few rejections: MAD is 0, so only the floor keeps this quiet.
  const counts = Array.from({ length: BASELINE + 240 }, () =>
    rand() < 0.05 ? 1 + Math.floor(rand() * 8) : 0,
  );
  const steps = simulate(rule, counts);
  assert.ok(
    steps.every((s) => s.state === 'inactive'),
    runs(steps),
  );
  const obs = evaluateSpike(
    { startMs: T0, counts: [...Array(65).fill(0), 9, 9, 9, 9, 9] },
    T0 + 70 * 60_000,
    spikeParams(rule),
    false,
  );
  assert.equal(obs.baseline, 0);
  assert.equal(obs.threshold, 10, 'threshold is the floor when the baseline is flat zero');
  assert.equal(obs.active, false);
});

test('counter resets (value drops or startedAt changes) are increases from zero, not negative or huge', () => {
  const started1 = T0 - 3_600_000;
  const started2 = T0 + 35_000;
  const points = [
    { ts: T0, startedAt: started1, value: 1000 },
    { ts: T0 + 10_000, startedAt: started1, value: 1003 },
    { ts: T0 + 20_000, startedAt: started1, value: 1005 },
    // restart: counter back to a small value
    { ts: T0 + 40_000, startedAt: started2, value: 2 },
    { ts: T0 + 50_000, startedAt: started2, value: 4 },
    // restart reported only through startedAt (value happens to be higher than before)
    { ts: T0 + 60_000, startedAt: started2 + 20_000, value: 7 },
  ];
  assert.deepEqual(
    counterIncreases(points).map((i) => i.increase),
    [3, 2, 2, 2, 7],
  );
});

test('a counter reset does not fire a spike (rollup rows through counterSeries)', () => {
  const rule = spikeRule();
  // One node, 10 samples/min at ~2 rejections/min, restarting at minute 80 from a high cumulative value.
  const rows = [];
  let value = 50_000;
  let startedAt = T0 - 86_400_000;
  const rand = rng(4);
  for (let m = 0; m < BASELINE + 60; m++) {
    if (m === BASELINE + 15) {
      value = 0;
      startedAt = T0 + m * 60_000;
    }
    const first = value;
    const firstStarted = startedAt;
    value += poisson(rand, 2);
    rows.push({
      nodeId: 'n1',
      minuteMs: T0 + m * 60_000,
      samples: 6,
      firstTs: T0 + m * 60_000,
      lastTs: T0 + m * 60_000 + 50_000,
      startedAtFirst: firstStarted,
      startedAtLast: startedAt,
      rejectionFirst: first,
      rejectionLast: value,
      errorFirst: 0,
      errorLast: 0,
    });
  }
  const series = counterSeries(rows, 'rejection', T0, BASELINE + 60).get('n1');
  assert.ok(series);
  assert.ok(
    series.counts.every((c) => c === null || (c >= 0 && c < 20)),
    `no negative or huge increase: ${series.counts.join(',')}`,
  );
  const steps = simulate(rule, series.counts);
  assert.ok(
    steps.every((s) => s.state === 'inactive'),
    runs(steps),
  );
});

test('flapping around the threshold is suppressed (hysteresis + keep_firing_for)', () => {
  const rule = spikeRule({ keep_firing_for: '3m' }, { clear_ratio: 0.5 });
  // After the spike starts, the rate wobbles between ~threshold+ and ~threshold-: must stay firing.
  const base = Array(BASELINE + 5).fill(1);
  const wobble = Array.from({ length: 40 }, (_, i) => (i % 4 < 2 ? 16 : 4));
  const counts = [...base, ...Array(10).fill(20), ...wobble];
  const steps = simulate(rule, counts);
  const firing = steps.findIndex((s) => s.state === 'firing');
  assert.ok(firing > 0, runs(steps));
  const after = steps.slice(firing);
  assert.ok(
    after.every((s) => s.state === 'firing'),
    `stays firing while wobbling: ${runs(steps)}`,
  );
  const starts = steps.filter((s, i) => s.state === 'firing' && steps[i - 1]?.state !== 'firing');
  assert.equal(starts.length, 1, 'one firing episode');
  // The same series without hysteresis flaps: the test would catch a regression.
  const bare = simulate(spikeRule({ for: '0' }, { clear_ratio: 1 }), counts);
  const episodes = bare.filter((s, i) => s.state === 'firing' && bare[i - 1]?.state !== 'firing');
  assert.ok(episodes.length > 3, `without hysteresis it flaps: ${runs(bare)}`);
});

test('a resolved spike goes firing → resolved once, after keep_firing_for', () => {
  const rule = spikeRule({ keep_firing_for: '2m' });
  const counts = [...Array(BASELINE + 5).fill(1), ...Array(12).fill(40), ...Array(20).fill(1)];
  const steps = simulate(rule, counts);
  assert.match(runs(steps), /^inactive×\d+ pending×2 firing×\d+ resolved×\d+$/);
  const resolved = steps.find((s) => s.state === 'resolved');
  assert.ok(resolved?.inst.resolvedAt && resolved.inst.firedAt);
  assert.ok(resolved.inst.resolvedAt - (resolved.inst.lastTrueAt ?? 0) >= 2 * 60_000, 'kept firing for 2m');
});

test('no data is explicit: firing goes nodata (no resolve), then continues where it was', () => {
  const rule = spikeRule();
  const counts: (number | null)[] = [
    ...Array(BASELINE + 5).fill(1),
    ...Array(8).fill(40),
    ...Array(8).fill(null),
    ...Array(3).fill(40),
    ...Array(10).fill(1),
  ];
  const steps = simulate(rule, counts);
  assert.match(runs(steps), /^inactive×\d+ pending×2 firing×\d+ nodata×\d+ firing×\d+ resolved×\d+$/);
  const back = steps.find((s, i) => s.state === 'firing' && steps[i - 1]?.state === 'nodata');
  const first = steps.find((s) => s.state === 'firing');
  assert.equal(back?.inst.firedAt, first?.inst.firedAt, 'same firing episode after the gap');
});
