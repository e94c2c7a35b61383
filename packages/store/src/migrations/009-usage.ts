import { type Rollup, rollupOf } from '../tables.ts';
import type { Migration } from './types.ts';

/**
 * Per-tunnel usage (`usage.v1` records): raw rows, one column per `UsageRecord` field, and rollups filled by
 * materialized views. A record with `opened` or bytes up counts as one upload (see packages/store/README.md →
 * Usage): the gateway cannot see the HTTP requests inside TLS, so an upload is an interval (≤ one counter
 * interval, 10 s by default) in which a tunnel opened or its client sent bytes.
 *
 * - `gateway_usage_1m` / `gateway_usage_1h`: per (minute | hour, workspace, node): bytes, tunnels opened and
 *   closed, uploads, tunnel time, and distinct agents (uniqCombined(12) sketches). Sums are
 *   SimpleAggregateFunction columns: read them with sum(), the sketches with uniqCombinedMerge(12).
 * - `gateway_usage_clients_1h`: per (hour, agent), agent = the client-certificate subject when there is one,
 *   else the client address: workspaces and nodes it used, first/last seen, last upload (`lastActive`, the
 *   stopped-agent alert reads it) with the node and workspace of that upload, bytes, tunnels, uploads.
 *   Ordered by hour first, so a time range reads only its own hours at 100k agents.
 */
const TS = "DateTime64(3, 'UTC')";
const SETTINGS = 'SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000';
/** An upload: the tunnel opened in this interval, or its client sent bytes. */
export const ACTIVE = '(u.opened OR u.bytesUp > 0)';

/** The agent: its client-certificate subject when it has one, else its address. */
export const AGENT = "if(u.clientSubject != '', u.clientSubject, u.clientAddress)";
// Output columns share names with source columns (bytesUp, clientSubject, …): the source ones are read as
// u.<name>, since ClickHouse would otherwise take the name for the aggregate's alias.

export const SUMS = [
  ['bytesUp', 'sum(u.bytesUp)'],
  ['bytesDown', 'sum(u.bytesDown)'],
  ['tunnelsOpened', 'countIf(u.opened)'],
  ['tunnelsClosed', 'countIf(u.closed)'],
  ['uploads', `countIf(${ACTIVE})`],
  ['durationMs', 'sum(u.durationMs)'],
] as const;

function workspaceRollup({ table, column: bucket, startOf: fn }: Rollup, partition: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
      ${bucket} DateTime('UTC'),
      workspaceId LowCardinality(String),
      nodeId LowCardinality(String),
      ${SUMS.map(([c]) => `${c} SimpleAggregateFunction(sum, UInt64)`).join(',\n      ')},
      agents AggregateFunction(uniqCombined(12), String)
    ) ENGINE = AggregatingMergeTree
    PARTITION BY ${partition}
    ORDER BY (workspaceId, nodeId, ${bucket})
    ${SETTINGS}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table}_mv TO ${table} AS
    SELECT ${fn}(ts) AS ${bucket}, workspaceId, nodeId,
      ${SUMS.map(([c, e]) => `toUInt64(${e}) AS ${c}`).join(',\n      ')},
      uniqCombinedState(12)(${AGENT}) AS agents
    FROM gateway_usage AS u
    GROUP BY ${bucket}, workspaceId, nodeId`,
  ];
}

/**
 * Per agent and period: its subject, last address, workspaces and nodes, first/last seen, last upload and its
 * node and workspace, and the sums. Per hour here; per day in migration 10, created filled from the raw rows.
 */
export function agentsRollup(
  { table, column: bucket, startOf }: Rollup,
  bucketType: string,
  { fill = false } = {},
): string[] {
  const select = `SELECT ${startOf}(ts) AS ${bucket}, ${AGENT} AS agent,
      max(u.clientSubject) AS clientSubject,
      argMaxState(u.clientAddress, ts) AS clientAddress,
      groupUniqArrayState(CAST(workspaceId, 'String')) AS workspaces,
      groupUniqArrayState(CAST(nodeId, 'String')) AS nodes,
      min(subtractMilliseconds(ts, u.durationMs)) AS firstSeen,
      max(ts) AS lastSeen,
      maxIf(ts, ${ACTIVE}) AS lastActive,
      argMaxStateIf(CAST(nodeId, 'String'), ts, ${ACTIVE}) AS lastNode,
      argMaxStateIf(CAST(workspaceId, 'String'), ts, ${ACTIVE}) AS lastWorkspace,
      ${SUMS.map(([c, e]) => `toUInt64(${e}) AS ${c}`).join(',\n      ')}
    FROM gateway_usage AS u
    GROUP BY ${bucket}, agent`;
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
      ${bucket} ${bucketType},
      agent String CODEC(ZSTD(1)),
      clientSubject SimpleAggregateFunction(max, String),
      clientAddress AggregateFunction(argMax, String, ${TS}),
      workspaces AggregateFunction(groupUniqArray, String),
      nodes AggregateFunction(groupUniqArray, String),
      firstSeen SimpleAggregateFunction(min, ${TS}),
      lastSeen SimpleAggregateFunction(max, ${TS}),
      lastActive SimpleAggregateFunction(max, ${TS}),
      lastNode AggregateFunction(argMax, String, ${TS}),
      lastWorkspace AggregateFunction(argMax, String, ${TS}),
      ${SUMS.map(([c]) => `${c} SimpleAggregateFunction(sum, UInt64)`).join(',\n      ')}
    ) ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMM(${bucket})
    ORDER BY (${bucket}, agent)
    ${SETTINGS}${fill ? `\n    AS ${select}` : ''}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table}_mv TO ${table} AS
    ${select}`,
  ];
}

export const migration: Migration = {
  version: 9,
  name: 'usage',
  statements: [
    `CREATE TABLE IF NOT EXISTS gateway_usage (
      recordId UUID,
      ts ${TS} CODEC(Delta, ZSTD(1)),
      nodeId LowCardinality(String),
      traceId String CODEC(ZSTD(1)),
      spanId String CODEC(ZSTD(1)),
      workspaceId LowCardinality(String),
      clientAddress String CODEC(ZSTD(1)),
      clientSubject String CODEC(ZSTD(1)),
      targetHost LowCardinality(String),
      bytesUp UInt64 CODEC(ZSTD(1)),
      bytesDown UInt64 CODEC(ZSTD(1)),
      durationMs UInt64 CODEC(ZSTD(1)),
      opened Bool,
      closed Bool,
      insertedAt ${TS} DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
      INDEX idx_client clientAddress TYPE bloom_filter(0.01) GRANULARITY 4,
      INDEX idx_subject clientSubject TYPE bloom_filter(0.01) GRANULARITY 4,
      INDEX idx_trace traceId TYPE bloom_filter(0.001) GRANULARITY 1
    ) ENGINE = MergeTree
    PARTITION BY toDate(ts)
    ORDER BY (workspaceId, nodeId, ts)
    ${SETTINGS}`,
    ...workspaceRollup(rollupOf('gateway_usage', '1m'), 'toDate(minute)'),
    ...workspaceRollup(rollupOf('gateway_usage', '1h'), 'toYYYYMM(hour)'),
    ...agentsRollup(rollupOf('gateway_usage_clients', '1h'), "DateTime('UTC')"),
  ],
};
