/**
 * Event queries for the dashboard: bucketed trends, grouped totals, top values and the latest raw records.
 * Trends and totals read a rollup when asked (long ranges) unless a host/client filter needs raw rows: per
 * minute, per hour, or per hour fleet-wide when no node is involved. Top hosts over whole hours read the
 * hourly host rollup; top clients and raw records read gateway_events.
 */
import type { Store } from '../open.ts';
import {
  BUCKET_MS,
  type DashboardEventFilters,
  type DashboardRollup,
  type DashboardWindow,
  eventParams,
  FLEET_EVENT_FILTERS,
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

interface Source {
  table: string;
  ts: string;
  count: string;
  clients: string;
  /** Distinct nodes; '' = the table has no nodeId (the fleet rollup). */
  nodes: string;
  where: string;
}

/**
 * Where an event query reads: raw rows when a host/client filter needs them or no rollup is asked for;
 * the fleet-level hourly rollup (no nodeId: a few hundred rows per hour) for hourly reads with no node
 * filter and no node grouping; otherwise the per-node rollup of the asked period.
 */
function source(rollup: DashboardRollup, f: DashboardEventFilters, byNode = false): Source {
  const tier = needsRaw(f) ? null : rollupTier(rollup);
  if (!tier) {
    return {
      table: 'gateway_events',
      ts: 'ts',
      count: 'count()',
      clients: 'uniqCombined(clientAddress)',
      nodes: 'uniqExact(nodeId)',
      where: RAW_EVENT_FILTERS,
    };
  }
  const merged = { count: 'countMerge(events)', clients: 'uniqCombinedMerge(clients)', ts: tier.col };
  if (tier.col === 'hour' && !f.nodeId && !byNode) {
    return {
      ...merged,
      table: 'gateway_events_fleet_1h',
      nodes: '',
      where: FLEET_EVENT_FILTERS,
    };
  }
  return {
    ...merged,
    table: `gateway_events${tier.suffix}`,
    nodes: 'uniqExact(nodeId)',
    where: ROLLUP_EVENT_FILTERS,
  };
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
  /** Count distinct clients / nodes (default true); false skips that work when the column is not shown. */
  clients?: boolean;
  nodes?: boolean;
}
export interface DashboardEventTotalRow {
  /** Group key values, in `by` order, as strings. */
  keys: string[];
  events: number;
  /** Distinct client addresses (approximate above ~10k: uniqCombined); 0 when `clients: false`. */
  clients: number;
  /** Distinct nodes; 0 when `nodes: false`. */
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
  const by = p.by.filter((k) => GROUP_KEYS.includes(k));
  const s = source(p.rollup, f, by.includes('nodeId'));
  const keys = by.map((k, i) => `toString(${k}) AS k${i}`);
  const ks = by.map((_, i) => `k${i}`).join(', ');
  const groupBy = by.length ? `GROUP BY ${ks}` : '';
  const clients = p.clients === false ? '0' : s.clients;
  const nodes = p.nodes === false ? '0' : s.nodes;
  const totals = `SELECT ${[...keys, `${s.count} AS cnt`, `${clients} AS cli`, ...(nodes ? [`${nodes} AS nodes`] : []), `toUnixTimestamp64Milli(toDateTime64(min(${s.ts}), 3, 'UTC')) AS firstSeen`, `toUnixTimestamp64Milli(toDateTime64(max(${s.ts}), 3, 'UTC')) AS lastSeen`].join(', ')}
    FROM ${s.table} WHERE ${s.ts} >= ${FROM} AND ${s.ts} < ${TO} AND ${s.where} ${groupBy}`;
  // The fleet rollup has no nodeId: distinct nodes per group are distinct (group, node) pairs of the
  // per-node hourly rollup (cheap on its LowCardinality key columns; merging a node set per fleet row
  // was the costliest part of a 30-day read).
  const query = nodes
    ? totals
    : `SELECT * FROM (${totals}) AS t ${by.length ? 'LEFT' : 'CROSS'} JOIN (
         SELECT ${[...keys, 'count() AS nodes'].join(', ')}
         FROM (SELECT DISTINCT ${[...by, 'nodeId'].join(', ')} FROM gateway_events_1h
               WHERE hour >= ${FROM} AND hour < ${TO} AND ${ROLLUP_EVENT_FILTERS})
         ${groupBy}
       ) AS n ${by.length ? `USING (${ks})` : ''}`;
  const rows = await selectRows<Record<string, string | number>>(
    store,
    `SELECT * FROM (${query}) ORDER BY cnt DESC${by.length ? `, ${ks}` : ''} LIMIT {limit:UInt32}`,
    { ...eventParams(p, f), limit: p.limit ?? 100 },
  );
  return rows
    .filter((r) => Number(r.cnt) > 0)
    .map((r) => ({
      keys: by.map((_, i) => String(r[`k${i}`] ?? '')),
      events: Number(r.cnt),
      clients: Number(r.cli),
      nodes: Number(r.nodes ?? 0),
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
  /** '1h': top hosts read the hourly host rollup when no node/client filter needs raw rows. */
  rollup?: DashboardRollup;
}
export interface DashboardTopValueRow {
  value: string;
  events: number;
  /** The other dimension's distinct count (clients for hosts, hosts for clients), approximate (uniq). */
  other: number;
  /** Distinct nodes (approximate, uniq, on the raw path). */
  nodes: number;
  lastSeen: number;
  /** Most frequent reason among the rows. */
  topReason: string;
}

/**
 * Top target hosts or client addresses with their counts. Hosts over whole hours without a node or client
 * filter come from `gateway_events_hosts_1h`; otherwise raw rows in two steps: the top values by count
 * alone (one cheap GROUP BY), then distinct counts, last seen and top reason for those values only.
 */
export async function dashboardTopValues(
  store: Store,
  p: DashboardTopValuesParams,
): Promise<DashboardTopValueRow[]> {
  const f = p.filters ?? {};
  const hourly = rollupTier(p.rollup ?? false)?.col === 'hour';
  const fromHosts = p.by === 'targetHost' && hourly && !f.nodeId && !f.clientAddress;
  const other = p.by === 'targetHost' ? 'clientAddress' : 'targetHost';
  const window = `ts >= ${FROM} AND ts < ${TO} AND ${RAW_EVENT_FILTERS}`;
  // Per (value, reason) first, so the top reason is the one with the most events.
  const perReason = fromHosts
    ? `SELECT targetHost AS value, reason, countMerge(events) AS e, uniqCombinedMergeState(clients) AS o,
         maxMerge(lastTs) AS ls
       FROM gateway_events_hosts_1h
       WHERE hour >= ${FROM} AND hour < ${TO} AND ${FLEET_EVENT_FILTERS}
         AND ({targetHost:String} = '' OR targetHost = {targetHost:String})
       GROUP BY value, reason`
    : `SELECT ${p.by} AS value, reason, count() AS e, uniqState(${other}) AS o, uniqState(nodeId) AS n, max(ts) AS ls
       FROM gateway_events
       WHERE ${window} AND ${p.by} IN (
         SELECT ${p.by} FROM gateway_events WHERE ${window}
         GROUP BY ${p.by} ORDER BY count() DESC, ${p.by} LIMIT {limit:UInt32})
       GROUP BY value, reason`;
  const top = `SELECT value, sum(e) AS events, ${fromHosts ? 'uniqCombinedMerge(o)' : 'uniqMerge(o)'} AS other,
       ${fromHosts ? '' : 'uniqMerge(n) AS nodes, '}toUnixTimestamp64Milli(max(ls)) AS lastSeen,
       argMax(reason, e) AS topReason
     FROM (${perReason})
     GROUP BY value ORDER BY events DESC, value LIMIT {limit:UInt32}`;
  // The host rollup has no nodeId: distinct nodes per host are distinct (host, node) pairs of the raw
  // rows (two LowCardinality columns, cheap; a node set per rollup row cost more to merge).
  const rows = await selectRows<Record<string, string | number>>(
    store,
    fromHosts
      ? `SELECT * FROM (${top}) AS t LEFT JOIN (
           SELECT value, count() AS nodes
           FROM (SELECT DISTINCT targetHost AS value, nodeId FROM gateway_events WHERE ${window})
           GROUP BY value
         ) AS n USING (value)
         ORDER BY events DESC, value`
      : top,
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
