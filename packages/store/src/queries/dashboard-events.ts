/**
 * Event queries for the dashboard: bucketed trends, grouped totals, top values and the latest raw records.
 * Trends and totals read the per-minute or per-hour rollup when asked (long ranges) unless a host/client filter needs
 * raw rows; top hosts/clients and raw records always read gateway_events.
 */
import type { Store } from '../open.ts';
import {
  BUCKET_MS,
  type DashboardEventFilters,
  type DashboardRollup,
  type DashboardWindow,
  eventParams,
  FROM,
  needsRaw,
  RAW_EVENT_FILTERS,
  ROLLUP_EVENT_FILTERS,
  rollupTier,
  selectRows,
  TO,
} from './dashboard-common.ts';
import type { DashboardSeriesRow } from './dashboard-counters.ts';

export type DashboardEventGroupKey = 'eventId' | 'reason' | 'workspaceId' | 'nodeId';
const GROUP_KEYS: readonly DashboardEventGroupKey[] = ['eventId', 'reason', 'workspaceId', 'nodeId'];

function source(rollup: DashboardRollup, f: DashboardEventFilters) {
  const tier = needsRaw(f) ? null : rollupTier(rollup);
  return tier
    ? {
        table: `gateway_events${tier.suffix}`,
        ts: tier.col,
        count: 'countMerge(events)',
        where: ROLLUP_EVENT_FILTERS,
      }
    : { table: 'gateway_events', ts: 'ts', count: 'count()', where: RAW_EVENT_FILTERS };
}

export interface DashboardEventSeriesParams extends DashboardWindow {
  filters?: DashboardEventFilters;
  rollup: DashboardRollup;
  /** Series key: event id (default) or rejection reason. */
  by?: 'eventId' | 'reason';
}

/** Event counts per bucket and series key; empty buckets are absent. */
export async function dashboardEventSeries(
  store: Store,
  p: DashboardEventSeriesParams,
): Promise<DashboardSeriesRow[]> {
  const f = p.filters ?? {};
  const s = source(p.rollup, f);
  const by = p.by === 'reason' ? 'reason' : 'eventId';
  const rows = await selectRows<{ t: string; series: string | number; value: string | number }>(
    store,
    `SELECT ${BUCKET_MS(s.ts)} AS t, toString(${by}) AS series, ${s.count} AS value
     FROM ${s.table}
     WHERE ${s.ts} >= ${FROM} AND ${s.ts} < ${TO} AND ${s.where}
     GROUP BY t, series ORDER BY t, series`,
    eventParams(p, f),
  );
  return rows.map((r) => ({ t: Number(r.t), series: String(r.series), value: Number(r.value) }));
}

export interface DashboardEventTotalsParams {
  fromMs: number;
  toMs: number;
  filters?: DashboardEventFilters;
  rollup: DashboardRollup;
  by: DashboardEventGroupKey[];
  limit?: number;
}
export interface DashboardEventTotalRow {
  /** Group key values, in `by` order, as strings. */
  keys: string[];
  events: number;
  /** Distinct client addresses (approximate above ~10k: uniqCombined). */
  clients: number;
  nodes: number;
  firstSeen: number;
  lastSeen: number;
}

/** Event counts grouped by up to four keys, largest first. Rollup rows have minute-precision first/last. */
export async function dashboardEventTotals(
  store: Store,
  p: DashboardEventTotalsParams,
): Promise<DashboardEventTotalRow[]> {
  const f = p.filters ?? {};
  const s = source(p.rollup, f);
  const by = p.by.filter((k) => GROUP_KEYS.includes(k));
  const keys = by.map((k, i) => `toString(${k}) AS k${i}`);
  const clients = s.table === 'gateway_events' ? 'uniqCombined(clientAddress)' : 'uniqCombinedMerge(clients)';
  const rows = await selectRows<Record<string, string | number>>(
    store,
    `SELECT ${[...keys, `${s.count} AS cnt`, `${clients} AS cli`, 'uniqExact(nodeId) AS nodes', `toUnixTimestamp64Milli(toDateTime64(min(${s.ts}), 3, 'UTC')) AS firstSeen`, `toUnixTimestamp64Milli(toDateTime64(max(${s.ts}), 3, 'UTC')) AS lastSeen`].join(', ')}
     FROM ${s.table}
     WHERE ${s.ts} >= ${FROM} AND ${s.ts} < ${TO} AND ${s.where}
     ${by.length ? `GROUP BY ${by.map((_, i) => `k${i}`).join(', ')}` : ''}
     ORDER BY cnt DESC${by.length ? `, ${by.map((_, i) => `k${i}`).join(', ')}` : ''}
     LIMIT {limit:UInt32}`,
    { ...eventParams(p, f), limit: p.limit ?? 100 },
  );
  return rows
    .filter((r) => Number(r.cnt) > 0)
    .map((r) => ({
      keys: by.map((_, i) => String(r[`k${i}`] ?? '')),
      events: Number(r.cnt),
      clients: Number(r.cli),
      nodes: Number(r.nodes),
      firstSeen: Number(r.firstSeen),
      lastSeen: Number(r.lastSeen),
    }));
}

export interface DashboardTopValuesParams {
  fromMs: number;
  toMs: number;
  filters?: DashboardEventFilters;
  by: 'targetHost' | 'clientAddress';
  limit?: number;
}
export interface DashboardTopValueRow {
  value: string;
  events: number;
  /** The other dimension's distinct count (clients for hosts, hosts for clients). */
  other: number;
  nodes: number;
  lastSeen: number;
  /** Most frequent reason among the rows. */
  topReason: string;
}

/** Top target hosts or client addresses (raw rows; the primary key starts with eventId, so filter by it). */
export async function dashboardTopValues(
  store: Store,
  p: DashboardTopValuesParams,
): Promise<DashboardTopValueRow[]> {
  const f = p.filters ?? {};
  const other = p.by === 'targetHost' ? 'clientAddress' : 'targetHost';
  const rows = await selectRows<Record<string, string | number>>(
    store,
    `SELECT ${p.by} AS value, count() AS events, uniqExact(${other}) AS other, uniqExact(nodeId) AS nodes,
       toUnixTimestamp64Milli(max(ts)) AS lastSeen, topK(1)(reason)[1] AS topReason
     FROM gateway_events
     WHERE ts >= ${FROM} AND ts < ${TO} AND ${RAW_EVENT_FILTERS}
     GROUP BY value ORDER BY events DESC, value LIMIT {limit:UInt32}`,
    { ...eventParams(p, f), limit: p.limit ?? 20 },
  );
  return rows.map((r) => ({
    value: String(r.value),
    events: Number(r.events),
    other: Number(r.other),
    nodes: Number(r.nodes),
    lastSeen: Number(r.lastSeen),
    topReason: String(r.topReason ?? ''),
  }));
}

export interface DashboardEventRow {
  recordId: string;
  ts: number;
  nodeId: string;
  eventId: number;
  level: string;
  workspaceId: string;
  clientAddress: string;
  targetHost: string;
  targetPort: number;
  tlsVersion: string;
  sni: string;
  reason: string;
  message: string;
  traceId: string;
  spanId: string;
}

/** The newest raw records matching the filters. */
export async function dashboardLatestEvents(
  store: Store,
  p: { fromMs: number; toMs: number; filters?: DashboardEventFilters; limit?: number },
): Promise<DashboardEventRow[]> {
  const f = p.filters ?? {};
  const limit = p.limit ?? 200;
  // The table is ordered by (eventId, nodeId, ts), not by time: look at the newest hour first and widen
  // only when it holds too few rows, so "latest" does not scan a month.
  let rows: Record<string, string | number>[] = [];
  for (const span of [3_600_000, 6 * 3_600_000, 24 * 3_600_000, Number.POSITIVE_INFINITY]) {
    const fromMs = Math.max(p.fromMs, p.toMs - span);
    rows = await selectRows<Record<string, string | number>>(
      store,
      `SELECT toString(recordId) AS id, toUnixTimestamp64Milli(ts) AS tsMs, nodeId, eventId, level, workspaceId,
         clientAddress, targetHost, targetPort, tlsVersion, sni, reason, message, traceId, spanId
       FROM gateway_events
       WHERE ts >= ${FROM} AND ts < ${TO} AND ${RAW_EVENT_FILTERS}
       ORDER BY ts DESC, id LIMIT {limit:UInt32}`,
      { ...eventParams({ fromMs, toMs: p.toMs }, f), limit },
    );
    if (rows.length >= limit || fromMs <= p.fromMs) break;
  }
  return rows.map((r) => ({
    recordId: String(r.id),
    ts: Number(r.tsMs),
    nodeId: String(r.nodeId),
    eventId: Number(r.eventId),
    level: String(r.level),
    workspaceId: String(r.workspaceId),
    clientAddress: String(r.clientAddress),
    targetHost: String(r.targetHost),
    targetPort: Number(r.targetPort),
    tlsVersion: String(r.tlsVersion),
    sni: String(r.sni),
    reason: String(r.reason),
    message: String(r.message),
    traceId: String(r.traceId),
    spanId: String(r.spanId),
  }));
}
