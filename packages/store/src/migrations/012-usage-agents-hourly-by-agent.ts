import type { Migration } from './types.ts';

/**
 * Migration 11's projection for the hourly agent rollup `gateway_usage_clients_1h` (the Agents page up to
 * 36 h): ordered by (hour, agent), the details of one page of agents read the states of every agent-hour of
 * the range (24 h × 100 000 agents: 2.4 M rows); by (agent, hour) only theirs.
 */
export const migration: Migration = {
  version: 12,
  name: 'usage_agents_hourly_by_agent',
  statements: [
    "ALTER TABLE gateway_usage_clients_1h MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'",
    'ALTER TABLE gateway_usage_clients_1h ADD PROJECTION IF NOT EXISTS by_agent (SELECT * ORDER BY agent, hour)',
    'ALTER TABLE gateway_usage_clients_1h MATERIALIZE PROJECTION by_agent',
  ],
};
