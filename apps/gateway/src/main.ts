/**
 * Run a gateway: `node --import tsx src/main.ts --config gateway.yaml [--listen-port 8080] ...`.
 * Config = defaults < file < GATEWATCH_* env < flags. Invalid config → event 401 and exit code 2.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { EVENT } from '@gatewatch/events';
import { Command } from 'commander';
import { createNode } from './cluster.ts';
import { type Env, type GatewayConfig, loadConfig } from './config.ts';
import { Counters } from './counters.ts';
import type { ListenInfo } from './gateway.ts';
import { watchConfig } from './reload.ts';
import type { TelemetrySink } from './telemetry.ts';
import { createLogger, Emitter } from './telemetry.ts';

export interface RunOptions {
  argv?: string[];
  env?: Env;
  sink?: TelemetrySink;
}

function flagOverrides(o: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const int = (v: string) => (/^\d+$/.test(v) ? Number(v) : v);
  if (o.listenPort !== undefined) out.listenPort = int(o.listenPort);
  if (o.listenHost !== undefined) out.listenHost = o.listenHost;
  if (o.adminPort !== undefined) out.adminPort = int(o.adminPort);
  if (o.adminHost !== undefined) out.adminHost = o.adminHost;
  if (o.nodeId !== undefined) out.nodeId = o.nodeId;
  if (o.minTlsVersion !== undefined) out.minTlsVersion = o.minTlsVersion;
  if (o.logLevel !== undefined) out.logLevel = o.logLevel;
  if (o.workers !== undefined) out.workers = int(o.workers);
  return out;
}

/** Start a gateway from command-line arguments; resolves once listening. Exits the process on bad config. */
export async function run(opts: RunOptions = {}) {
  const program = new Command('gatewatch-gateway')
    .description('CONNECT-only HTTPS forward proxy for Azure Monitor agents')
    .option('-c, --config <file>', 'config file (JSON or YAML); env GATEWATCH_CONFIG')
    .option('--listen-port <port>', 'proxy port (1-65535, default 8080)')
    .option('--listen-host <host>', 'proxy bind address (default 0.0.0.0)')
    .option('--admin-port <port>', '/metrics and /healthz port (default 8081, 0 = any free port)')
    .option('--admin-host <host>', 'admin bind address (default 127.0.0.1)')
    .option('--node-id <id>', 'node id on every record (default: host name)')
    .option('--min-tls-version <v>', 'TLS1.0 | TLS1.1 | TLS1.2 | TLS1.3 (default TLS1.2)')
    .option('--log-level <level>', 'debug | info | warn | error')
    .option('--workers <n>', 'proxy processes sharing the port: a number or auto (one per core; default 1)')
    .parse(opts.argv ?? process.argv);
  const flags = program.opts<Record<string, string | undefined>>();
  const env = opts.env ?? process.env;
  const given = flags.config ?? env.GATEWATCH_CONFIG;
  // `npm run gateway -w …` runs in the workspace directory: relative paths are the caller's (INIT_CWD).
  const file = given ? resolve(env.INIT_CWD ?? process.cwd(), given) : undefined;
  const loadOpts = { file, env, overrides: flagOverrides(flags) };

  let config: GatewayConfig;
  try {
    config = loadConfig(loadOpts);
  } catch (err) {
    const logger = createLogger();
    const emitter = new Emitter(logger, opts.sink, new Counters(), env.GATEWATCH_NODE_ID ?? hostname());
    emitter.emit(EVENT.WRONG_CONFIGURATION, {
      message: `${(err as Error).message}; the gateway did not start`,
    });
    await emitter.flush();
    process.exitCode = 2;
    return undefined;
  }

  const gateway = createNode(config, { sink: opts.sink });
  let info: ListenInfo;
  try {
    info = await gateway.start();
  } catch (err) {
    gateway.emitter.emit(EVENT.APPLICATION_ERROR, {
      message: `${(err as Error).message}; the gateway did not start`,
    });
    process.exitCode = 1;
    return undefined;
  }
  process.stderr.write(
    `gatewatch gateway listening on ${info.host}:${info.port}${info.tlsPort ? `, mTLS on ${info.tlsPort}` : ''}; metrics http://${config.adminHost}:${info.adminPort}/metrics\n`,
  );

  const watcher = file ? watchConfig(gateway, { ...loadOpts, file }) : undefined;
  // Unexpected exceptions are reported as event 400; the process keeps serving.
  const report = (what: string, err: unknown) => {
    try {
      gateway.emitter.emit(EVENT.APPLICATION_ERROR, {
        message: `${what}: ${(err as Error)?.message ?? String(err)}`,
      });
    } catch {
      // Reporting must never turn one failure into a crash loop.
    }
  };
  process.on('uncaughtException', (err) => report('Unexpected exception', err));
  process.on('unhandledRejection', (err) => report('Unhandled rejection', err));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.emitter.emit(EVENT.GENERAL_INFO, {
      message: `${signal} received: draining tunnels for up to ${gateway.config().limits.drainTimeoutMs} ms`,
    });
    watcher?.close();
    gateway.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return { gateway, info };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
