import { migration as m001 } from './001-gateway-events.ts';
import { migration as m002 } from './002-gateway-counters.ts';
import { migration as m003 } from './003-otel-traces.ts';
import { migration as m004 } from './004-rollups.ts';
import { migration as m005 } from './005-fleet-rollups.ts';
import { migration as m006 } from './006-refusals.ts';
import { migration as m007 } from './007-counters-5m.ts';
import { migration as m008 } from './008-counters-config-path.ts';
import { migration as m009 } from './009-usage.ts';
import { migration as m010 } from './010-usage-fleet.ts';
import { migration as m011 } from './011-usage-agents-by-agent.ts';
import { migration as m012 } from './012-usage-agents-hourly-by-agent.ts';
import { migration as m013 } from './013-refusals-by-client.ts';
import { migration as m100 } from './100-alerting.ts';
import { migration as m101 } from './101-alerting-alerter-id.ts';
import { migration as m102 } from './102-alerting-retention.ts';
import type { Migration } from './types.ts';

export type { Migration } from './types.ts';

/**
 * Every migration, in order. To add one: create `NNN-name.ts` exporting `migration` and append it here.
 * Versions 1–99 belong to the store, ≥ 100 to alerting.
 */
export const MIGRATIONS: readonly Migration[] = [
  m001,
  m002,
  m003,
  m004,
  m005,
  m006,
  m007,
  m008,
  m009,
  m010,
  m011,
  m012,
  m013,
  m100,
  m101,
  m102,
];
