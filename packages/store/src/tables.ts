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
  migrations: 'schema_migrations',
} as const;
