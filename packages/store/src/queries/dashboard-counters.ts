/**
 * Counter series for the dashboard: per node and bucket, then top-N nodes + "others".
 * Gauges (active connections, connected clients) are averaged per node and bucket, then summed over nodes.
 * Cumulative counters (errors, rejections) become increases per minute: per-sample deltas, where a new
 * `startedAt` (process restart) or a decrease means the counter restarted at 0, so the new value is the delta.
 * The rollup path does the same on per-minute (or per-hour) first/last values (exact unless a restart
 * falls strictly inside one rollup period).
 */
import type { Store } from '../open.ts';
import {
  BUCKET_MS,
  type DashboardRollup,
  type DashboardWindow,
  FROM,
  rollupTier,
  selectRows,
  TO,
} from './dashboard-common.ts';

export const DASHBOARD_COUNTERS = {
  active: { kind: 'gauge', column: 'activeClientConnections', rollup: 'activeAvg' },
  connected: { kind: 'gauge', column: 'connectedClients', rollup: 'connectedAvg' },
  errors: { kind: 'cumulative', column: 'errorCount', rollup: 'errorCount' },
  rejections: { kind: 'cumulative', column: 'rejectionCount', rollup: 'rejectionCount' },
} as const;
export type DashboardCounter = keyof typeof DASHBOARD_COUNTERS;

export interface DashboardCounterSeriesParams extends DashboardWindow {
  counter: DashboardCounter;
  /** Read gateway_counters_1m / _1h (bucket must then be a whole number of minutes / hours). */
  rollup: DashboardRollup;
  /** Only this node ('' or undefined = fleet). */
  nodeId?: string;
  /** Named series for the N largest nodes; the rest are summed into "others". */
  topN?: number;
}
export interface DashboardSeriesRow {
  /** Bucket start, epoch ms. */
  t: number;
  series: string;
  value: number;
}
export const DASHBOARD_OTHERS = 'others';

const NODE = "({nodeId:String} = '' OR nodeId = {nodeId:String})";

function perNodeSql(p: DashboardCounterSeriesParams): string {
  const c = DASHBOARD_COUNTERS[p.counter];
  const tier = rollupTier(p.rollup);
  if (c.kind === 'gauge') {
    return tier
      ? `SELECT ${BUCKET_MS(tier.col)} AS t, nodeId, avgMerge(${c.rollup}) AS v
         FROM gateway_counters${tier.suffix}
         WHERE ${tier.col} >= ${FROM} AND ${tier.col} < ${TO} AND ${NODE}
         GROUP BY t, nodeId`
      : `SELECT ${BUCKET_MS('ts')} AS t, nodeId, avg(${c.column}) AS v
         FROM gateway_counters
         WHERE ts >= ${FROM} AND ts < ${TO} AND ${NODE}
         GROUP BY t, nodeId`;
  }
  // Cumulative: one minute of look-back gives the first in-range sample its predecessor.
  if (tier) {
    const r = c.rollup;
    const m = tier.col;
    return `SELECT ${BUCKET_MS(m)} AS t, nodeId,
        sum(if(rn = 1, 0, if(SF = pS AND F >= pL, toInt64(F) - toInt64(pL), toInt64(F)))
            + if(SF = SL AND L >= F, toInt64(L) - toInt64(F), toInt64(L))) * 60 / {stepSec:UInt32} AS v
      FROM (
        SELECT ${m}, nodeId, F, L, SF, SL,
          lagInFrame(L, 1, toUInt64(0)) OVER w AS pL,
          lagInFrame(SL, 1, toDateTime64(0, 3, 'UTC')) OVER w AS pS,
          row_number() OVER w AS rn
        FROM (
          SELECT ${m}, nodeId, argMinMerge(${r}First) AS F, argMaxMerge(${r}Last) AS L,
            argMinMerge(startedAtFirst) AS SF, argMaxMerge(startedAtLast) AS SL
          FROM gateway_counters${tier.suffix}
          WHERE ${m} >= ${FROM} - INTERVAL 1 ${tier.period} AND ${m} < ${TO} AND ${NODE}
          GROUP BY ${m}, nodeId
        )
        WINDOW w AS (PARTITION BY nodeId ORDER BY ${m} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
      )
      WHERE ${m} >= ${FROM}
      GROUP BY t, nodeId`;
  }
  return `SELECT ${BUCKET_MS('ts')} AS t, nodeId,
      sum(if(rn = 1, 0, if(s = pS AND v >= pV, toInt64(v) - toInt64(pV), toInt64(v)))) * 60 / {stepSec:UInt32} AS v
    FROM (
      SELECT ts, nodeId, ${c.column} AS v, startedAt AS s,
        lagInFrame(${c.column}, 1, toUInt64(0)) OVER w AS pV,
        lagInFrame(startedAt, 1, toDateTime64(0, 3, 'UTC')) OVER w AS pS,
        row_number() OVER w AS rn
      FROM gateway_counters
      WHERE ts >= ${FROM} - INTERVAL 1 MINUTE AND ts < ${TO} AND ${NODE}
      WINDOW w AS (PARTITION BY nodeId ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
    WHERE ts >= ${FROM}
    GROUP BY t, nodeId`;
}

/**
 * Bucketed series: gauges in their unit, cumulative counters as increase per minute. Buckets with no
 * data are absent (the caller fills gaps over the full window).
 */
export async function dashboardCounterSeries(
  store: Store,
  p: DashboardCounterSeriesParams,
): Promise<DashboardSeriesRow[]> {
  const query = `WITH per AS (${perNodeSql(p)}),
    top AS (SELECT nodeId FROM per GROUP BY nodeId ORDER BY sum(v) DESC, nodeId LIMIT {topN:UInt32})
    SELECT t, if(nodeId IN (SELECT nodeId FROM top), nodeId, '${DASHBOARD_OTHERS}') AS series, sum(v) AS value
    FROM per GROUP BY t, series ORDER BY t, series`;
  const rows = await selectRows<{ t: string | number; series: string; value: number }>(store, query, {
    fromMs: Math.floor(p.fromMs),
    toMs: Math.floor(p.toMs),
    stepSec: p.stepSec,
    nodeId: p.nodeId ?? '',
    topN: p.topN ?? 8,
  });
  return rows.map((r) => ({ t: Number(r.t), series: r.series, value: Number(r.value) }));
}
