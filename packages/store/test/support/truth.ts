// Independent JS aggregates over the generator's records, to compare query results against.
import type { CounterSample, EventRecord } from '@gatewatch/events';
import type { CounterPoint, FleetCounterPoint } from '../../src/index.ts';

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

export function fleetTruth(perNode: Map<string, CounterPoint[]>, from: number, to: number, stepS: number) {
  const points = new Map(
    buckets(from, to, stepS).map((t) => [t, { ...emptyPoint(t), nodes: 0 } as FleetCounterPoint]),
  );
  for (const list of perNode.values()) {
    for (const p of list) {
      const f = points.get(p.t) as FleetCounterPoint;
      if (p.samples) f.nodes++;
      for (const k of Object.keys(p) as (keyof CounterPoint)[]) if (k !== 't') f[k] += p[k];
    }
  }
  return [...points.values()];
}

export function eventCountsTruth(events: EventRecord[], from: number, to: number, stepS: number) {
  const step = stepS * 1000;
  const counts = new Map<number, Map<number, number>>();
  for (const e of events) {
    if (e.ts < from || e.ts >= to) continue;
    const m = counts.get(e.eventId) ?? new Map<number, number>();
    counts.set(e.eventId, m);
    const b = Math.floor(e.ts / step) * step;
    m.set(b, (m.get(b) ?? 0) + 1);
  }
  return [...counts.keys()]
    .sort((a, b) => a - b)
    .flatMap((eventId) =>
      buckets(from, to, stepS).map((t) => ({ t, eventId, count: counts.get(eventId)?.get(t) ?? 0 })),
    );
}

export function topTruth(
  events: EventRecord[],
  from: number,
  to: number,
  key: (e: EventRecord) => string,
  eventId = 105,
) {
  const groups = new Map<string, EventRecord[]>();
  let total = 0;
  for (const e of events) {
    if (e.eventId !== eventId || e.ts < from || e.ts >= to) continue;
    total++;
    groups.set(key(e), [...(groups.get(key(e)) ?? []), e]);
  }
  const top = [...groups].map(([k, list]) => ({
    key: k,
    count: list.length,
    clients: new Set(list.map((e) => e.clientAddress)).size,
    nodes: new Set(list.map((e) => e.nodeId)).size,
    firstSeen: Math.min(...list.map((e) => e.ts)),
    lastSeen: Math.max(...list.map((e) => e.ts)),
  }));
  top.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { total, groups: groups.size, top };
}
