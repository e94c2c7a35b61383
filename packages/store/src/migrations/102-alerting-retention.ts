import type { Migration } from './types.ts';

/** Retention of the alerting tables: state history and deliveries 90 days, evaluation marks 30 days. */
export const migration: Migration = {
  version: 102,
  name: 'alerting_retention',
  statements: [
    'ALTER TABLE alert_state_history MODIFY TTL toDateTime(ts) + INTERVAL 90 DAY',
    'ALTER TABLE alert_notifications MODIFY TTL toDateTime(ts) + INTERVAL 90 DAY',
    'ALTER TABLE alert_evaluations MODIFY TTL toDateTime(ts) + INTERVAL 30 DAY',
  ],
};
