/**
 * `gatewatch [role]`: one codebase, several roles (in the manner of Loki/Tempo's -target).
 *   all (default)  gateway + in-process bus + ingester + embedded chDB + alerter + dashboard in one process
 *   gateway        the proxy; telemetry to Kafka (KAFKA_BROKERS) with a disk spool
 *   ingester       Kafka consumer group → ClickHouse; `--ingesters N --with dashboard,alerter` runs a whole
 *                  backend on one embedded store (embedded chDB allows one process per data directory)
 *   alerter        rule evaluation and webhooks (run exactly one per deployment)
 *   dashboard      the Next.js dashboard
 *   admin …        edit a gateway's config file (the running gateway reloads it)
 *   cluster-ddl    print the ClickHouse cluster schema (infra/clickhouse/cluster.sql is its output)
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { UsageError } from './errors.ts';
import { type Role, runRoles } from './run.ts';

const program = new Command('gatewatch')
  .description('Observability-first egress gateway for Azure Monitor agents')
  .showHelpAfterError('(run with --help for the options)');

const common = (cmd: Command) =>
  cmd
    .addOption(
      new Option('--data-dir <dir>', 'embedded ClickHouse, spool and default config live here')
        .env('DATA_DIR')
        .default('./data'),
    )
    .addOption(
      new Option(
        '-c, --config <file>',
        'gateway config file (JSON or YAML); default <data-dir>/gateway.yaml',
      ).env('GATEWATCH_CONFIG'),
    )
    .addOption(new Option('--listen-port <port>', 'gateway proxy port').argParser(portArg))
    .addOption(new Option('--admin-port <port>', 'gateway /metrics and /healthz port').argParser(portArg))
    .addOption(new Option('--node-id <id>', 'gateway node id').env('GATEWATCH_NODE_ID'))
    .addOption(new Option('--listen-host <host>', 'gateway proxy bind address (default 0.0.0.0)'))
    .addOption(new Option('--admin-host <host>', 'gateway admin bind address (default 127.0.0.1)'))
    .addOption(new Option('--min-tls-version <v>', 'TLS1.0 | TLS1.1 | TLS1.2 | TLS1.3 (default TLS1.2)'))
    .addOption(new Option('--log-level <level>', 'gateway log level: debug | info | warn | error'))
    .addOption(
      new Option('--workers <n>', 'gateway proxy processes sharing the port: a number or auto (default 1)'),
    )
    .addOption(
      new Option('--dashboard-port <port>', 'dashboard port')
        .env('DASHBOARD_PORT')
        .default(3000)
        .argParser(portArg),
    )
    .addOption(
      new Option('--dashboard-host <host>', 'dashboard bind address')
        .env('DASHBOARD_HOST')
        .default('127.0.0.1'),
    )
    .addOption(
      new Option(
        '--insecure-no-auth',
        'serve a dashboard bound beyond loopback without credentials (warns on every start)',
      ).env('DASHBOARD_INSECURE_NO_AUTH'),
    )
    .addOption(
      new Option('--metrics-port <port>', 'ingester/alerter /metrics port (scale-out roles)')
        .env('METRICS_PORT')
        .default(9464)
        .argParser(portArg),
    )
    .addOption(
      new Option('--metrics-host <host>', 'ingester/alerter /metrics bind address (0.0.0.0 in containers)')
        .env('METRICS_HOST')
        .default('127.0.0.1'),
    )
    .addOption(
      new Option('--rules <file>', 'alert rules YAML (default: the shipped rules)').env('GATEWATCH_RULES'),
    )
    .addOption(
      new Option(
        '--alert-interval <seconds>',
        'alert evaluation interval (default 60; env ALERT_INTERVAL)',
      ).argParser(Number),
    )
    .addOption(
      new Option('--external-url <url>', 'dashboard URL used in alert links').env('GATEWATCH_EXTERNAL_URL'),
    );

function countArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 32)
    throw new UsageError(`--ingesters must be an integer 1-32, got "${value}"`);
  return n;
}

/** `--with dashboard,alerter`: the roles that may share the ingester's process and store. */
function withArg(value: string): Role[] {
  const roles = value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of roles)
    if (r !== 'dashboard' && r !== 'alerter')
      throw new UsageError(`--with takes dashboard and/or alerter (comma separated), got "${r}"`);
  return [...new Set(roles)] as Role[];
}

function portArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`port must be an integer 0-65535, got "${value}"`);
  return n;
}

for (const role of ['all', 'gateway', 'ingester', 'alerter', 'dashboard'] as const) {
  const cmd = common(program.command(role, { isDefault: role === 'all' }));
  // `gatewatch --help` (`npm start -- --help`) shows the default command's options too.
  if (role === 'all')
    program.addHelpText(
      'after',
      () =>
        `\n${cmd.helpInformation()}\ngateway, ingester, alerter and dashboard take the same options (except --demo) plus their own: \`gatewatch <command> --help\`.`,
    );
  if (role === 'all') cmd.option('--demo', 'also run simulated agents and stand-in Azure endpoints');
  if (role === 'ingester')
    cmd
      .addOption(
        new Option('--ingesters <n>', 'consumer-group members in this process (they share one store)')
          .env('GATEWATCH_INGESTERS')
          .default(1)
          .argParser(countArg),
      )
      .addOption(
        new Option('--with <roles>', 'also run these roles on the same store: dashboard,alerter')
          .env('GATEWATCH_WITH')
          .argParser(withArg),
      )
      .addOption(
        new Option(
          '--group-id <id>',
          'Kafka consumer group (default <KAFKA_TOPIC_PREFIX>gatewatch-ingester)',
        ).env('KAFKA_GROUP_ID'),
      );
  cmd.description(
    {
      all: 'everything in one process on embedded defaults (default)',
      gateway: 'the CONNECT proxy; telemetry to Kafka (KAFKA_BROKERS)',
      ingester: 'Kafka → ClickHouse (one consumer group; run several)',
      alerter: 'alert rules and webhooks (exactly one per deployment)',
      dashboard: 'the web dashboard',
    }[role],
  );
  cmd.action(async (opts) => {
    const dataDir = resolve(opts.dataDir);
    mkdirSync(dataDir, { recursive: true });
    const roles: Role[] =
      role === 'all' ? ['gateway', 'ingester', 'alerter', 'dashboard'] : [role, ...(opts.with ?? [])];
    await runRoles(roles, {
      ...opts,
      dataDir,
    });
  });
}

program
  .command('cluster-ddl')
  .description(
    'print the ClickHouse cluster DDL (ON CLUSTER, Replicated + Distributed) derived from the migrations',
  )
  .option('--cluster <name>', 'cluster name in remote_servers (default: the {cluster} macro)', '{cluster}')
  .option('--database <db>', 'database', 'gatewatch')
  .action(async (opts: { cluster: string; database: string }) => {
    const { clusterDdl } = await import('./cluster-ddl.ts');
    process.stdout.write(clusterDdl(opts));
  });

program
  .command('default-rules')
  .description('print the shipped alert rules (YAML), a starting point for --rules')
  .action(async () => {
    const { DEFAULT_RULES_YAML } = await import('@gatewatch/alerting');
    process.stdout.write(DEFAULT_RULES_YAML);
  });

program
  .command('hash-password')
  .description('print an scrypt hash of a password (from stdin) for DASHBOARD_BASIC_AUTH user:<hash>:role')
  .action(async () => {
    const { hashPassword } = await import('@gatewatch/dashboard');
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const password = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (!password)
      throw new UsageError('no password on stdin: e.g. printf %s "$PASSWORD" | gatewatch hash-password');
    process.stdout.write(`${hashPassword(password)}\n`);
  });

program
  .command('admin')
  .description('edit a gateway config file: config, relay-proxy, allowed-host, allowed-client-certificate')
  .allowUnknownOption()
  .helpOption(false)
  .argument('[args...]')
  .action(async (args: string[]) => {
    const { runAdmin, warnIfOtherConfig } = await import('@gatewatch/gateway');
    const hasConfig = args.some((a) => a === '-c' || a.startsWith('--config'));
    const file = resolve(process.env.DATA_DIR ?? './data', 'gateway.yaml');
    const explicit = hasConfig || Boolean(process.env.GATEWATCH_CONFIG);
    if (!explicit && !existsSync(file))
      process.stderr.write(
        `note: ${file} does not exist yet (npm start writes it); showing/editing defaults\n`,
      );
    const argv = explicit ? args : ['--config', file, ...args];
    process.exitCode = runAdmin(argv);
    await warnIfOtherConfig(argv); // a running gateway that reads another file would not see the edit
  });

try {
  await program.parseAsync();
} catch (err) {
  if (
    err instanceof UsageError ||
    (err as Error).name === 'StoreError' ||
    (err as Error).name === 'AuthConfigError' ||
    (err as Error).name === 'DashboardError' ||
    (err as Error).name === 'ConfigError' ||
    (err as Error).name === 'RulesError'
  ) {
    process.stderr.write(`gatewatch: ${(err as Error).message}\n`);
    process.exit((err as UsageError).exitCode ?? 1);
  }
  throw err;
}
