import { type Rollup, rollupOf } from '../tables.ts';
import { AGENT, agentsRollup, SUMS } from './009-usage.ts';
import type { Migration } from './types.ts';

/**
 * Usage rollups for the dashboard's Workspaces and Agents pages at fleet scale (1 000 nodes, 100 000 agents),
 * next to migration 9's per (bucket, workspace, node) and per (hour, agent) tables:
 *
 * - `gateway_usage_ws_1m` / `_1h`: per (bucket, workspace), no node. Every node serves most workspaces, so
 *   the (bucket, workspace, node) rollups hold ~40 000 rows per bucket at 1 000 nodes; fleet-wide series
 *   and totals per workspace need only the workspace (40 rows per bucket).
 * - `gateway_usage_nodes_1m` / `_1h`: per (bucket, node), no workspace, for the per-node table.
 * - `gateway_usage_clients_1d`: migration 9's agent rollup per day: 100 000 agents fill 72 M hourly rows
 *   in 30 days, 3 M daily ones.
 *
 * Same columns, agent and upload definitions and reading rules as migration 9 (sums: sum(); `agents`:
 * uniqCombinedMerge(12)). Created filled from the usage rows already stored (the view's own query; a no-op
 * once the table exists), then the views add new rows.
 */
const SETTINGS = 'SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000';

function rollup({ table, column: bucket, startOf: fn }: Rollup, key: string, partition: string): string[] {
  const select = `SELECT ${fn}(ts) AS ${bucket}, ${key},
      ${SUMS.map(([c, e]) => `toUInt64(${e}) AS ${c}`).join(',\n      ')},
      uniqCombinedState(12)(${AGENT}) AS agents
    FROM gateway_usage AS u
    GROUP BY ${bucket}, ${key}`;
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
      ${bucket} DateTime('UTC'),
      ${key} LowCardinality(String),
      ${SUMS.map(([c]) => `${c} SimpleAggregateFunction(sum, UInt64)`).join(',\n      ')},
      agents AggregateFunction(uniqCombined(12), String)
    ) ENGINE = AggregatingMergeTree
    PARTITION BY ${partition}
    ORDER BY (${key}, ${bucket})
    ${SETTINGS}
    AS ${select}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table}_mv TO ${table} AS
    ${select}`,
  ];
}

export const migration: Migration = {
  version: 10,
  name: 'usage_fleet',
  statements: [
    ...rollup(rollupOf('gateway_usage_ws', '1m'), 'workspaceId', 'toYYYYMM(minute)'),
    ...rollup(rollupOf('gateway_usage_ws', '1h'), 'workspaceId', 'toYYYYMM(hour)'),
    ...rollup(rollupOf('gateway_usage_nodes', '1m'), 'nodeId', 'toDate(minute)'),
    ...rollup(rollupOf('gateway_usage_nodes', '1h'), 'nodeId', 'toYYYYMM(hour)'),
    ...agentsRollup(rollupOf('gateway_usage_clients', '1d'), 'Date', { fill: true }),
  ],
};
