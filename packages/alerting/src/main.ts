/**
 * Standalone alerter role: `node --import tsx packages/alerting/src/main.ts [options]`.
 * Serves GET /metrics, GET /healthz and the alerts API under /api/alerts; stops cleanly on SIGTERM/SIGINT.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openStore, storeOptionsFromEnv } from '@gatewatch/store';
import { Command } from 'commander';
import { pino } from 'pino';
import { toNodeListener } from './api.ts';
import { alerterConfigFromEnv, startAlerterRole } from './role.ts';

const program = new Command('gatewatch-alerter')
  .description(
    'Evaluate Gatewatch alert rules and send Alertmanager-compatible webhooks (one per deployment)',
  )
  .option('--rules <file>', 'rules YAML file (env ALERT_RULES_FILE; default: the shipped rules)')
  .option('--interval <duration>', 'evaluation interval (env ALERT_INTERVAL; default 1m)')
  .option('--external-url <url>', 'dashboard base URL for alert links (env ALERT_EXTERNAL_URL)')
  .option('--webhook <url...>', 'webhook receiver URL(s) (env ALERT_WEBHOOK_URLS, comma-separated)')
  .option('--listen <host:port>', 'address for /metrics, /healthz and /api/alerts', '127.0.0.1:9095');

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{
    rules?: string;
    interval?: string;
    externalUrl?: string;
    webhook?: string[];
    listen: string;
  }>();
  const log = pino({ name: 'alerter' });
  const env = { ...process.env };
  if (o.rules) env.ALERT_RULES_FILE = o.rules;
  if (o.interval) env.ALERT_INTERVAL = o.interval;
  if (o.externalUrl) env.ALERT_EXTERNAL_URL = o.externalUrl;
  if (o.webhook) env.ALERT_WEBHOOK_URLS = o.webhook.join(',');
  const m = /^(.*):(\d{1,5})$/.exec(o.listen);
  if (!m) throw new Error(`--listen "${o.listen}" is not host:port: use e.g. 127.0.0.1:9095`);
  const config = alerterConfigFromEnv(env);
  const store = await openStore(storeOptionsFromEnv(env));
  const role = await startAlerterRole({ store, config, logger: log });
  const server = createServer((req, res) => {
    if (req.url === '/metrics' || req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(req.url === '/metrics' ? role.alerter.metrics() : 'ok\n');
      return;
    }
    toNodeListener(role.api)(req, res).catch((err) => {
      log.error({ err }, 'alerts API request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(m[2]), m[1], resolve);
  });
  const addr = server.address() as AddressInfo;
  log.info(
    {
      url: `http://${addr.address}:${addr.port}`,
      rules: config.rulesFile,
      receivers: role.receivers.map((r) => r.name),
    },
    'alerter listening',
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'alerter stopping');
    server.close();
    await role.stop();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: Error) => {
  // Expected failures (bad rules, bad env, unreachable store) carry a one-line cause and fix.
  process.stderr.write(`gatewatch-alerter: ${err.message.split('\n')[0]}\n`);
  process.exit(1);
});
