export * from './bus.ts';
export { busFromEnv } from './env.ts';
export { InProcessBus, type InProcessBusOptions } from './in-process-bus.ts';
export {
  type Ingester,
  type IngesterMetrics,
  type IngesterOptions,
  type IngestWriter,
  runIngester,
  storeWriter,
} from './ingester.ts';
export { brokersFromEnv, KafkaBus, type KafkaBusOptions } from './kafka-bus.ts';
export { decodeSpans, formatNanos, OtlpDecodeError } from './otlp.ts';
export { BusSpanExporter, type BusSpanExporterOptions, OTLP_PROTO } from './span-exporter.ts';
export { Spool, type SpooledMessage, type SpoolOptions } from './spool.ts';
export {
  createTelemetry,
  spanProvider,
  type Telemetry,
  type TelemetryMetrics,
  type TelemetryOptions,
  type TelemetrySink,
} from './telemetry.ts';
