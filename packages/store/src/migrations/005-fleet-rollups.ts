import type { Migration } from './types.ts';

/**
 * Fleet-level hourly event rollups (no nodeId), for ranges over 3 days without a node filter: the per-node
 * rollups of 004 keep most of the raw rows at 1 000 nodes (≈ 100 key combinations per node-hour), these
 * keep a few hundred rows per hour. `gateway_events_fleet_1h` answers trends and totals by event id,
 * workspace and reason; `gateway_events_hosts_1h` adds the target host, for the top hosts of event 105.
 * Distinct clients are uniqCombined states; distinct nodes are not kept (a per-row node set was the
 * costliest part of a 30-day read): the queries count distinct (key, node) pairs of the per-node rollup
 * or of the raw rows instead.
 *
 * Each table is created filled from the raw rows already stored (CREATE … AS SELECT, the view's own
 * query), so an upgraded store answers old ranges right; the view then adds new rows. The statement is
 * a no-op once the table exists, so a re-run never counts twice. Rows inserted by another process while
 * this migration runs (between the two statements) are missed: upgrade with ingestion stopped.
 */
const SETTINGS = 'SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000';

function rollup(table: string, keys: string[], extraCols: string[], extraStates: string[]): string[] {
  const select = `SELECT toStartOfHour(ts) AS hour, ${keys.join(', ')},
      countState() AS events, uniqCombinedState(clientAddress) AS clients${extraStates.map((s) => `, ${s}`).join('')}
    FROM gateway_events
    GROUP BY hour, ${keys.join(', ')}`;
  const types: Record<string, string> = {
    eventId: 'UInt16',
    workspaceId: 'LowCardinality(String)',
    reason: 'LowCardinality(String)',
    targetHost: 'LowCardinality(String)',
  };
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
      hour DateTime('UTC'),
      ${keys.map((k) => `${k} ${types[k]}`).join(',\n      ')},
      events AggregateFunction(count),
      clients AggregateFunction(uniqCombined, String)${extraCols.map((c) => `,\n      ${c}`).join('')}
    ) ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMM(hour)
    ORDER BY (${keys.join(', ')}, hour)
    ${SETTINGS}
    AS ${select}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table}_mv TO ${table} AS
    ${select}`,
  ];
}

export const migration: Migration = {
  version: 5,
  name: 'fleet_rollups',
  statements: [
    ...rollup('gateway_events_fleet_1h', ['eventId', 'workspaceId', 'reason'], [], []),
    ...rollup(
      'gateway_events_hosts_1h',
      ['eventId', 'workspaceId', 'reason', 'targetHost'],
      ["lastTs AggregateFunction(max, DateTime64(3, 'UTC'))"],
      ['maxState(ts) AS lastTs'],
    ),
  ],
};
