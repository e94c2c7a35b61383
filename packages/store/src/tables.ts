import { counterSampleSchema, eventRecordSchema, usageRecordSchema } from '@gatewatch/events';
import type { SpanRow } from './insert.ts';

/** Table names (in the store's database). */
export const TABLES = {
  events: 'gateway_events',
  counters: 'gateway_counters',
  traces: 'otel_traces',
  traceIdTs: 'otel_traces_trace_id_ts',
  events1m: 'gateway_events_1m',
  events1h: 'gateway_events_1h',
  counters1m: 'gateway_counters_1m',
  counters5m: 'gateway_counters_5m',
  counters1h: 'gateway_counters_1h',
  usage: 'gateway_usage',
  usage1m: 'gateway_usage_1m',
  usage1h: 'gateway_usage_1h',
  usageClients1h: 'gateway_usage_clients_1h',
  usageWs1m: 'gateway_usage_ws_1m',
  usageWs1h: 'gateway_usage_ws_1h',
  usageNodes1m: 'gateway_usage_nodes_1m',
  usageNodes1h: 'gateway_usage_nodes_1h',
  usageClients1d: 'gateway_usage_clients_1d',
  refusalsClients1d: 'gateway_refusals_clients_1d',
  migrations: 'schema_migrations',
} as const;

/** Every column of otel_traces an insert writes (the Collector clickhouseexporter's names). */
const SPAN_COLUMNS: Record<keyof SpanRow, true> = {
  Timestamp: true,
  TraceId: true,
  SpanId: true,
  ParentSpanId: true,
  TraceState: true,
  SpanName: true,
  SpanKind: true,
  ServiceName: true,
  ResourceAttributes: true,
  ScopeName: true,
  ScopeVersion: true,
  SpanAttributes: true,
  Duration: true,
  StatusCode: true,
  StatusMessage: true,
  'Events.Timestamp': true,
  'Events.Name': true,
  'Events.Attributes': true,
  'Links.TraceId': true,
  'Links.SpanId': true,
  'Links.TraceState': true,
  'Links.Attributes': true,
};

/**
 * The columns an insert writes into each raw table, in order. The tables have one column per record field,
 * named after it (see the migrations), so the record schemas give the list: a row that lacks an optional
 * field (configPath) stores the column's default instead of shifting every value after it.
 */
export const INSERT_COLUMNS: Record<string, readonly string[]> = {
  [TABLES.events]: [...Object.keys(eventRecordSchema.shape), 'level'],
  [TABLES.counters]: Object.keys(counterSampleSchema.shape),
  [TABLES.usage]: Object.keys(usageRecordSchema.shape),
  [TABLES.traces]: Object.keys(SPAN_COLUMNS),
};

/**
 * The rollup periods, defined once: a rollup table is `<table>_<key>` (gateway_events_1m, gateway_counters_5m,
 * gateway_usage_ws_1h, …) with `column` holding the start of its period (UTC), made by `startOf(ts)` in the
 * migrations; queries bucket in whole multiples of `seconds` and look back by `interval`.
 */
export const ROLLUP_PERIODS = {
  '1m': { key: '1m', column: 'minute', startOf: 'toStartOfMinute', interval: '1 MINUTE', seconds: 60 },
  '5m': {
    key: '5m',
    column: 'fiveMinute',
    startOf: 'toStartOfFiveMinutes',
    interval: '5 MINUTE',
    seconds: 300,
  },
  '1h': { key: '1h', column: 'hour', startOf: 'toStartOfHour', interval: '1 HOUR', seconds: 3600 },
  '1d': { key: '1d', column: 'day', startOf: 'toDate', interval: '1 DAY', seconds: 86_400 },
} as const;
export type RollupPeriodKey = keyof typeof ROLLUP_PERIODS;
export type RollupPeriod = (typeof ROLLUP_PERIODS)[RollupPeriodKey];

/** The rollup of `table` per `period`: its table name, bucket column and bucket function. */
export function rollupOf(table: string, period: RollupPeriodKey) {
  const p = ROLLUP_PERIODS[period];
  return { table: `${table}_${p.key}`, column: p.column, startOf: p.startOf };
}
export type Rollup = ReturnType<typeof rollupOf>;
