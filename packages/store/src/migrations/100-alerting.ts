import type { Migration } from './types.ts';

/**
 * Alerting (owned by packages/alerting): state history per alert instance, silences, the notification
 * log (idempotency and visible delivery failures) and one row per evaluation (restart catch-up).
 */
const TS = "DateTime64(3, 'UTC')";
export const migration: Migration = {
  version: 100,
  name: 'alerting',
  statements: [
    `CREATE TABLE IF NOT EXISTS alert_state_history (
      ts ${TS} CODEC(Delta, ZSTD(1)),
      rule LowCardinality(String),
      fingerprint String,
      labels Map(LowCardinality(String), String),
      annotations Map(LowCardinality(String), String),
      state LowCardinality(String),
      prevState LowCardinality(String),
      since ${TS},
      activeAt Nullable(${TS}),
      firedAt Nullable(${TS}),
      resolvedAt Nullable(${TS}),
      lastTrueAt Nullable(${TS}),
      nodataFrom LowCardinality(String),
      value Nullable(Float64),
      threshold Nullable(Float64),
      baseline Nullable(Float64),
      silencedBy Array(String),
      insertedAt ${TS} DEFAULT now64(3)
    ) ENGINE = MergeTree
    PARTITION BY toYYYYMM(ts)
    ORDER BY (rule, fingerprint, ts)`,
    `CREATE TABLE IF NOT EXISTS alert_silences (
      id String,
      version UInt64,
      matchers String,
      startsAt ${TS},
      endsAt ${TS},
      createdBy String,
      comment String,
      expired UInt8
    ) ENGINE = ReplacingMergeTree(version)
    ORDER BY id`,
    `CREATE TABLE IF NOT EXISTS alert_notifications (
      ts ${TS} CODEC(Delta, ZSTD(1)),
      receiver LowCardinality(String),
      groupKey String,
      rule LowCardinality(String),
      fingerprint String,
      status LowCardinality(String),
      startsAt ${TS},
      idempotencyKey String,
      outcome LowCardinality(String),
      attempts UInt16,
      httpStatus UInt16,
      error String,
      payload String CODEC(ZSTD(3))
    ) ENGINE = MergeTree
    PARTITION BY toYYYYMM(ts)
    ORDER BY (receiver, idempotencyKey, ts)`,
    `CREATE TABLE IF NOT EXISTS alert_evaluations (
      ts ${TS},
      durationMs Float64,
      rules UInt32,
      instances UInt32,
      firing UInt32,
      errors Array(String)
    ) ENGINE = MergeTree
    PARTITION BY toYYYYMM(ts)
    ORDER BY ts`,
  ],
};
