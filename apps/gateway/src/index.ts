export { buildAdmin, runAdmin, runningGatewayConfig, warnIfOtherConfig } from './admin.ts';
export {
  ClientHelloReader,
  type ClientHelloResult,
  compareVersions,
  MAX_HELLO_BYTES,
  type ProtocolVersion,
  parseClientHello,
} from './clienthello.ts';
export {
  type ClusterNode,
  type ClusterOptions,
  createNode,
  type SpanMessage,
  sendSpans,
  serveWorker,
  startCluster,
  workerCount,
} from './cluster.ts';
export {
  ConfigError,
  configSchema,
  configVersion,
  ENV_VARS,
  type Env,
  type GatewayConfig,
  type GatewayConfigInput,
  type LimitsConfig,
  type LoadConfigOptions,
  loadConfig,
  parseConfig,
  type RelayProxyConfig,
  readConfigFile,
  redactConfig,
  TLS_VERSIONS,
} from './config.ts';
export { editConfigFile, writeAtomic } from './config-file.ts';
export {
  type CounterPart,
  type CounterSnapshot,
  Counters,
  mergeCounters,
  prometheusText,
  toCounterSample,
} from './counters.ts';
export {
  createGateway,
  GATEWAY_VERSION,
  type Gateway,
  type GatewayNode,
  type GatewayOptions,
  ListenError,
  type ListenInfo,
} from './gateway.ts';
export { createPolicy, type Policy, type PolicyDecision } from './policy.ts';
export { type ProcessStats, processMetricsText, processStats } from './process-stats.ts';
export { type ConfigWatcher, watchConfig } from './reload.ts';
export { type AddressGuard, createAddressGuard } from './ssrf.ts';
export { createLogger, Emitter, type EventFields, type TelemetrySink } from './telemetry.ts';
