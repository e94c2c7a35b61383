import type { Migration } from './types.ts';

/**
 * The config file each gateway node reads (`CounterSample.configPath`), so the dashboard can show the
 * admin command that edits the file the running gateways use. Older rows read ''.
 */
export const migration: Migration = {
  version: 8,
  name: 'counters_config_path',
  statements: [
    `ALTER TABLE gateway_counters ADD COLUMN IF NOT EXISTS configPath LowCardinality(String) DEFAULT '' AFTER configVersion`,
  ],
};
