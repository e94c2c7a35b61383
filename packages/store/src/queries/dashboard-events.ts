/**
 * Event queries for the dashboard: bucketed trends, grouped totals, top values and the latest raw records.
 * Trends and totals read a rollup when asked (long ranges) unless a host/client filter needs raw rows: per
 * minute, per hour, or per hour fleet-wide when no node is involved. Top hosts over whole hours read the
 * hourly host rollup; top clients and raw records read gateway_events. Raw reads of event 105 alone read
 * gateway_events_105 (ordered by workspace, host, client), so the investigation's drill-down filters
 * read only their rows.
 */
import type { Store } from '../open.ts';
import {
  BUCKET_MS,
  type DashboardEventFilters,
  type DashboardRollup,
  type DashboardWindow,
  EDGE_DAYS,
  eventParams,
  eventRollupTier,
  FLEET_EVENT_FILTERS,
  inWindow,
  needsRaw,
  only105,
  RAW_EVENT_FILTERS,
  ROLLUP_EVENT_FILTERS,
  rawEventTable,
  selectRows,
  WHOLE_DAYS,
  wholeDays,
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
  const tier = needsRaw(f) ? null : eventRollupTier(rollup);
  if (!tier) {
    return {
      table: rawEventTable(f),
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

/**
 * Event 105 per (workspace, reason, host) for a range: `gateway_events_105_1d` for its whole days plus
 * raw rows for the partial days at both ends, with count, first/last seen and uniqCombined(12) states of
 * clients and nodes. Needs the dayFromMs/dayToMs params of wholeDays().
 */
function daily105(): string {
  const keys = 'workspaceId, reason, targetHost';
  return `SELECT ${keys}, countMerge(events) AS e, minMerge(firstTs) AS fs, maxMerge(lastTs) AS ls,
      uniqCombinedMergeState(12)(clients) AS c, uniqCombinedMergeState(12)(nodes) AS n
    FROM gateway_events_105_1d
    WHERE ${WHOLE_DAYS} AND ({workspaceId:String} = '' OR workspaceId = {workspaceId:String})
      AND ({reason:String} = '' OR reason = {reason:String})
      AND ({targetHost:String} = '' OR targetHost = {targetHost:String})
    GROUP BY ${keys}
    UNION ALL
    SELECT ${keys}, count(), min(ts), max(ts), uniqCombinedState(12)(clientAddress),
      uniqCombinedState(12)(CAST(nodeId, 'String'))
    FROM gateway_events
    WHERE ${EDGE_DAYS} AND ${RAW_EVENT_FILTERS}
    GROUP BY ${keys}`;
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
     WHERE ${inWindow(s.ts)} AND ${s.where}
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
  /**
   * Distinct client addresses (approximate above ~10k: uniqCombined; for event 105 per workspace/reason
   * over whole days uniqCombined(12), ≈ 1.6 %); 0 when `clients: false`.
   */
  clients: number;
  /** Distinct nodes (uniqCombined(12) for event 105 per workspace/reason over whole days); 0 when `nodes: false`. */
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
  // A count the caller turned off (`clients: false` / `nodes: false`) is the constant 0.
  const asked = (on: boolean | undefined, expr: string) => (on === false ? '0' : expr);
  const clients = asked(p.clients, s.clients);
  // Grouped by node, each group has one node: no distinct count to pay for (most of a 30-day nodes105 read).
  const nodes = asked(p.nodes, by.includes('nodeId') ? '1' : s.nodes);
  // Distinct clients/nodes of event 105 per workspace or reason over days: the daily 105 rollup.
  const days = wholeDays(p.fromMs, p.toMs);
  const daily =
    days &&
    only105(f) &&
    s.table === 'gateway_events_fleet_1h' &&
    by.every((k) => k === 'workspaceId' || k === 'reason') &&
    (p.clients !== false || p.nodes !== false);
  const totals = `SELECT ${[...keys, `${s.count} AS cnt`, `${clients} AS cli`, ...(nodes ? [`${nodes} AS nodes`] : []), `toUnixTimestamp64Milli(toDateTime64(min(${s.ts}), 3, 'UTC')) AS firstSeen`, `toUnixTimestamp64Milli(toDateTime64(max(${s.ts}), 3, 'UTC')) AS lastSeen`].join(', ')}
    FROM ${s.table} WHERE ${inWindow(s.ts)} AND ${s.where} ${groupBy}`;
  // The fleet rollup has no nodeId: distinct nodes per group are distinct (group, node) pairs of the
  // per-node hourly rollup (cheap on its LowCardinality key columns; merging a node set per fleet row
  // was the costliest part of a 30-day read).
  const query = daily
    ? `SELECT ${[...keys, 'sum(e) AS cnt', `${asked(p.clients, 'uniqCombinedMerge(12)(c)')} AS cli`, `${asked(p.nodes, 'uniqCombinedMerge(12)(n)')} AS nodes`, 'toUnixTimestamp64Milli(min(fs)) AS firstSeen', 'toUnixTimestamp64Milli(max(ls)) AS lastSeen'].join(', ')}
       FROM (${daily105()}) ${groupBy}`
    : nodes
      ? totals
      : `SELECT * FROM (${totals}) AS t ${by.length ? 'LEFT' : 'CROSS'} JOIN (
         SELECT ${[...keys, 'count() AS nodes'].join(', ')}
         FROM (SELECT DISTINCT ${[...by, 'nodeId'].join(', ')} FROM gateway_events_1h
               WHERE ${inWindow('hour')} AND ${ROLLUP_EVENT_FILTERS})
         ${groupBy}
       ) AS n ${by.length ? `USING (${ks})` : ''}`;
  const rows = await selectRows<Record<string, string | number>>(
    store,
    `SELECT * FROM (${query}) ORDER BY cnt DESC${by.length ? `, ${ks}` : ''} LIMIT {limit:UInt32}`,
    { ...eventParams(p, f), ...(daily ? days : {}), limit: p.limit ?? 100 },
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
  /**
   * The other dimension's distinct count (clients for hosts, hosts for clients), approximate (uniq;
   * uniqCombined(12), ≈ 1.6 %, for 105 hosts over whole days).
   */
  other: number;
  /** Distinct nodes (approximate: uniq on the raw path, uniqCombined(12) for 105 hosts over whole days). */
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
  const hourly = eventRollupTier(p.rollup ?? false)?.col === 'hour';
  const fromHosts = p.by === 'targetHost' && hourly && !f.nodeId && !f.clientAddress;
  const other = p.by === 'targetHost' ? 'clientAddress' : 'targetHost';
  const raw = rawEventTable(f);
  const days = hourly && only105(f) ? wholeDays(p.fromMs, p.toMs) : null;
  // Over days, 105 hosts come from the daily rollup (every host's sketches merge in a few ms) and the
  // fleet's top clients by count from the daily client counts; the edge days from raw rows.
  const dailyHosts = fromHosts && days;
  const dailyClients =
    p.by === 'clientAddress' && days && !f.nodeId && !f.workspaceId && !f.reason && !needsRaw(f);
  const window = `${inWindow('ts')} AND ${RAW_EVENT_FILTERS}`;
  const hostsWindow = `${inWindow('hour')} AND ${FLEET_EVENT_FILTERS}
         AND ({targetHost:String} = '' OR targetHost = {targetHost:String})`;
  // Distinct clients are merged for the shown hosts only (the top N by count): merging every host's
  // states was most of a 30-day read.
  const topHosts = `SELECT targetHost FROM gateway_events_hosts_1h WHERE ${hostsWindow}
         GROUP BY targetHost ORDER BY countMerge(events) DESC, targetHost LIMIT {limit:UInt32}`;
  // Per (value, reason) first, so the top reason is the one with the most events.
  const perReason = fromHosts
    ? `SELECT targetHost AS value, reason, countMerge(events) AS e, uniqCombinedMergeState(clients) AS o,
         maxMerge(lastTs) AS ls
       FROM gateway_events_hosts_1h
       WHERE ${hostsWindow} AND targetHost IN (${topHosts})
       GROUP BY value, reason`
    : `SELECT ${p.by} AS value, reason, count() AS e, uniqState(${other}) AS o, uniqState(nodeId) AS n, max(ts) AS ls
       FROM ${raw}
       WHERE ${window} AND ${p.by} IN (${
         dailyClients
           ? `SELECT clientAddress FROM (
                SELECT clientAddress, countMerge(events) AS e FROM gateway_events_105_clients_1d
                WHERE ${WHOLE_DAYS} GROUP BY clientAddress
                UNION ALL
                SELECT clientAddress, count() FROM gateway_events
                WHERE ${EDGE_DAYS} AND ${RAW_EVENT_FILTERS} GROUP BY clientAddress)
              GROUP BY clientAddress ORDER BY sum(e) DESC, clientAddress LIMIT {limit:UInt32}`
           : `SELECT ${p.by} FROM ${raw} WHERE ${window}
              GROUP BY ${p.by} ORDER BY count() DESC, ${p.by} LIMIT {limit:UInt32}`
       })
       GROUP BY value, reason`;
  const top = `SELECT value, sum(e) AS events, ${fromHosts ? 'uniqCombinedMerge(o)' : 'uniqMerge(o)'} AS other,
       ${fromHosts ? '' : 'uniqMerge(n) AS nodes, '}toUnixTimestamp64Milli(max(ls)) AS lastSeen,
       argMax(reason, e) AS topReason
     FROM (${perReason})
     GROUP BY value ORDER BY events DESC, value LIMIT {limit:UInt32}`;
  // The host rollup has no nodeId: distinct nodes per host are distinct (host, node) pairs of the raw
  // rows (two LowCardinality columns, cheap; a node set per rollup row cost more to merge).
  const hostsDaily = `SELECT value, sum(e) AS events, uniqCombinedMerge(12)(o) AS other,
       uniqCombinedMerge(12)(n) AS nodes, toUnixTimestamp64Milli(max(ls)) AS lastSeen, argMax(reason, e) AS topReason
     FROM (SELECT targetHost AS value, reason, sum(e) AS e, uniqCombinedMergeState(12)(c) AS o,
             uniqCombinedMergeState(12)(n) AS n, max(ls) AS ls
           FROM (${daily105()}) GROUP BY value, reason)
     GROUP BY value ORDER BY events DESC, value LIMIT {limit:UInt32}`;
  const rows = await selectRows<Record<string, string | number>>(
    store,
    dailyHosts
      ? hostsDaily
      : fromHosts
        ? `SELECT * FROM (${top}) AS t LEFT JOIN (
           SELECT value, count() AS nodes
           FROM (SELECT DISTINCT targetHost AS value, nodeId FROM ${raw}
                 WHERE ${window} AND targetHost IN (${topHosts}))
           GROUP BY value
         ) AS n USING (value)
         ORDER BY events DESC, value`
        : top,
    { ...eventParams(p, f), ...(dailyHosts || dailyClients ? days : {}), limit: p.limit ?? 20 },
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
  const columns = `toString(recordId) AS id, toUnixTimestamp64Milli(ts) AS tsMs, nodeId, eventId, level,
         workspaceId, clientAddress, targetHost, targetPort, tlsVersion, sni, reason, message, traceId, spanId`;
  const where = `${inWindow('ts')} AND ${RAW_EVENT_FILTERS}`;
  const newest = (also: string, params: Record<string, unknown>) =>
    selectRows<Record<string, string | number>>(
      store,
      `SELECT ${columns}
       FROM gateway_events
       WHERE ${where}${also}
       ORDER BY ts DESC, id LIMIT {limit:UInt32}`,
      { ...params, limit },
    );
  let rows: Record<string, string | number>[] = [];
  if (rawEventTable(f) === 'gateway_events_105') {
    // A 105 drill-down: the newest (node, ts) keys come from gateway_events_105 (the filter is its key
    // prefix; WITH TIES keeps every row tied at the cut), then the records by gateway_events' primary key.
    rows = await newest(
      ` AND (eventId, nodeId, ts) IN (
         SELECT eventId, nodeId, ts FROM gateway_events_105 WHERE ${where}
         ORDER BY ts DESC LIMIT {limit:UInt32} WITH TIES)`,
      eventParams(p, f),
    );
  } else {
    // gateway_events is ordered by (eventId, nodeId, ts), not by time: look at the newest hour first and
    // widen only when it holds too few rows, so "latest" does not scan a month.
    for (const span of [3_600_000, 6 * 3_600_000, 24 * 3_600_000, Number.POSITIVE_INFINITY]) {
      const fromMs = Math.max(p.fromMs, p.toMs - span);
      rows = await newest('', eventParams({ fromMs, toMs: p.toMs }, f));
      if (rows.length >= limit || fromMs <= p.fromMs) break;
    }
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
