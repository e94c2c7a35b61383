import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { Alerter } from '@gatewatch/alerting';
import { EVENT } from '@gatewatch/events';
import { createLogger, processMetricsText, processStats } from '@gatewatch/gateway';
import { type Bus, busFromEnv, type Ingester, runIngester } from '@gatewatch/pipeline';
import type { Store } from '@gatewatch/store';
import { describeListenError, UsageError } from './errors.ts';
import { ingesterMetricsText } from './metrics.ts';
import { startGatewayRole } from './roles/gateway.ts';

export type Role = 'gateway' | 'ingester' | 'alerter' | 'dashboard';

export interface RunOptions {
  dataDir: string;
  config?: string;
  listenPort?: number;
  adminPort?: number;
  nodeId?: string;
  listenHost?: string;
  adminHost?: string;
  minTlsVersion?: string;
  logLevel?: string;
  /** A number or `auto` (validated by the gateway's config schema). */
  workers?: string;
  dashboardPort: number;
  dashboardHost: string;
  metricsPort: number;
  metricsHost?: string;
  rules?: string;
  alertInterval?: number;
  externalUrl?: string;
  demo?: boolean;
  /** Serve a dashboard bound beyond loopback without credentials (warned on every start). */
  insecureNoAuth?: boolean;
  /** Ingester consumer-group members in this process (scale-out backend on one embedded store; default 1). */
  ingesters?: number;
  /** Kafka consumer group of the ingesters (default `<KAFKA_TOPIC_PREFIX>gatewatch-ingester`). */
  groupId?: string;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

const DEFAULT_GATEWAY_CONFIG = `# Gatewatch gateway configuration (reloaded live on change; see README "Configuration").
# Edit with the admin CLI, e.g.: npm run admin -- allowed-host add '*.blob.core.windows.net'
listenPort: 8080
adminPort: 8081
# Workspaces whose agents this gateway serves (up to 10); their endpoint hosts are allowed automatically.
workspaces: []
# Azure regions whose <region>.handler.control.monitor.azure.com is allowed.
regions: []
allowedHosts:
  - global.handler.control.monitor.azure.com
minTlsVersion: TLS1.2
`;

/**
 * Start the given roles in this process, wired together: one bus (Kafka when KAFKA_BROKERS is set, else
 * in-process), one store (ClickHouse at CLICKHOUSE_URL, else embedded chDB under <data-dir>/clickhouse).
 * Stops them in data-path order on SIGINT/SIGTERM so nothing in flight is lost. A role's own code (the dashboard's
 * Next.js, the store's ClickHouse client, the alerter) is imported only when it runs: a gateway node loads none.
 */
export async function runRoles(roles: Role[], o: RunOptions): Promise<void> {
  const has = (r: Role) => roles.includes(r);
  const stops: { name: string; stop: () => Promise<unknown> }[] = [];
  const logger = createLogger();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      say('second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    say(`${signal}: stopping (Ctrl-C again to force)…`);
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        say(`  ${name}: ${(err as Error).message}`);
      }
    }
    say('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    const env = process.env;
    if (has('dashboard')) {
      // Before anything starts: an exposed dashboard without credentials is refused in one line.
      const { authConfigFromEnv, exposureProblem } = await import('@gatewatch/dashboard');
      const problem = exposureProblem(o.dashboardHost, authConfigFromEnv(env), Boolean(o.insecureNoAuth));
      if (problem) throw new UsageError(problem);
    }
    const dashboardUrl = o.externalUrl ?? `http://${o.dashboardHost}:${o.dashboardPort}`;
    if ((o.ingesters ?? 1) > 1 && !env.KAFKA_BROKERS)
      throw new UsageError(`--ingesters ${o.ingesters} needs Kafka: set KAFKA_BROKERS, or run one ingester`);
    let store: Store | undefined;
    if (has('ingester') || has('alerter') || has('dashboard')) {
      // The launcher's DATA_DIR is the root of its state; embedded chDB gets its own folder inside it.
      const { openStore, storeOptionsFromEnv } = await import('@gatewatch/store');
      const storeOpts = { ...storeOptionsFromEnv(env), dataDir: join(o.dataDir, 'clickhouse') };
      say(
        storeOpts.url ? `ClickHouse: ${storeOpts.url}` : `ClickHouse: embedded chDB in ${storeOpts.dataDir}`,
      );
      const opened = await openStore(storeOpts);
      store = opened;
      stops.push({ name: 'store', stop: () => opened.close() });
    }

    // The in-process bus only makes sense with an ingester in the same process.
    const needsBus = has('ingester') || (has('gateway') && Boolean(env.KAFKA_BROKERS));
    const bus = needsBus ? busFromEnv(env) : undefined;
    if (has('gateway') && !bus)
      say(
        'No KAFKA_BROKERS: gateway telemetry goes to its event log only (set KAFKA_BROKERS to feed the pipeline)',
      );
    if (bus) {
      say(bus.kind === 'kafka' ? `Bus: Kafka at ${env.KAFKA_BROKERS}` : 'Bus: in-process');
      await bus.start();
      stops.push({ name: 'bus', stop: () => bus.close() });
    }

    const ingesters: Ingester[] = [];
    if (has('ingester') && bus && store) {
      const count = o.ingesters ?? 1;
      const groupId = o.groupId ?? `${env.KAFKA_TOPIC_PREFIX ?? ''}gatewatch-ingester`;
      for (let i = 1; i <= count; i++) {
        // Each member gets its own Kafka client, so the group really has `count` members sharing partitions.
        const own: Bus = i === 1 ? bus : busFromEnv(env, `gatewatch-ingester-${i}`);
        if (own !== bus) stops.push({ name: `bus ${i}`, stop: () => own.close() });
        const ing = await runIngester({
          bus: own,
          store,
          groupId,
          log: (level, m) => logger[level]({ role: 'ingester', member: i }, m),
        });
        ingesters.push(ing);
        stops.push({
          name: `ingester ${i}`,
          stop: async () => {
            // In-process mode: everything the gateway flushed must be inserted before the process goes.
            const deadline = Date.now() + 10_000;
            while (bus?.kind === 'in-process' && ing.metrics().lag > 0 && Date.now() < deadline) {
              await new Promise((r) => setTimeout(r, 100));
            }
            await ing.stop();
          },
        });
      }
      if (count > 1) say(`Ingesters: ${count} members of consumer group ${groupId}, one store`);
    }

    let demo: Awaited<ReturnType<typeof import('./demo/environment.ts').startDemoEnvironment>> | undefined;
    if (has('gateway')) {
      let configFile = o.config ?? join(o.dataDir, 'gateway.yaml');
      if (o.demo) {
        const { startDemoEnvironment } = await import('./demo/environment.ts');
        demo = await startDemoEnvironment(join(o.dataDir, 'demo'), o.listenPort ?? 8080, o.adminPort ?? 8081);
        configFile = demo.configFile;
        const d = demo;
        stops.push({ name: 'demo endpoint', stop: () => d.close() });
      } else if (!o.config && !existsSync(configFile)) {
        writeFileSync(configFile, DEFAULT_GATEWAY_CONFIG);
        say(`wrote a default gateway config to ${configFile}`);
      }
      const overrides: Record<string, unknown> = {};
      // Flags win over the file and GATEWATCH_* variables.
      for (const key of [
        'listenPort',
        'adminPort',
        'nodeId',
        'listenHost',
        'adminHost',
        'minTlsVersion',
        'logLevel',
      ] as const)
        if (o[key] !== undefined) overrides[key] = o[key];
      if (o.workers !== undefined)
        overrides.workers = /^\d+$/.test(o.workers) ? Number(o.workers) : o.workers;
      // With the dashboard in the same process the console is for status lines; events go to a file.
      const logFile = has('dashboard') ? join(o.dataDir, 'logs', 'gateway.jsonl') : undefined;
      const gw = await startGatewayRole({ configFile, env, overrides, bus, dataDir: o.dataDir, logFile });
      // Unexpected exceptions are event 400; the process keeps serving.
      process.on('uncaughtException', (err) =>
        gw.gateway.emitter.emit(EVENT.APPLICATION_ERROR, { message: `Unexpected exception: ${err.message}` }),
      );
      process.on('unhandledRejection', (err) =>
        gw.gateway.emitter.emit(EVENT.APPLICATION_ERROR, {
          message: `Unhandled rejection: ${(err as Error)?.message ?? String(err)}`,
        }),
      );
      // Stopped before the ingester (pushed later → stopped earlier): drain tunnels, flush telemetry.
      stops.push({ name: 'gateway', stop: () => gw.stop() });
      if (logFile) say(`Gateway events (JSON lines): ${logFile}`);
      say(
        `Gateway listening on ${gw.info.host}:${gw.info.port} (config ${configFile}), metrics http://127.0.0.1:${gw.info.adminPort}/metrics`,
      );
      if (demo) {
        // GATEWATCH_DEMO_BURST_AFTER_S: when the new agent fleet's burst of 105s starts (default 90 s);
        // GATEWATCH_DEMO_SILENT_AFTER_S / _SILENT_FOR_S: the stopping agents send 180 s, then stop 1200 s.
        const seconds = (name: string, fallback: number) => {
          const v = Number(env[name] ?? fallback);
          return (Number.isFinite(v) && v >= 0 ? v : fallback) * 1000;
        };
        const { startDemoAgents } = await import('./demo/agents.ts');
        const agents = startDemoAgents({
          proxy: { host: '127.0.0.1', port: gw.info.port },
          ca: demo.ca,
          burstAfterMs: seconds('GATEWATCH_DEMO_BURST_AFTER_S', 90),
          silentAfterMs: seconds('GATEWATCH_DEMO_SILENT_AFTER_S', 180),
          silentForMs: seconds('GATEWATCH_DEMO_SILENT_FOR_S', 1200),
        });
        stops.push({ name: 'demo agents', stop: () => agents.stop() });
        say(
          `Demo: simulated agents upload through the gateway to a stand-in Azure endpoint on ${demo.endpoint.address}`,
        );
      }
    }

    let alerter: Alerter | undefined;
    if (has('alerter') && store) {
      const { alerterConfigFromEnv, startAlerterRole } = await import('@gatewatch/alerting');
      const config = alerterConfigFromEnv(env);
      // The demo's own rules file (shorter agent-stop windows) unless rules were named.
      const rules = o.rules ?? (env.ALERT_RULES_FILE ? undefined : demo?.rulesFile);
      if (rules) {
        config.rulesFile = rules;
        process.env.ALERT_RULES_FILE = rules; // the Alerts page edits the same file
      }
      if (o.demo) config.intervalMs = 10_000;
      else if (o.alertInterval) config.intervalMs = o.alertInterval * 1000;
      config.externalUrl = dashboardUrl;
      const role = await startAlerterRole({ store, config, logger: logger.child({ role: 'alerter' }) });
      alerter = role.alerter;
      stops.push({ name: 'alerter', stop: () => role.stop() });
    }
    if (alerter) globalThis.__gatewatchAlerter = alerter;

    // Scale-out ingesters (also a backend process with --with dashboard) and a lone alerter serve /metrics.
    if (!has('gateway') && (ingesters.length > 0 || (alerter && !has('dashboard')))) {
      const role = ingesters.length > 0 ? 'ingester' : 'alerter';
      const text = () =>
        `${ingesterMetricsText(ingesters)}${alerter?.metrics() ?? ''}${processMetricsText([processStats(role)])}`;
      const srv = createServer((req, res) => {
        if (req.url?.startsWith('/metrics'))
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text());
        else if (req.url?.startsWith('/healthz')) res.writeHead(200).end('ok\n');
        else res.writeHead(404).end('try /metrics or /healthz\n');
      });
      await new Promise<void>((resolve, reject) => {
        srv.once('error', (err) =>
          reject(describeListenError(err, 'metrics', o.metricsPort, '--metrics-port')),
        );
        srv.listen(o.metricsPort, o.metricsHost ?? '127.0.0.1', resolve);
      });
      stops.push({ name: 'metrics', stop: () => new Promise((r) => srv.close(r)) });
      say(`Metrics at http://${o.metricsHost ?? '127.0.0.1'}:${o.metricsPort}/metrics`);
    }

    if (has('dashboard')) {
      const { startDashboardRole } = await import('./roles/dashboard.ts');
      const dash = await startDashboardRole({
        host: o.dashboardHost,
        port: o.dashboardPort,
        store,
        insecureNoAuth: Boolean(o.insecureNoAuth),
        progress: say,
      });
      stops.unshift({ name: 'dashboard', stop: () => dash.close() }); // stopped last, after the data path
      say(`Dashboard at ${dash.url}`);
    }
    say(`Ready (${roles.join(', ')}). Ctrl-C stops.`);
  } catch (err) {
    // A failed start still releases what did start (ports, the chDB lock) before the one-line error.
    for (const { stop } of stops.reverse()) await stop().catch(() => {});
    throw err;
  }
}

declare global {
  var __gatewatchAlerter: Alerter | undefined;
}
