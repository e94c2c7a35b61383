/** Does a series keep growing? A least-squares line through the samples after the warm-up, judged by its rise. */

export interface Sample {
  /** Minutes since the start of the run. */
  t: number;
  v: number;
}

export interface Rule {
  /** Samples before this minute are not judged (caches, JIT, pools filling up). */
  warmupMin: number;
  /** Growing = the fitted line rises by more than this share of the series' mean across the judged span… */
  maxRelRise: number;
  /** …and by more than this many units (a handful of descriptors on a small mean is not a leak). */
  minAbsRise: number;
}

export interface Trend {
  samples: number;
  mean: number;
  /** Units per minute. */
  slope: number;
  /** slope × judged span: what the line gained from the first judged sample to the last. */
  rise: number;
  /** rise / mean. */
  relRise: number;
  /** undefined when fewer than 3 samples follow the warm-up: too short to tell. */
  growing: boolean | undefined;
}

/** Ordinary least squares slope of v over t (0 for fewer than 2 distinct t). */
export function leastSquaresSlope(samples: readonly Sample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((s, p) => s + p.t, 0) / n;
  const mv = samples.reduce((s, p) => s + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.t - mt) * (p.v - mv);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function judgeTrend(all: readonly Sample[], rule: Rule): Trend {
  const s = all.filter((p) => p.t >= rule.warmupMin && Number.isFinite(p.v));
  const mean = s.length ? s.reduce((a, p) => a + p.v, 0) / s.length : Number.NaN;
  const slope = leastSquaresSlope(s);
  const span = s.length ? (s[s.length - 1]?.t ?? 0) - (s[0]?.t ?? 0) : 0;
  const rise = slope * span;
  const relRise = mean > 0 ? rise / mean : rise > 0 ? Number.POSITIVE_INFINITY : 0;
  return {
    samples: s.length,
    mean,
    slope,
    rise,
    relRise,
    growing: s.length < 3 ? undefined : relRise > rule.maxRelRise && rise > rule.minAbsRise,
  };
}

/** Pearson correlation of two equally long series (NaN when either is constant). */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  const mx = xs.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const my = ys.slice(0, n).reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Event-loop delay on a shared machine measures the machine too: a rising delay is put down to the machine
 * when the load average rose as well (by more than the growth limit, after the warm-up) and the two move
 * together (r ≥ 0.5). The work per upload is judged separately, so a gateway that slows itself still fails.
 */
export function followsMachineLoad(
  delay: readonly Sample[],
  load: readonly Sample[],
  rule: Rule,
): { r: number; loadRelRise: number; follows: boolean } {
  const judged = (s: readonly Sample[]) => s.filter((p) => p.t >= rule.warmupMin).map((p) => p.v);
  const r = pearson(judged(delay), judged(load));
  const loadRelRise = judgeTrend(load, { ...rule, minAbsRise: 0 }).relRise;
  return { r, loadRelRise, follows: loadRelRise > rule.maxRelRise && r >= 0.5 };
}
