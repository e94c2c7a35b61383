/**
 * Counter series for the dashboard: per node and bucket, then top-N nodes + "others", in one pass.
 * Gauges (active connections, connected clients) are averaged per node and bucket, then summed over nodes.
 * Cumulative counters (errors, rejections) become increases per minute: per-sample deltas, where a new
 * `startedAt` (process restart) or a decrease means the counter restarted at 0, so the new value is the delta.
 * The rollup path works per bucket (see `rollupIncreaseSql`): exact unless a restart falls strictly
 * inside a bucket (raw samples, used for ranges up to 3 h, are always exact).
 */
import type { Store } from '../open.ts';
import {
  BUCKET_MS,
  type DashboardRollup,
  type DashboardWindow,
  FROM,
  FROM_S,
  inWindow,
  rollupTier,
  selectRows,
  TO,
  TO_S,
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
  /** Read gateway_counters_1m / _5m / _1h (bucket must then be a whole number of 1 / 5 / 60 minutes). */
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
/** "No sample": the startedAt/ts placeholder of an empty slot or of the first sample's predecessor. */
const NONE = "toDateTime64(0, 3, 'UTC')";
/**
 * -Resample over [from − step, to) in whole steps: per node, one array slot per bucket (slot 1 is the
 * look-back bucket before the range). One group per node instead of one per (bucket, node) keeps the
 * hash table small, which is most of the cost at 1 000 nodes × 1 440 minutes.
 */
const RESAMPLE =
  'Resample(intDiv({fromMs:Int64}, 1000) - {stepSec:UInt32}, intDiv({toMs:Int64}, 1000), {stepSec:UInt32})';
/** Slot i's bucket start in epoch ms. */
const SLOT_MS = '(intDiv({fromMs:Int64}, 1000) + (i - 2) * {stepSec:UInt32}) * 1000';

/** Gauges: the bucket mean per node (empty buckets are NaN and dropped). */
function gaugeSql(fn: string, arg: string, table: string, col: string): string {
  return `SELECT nodeId, arrayFilter((x, i) -> i >= 2 AND NOT isNaN(x.2),
      arrayMap((v, i) -> (${SLOT_MS}, v), vals, arrayEnumerate(vals)), arrayEnumerate(vals)) AS pts
    FROM (
      SELECT nodeId, ${fn}${RESAMPLE}(${arg}, toUnixTimestamp(${col})) AS vals
      FROM ${table}
      WHERE ${inWindow(col)} AND ${NODE}
      GROUP BY nodeId
    )`;
}

/**
 * Cumulative counters from a rollup: per bucket its first sample (F, startedAt SF) and last (L, SL); the
 * previous bucket's last sample is carried forward over empty buckets. A bucket's increase is the step
 * from that sample to F plus L − F, where a new startedAt (process restart) or a decrease means the
 * counter restarted at 0, so the new value is the step. Exact unless a restart falls strictly inside a
 * bucket (its pre-restart increase is lost); the window's first sample has no predecessor (step 0).
 */
function rollupIncreaseSql(r: string, m: string, suffix: string, period: string): string {
  const state = (fn: string, col: string) => `${fn}Merge${RESAMPLE}(${col}, toUnixTimestamp(${m}))`;
  return `SELECT nodeId,
      arrayFill(x -> x.2 != ${NONE}, arrayZip(L, SL)) AS filled,
      arrayPushFront(arrayPopBack(filled), (toUInt64(0), ${NONE})) AS prev,
      arrayFilter((x, i, s) -> i >= 2 AND s != ${NONE},
        arrayMap((f, l, sf, sl, p, i) -> (${SLOT_MS},
          (if(p.2 = ${NONE}, 0, if(sf = p.2 AND f >= p.1, toInt64(f) - toInt64(p.1), toInt64(f)))
            + if(sf = sl AND l >= f, toInt64(l) - toInt64(f), toInt64(l))) * 60 / {stepSec:UInt32}),
          F, L, SF, SL, prev, arrayEnumerate(L)),
        arrayEnumerate(L), SL) AS pts
    FROM (
      SELECT nodeId, ${state('argMin', `${r}First`)} AS F, ${state('argMax', `${r}Last`)} AS L,
        ${state('argMin', 'startedAtFirst')} AS SF, ${state('argMax', 'startedAtLast')} AS SL
      FROM gateway_counters${suffix}
      WHERE ${m} >= ${FROM_S} - INTERVAL ${period} AND ${m} < ${TO_S} AND ${NODE}
      GROUP BY nodeId
    )`;
}

/** One row per node: its series as an array of (bucket start ms, value). */
function perNodeSql(p: DashboardCounterSeriesParams): string {
  const c = DASHBOARD_COUNTERS[p.counter];
  const tier = rollupTier(p.rollup);
  if (c.kind === 'gauge') {
    return tier
      ? gaugeSql('avgMerge', c.rollup, `gateway_counters${tier.suffix}`, tier.col)
      : gaugeSql('avg', c.column, 'gateway_counters', 'ts');
  }
  if (tier) return rollupIncreaseSql(c.rollup, tier.col, tier.suffix, tier.period);
  // Raw samples (short ranges), exact: per node the samples in time order (one minute of look-back gives
  // the first in-range sample its predecessor), per-sample deltas, summed per bucket, all as array
  // functions on one row per node rather than a window over every sample.
  return `SELECT nodeId,
      arraySort(x -> x.1, groupArray((ts, ${c.column}, startedAt))) AS s,
      arrayPushFront(arrayPopBack(s), (${NONE}, toUInt64(0), ${NONE})) AS prev,
      arrayMap((x, p, i) -> if(i = 1, 0, if(x.3 = p.3 AND x.2 >= p.2, toInt64(x.2) - toInt64(p.2), toInt64(x.2))),
        s, prev, arrayEnumerate(s)) AS inc,
      arrayMap(x -> ${BUCKET_MS('x.1')}, s) AS bs,
      arrayPushFront(arrayPopBack(bs), toUInt64(0)) AS pbs,
      arraySplit((v, b, pb) -> b != pb, inc, bs, pbs) AS parts,
      arraySplit((v, b, pb) -> b != pb, bs, bs, pbs) AS keys,
      arrayFilter(x -> x.1 >= {fromMs:Int64},
        arrayMap((k, v) -> (k[1], arraySum(v) * 60 / {stepSec:UInt32}), keys, parts)) AS pts
    FROM gateway_counters
    WHERE ts >= ${FROM} - INTERVAL 1 MINUTE AND ts < ${TO} AND ${NODE}
    GROUP BY nodeId`;
}

/** Each node's points as one array row, ranked (r) by their sum. */
function rankedNodesSql(p: DashboardCounterSeriesParams): string {
  return `SELECT nodeId, pts, row_number() OVER (ORDER BY round(arraySum(x -> x.2, pts), 6) DESC, nodeId) AS r
      FROM (${perNodeSql(p)})`;
}

function seriesParams(p: DashboardCounterSeriesParams) {
  return {
    fromMs: Math.floor(p.fromMs),
    toMs: Math.floor(p.toMs),
    stepSec: p.stepSec,
    nodeId: p.nodeId ?? '',
    topN: p.topN ?? 8,
  };
}

/**
 * Bucketed series: gauges in their unit, cumulative counters as increase per minute. Buckets with no
 * data are absent (the caller fills gaps over the full window). Nodes are ranked on one row per node
 * (its series as an array), so the data is read once; ranks use totals rounded to 6 decimals, so nodes
 * with equal totals keep their order (by name) whatever order the engine summed the floats in.
 * `fromMs` and `toMs` must be whole steps (the dashboard aligns them): buckets start at `fromMs`.
 */
export async function dashboardCounterSeries(
  store: Store,
  p: DashboardCounterSeriesParams,
): Promise<DashboardSeriesRow[]> {
  const query = `SELECT pt.1 AS t, if(r <= {topN:UInt32}, nodeId, '${DASHBOARD_OTHERS}') AS series, sum(pt.2) AS value
    FROM (${rankedNodesSql(p)})
    ARRAY JOIN pts AS pt
    GROUP BY t, series ORDER BY t, series`;
  const rows = await selectRows<{ t: string | number; series: string; value: number }>(
    store,
    query,
    seriesParams(p),
  );
  return rows.map((r) => ({ t: Number(r.t), series: r.series, value: Number(r.value) }));
}

/**
 * The series of a cumulative counter (as dashboardCounterSeries) and, from the same read, each node's
 * increase over the window: the sum of its points, so a node's total equals what its chart line adds up
 * to (restarts handled the same way). Nodes absent from the window have no entry.
 */
export async function dashboardCounterSeriesTotals(
  store: Store,
  p: DashboardCounterSeriesParams & { counter: 'errors' | 'rejections' },
): Promise<{ series: DashboardSeriesRow[]; totals: Map<string, number> }> {
  // One more (t = 0, nodeId, Σ points) row per node next to its points: 0 is never a bucket start.
  const query = `SELECT pt.1 AS t, pt.2 AS series, sum(pt.3) AS value
    FROM (${rankedNodesSql(p)})
    ARRAY JOIN arrayPushBack(
      arrayMap(x -> (toInt64(x.1), if(r <= {topN:UInt32}, nodeId, '${DASHBOARD_OTHERS}'), toFloat64(x.2)), pts),
      (toInt64(0), nodeId, toFloat64(arraySum(x -> x.2, pts)))) AS pt
    GROUP BY t, series ORDER BY t, series`;
  const rows = await selectRows<{ t: string | number; series: string; value: number }>(
    store,
    query,
    seriesParams(p),
  );
  const series: DashboardSeriesRow[] = [];
  const totals = new Map<string, number>();
  for (const r of rows) {
    const t = Number(r.t);
    // Points are increases per minute: × minutes per bucket gives the increase.
    if (t === 0) totals.set(r.series, Math.round((Number(r.value) * p.stepSec) / 60));
    else series.push({ t, series: r.series, value: Number(r.value) });
  }
  return { series, totals };
}
