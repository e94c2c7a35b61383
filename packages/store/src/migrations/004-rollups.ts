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

function eventsRollup(table: string, bucket: string, fn: string): string[] {
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

function countersRollup(table: string, bucket: string, fn: string): string[] {
  const cols = [
    'samples AggregateFunction(count)',
    `firstTs AggregateFunction(min, ${TS})`,
    `lastTs AggregateFunction(max, ${TS})`,
    `startedAtFirst AggregateFunction(argMin, ${TS}, ${TS})`,
    `startedAtLast AggregateFunction(argMax, ${TS}, ${TS})`,
    `versionLast AggregateFunction(argMax, LowCardinality(String), ${TS})`,
    ...GAUGES.flatMap(([short]) => [
      `${short}Avg AggregateFunction(avg, UInt32)`,
      `${short}Max AggregateFunction(max, UInt32)`,
      `${short}Last AggregateFunction(argMax, UInt32, ${TS})`,
    ]),
    ...CUMULATIVE.flatMap((c) => [
      `${c}First AggregateFunction(argMin, UInt64, ${TS})`,
      `${c}Last AggregateFunction(argMax, UInt64, ${TS})`,
      `${c}Max AggregateFunction(max, UInt64)`,
    ]),
    `rejectionsByReasonLast AggregateFunction(argMax, Map(LowCardinality(String), UInt64), ${TS})`,
  ];
  const states = [
    'countState() AS samples',
    'minState(ts) AS firstTs',
    'maxState(ts) AS lastTs',
    'argMinState(startedAt, ts) AS startedAtFirst',
    'argMaxState(startedAt, ts) AS startedAtLast',
    'argMaxState(version, ts) AS versionLast',
    ...GAUGES.flatMap(([short, col]) => [
      `avgState(${col}) AS ${short}Avg`,
      `maxState(${col}) AS ${short}Max`,
      `argMaxState(${col}, ts) AS ${short}Last`,
    ]),
    ...CUMULATIVE.flatMap((c) => [
      `argMinState(${c}, ts) AS ${c}First`,
      `argMaxState(${c}, ts) AS ${c}Last`,
      `maxState(${c}) AS ${c}Max`,
    ]),
    'argMaxState(rejectionsByReason, ts) AS rejectionsByReasonLast',
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
      ${bucket} DateTime('UTC'),
      nodeId LowCardinality(String),
      ${cols.join(',\n      ')}
    ) ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMM(${bucket})
    ORDER BY (nodeId, ${bucket})
    SETTINGS non_replicated_deduplication_window = 1000`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table}_mv TO ${table} AS
    SELECT ${fn}(ts) AS ${bucket}, nodeId,
      ${states.join(',\n      ')}
    FROM gateway_counters
    GROUP BY ${bucket}, nodeId`,
  ];
}

export const migration: Migration = {
  version: 4,
  name: 'rollups',
  statements: [
    ...eventsRollup('gateway_events_1m', 'minute', 'toStartOfMinute'),
    ...eventsRollup('gateway_events_1h', 'hour', 'toStartOfHour'),
    ...countersRollup('gateway_counters_1m', 'minute', 'toStartOfMinute'),
    ...countersRollup('gateway_counters_1h', 'hour', 'toStartOfHour'),
  ],
};

export { CUMULATIVE as CUMULATIVE_COUNTERS };
