/** Pivot long series rows into chart points, one per bucket over the whole window, gaps filled with 0. */
import type { ChartPoint } from '../components/TimeChart.tsx';

export interface LongRow {
  t: number;
  series: string;
  value: number;
}

export function pivot(
  rows: readonly LongRow[],
  fromMs: number,
  toMs: number,
  stepSec: number,
  order?: readonly string[],
): { data: ChartPoint[]; keys: string[] } {
  const stepMs = stepSec * 1000;
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.series, (totals.get(r.series) ?? 0) + r.value);
  // Largest series first, "others" last, unless an explicit order is given.
  const keys = order
    ? order.filter((k) => totals.has(k))
    : [...totals.keys()].sort((a, b) =>
        a === 'others'
          ? 1
          : b === 'others'
            ? -1
            : (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || a.localeCompare(b),
      );
  const byT = new Map<number, ChartPoint>();
  for (let t = fromMs; t < toMs; t += stepMs) {
    const p: ChartPoint = { t };
    for (const k of keys) p[k] = 0;
    byT.set(t, p);
  }
  for (const r of rows) {
    const p = byT.get(r.t);
    if (p && keys.includes(r.series)) p[r.series] = round(r.value);
  }
  return { data: [...byT.values()], keys };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
