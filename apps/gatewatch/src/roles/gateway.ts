import { hostname } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT } from '@gatewatch/events';
import {
  ConfigError,
  Counters,
  createLogger,
  createNode,
  Emitter,
  GATEWAY_VERSION,
  type GatewayNode,
  type ListenInfo,
  loadConfig,
  watchConfig,
} from '@gatewatch/gateway';
import { type Bus, createTelemetry, type Telemetry } from '@gatewatch/pipeline';
import { describeListenError, UsageError } from '../errors.ts';

export interface GatewayRoleOptions {
  /** Config file (JSON or YAML); watched for live reload. */
  configFile: string;
  env: NodeJS.ProcessEnv;
  /** Flag values, highest precedence. */
  overrides: Record<string, unknown>;
  /** Where telemetry goes; without one the gateway only logs its events (JSON lines on stdout). */
  bus?: Bus;
  /** Parent of the per-node telemetry spool. */
  dataDir: string;
  /** Event log file instead of stdout (the all-in-one console is for status lines). */
  logFile?: string;
}

export interface GatewayRole {
  gateway: GatewayNode;
  info: ListenInfo;
  telemetry?: Telemetry;
  stop(): Promise<void>;
}

/** The gateway data plane with its telemetry going to the bus (spooled to disk while the bus is away). */
export async function startGatewayRole(o: GatewayRoleOptions): Promise<GatewayRole> {
  const loadOpts = { file: o.configFile, env: o.env, overrides: o.overrides };
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(loadOpts);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Event 401 goes to stdout like every event; the launcher exits non-zero with the same one line.
    const nodeId = o.env.GATEWATCH_NODE_ID ?? hostname();
    new Emitter(createLogger(), undefined, new Counters(), nodeId).emit(EVENT.WRONG_CONFIGURATION, {
      message: `${err.message}; the gateway did not start`,
    });
    throw new UsageError(`${err.message} (fix it, or see: npm run admin -- config get)`, 2);
  }
  const bus = o.bus;
  const telemetry = bus
    ? await createTelemetry({
        nodeId: config.nodeId,
        serviceVersion: GATEWAY_VERSION,
        bus,
        spoolDir: join(o.dataDir, 'spool'),
      })
    : undefined;
  const outputs = telemetry
    ? { sink: telemetry.sink, extraMetrics: () => telemetry.metricsText(), logFile: o.logFile }
    : { logFile: o.logFile };
  // With telemetry, a multi-core node's workers trace too and send their spans here.
  const gateway = createNode(config, {
    ...outputs,
    configFile: resolve(o.configFile), // reported, so the admin CLI and the dashboard name the right file
    ...(telemetry && {
      forwardSpans: telemetry.forwardSpans,
      workerModule: fileURLToPath(new URL(`./gateway-worker${extname(import.meta.url)}`, import.meta.url)),
    }),
  });
  let info: ListenInfo;
  try {
    info = await gateway.start();
  } catch (err) {
    await telemetry?.shutdown(1000);
    const port = (err as { port?: number }).port ?? config.listenPort;
    const flag = port === config.adminPort ? '--admin-port' : '--listen-port';
    throw describeListenError(err, port === config.adminPort ? 'gateway admin' : 'gateway proxy', port, flag);
  }
  const watcher = watchConfig(gateway, loadOpts);
  return {
    gateway,
    info,
    telemetry,
    async stop() {
      watcher.close();
      await gateway.stop();
      await telemetry?.shutdown();
    },
  };
}
