import type { Store } from '../open.ts';
import { bucketMs, num, queryRows, resolveSeries, type SeriesParams, T0, T1 } from './common.ts';

/** One bucket of a node's (or the fleet's) counters. */
export interface CounterPoint {
  /** Bucket start, ms. */
  t: number;
  /** Samples in the bucket (0: no data — the bucket was filled). */
  samples: number;
  /** Active Client Connection gauge: average and maximum in the bucket. */
  activeAvg: number;
  activeMax: number;
  /** Connected Client gauge: average and maximum in the bucket. */
  connectedAvg: number;
  connectedMax: number;
  /** Increases of the cumulative counters in the bucket (restarts handled). */
  errors: number;
  rejections: number;
  bytesUp: number;
  bytesDown: number;
  telemetryDropped: number;
}

export interface NodeCounterSeries {
  nodeId: string;
  points: CounterPoint[];
}

export interface CounterSeriesParams extends SeriesParams {
  /** One node only; default all nodes. */
  nodeId?: string;
}

const CUMULATIVE = [
  ['errors', 'errorCount'],
  ['rejections', 'rejectionCount'],
  ['bytesUp', 'bytesUp'],
  ['bytesDown', 'bytesDown'],
  ['telemetryDropped', 'telemetryDropped'],
] as const;

/** Look back before `from` so the first bucket's increase has a previous value to start from. */
const LOOKBACK = { raw: '10 MINUTE', '1m': '10 MINUTE', '1h': '2 HOUR' } as const;
const NODE_FILTER = "({node:String} = '' OR nodeId = {node:String})";

/**
 * Per-node, per-bucket counters (no fill). An increase is value − previous value of the same process;
 * after a restart (new startedAt, or a lower value) the value itself is the increase since the restart.
 */
function perNodeSql(source: 'raw' | '1m' | '1h'): string {
  const bucket = "toDateTime(toStartOfInterval(t, INTERVAL {step:UInt32} SECOND), 'UTC')";
  if (source === 'raw') {
    const deltas = CUMULATIVE.map(
      ([out, col]) =>
        `if(prevTs IS NULL, toUInt64(0), if(startedAt = prevStartedAt AND ${col} >= prev_${col}, toUInt64(${col} - prev_${col}), toUInt64(${col}))) AS d_${out}`,
    ).join(',\n        ');
    const lags = CUMULATIVE.map(([, col]) => `lagInFrame(${col}) OVER w AS prev_${col}`).join(
      ',\n          ',
    );
    return `
      SELECT nodeId, ${bucket} AS bucket, count() AS samples,
        avg(activeClientConnections) AS activeAvg, max(activeClientConnections) AS activeMax,
        avg(connectedClients) AS connectedAvg, max(connectedClients) AS connectedMax,
        ${CUMULATIVE.map(([out]) => `sum(d_${out}) AS ${out}`).join(', ')}
      FROM (
        SELECT *, ${deltas}
        FROM (
          SELECT nodeId, ts AS t, startedAt, activeClientConnections, connectedClients,
            ${CUMULATIVE.map(([, col]) => col).join(', ')},
            lagInFrame(toNullable(ts)) OVER w AS prevTs,
            lagInFrame(startedAt) OVER w AS prevStartedAt,
            ${lags}
          FROM gateway_counters
          WHERE ts >= ${T0} - INTERVAL ${LOOKBACK.raw} AND ts < ${T1} AND ${NODE_FILTER}
          WINDOW w AS (PARTITION BY nodeId ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
        )
      )
      WHERE t >= ${T0}
      GROUP BY nodeId, bucket`;
  }
  const table = source === '1m' ? 'gateway_counters_1m' : 'gateway_counters_1h';
  const col = source === '1m' ? 'minute' : 'hour';
  const merged = CUMULATIVE.map(
    ([out, c]) => `argMinMerge(${c}First) AS first_${out}, argMaxMerge(${c}Last) AS last_${out}`,
  ).join(',\n          ');
  // Increase within a rollup row (first→last of one process) plus across its boundary with the previous row.
  const deltas = CUMULATIVE.map(
    ([out]) =>
      `if(sf = sl AND last_${out} >= first_${out}, toUInt64(last_${out} - first_${out}), toUInt64(last_${out}))
        + if(prevSl IS NULL, toUInt64(0),
             if(sf = prevSl AND first_${out} >= prev_${out}, toUInt64(first_${out} - prev_${out}), toUInt64(first_${out})))
        AS d_${out}`,
  ).join(',\n        ');
  const lags = CUMULATIVE.map(([out]) => `lagInFrame(last_${out}) OVER w AS prev_${out}`).join(
    ',\n          ',
  );
  return `
    SELECT nodeId, ${bucket} AS bucket, sum(n) AS samples,
      sum(aAvg * n) / sum(n) AS activeAvg, max(aMax) AS activeMax,
      sum(cAvg * n) / sum(n) AS connectedAvg, max(cMax) AS connectedMax,
      ${CUMULATIVE.map(([out]) => `sum(d_${out}) AS ${out}`).join(', ')}
    FROM (
      SELECT *, ${deltas}
      FROM (
        SELECT *, lagInFrame(toNullable(sl)) OVER w AS prevSl,
          ${lags}
        FROM (
          SELECT nodeId, ${col} AS t, countMerge(samples) AS n,
            avgMerge(activeAvg) AS aAvg, maxMerge(activeMax) AS aMax,
            avgMerge(connectedAvg) AS cAvg, maxMerge(connectedMax) AS cMax,
            argMinMerge(startedAtFirst) AS sf, argMaxMerge(startedAtLast) AS sl,
            ${merged}
          FROM ${table}
          WHERE ${col} >= ${T0} - INTERVAL ${LOOKBACK[source]} AND ${col} < ${T1} AND ${NODE_FILTER}
          GROUP BY nodeId, ${col}
        )
        WINDOW w AS (PARTITION BY nodeId ORDER BY t ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
      )
    )
    WHERE t >= ${T0}
    GROUP BY nodeId, bucket`;
}

/** Buckets are whole seconds (DateTime); fill every bucket of [from, to) that has no row. */
const FILL = `WITH FILL FROM toDateTime(toStartOfInterval(${T0}, INTERVAL {step:UInt32} SECOND), 'UTC')
  TO toDateTime(${T1}, 'UTC') STEP toIntervalSecond({step:UInt32})`;
const POINT_COLS = `bucket AS t, samples, activeAvg, activeMax, connectedAvg, connectedMax,
  ${CUMULATIVE.map(([out]) => out).join(', ')}`;

type Row = Record<keyof CounterPoint, unknown> & { nodeId?: string };

function toPoint(r: Row): CounterPoint {
  return {
    t: bucketMs(r.t),
    samples: num(r.samples),
    activeAvg: num(r.activeAvg),
    activeMax: num(r.activeMax),
    connectedAvg: num(r.connectedAvg),
    connectedMax: num(r.connectedMax),
    errors: num(r.errors),
    rejections: num(r.rejections),
    bytesUp: num(r.bytesUp),
    bytesDown: num(r.bytesDown),
    telemetryDropped: num(r.telemetryDropped),
  };
}

/** Counter series per node over [from, to), one point per step (empty buckets filled with samples = 0). */
export async function counterSeries(store: Store, params: CounterSeriesParams): Promise<NodeCounterSeries[]> {
  const { step, source } = resolveSeries(params);
  const rows = await queryRows<Row>(
    store,
    `SELECT nodeId, ${POINT_COLS}
     FROM (${perNodeSql(source)})
     ORDER BY nodeId, bucket ${FILL}`,
    { from: params.from, to: params.to, step, node: params.nodeId ?? '' },
  );
  const out = new Map<string, CounterPoint[]>();
  for (const r of rows) {
    const id = String(r.nodeId);
    const points = out.get(id) ?? [];
    if (!out.has(id)) out.set(id, points);
    points.push(toPoint(r));
  }
  return [...out].map(([nodeId, points]) => ({ nodeId, points }));
}
