import { type Rollup, rollupOf } from '../tables.ts';
import type { Migration } from './types.ts';

/**
 * Per-minute and per-hour rollups (AggregatingMergeTree fed by materialized views; read with -Merge and
 * GROUP BY). Counters keep first/last (by ts) of every cumulative value and of startedAt, so increases
 * with restarts can be computed across buckets; a restart strictly inside one bucket loses the pre-restart
 * part of that bucket's increase (raw samples are exact; the query layer uses raw data for short ranges).
 */
const TS = "DateTime64(3, 'UTC')";
const CUMULATIVE = ['errorCount', 'rejectionCount', 'bytesUp', 'bytesDown', 'telemetryDropped'] as const;
const GAUGES = [
  ['active', 'activeClientConnections'],
  ['connected', 'connectedClients'],
] as const;

function eventsRollup({ table, column: bucket, startOf: fn }: Rollup): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
      ${bucket} DateTime('UTC'),
      nodeId LowCardinality(String),
      eventId UInt16,
      workspaceId LowCardinality(String),
      reason LowCardinality(String),
      events AggregateFunction(count),
      clients AggregateFunction(uniqCombined, String)
    ) ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMM(${bucket})
    ORDER BY (eventId, nodeId, workspaceId, reason, ${bucket})
    SETTINGS non_replicated_deduplication_window = 1000`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table}_mv TO ${table} AS
    SELECT ${fn}(ts) AS ${bucket}, nodeId, eventId, workspaceId, reason,
      countState() AS events, uniqCombinedState(clientAddress) AS clients
    FROM gateway_events
    GROUP BY ${bucket}, nodeId, eventId, workspaceId, reason`,
  ];
}

/** One state column of the counter rollups: its AggregateFunction type and its state over gateway_counters. */
function state(name: string, fn: string, args: string[], types: string[]) {
  return {
    name,
    fn,
    column: `${name} AggregateFunction(${[fn, ...types].join(', ')})`,
    expr: `${fn}State(${args.join(', ')}) AS ${name}`,
  };
}

/** Every state column of the counter rollups, in table order (migration 7's 5-minute rollup has the same). */
export const COUNTER_STATES = [
  state('samples', 'count', [], []),
  state('firstTs', 'min', ['ts'], [TS]),
  state('lastTs', 'max', ['ts'], [TS]),
  state('startedAtFirst', 'argMin', ['startedAt', 'ts'], [TS, TS]),
  state('startedAtLast', 'argMax', ['startedAt', 'ts'], [TS, TS]),
  state('versionLast', 'argMax', ['version', 'ts'], ['LowCardinality(String)', TS]),
  ...GAUGES.flatMap(([short, col]) => [
    state(`${short}Avg`, 'avg', [col], ['UInt32']),
    state(`${short}Max`, 'max', [col], ['UInt32']),
    state(`${short}Last`, 'argMax', [col, 'ts'], ['UInt32', TS]),
  ]),
  ...CUMULATIVE.flatMap((c) => [
    state(`${c}First`, 'argMin', [c, 'ts'], ['UInt64', TS]),
    state(`${c}Last`, 'argMax', [c, 'ts'], ['UInt64', TS]),
    state(`${c}Max`, 'max', [c], ['UInt64']),
  ]),
  state(
    'rejectionsByReasonLast',
    'argMax',
    ['rejectionsByReason', 'ts'],
    ['Map(LowCardinality(String), UInt64)', TS],
  ),
];

/**
 * A counter rollup by (nodeId, `bucket` = fn(ts)) and the view filling it from gateway_counters. With
 * `fill` (a SELECT of the same columns), the table is created filled from rows already stored.
 */
export function countersRollup(
  { table, column: bucket, startOf: fn }: Rollup,
  { fill, partition = `toYYYYMM(${bucket})` }: { fill?: string; partition?: string } = {},
): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
      ${bucket} DateTime('UTC'),
      nodeId LowCardinality(String),
      ${COUNTER_STATES.map((s) => s.column).join(',\n      ')}
    ) ENGINE = AggregatingMergeTree
    PARTITION BY ${partition}
    ORDER BY (nodeId, ${bucket})
    SETTINGS non_replicated_deduplication_window = 1000${fill ? `\n    AS ${fill}` : ''}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table}_mv TO ${table} AS
    SELECT ${fn}(ts) AS ${bucket}, nodeId,
      ${COUNTER_STATES.map((s) => s.expr).join(',\n      ')}
    FROM gateway_counters
    GROUP BY ${bucket}, nodeId`,
  ];
}

export const migration: Migration = {
  version: 4,
  name: 'rollups',
  statements: [
    ...eventsRollup(rollupOf('gateway_events', '1m')),
    ...eventsRollup(rollupOf('gateway_events', '1h')),
    ...countersRollup(rollupOf('gateway_counters', '1m')),
    ...countersRollup(rollupOf('gateway_counters', '1h')),
  ],
};

export { CUMULATIVE as CUMULATIVE_COUNTERS };
