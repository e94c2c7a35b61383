import { rollupOf } from '../tables.ts';
import { COUNTER_STATES, countersRollup } from './004-rollups.ts';
import type { Migration } from './types.ts';

/**
 * A 5-minute counter rollup between the per-minute and per-hour ones, same state columns, filled by a view
 * from gateway_counters like them. The dashboard reads it for ranges over 12 h up to 3 days (buckets of
 * 300 s or more): a 24h fleet chart then merges 288 rows per node instead of 1 440 (4 argMin/argMax
 * states each, most of that panel's cost at 1 000 nodes). Events have no 5-minute rollup: their 24h
 * panels are cheap on the per-minute one.
 *
 * Partitioned by day: rows are ordered by (nodeId, fiveMinute), ~30 nodes to a granule, so the time
 * filter prunes little inside a partition; daily ones keep a 24h read to the 2 days it touches (monthly
 * ones would read the whole month).
 *
 * Created filled from the per-minute rollup (CREATE … AS SELECT, states merged per 5 minutes: the same
 * states the view makes from the raw rows, and it also covers minutes whose raw rows are gone); a no-op
 * once the table exists. Rows inserted between the two statements are missed: upgrade with ingestion
 * stopped.
 */
const FILL = `SELECT toStartOfFiveMinutes(minute) AS fiveMinute, nodeId,
      ${COUNTER_STATES.map((s) => `${s.fn}MergeState(${s.name}) AS ${s.name}`).join(',\n      ')}
    FROM gateway_counters_1m
    GROUP BY fiveMinute, nodeId`;

export const migration: Migration = {
  version: 7,
  name: 'counters_5m',
  statements: countersRollup(rollupOf('gateway_counters', '5m'), {
    fill: FILL,
    partition: 'toDate(fiveMinute)',
  }),
};
