// Independent JS aggregates over the generator's records, to compare query results against.
import type { CounterSample } from '@gatewatch/events';
import type { CounterPoint } from '../../src/index.ts';

const LOOKBACK_MS = 10 * 60_000;
const CUMULATIVE = [
  ['errors', 'errorCount'],
  ['rejections', 'rejectionCount'],
  ['bytesUp', 'bytesUp'],
  ['bytesDown', 'bytesDown'],
  ['telemetryDropped', 'telemetryDropped'],
] as const;

export function buckets(from: number, to: number, stepS: number): number[] {
  const step = stepS * 1000;
  const out: number[] = [];
  for (let t = Math.floor(from / step) * step; t < to; t += step) out.push(t);
  return out;
}

const emptyPoint = (t: number): CounterPoint => ({
  t,
  samples: 0,
  activeAvg: 0,
  activeMax: 0,
  connectedAvg: 0,
  connectedMax: 0,
  errors: 0,
  rejections: 0,
  bytesUp: 0,
  bytesDown: 0,
  telemetryDropped: 0,
});

/** Per-node points for nodes with data in range, increases sample by sample (restart → the value itself). */
export function nodeSeriesTruth(
  samples: CounterSample[],
  from: number,
  to: number,
  stepS: number,
): Map<string, CounterPoint[]> {
  const step = stepS * 1000;
  const byNode = new Map<string, CounterSample[]>();
  for (const s of samples) byNode.set(s.nodeId, [...(byNode.get(s.nodeId) ?? []), s]);
  const out = new Map<string, CounterPoint[]>();
  for (const [nodeId, list] of [...byNode].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => a.ts - b.ts);
    const points = new Map(buckets(from, to, stepS).map((t) => [t, emptyPoint(t)]));
    let any = false;
    let prev: CounterSample | undefined;
    const sums = new Map<number, { active: number; connected: number }>();
    for (const s of list) {
      if (s.ts >= to) break;
      if (s.ts < from - LOOKBACK_MS) continue;
      if (s.ts >= from) {
        any = true;
        const p = points.get(Math.floor(s.ts / step) * step) as CounterPoint;
        const sum = sums.get(p.t) ?? { active: 0, connected: 0 };
        sums.set(p.t, sum);
        p.samples++;
        sum.active += s.activeClientConnections;
        sum.connected += s.connectedClients;
        p.activeMax = Math.max(p.activeMax, s.activeClientConnections);
        p.connectedMax = Math.max(p.connectedMax, s.connectedClients);
        for (const [out, col] of CUMULATIVE) {
          if (!prev) continue;
          const v = s[col];
          const pv = prev[col];
          p[out] += s.startedAt === prev.startedAt && v >= pv ? v - pv : v;
        }
      }
      prev = s;
    }
    for (const p of points.values()) {
      const sum = sums.get(p.t);
      if (sum && p.samples) {
        p.activeAvg = sum.active / p.samples;
        p.connectedAvg = sum.connected / p.samples;
      }
    }
    if (any) out.set(nodeId, [...points.values()]);
  }
  return out;
}
