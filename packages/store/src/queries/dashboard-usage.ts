/**
 * Usage queries for the dashboard's Workspaces and Agents pages: bytes per workspace over time (top N +
 * "others"), totals per workspace or node with the previous period of the same length, and the agent
 * inventory, paged by the server. They read the usage rollups only (migrations 9 and 10), never the raw
 * per-tunnel rows (10 000 a second at 100 000 agents): per minute or per hour, per workspace or per node
 * fleet-wide, per (workspace, node) when both are involved, and per hour or per day for agents.
 */
import { REJECTION_REASONS } from '@gatewatch/events';
import type { Store } from '../open.ts';
import { rollupOf } from '../tables.ts';
import { BUCKET_MS, FROM_S, inWindow, selectRows, TO_S } from './dashboard-common.ts';
import type { DashboardSeriesRow } from './dashboard-counters.ts';

/** Usage rollup period: per minute (buckets of whole minutes) or per hour (whole hours). */
export type DashboardUsageTier = '1m' | '1h';
export const DASHBOARD_USAGE_OTHERS = 'others';

export interface DashboardUsageFilters {
  workspaceId?: string;
  nodeId?: string;
}
const WS = "({workspaceId:String} = '' OR workspaceId = {workspaceId:String})";
const NODE = "({nodeId:String} = '' OR nodeId = {nodeId:String})";
/** The range's first and last whole second (DateTime): the agent windows widen them to hours or days. */
const FROM_SEC = "toDateTime(intDiv({fromMs:Int64}, 1000), 'UTC')";
const LAST_SEC = "toDateTime(intDiv({toMs:Int64} - 1, 1000), 'UTC')";
/** Event ids of refusals (an event with a reason): the key prefix of gateway_events. */
const REFUSAL_IDS = [...new Set(Object.values(REJECTION_REASONS).map((r) => r.eventId))];
/** Start of the previous period of the range's length (whole seconds, as FROM_S). */
const PREV_FROM_S = "toDateTime(intDiv(2 * {fromMs:Int64} - {toMs:Int64} + 999, 1000), 'UTC')";

/**
 * The narrowest rollup holding `keep`'s column under the filters: fleet-wide per workspace or per node,
 * or per (workspace, node) when a filter names the other dimension.
 */
function usageTable(tier: DashboardUsageTier, keep: 'workspaceId' | 'nodeId', f: DashboardUsageFilters) {
  const other = keep === 'workspaceId' ? f.nodeId : f.workspaceId;
  const base = other ? 'gateway_usage' : keep === 'workspaceId' ? 'gateway_usage_ws' : 'gateway_usage_nodes';
  const where = other ? `${WS} AND ${NODE}` : keep === 'workspaceId' ? WS : NODE;
  const { table, column } = rollupOf(base, tier);
  return { table, col: column, where };
}

function params(
  p: { fromMs: number; toMs: number; stepSec?: number },
  f: DashboardUsageFilters,
): Record<string, unknown> {
  return {
    fromMs: Math.floor(p.fromMs),
    toMs: Math.floor(p.toMs),
    stepSec: p.stepSec ?? 60,
    workspaceId: f.workspaceId ?? '',
    nodeId: f.nodeId ?? '',
  };
}

export interface DashboardUsageSeriesParams {
  fromMs: number;
  toMs: number;
  /** A whole number of the tier's period. */
  stepSec: number;
  tier: DashboardUsageTier;
  filters?: DashboardUsageFilters;
  /** Named series for the N workspaces with the most bytes up in the range; the rest sum into "others". */
  topN?: number;
}

/** Bytes up per bucket and workspace (top N + "others"); empty buckets are absent. */
export async function dashboardUsageSeries(
  store: Store,
  p: DashboardUsageSeriesParams,
): Promise<DashboardSeriesRow[]> {
  const f = p.filters ?? {};
  const s = usageTable(p.tier, 'workspaceId', f);
  const window = `${inWindow(s.col)} AND ${s.where}`;
  const rows = await selectRows<{ t: string | number; series: string; value: string | number }>(
    store,
    `SELECT t, if(workspaceId IN (
         SELECT workspaceId FROM ${s.table} WHERE ${window}
         GROUP BY workspaceId ORDER BY sum(bytesUp) DESC, workspaceId LIMIT {topN:UInt32}
       ), workspaceId, '${DASHBOARD_USAGE_OTHERS}') AS series, sum(up) AS value
     FROM (
       SELECT ${BUCKET_MS(s.col)} AS t, workspaceId, sum(bytesUp) AS up
       FROM ${s.table} WHERE ${window}
       GROUP BY t, workspaceId
     )
     GROUP BY t, series ORDER BY t, series`,
    { ...params(p, f), topN: p.topN ?? 8 },
  );
  return rows.map((r) => ({ t: Number(r.t), series: String(r.series), value: Number(r.value) }));
}

export interface DashboardUsageTotalsParams {
  fromMs: number;
  toMs: number;
  tier: DashboardUsageTier;
  by: 'workspaceId' | 'nodeId';
  filters?: DashboardUsageFilters;
  limit?: number;
  /**
   * Count distinct agents (default true). Merging a sketch per row is most of the cost over many rows
   * (1 000 nodes × 720 hours: 870 ms CPU with it, 11 ms without).
   */
  agents?: boolean;
}
export interface DashboardUsageTotalRow {
  /** The workspace id or node id. */
  key: string;
  bytesUp: number;
  bytesDown: number;
  uploads: number;
  tunnelsOpened: number;
  /** Distinct agents (uniqCombined(12) sketches, ≈ 1.6 % error); 0 when `agents: false`. */
  agents: number;
  /** Bytes up in the period of the same length just before the range. */
  previousBytesUp: number;
}

/**
 * Usage per workspace or per node over the range, most bytes up first, with the bytes up of the previous
 * period of the same length (one read over both periods). Groups with no record in the range are left out.
 */
export async function dashboardUsageTotals(
  store: Store,
  p: DashboardUsageTotalsParams,
): Promise<DashboardUsageTotalRow[]> {
  const f = p.filters ?? {};
  const s = usageTable(p.tier, p.by, f);
  const cur = `${s.col} >= ${FROM_S}`;
  const rows = await selectRows<Record<string, string | number>>(
    store,
    `SELECT toString(${p.by}) AS key, sumIf(bytesUp, ${cur}) AS up, sumIf(bytesDown, ${cur}) AS down,
       sumIf(uploads, ${cur}) AS uploads, sumIf(tunnelsOpened, ${cur}) AS opened,
       ${p.agents === false ? '0' : `uniqCombinedMergeIf(12)(agents, ${cur})`} AS agents, sumIf(bytesUp, NOT ${cur}) AS prevUp
     FROM ${s.table}
     WHERE ${s.col} >= ${PREV_FROM_S} AND ${s.col} < ${TO_S} AND ${s.where}
     GROUP BY key
     HAVING countIf(${cur}) > 0
     ORDER BY up DESC, key LIMIT {limit:UInt32}`,
    { ...params(p, f), limit: p.limit ?? 10_000 },
  );
  return rows.map((r) => ({
    key: String(r.key),
    bytesUp: Number(r.up),
    bytesDown: Number(r.down),
    uploads: Number(r.uploads),
    tunnelsOpened: Number(r.opened),
    agents: Number(r.agents),
    previousBytesUp: Number(r.prevUp),
  }));
}

/** Agent table columns the server sorts by (cheap per-agent sums and extremes). */
export const DASHBOARD_AGENT_SORTS = {
  agent: 'agent',
  firstSeen: 'fs',
  lastSeen: 'ls',
  uploads: 'uploads',
  bytesUp: 'up',
  bytesDown: 'down',
} as const;
export type DashboardAgentSort = keyof typeof DASHBOARD_AGENT_SORTS;

export interface DashboardAgentsParams {
  fromMs: number;
  toMs: number;
  /**
   * Read per-day rows (the range widened to whole UTC days) instead of per-hour ones (widened to whole
   * hours): 100 000 agents fill 2.4 M hourly rows a day.
   */
  daily: boolean;
  /** Text in the agent (certificate subject or address); case-insensitive. */
  text?: string;
  /** Only agents that sent to this workspace / used this node in the range. */
  filters?: DashboardUsageFilters;
  sort?: DashboardAgentSort;
  desc?: boolean;
  limit?: number;
  offset?: number;
}
export interface DashboardAgentRow {
  /** The client-certificate subject when the agent has one, else its address. */
  agent: string;
  clientSubject: string;
  /** Its latest address. */
  clientAddress: string;
  workspaces: string[];
  nodes: string[];
  /** First tunnel start and last record in the range (epoch ms). */
  firstSeen: number;
  lastSeen: number;
  /** Last upload (0 = none in the range). */
  lastActive: number;
  uploads: number;
  bytesUp: number;
  bytesDown: number;
  tunnelsOpened: number;
  /** The newest refusal (an event with a reason) from its latest address in the range. */
  lastRefusal: { recordId: string; eventId: number; reason: string; ts: number } | null;
}
export interface DashboardAgentsPage {
  /** Agents in the range / of them matching the text and filters. */
  total: number;
  matching: number;
  rows: DashboardAgentRow[];
}

/**
 * One page of the agent inventory, filtered and sorted by the server: the page's agents are chosen on
 * cheap per-agent aggregates (with the matching count as a window over the groups), then only those
 * agents' workspaces, nodes and addresses are merged, and their last refusals read from gateway_events
 * (its bloom index on clientAddress).
 */
export async function dashboardAgents(store: Store, p: DashboardAgentsParams): Promise<DashboardAgentsPage> {
  const f = p.filters ?? {};
  const table = p.daily ? 'gateway_usage_clients_1d' : 'gateway_usage_clients_1h';
  // DateTime bounds: the bucket columns are DateTime/Date (see inWindow in dashboard-common.ts).
  const window = p.daily
    ? `day >= toDate(${FROM_SEC}) AND day <= toDate(${LAST_SEC})`
    : `hour >= toStartOfHour(${FROM_SEC}) AND hour < ${TO_S}`;
  const base = {
    fromMs: Math.floor(p.fromMs),
    toMs: Math.floor(p.toMs),
    text: p.text ?? '',
    workspaceId: f.workspaceId ?? '',
    nodeId: f.nodeId ?? '',
  };
  // Workspace and node conditions merge the arrays of every agent: only when asked.
  const having = [
    "({text:String} = '' OR positionCaseInsensitive(agent, {text:String}) > 0)",
    ...(f.workspaceId ? ['has(groupUniqArrayMerge(workspaces), {workspaceId:String})'] : []),
    ...(f.nodeId ? ['has(groupUniqArrayMerge(nodes), {nodeId:String})'] : []),
  ].join(' AND ');
  const sort = DASHBOARD_AGENT_SORTS[p.sort ?? 'bytesUp'] ?? 'up';
  const dir = (p.desc ?? p.sort !== 'agent') ? 'DESC' : 'ASC';
  const page = await selectRows<{ agent: string; matching: string | number }>(
    store,
    `SELECT agent, count() OVER () AS matching
     FROM (
       SELECT agent, sum(bytesUp) AS up, sum(bytesDown) AS down, sum(uploads) AS uploads,
         min(firstSeen) AS fs, max(lastSeen) AS ls
       FROM ${table} WHERE ${window}
       GROUP BY agent HAVING ${having}
     )
     ORDER BY ${sort} ${dir}, agent LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    { ...base, limit: p.limit ?? 50, offset: p.offset ?? 0 },
  );
  const total =
    base.text || f.workspaceId || f.nodeId
      ? Number(
          (
            await selectRows<{ n: string }>(
              store,
              `SELECT uniqExact(agent) AS n FROM ${table} WHERE ${window}`,
              base,
            )
          )[0]?.n ?? 0,
        )
      : Number(page[0]?.matching ?? 0);
  const agents = page.map((r) => r.agent);
  if (agents.length === 0) return { total, matching: 0, rows: [] };
  const details = await selectRows<Record<string, string | number | string[]>>(
    store,
    `SELECT agent, max(clientSubject) AS subject, argMaxMerge(clientAddress) AS address,
       arraySort(groupUniqArrayMerge(workspaces)) AS ws, arraySort(groupUniqArrayMerge(nodes)) AS nodes,
       toUnixTimestamp64Milli(min(firstSeen)) AS fs, toUnixTimestamp64Milli(max(lastSeen)) AS ls,
       toUnixTimestamp64Milli(max(lastActive)) AS la, sum(uploads) AS uploads, sum(bytesUp) AS up,
       sum(bytesDown) AS down, sum(tunnelsOpened) AS opened
     FROM ${table} WHERE ${window} AND agent IN {agents:Array(String)}
     GROUP BY agent`,
    { ...base, agents },
  );
  const byAgent = new Map(details.map((d) => [String(d.agent), d]));
  const addresses = [...new Set(details.map((d) => String(d.address)).filter(Boolean))];
  // Daily agents (whole days): each client's newest refusal per day (migration 13, ordered by client);
  // hourly ones: the refusal events of the exact range (cheap over a day or two).
  const refusals = await selectRows<Record<string, string | number>>(
    store,
    p.daily
      ? `SELECT clientAddress, r.1 AS id, r.2 AS lastEventId, r.3 AS lastReason, toUnixTimestamp64Milli(r.4) AS tsMs
         FROM (
           SELECT clientAddress, argMaxMerge(lastRefusal) AS r
           FROM gateway_refusals_clients_1d
           WHERE clientAddress IN {addresses:Array(String)} AND ${window}
           GROUP BY clientAddress
         )`
      : `SELECT clientAddress, argMax(toString(recordId), ts) AS id, argMax(eventId, ts) AS lastEventId,
           argMax(reason, ts) AS lastReason, toUnixTimestamp64Milli(max(ts)) AS tsMs
         FROM gateway_events
         WHERE ${inWindow('ts')} AND eventId IN {refusalIds:Array(UInt16)} AND reason != ''
           AND clientAddress IN {addresses:Array(String)}
         GROUP BY clientAddress`,
    { ...base, addresses, refusalIds: REFUSAL_IDS },
  );
  const refusalOf = new Map(refusals.map((r) => [String(r.clientAddress), r]));
  return {
    total,
    matching: Number(page[0]?.matching ?? 0),
    rows: agents.map((agent) => {
      const d = byAgent.get(agent) ?? {};
      const address = String(d.address ?? '');
      const r = refusalOf.get(address);
      return {
        agent,
        clientSubject: String(d.subject ?? ''),
        clientAddress: address,
        workspaces: (d.ws as string[] | undefined) ?? [],
        nodes: (d.nodes as string[] | undefined) ?? [],
        firstSeen: Number(d.fs ?? 0),
        lastSeen: Number(d.ls ?? 0),
        lastActive: Number(d.la ?? 0),
        uploads: Number(d.uploads ?? 0),
        bytesUp: Number(d.up ?? 0),
        bytesDown: Number(d.down ?? 0),
        tunnelsOpened: Number(d.opened ?? 0),
        lastRefusal: r
          ? {
              recordId: String(r.id),
              eventId: Number(r.lastEventId),
              reason: String(r.lastReason),
              ts: Number(r.tsMs),
            }
          : null,
      };
    }),
  };
}
