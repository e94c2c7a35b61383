import type { Migration } from './types.ts';

/**
 * Raw gateway events: one column per `EventRecord` field (same camelCase names, so rows read back as
 * records), plus the catalog level and the insert time. ORDER BY serves per-event, per-node and
 * per-workspace time queries; the dedup window makes `insert_deduplication_token` work on MergeTree.
 * Retention (TTL) is not set yet: add it later with `ALTER TABLE … MODIFY TTL` in a new migration.
 */
export const migration: Migration = {
  version: 1,
  name: 'gateway_events',
  statements: [
    `CREATE TABLE IF NOT EXISTS gateway_events (
      recordId UUID,
      ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
      nodeId LowCardinality(String),
      eventId UInt16,
      level LowCardinality(String),
      workspaceId LowCardinality(String),
      clientAddress String CODEC(ZSTD(1)),
      targetHost LowCardinality(String),
      targetPort UInt16,
      tlsVersion LowCardinality(String),
      sni String CODEC(ZSTD(1)),
      reason LowCardinality(String),
      message String CODEC(ZSTD(1)),
      traceId String CODEC(ZSTD(1)),
      spanId String CODEC(ZSTD(1)),
      insertedAt DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
      INDEX idx_workspace workspaceId TYPE set(100) GRANULARITY 4,
      INDEX idx_client clientAddress TYPE bloom_filter(0.01) GRANULARITY 4,
      INDEX idx_host targetHost TYPE bloom_filter(0.01) GRANULARITY 4,
      INDEX idx_trace traceId TYPE bloom_filter(0.001) GRANULARITY 1
    ) ENGINE = MergeTree
    PARTITION BY toDate(ts)
    ORDER BY (eventId, nodeId, ts)
    SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 1000`,
  ],
};
