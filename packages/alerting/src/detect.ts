/**
 * Pure detection logic: counter increases with resets, windowed rates, robust baselines, spike and
 * threshold conditions with hysteresis. No I/O here, so every rule can be unit-tested on synthetic series.
 */

export interface CounterPoint {
  ts: number;
  /** Process start of the node: a new value means the cumulative counter restarted at 0. */
  startedAt: number;
  value: number;
}

/**
 * Per-sample increases of a cumulative counter (sorted by ts). After a reset — the value went down or
 * startedAt changed — the new value itself is the increase since the restart (Prometheus `increase()` rule).
 */
export function counterIncreases(points: readonly CounterPoint[]): { ts: number; increase: number }[] {
  const out: { ts: number; increase: number }[] = [];
  for (let i = 1; i < points.length; i++) {
    const prev = points[i - 1] as CounterPoint;
    const cur = points[i] as CounterPoint;
    const reset = cur.startedAt !== prev.startedAt || cur.value < prev.value;
    out.push({ ts: cur.ts, increase: reset ? cur.value : cur.value - prev.value });
  }
  return out;
}

/**
 * A per-minute series of counts: `counts[i]` covers minute `startMs + i·60s`; null means no data in that
 * minute (the node sent nothing), which is different from zero.
 */
export interface MinuteSeries {
  startMs: number;
  counts: (number | null)[];
}

export const MINUTE = 60_000;

/** Rate per minute over [fromMs, toMs), from the minutes that have data; null when none has. */
export function rateOver(series: MinuteSeries, fromMs: number, toMs: number): number | null {
  let sum = 0;
  let covered = 0;
  const first = Math.max(0, Math.floor((fromMs - series.startMs) / MINUTE));
  const last = Math.min(series.counts.length, Math.floor((toMs - series.startMs) / MINUTE));
  for (let i = first; i < last; i++) {
    const c = series.counts[i];
    if (c === null || c === undefined) continue;
    sum += c;
    covered++;
  }
  return covered === 0 ? null : sum / covered;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Median absolute deviation. */
export function mad(values: readonly number[], med = median(values)): number {
  return median(values.map((v) => Math.abs(v - med)));
}

/** MAD → standard deviation for normally distributed data. */
export const MAD_SCALE = 1.4826;

export interface SpikeParams {
  windowMs: number;
  baselineMs: number;
  k: number;
  floor: number;
  minRatio: number;
  clearRatio: number;
}

export interface Observation {
  /** False when the instance sent no data in the window: the rule goes `nodata`, never fires or resolves. */
  hasData: boolean;
  /** Whether the condition holds, given whether it held before (hysteresis). */
  active: boolean;
  value: number | null;
  /** Threshold that applied at this evaluation (the firing one, or the clearing one when already active). */
  threshold: number | null;
  baseline: number | null;
}

/**
 * Spike: the rate over the last window against the baseline of the windows before it.
 * Fires when rate > max(floor, median + k·σ, median·min_ratio); once active, stays active until the rate
 * falls to median + clear_ratio·(threshold − median) or below — so a rate hovering at the threshold does not flap.
 */
export function evaluateSpike(
  series: MinuteSeries,
  t: number,
  p: SpikeParams,
  wasActive: boolean,
  baselineEndMs: number = t - p.windowMs,
): Observation {
  const value = rateOver(series, t - p.windowMs, t);
  const windows: number[] = [];
  for (let end = baselineEndMs; end > baselineEndMs - p.baselineMs; end -= p.windowMs) {
    const r = rateOver(series, end - p.windowMs, end);
    if (r !== null) windows.push(r);
  }
  const med = median(windows);
  const sigma = MAD_SCALE * mad(windows, med);
  const upper = Math.max(p.floor, med + p.k * sigma, med * p.minRatio);
  const lower = med + p.clearRatio * (upper - med);
  if (value === null) return { hasData: false, active: false, value: null, threshold: upper, baseline: med };
  const active = wasActive ? value > lower : value > upper;
  return { hasData: true, active, value, threshold: wasActive ? lower : upper, baseline: med };
}

/** How far back a frozen baseline may reach, in baselines (bounds the data read for a long alert). */
export const MAX_BASELINE_FREEZE = 3;

/**
 * Where the baseline ends. While an instance is active the baseline stays frozen at the windows before
 * the condition first held, so a long spike does not become its own baseline and "resolve" itself
 * (bounded to MAX_BASELINE_FREEZE baselines back, after which a persistent level is the new normal).
 */
export function spikeBaselineEnd(t: number, p: SpikeParams, activeAt: number | null): number {
  const sliding = t - p.windowMs;
  if (activeAt === null || activeAt >= t) return sliding;
  return Math.max(activeAt - p.windowMs, sliding - MAX_BASELINE_FREEZE * p.baselineMs);
}

export interface ThresholdParams {
  op: '>' | '<';
  value: number;
  clear?: number | undefined;
}

/** Static threshold with optional hysteresis (`clear`). */
export function evaluateThreshold(value: number | null, p: ThresholdParams, wasActive: boolean): Observation {
  const threshold = wasActive && p.clear !== undefined ? p.clear : p.value;
  if (value === null) return { hasData: false, active: false, value: null, threshold, baseline: null };
  const active = p.op === '>' ? value > threshold : value < threshold;
  return { hasData: true, active, value, threshold, baseline: null };
}

/** Buckets per-sample increases into a minute series; minutes with a sample but no increase count 0. */
export function bucketIncreases(
  increases: readonly { ts: number; increase: number }[],
  startMs: number,
  minutes: number,
): MinuteSeries {
  const counts: (number | null)[] = new Array(minutes).fill(null);
  for (const { ts, increase } of increases) {
    const i = Math.floor((ts - startMs) / MINUTE);
    if (i >= 0 && i < minutes) counts[i] = (counts[i] ?? 0) + increase;
  }
  return { startMs, counts };
}
