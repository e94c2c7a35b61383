/**
 * Turns the store's per-minute rows into one series per alert instance (node, workspace or fleet).
 * Pure, so scope aggregation and counter-reset handling are unit-tested without a database.
 */
import { bucketIncreases, type CounterPoint, counterIncreases, MINUTE, type MinuteSeries } from './detect.ts';
import type { Labels } from './labels.ts';
import type { CounterMinuteRow, EventMinuteRow } from './queries.ts';
import type { Scope } from './rules.ts';

export interface InstanceSeries {
  labels: Labels;
  series: MinuteSeries;
}

export function scopeLabels(scope: Scope, key: string): Labels {
  if (scope === 'node') return { node: key };
  if (scope === 'workspace') return { workspace: key };
  return {};
}

function byNode(rows: readonly CounterMinuteRow[]): Map<string, CounterMinuteRow[]> {
  const out = new Map<string, CounterMinuteRow[]>();
  for (const r of rows) {
    const list = out.get(r.nodeId) ?? [];
    list.push(r);
    out.set(r.nodeId, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.minuteMs - b.minuteMs);
  return out;
}

/**
 * Each minute contributes its first and last sample as points, so counterIncreases sees every reset
 * between minutes and at minute edges (a restart strictly inside one minute loses only that minute's
 * pre-restart part). The first minute of the range only seeds the previous value.
 */
export function counterSeries(
  rows: readonly CounterMinuteRow[],
  field: 'rejection' | 'error',
  startMs: number,
  minutes: number,
): Map<string, MinuteSeries> {
  const out = new Map<string, MinuteSeries>();
  for (const [node, list] of byNode(rows)) {
    const points: CounterPoint[] = [];
    for (const r of list) {
      points.push({
        ts: r.firstTs,
        startedAt: r.startedAtFirst,
        value: field === 'rejection' ? r.rejectionFirst : r.errorFirst,
      });
      if (r.lastTs !== r.firstTs)
        points.push({
          ts: r.lastTs,
          startedAt: r.startedAtLast,
          value: field === 'rejection' ? r.rejectionLast : r.errorLast,
        });
    }
    const series = bucketIncreases(counterIncreases(points), startMs, minutes);
    // A minute with samples but no computable increase (the very first sample) still has data: 0.
    for (const r of list) {
      const i = Math.floor((r.minuteMs - startMs) / MINUTE);
      if (i >= 0 && i < minutes && series.counts[i] === null && i > 0) series.counts[i] = 0;
    }
    out.set(node, series);
  }
  return out;
}

/** Which minutes each node sent counter samples in (the liveness that tells zero from no data). */
export function presence(
  rows: readonly CounterMinuteRow[],
  startMs: number,
  minutes: number,
): Map<string, boolean[]> {
  const out = new Map<string, boolean[]>();
  for (const r of rows) {
    const i = Math.floor((r.minuteMs - startMs) / MINUTE);
    if (i < 0 || i >= minutes || r.samples === 0) continue;
    const p = out.get(r.nodeId) ?? new Array<boolean>(minutes).fill(false);
    p[i] = true;
    out.set(r.nodeId, p);
  }
  return out;
}

/** Sum of node series per minute; null only where no node had data. */
export function sumSeries(list: readonly MinuteSeries[], startMs: number, minutes: number): MinuteSeries {
  const counts: (number | null)[] = new Array(minutes).fill(null);
  for (const s of list)
    s.counts.forEach((c, i) => {
      if (c !== null) counts[i] = (counts[i] ?? 0) + c;
    });
  return { startMs, counts };
}

export function counterInstances(
  rows: readonly CounterMinuteRow[],
  field: 'rejection' | 'error',
  scope: Scope,
  startMs: number,
  minutes: number,
): InstanceSeries[] {
  const perNode = counterSeries(rows, field, startMs, minutes);
  if (scope === 'fleet') return [{ labels: {}, series: sumSeries([...perNode.values()], startMs, minutes) }];
  return [...perNode].map(([node, series]) => ({ labels: scopeLabels('node', node), series }));
}

/**
 * Event counts per instance. Events are sparse, so a minute without events is 0 when the node (or, for
 * workspace and fleet scope, any node) was alive that minute, and no data otherwise.
 */
export function eventInstances(
  events: readonly EventMinuteRow[],
  alive: ReadonlyMap<string, boolean[]>,
  scope: Scope,
  startMs: number,
  minutes: number,
): InstanceSeries[] {
  const fleetAlive = new Array<boolean>(minutes).fill(false);
  for (const p of alive.values())
    p.forEach((a, i) => {
      if (a) fleetAlive[i] = true;
    });
  const keyOf = (e: EventMinuteRow) =>
    scope === 'node' ? e.nodeId : scope === 'workspace' ? e.workspaceId : '';
  const keys = new Set<string>(scope === 'node' ? alive.keys() : scope === 'fleet' ? [''] : []);
  for (const e of events) if (scope !== 'workspace' || e.workspaceId !== '') keys.add(keyOf(e));
  const out: InstanceSeries[] = [];
  for (const key of keys) {
    const live = scope === 'node' ? (alive.get(key) ?? fleetAlive.map(() => false)) : fleetAlive;
    const counts: (number | null)[] = live.map((a) => (a ? 0 : null));
    out.push({ labels: scopeLabels(scope, key), series: { startMs, counts } });
  }
  const index = new Map(out.map((s) => [JSON.stringify(s.labels), s]));
  for (const e of events) {
    if (scope === 'workspace' && e.workspaceId === '') continue;
    const s = index.get(JSON.stringify(scopeLabels(scope, keyOf(e))));
    const i = Math.floor((e.minuteMs - startMs) / MINUTE);
    // Events count even in a minute the node's counter sample is late for: they prove it was alive.
    if (s && i >= 0 && i < minutes) s.series.counts[i] = (s.series.counts[i] ?? 0) + e.count;
  }
  return out;
}
