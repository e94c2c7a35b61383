import type { Migration } from './types.ts';

/** Raw counter samples (one row per node every ~10 s), one column per `CounterSample` field. */
export const migration: Migration = {
  version: 2,
  name: 'gateway_counters',
  statements: [
    `CREATE TABLE IF NOT EXISTS gateway_counters (
      nodeId LowCardinality(String),
      ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
      startedAt DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
      version LowCardinality(String),
      configVersion LowCardinality(String),
      activeClientConnections UInt32 CODEC(ZSTD(1)),
      connectedClients UInt32 CODEC(ZSTD(1)),
      errorCount UInt64 CODEC(Delta, ZSTD(1)),
      rejectionCount UInt64 CODEC(Delta, ZSTD(1)),
      rejectionsByReason Map(LowCardinality(String), UInt64) CODEC(ZSTD(1)),
      bytesUp UInt64 CODEC(Delta, ZSTD(1)),
      bytesDown UInt64 CODEC(Delta, ZSTD(1)),
      telemetryDropped UInt64 CODEC(Delta, ZSTD(1)),
      insertedAt DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1))
    ) ENGINE = MergeTree
    PARTITION BY toDate(ts)
    ORDER BY (nodeId, ts)
    SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000`,
  ],
};
