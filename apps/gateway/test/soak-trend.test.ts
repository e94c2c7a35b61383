/** The soak's growth verdict (soak/trend.ts): pure logic. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { followsMachineLoad, judgeTrend, leastSquaresSlope, pearson, type Rule } from '../soak/trend.ts';

const rule: Rule = { warmupMin: 2, maxRelRise: 0.1, minAbsRise: 5 };
const series = (f: (t: number) => number, minutes = 60) =>
  Array.from({ length: minutes }, (_, i) => ({ t: i + 1, v: f(i + 1) }));

test('least squares: the slope of a line, of noise around a line, and of a flat series', () => {
  assert.equal(leastSquaresSlope(series((t) => 3 * t + 7)), 3);
  const noisy = series((t) => 100 + 0.5 * t + (t % 2 ? 4 : -4));
  assert.ok(Math.abs(leastSquaresSlope(noisy) - 0.5) < 0.01);
  assert.equal(leastSquaresSlope(series(() => 42)), 0);
  assert.equal(leastSquaresSlope([{ t: 1, v: 5 }]), 0);
  assert.equal(
    leastSquaresSlope([
      { t: 1, v: 5 },
      { t: 1, v: 9 },
    ]),
    0,
  ); // no spread in t
});

test('a steady leak is growing; a flat, a sawtooth and a shrinking series are not', () => {
  const leak = judgeTrend(
    series((t) => 100 + t),
    rule,
  ); // +58 over 58 min on a mean of ~131
  assert.equal(leak.growing, true);
  assert.ok(leak.relRise > 0.4);
  assert.equal(
    judgeTrend(
      series(() => 100),
      rule,
    ).growing,
    false,
  );
  assert.equal(
    judgeTrend(
      series((t) => 100 + ((t * 7) % 10)),
      rule,
    ).growing,
    false,
  ); // GC sawtooth
  assert.equal(
    judgeTrend(
      series((t) => 200 - t),
      rule,
    ).growing,
    false,
  );
});

test('growth only during the warm-up is not judged', () => {
  const warm = series((t) => (t <= 2 ? 10 * t : 100));
  assert.equal(judgeTrend(warm, rule).growing, false);
  assert.equal(judgeTrend(warm, { ...rule, warmupMin: 0 }).growing, true);
});

test('both limits must be exceeded: a small absolute rise on a small mean is noise', () => {
  const fewFds = series((t) => 20 + t / 15, 60); // +3.9 = 16% of ~22, but under 5 units
  assert.equal(judgeTrend(fewFds, rule).growing, false);
  const slowLarge = series((t) => 10_000 + t, 60); // +58 units, 0.6% of the mean
  assert.equal(judgeTrend(slowLarge, rule).growing, false);
});

test('fewer than 3 samples after the warm-up: no verdict (undefined), not a pass', () => {
  const t = judgeTrend(
    series((x) => x * 100, 3),
    rule,
  );
  assert.equal(t.samples, 2);
  assert.equal(t.growing, undefined);
});

test('non-finite samples (a process without a probe file yet) are left out', () => {
  const s = series(() => 50).map((p, i) => (i === 10 ? { ...p, v: Number.NaN } : p));
  const t = judgeTrend(s, rule);
  assert.equal(t.samples, 58);
  assert.equal(t.growing, false);
});

test('pearson: +1 for series moving together, -1 against, near 0 for unrelated', () => {
  const xs = [1, 2, 3, 4, 5, 6];
  assert.ok(Math.abs(pearson(xs, [2, 4, 6, 8, 10, 12]) - 1) < 1e-12);
  assert.ok(Math.abs(pearson(xs, [6, 5, 4, 3, 2, 1]) + 1) < 1e-12);
  assert.ok(Math.abs(pearson(xs, [1, -1, 1, -1, 1, -1])) < 0.5);
  assert.ok(Number.isNaN(pearson(xs, [3, 3, 3, 3, 3, 3])));
});

test('a delay rising with the machine load follows the machine; alone, or with a flat load, it does not', () => {
  const load = series((t) => 2 + t / 3); // 2.7 → 22
  const delayWithLoad = series((t) => 10 + t / 2 + (t % 3)); // rises with it, some noise
  const withLoad = followsMachineLoad(delayWithLoad, load, rule);
  assert.equal(withLoad.follows, true);
  assert.ok(withLoad.r > 0.9 && withLoad.loadRelRise > 1, JSON.stringify(withLoad));
  assert.equal(
    followsMachineLoad(
      delayWithLoad,
      series((t) => 4 + (t % 2) / 10),
      rule,
    ).follows,
    false,
  );
  // Load rising, delay rising in a way unrelated to it (falls then jumps): r below 0.5.
  const unrelated = series((t) => (t < 50 ? 60 - t : 80));
  assert.equal(followsMachineLoad(unrelated, load, rule).follows, false);
});
