import type { Migration } from './types.ts';

/**
 * Event 105 (destination not allowed) rows again, narrow and ordered for the investigation's drill-down:
 * workspace → host → client. `gateway_events` is ordered by (eventId, nodeId, ts), so a workspace, host or
 * client filter there reads every 105 row of the range (11 M at 30 days × 1 000 nodes); here the filter is
 * a primary-key prefix and reads only its own rows. The raw rows stay the source of truth: the queries
 * read this table for raw reads of event 105 alone under a workspace, host or client filter, with the
 * same answers. (Unfiltered reads stay on gateway_events, whose daily partitions prune a range better.)
 *
 * Created filled from the rows already stored (CREATE … AS SELECT, the view's own query; a no-op once the
 * table exists), then the view adds new rows. Rows inserted by another process between the two
 * statements are missed: upgrade with ingestion stopped.
 */
const SELECT = `SELECT ts, nodeId, eventId, workspaceId, reason, targetHost, clientAddress
    FROM gateway_events
    WHERE eventId = 105`;

/**
 * Daily event 105 rollups for the investigation's unfiltered 30-day tables, read for whole UTC days (the
 * partial edge days come from raw rows). Per (workspace, reason, host, day): count, first/last seen and
 * distinct clients and nodes as uniqCombined(12) sketches (≈ 1.6 % error; a 2.5 KiB state merges in
 * microseconds, where hourly default-precision states cost as much to merge as the raw rows). Per
 * (client, day): the count, for the top clients of the whole fleet. Filled like gateway_events_105.
 */
const DAILY = `SELECT toDate(ts) AS day, workspaceId, reason, targetHost, countState() AS events,
      minState(ts) AS firstTs, maxState(ts) AS lastTs, uniqCombinedState(12)(clientAddress) AS clients,
      uniqCombinedState(12)(CAST(nodeId, 'String')) AS nodes
    FROM gateway_events
    WHERE eventId = 105
    GROUP BY day, workspaceId, reason, targetHost`;
const CLIENTS = `SELECT toDate(ts) AS day, clientAddress, countState() AS events
    FROM gateway_events
    WHERE eventId = 105
    GROUP BY day, clientAddress`;

export const migration: Migration = {
  version: 6,
  name: 'refusals_105',
  statements: [
    `CREATE TABLE IF NOT EXISTS gateway_events_105 (
      ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
      nodeId LowCardinality(String),
      eventId UInt16,
      workspaceId LowCardinality(String),
      reason LowCardinality(String),
      targetHost LowCardinality(String),
      clientAddress String CODEC(ZSTD(1))
    ) ENGINE = MergeTree
    PARTITION BY toYYYYMM(ts)
    ORDER BY (workspaceId, targetHost, clientAddress, ts)
    SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000
    AS ${SELECT}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS gateway_events_105_mv TO gateway_events_105 AS
    ${SELECT}`,
    `CREATE TABLE IF NOT EXISTS gateway_events_105_1d (
      day Date,
      workspaceId LowCardinality(String),
      reason LowCardinality(String),
      targetHost LowCardinality(String),
      events AggregateFunction(count),
      firstTs AggregateFunction(min, DateTime64(3, 'UTC')),
      lastTs AggregateFunction(max, DateTime64(3, 'UTC')),
      clients AggregateFunction(uniqCombined(12), String),
      nodes AggregateFunction(uniqCombined(12), String)
    ) ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMM(day)
    ORDER BY (workspaceId, reason, targetHost, day)
    SETTINGS non_replicated_deduplication_window = 1000
    AS ${DAILY}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS gateway_events_105_1d_mv TO gateway_events_105_1d AS
    ${DAILY}`,
    `CREATE TABLE IF NOT EXISTS gateway_events_105_clients_1d (
      day Date,
      clientAddress String CODEC(ZSTD(1)),
      events AggregateFunction(count)
    ) ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMM(day)
    ORDER BY (day, clientAddress)
    SETTINGS non_replicated_deduplication_window = 1000
    AS ${CLIENTS}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS gateway_events_105_clients_1d_mv TO gateway_events_105_clients_1d AS
    ${CLIENTS}`,
  ],
};
