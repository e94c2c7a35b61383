/**
 * Independent answers for the query tests: computed in plain TypeScript from the fixture generator's
 * stream (the same data the store holds), with no SQL involved.
 */
import type { CounterSample, EventRecord } from '@gatewatch/events';
import { describeFixture, type FixtureOptions, nodeFixture } from '@gatewatch/store';

export interface Truth {
  nodeIds: string[];
  start: number;
  end: number;
  counters: CounterSample[];
  events: EventRecord[];
}

/** The fixture's data in memory (keep the sizes small enough for a test). */
export function fixtureData(opts: FixtureOptions): Truth {
  const f = describeFixture(opts);
  const counters: CounterSample[] = [];
  const events: EventRecord[] = [];
  for (let n = 0; n < f.nodeIds.length; n++) {
    for (const item of nodeFixture(f, n)) {
      if (item.kind === 'counter') counters.push(item.sample);
      else events.push(item.record);
    }
  }
  return { nodeIds: f.nodeIds, start: f.options.start, end: f.end, counters, events };
}

const bucketOf = (ts: number, stepSec: number) => Math.floor(ts / (stepSec * 1000)) * stepSec * 1000;
const key = (t: number, series: string) => `${t}|${series}`;

export type Gauge = 'activeClientConnections' | 'connectedClients';
export type Cumulative = 'errorCount' | 'rejectionCount';

/** Per node and bucket: mean of the gauge's samples in the bucket. */
export function gaugeByNode(d: Truth, col: Gauge, fromMs: number, toMs: number, stepSec: number) {
  const acc = new Map<string, { s: number; n: number }>();
  for (const c of d.counters) {
    if (c.ts < fromMs || c.ts >= toMs) continue;
    const k = key(bucketOf(c.ts, stepSec), c.nodeId);
    const a = acc.get(k) ?? { s: 0, n: 0 };
    a.s += c[col];
    a.n++;
    acc.set(k, a);
  }
  return new Map([...acc].map(([k, a]) => [k, a.s / a.n]));
}

/**
 * Per node and bucket: increase per minute of a cumulative counter. A sample's increase is its value minus
 * the node's previous sample, or its whole value when the process restarted (new startedAt).
 */
export function rateByNode(d: Truth, col: Cumulative, fromMs: number, toMs: number, stepSec: number) {
  const acc = new Map<string, number>();
  const prev = new Map<string, CounterSample>();
  for (const c of d.counters) {
    const p = prev.get(c.nodeId);
    prev.set(c.nodeId, c);
    if (c.ts < fromMs || c.ts >= toMs) continue;
    // Every node/bucket with samples has a value, even when the increase is 0.
    const k = key(bucketOf(c.ts, stepSec), c.nodeId);
    const inc = !p ? 0 : p.startedAt !== c.startedAt || c[col] < p[col] ? c[col] : c[col] - p[col];
    acc.set(k, (acc.get(k) ?? 0) + inc);
  }
  return new Map([...acc].map(([k, v]) => [k, (v * 60) / stepSec]));
}

/** Sum a per-node map into per-bucket fleet totals. */
export function fleet(byNode: Map<string, number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, v] of byNode) {
    const t = Number(k.split('|')[0]);
    out.set(t, (out.get(t) ?? 0) + v);
  }
  return out;
}

/** Count events per (bucket, group key) in [fromMs, toMs). */
export function countEvents(
  d: Truth,
  fromMs: number,
  toMs: number,
  stepSec: number,
  groupOf: (e: EventRecord) => string,
  where: (e: EventRecord) => boolean = () => true,
) {
  const out = new Map<string, number>();
  for (const e of d.events) {
    if (e.ts < fromMs || e.ts >= toMs || !where(e)) continue;
    const k = key(bucketOf(e.ts, stepSec), groupOf(e));
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

/** Count events per group key over [fromMs, toMs). */
export function totals(
  d: Truth,
  fromMs: number,
  toMs: number,
  groupOf: (e: EventRecord) => string,
  where: (e: EventRecord) => boolean = () => true,
) {
  const out = new Map<string, number>();
  for (const e of d.events) {
    if (e.ts < fromMs || e.ts >= toMs || !where(e)) continue;
    const k = groupOf(e);
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}
