import type { Migration } from './types.ts';

/** Which alerter process wrote an evaluation mark, so a second alerter on the same store is detected. */
export const migration: Migration = {
  version: 101,
  name: 'alerting_alerter_id',
  statements: [`ALTER TABLE alert_evaluations ADD COLUMN IF NOT EXISTS alerter String DEFAULT ''`],
};
