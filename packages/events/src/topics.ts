/** Kafka topic names. `otlp_spans` is the OpenTelemetry Collector's default, so a stock Collector reads it. */
export const TOPICS = {
  spans: 'otlp_spans',
  events: 'gatewatch_events',
  counters: 'gatewatch_counters',
  usage: 'gatewatch_usage',
  deadLetter: 'gatewatch_dead_letter',
} as const;

export type TopicKey = keyof typeof TOPICS;
export type TopicName = (typeof TOPICS)[TopicKey];

/** Kafka header naming the schema of a record message (`event.v1`, `counter.v1`, `usage.v1`, `otlp_proto`). */
export const SCHEMA_HEADER = 'gatewatch-schema';
