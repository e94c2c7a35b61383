/**
 * The `alerter` role: rules file + receivers + interval from flags/env, the evaluator, and the HTTP API.
 * Exactly one alerter may run per deployment (it owns notifications); the all-in-one process starts it
 * next to the other roles with the shared store.
 */
import { type Stats, unwatchFile, watchFile } from 'node:fs';
import type { Store } from '@gatewatch/store';
import { type Alerter, type AlerterLogger, createAlerter } from './alerter.ts';
import { createAlertsApi } from './api.ts';
import { parseDuration } from './duration.ts';
import {
  DEFAULT_RULES_PATH,
  loadRulesFile,
  parseReceiver,
  type Receiver,
  type Rule,
  RulesError,
} from './rules.ts';

export interface AlerterRoleConfig {
  /** ALERT_RULES_FILE; default: the shipped rules (DEFAULT_RULES_PATH). */
  rulesFile: string;
  /** ALERT_INTERVAL (duration), default 1m. */
  intervalMs: number;
  /** ALERT_EXTERNAL_URL (or DASHBOARD_URL): where the dashboard is reachable, for links in alerts. */
  externalUrl: string;
  /** ALERT_WEBHOOK_URLS (comma-separated): extra receivers besides the rules file's `receivers`. */
  webhookUrls: string[];
}

export function alerterConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AlerterRoleConfig {
  const interval = env.ALERT_INTERVAL?.trim() || '1m';
  let intervalMs: number;
  try {
    intervalMs = parseDuration(interval);
  } catch {
    throw new RulesError(`ALERT_INTERVAL "${interval}" is not a duration: set it like 30s or 1m`);
  }
  if (intervalMs < 1000) throw new RulesError(`ALERT_INTERVAL "${interval}" is too short: use at least 1s`);
  return {
    rulesFile: env.ALERT_RULES_FILE?.trim() || DEFAULT_RULES_PATH,
    intervalMs,
    externalUrl: env.ALERT_EXTERNAL_URL?.trim() || env.DASHBOARD_URL?.trim() || 'http://localhost:3000',
    webhookUrls: (env.ALERT_WEBHOOK_URLS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

export interface AlerterRole {
  alerter: Alerter;
  /** Web handler for /api/alerts/* (incl. /api/alerts/metrics). */
  api: (request: Request) => Promise<Response>;
  receivers: Receiver[];
  stop(): Promise<void>;
}

/** Loads the rules (throws RulesError naming file, rule and field), starts evaluating, returns the API. */
export async function startAlerterRole(opts: {
  store: Store;
  config: AlerterRoleConfig;
  logger?: AlerterLogger;
}): Promise<AlerterRole> {
  const { config } = opts;
  const file = loadRulesFile(config.rulesFile);
  const receivers = [
    ...file.receivers,
    ...config.webhookUrls.map((url, i) => {
      try {
        return parseReceiver({ name: `webhook-${i + 1}`, url });
      } catch {
        throw new RulesError(`ALERT_WEBHOOK_URLS entry "${url}" is not an http(s) URL: fix or remove it`);
      }
    }),
  ];
  const alerter = createAlerter({
    store: opts.store,
    rules: file.rules,
    receivers,
    intervalMs: config.intervalMs,
    externalUrl: config.externalUrl,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  if (receivers.length === 0)
    opts.logger?.warn(
      {},
      'no alert receivers configured: alerts are evaluated and recorded but not sent (set ALERT_WEBHOOK_URLS or add receivers to the rules file)',
    );
  // The catch-up after a restart may take a while on a big fleet: it runs in the background so the
  // process (and the other roles of an all-in-one process) start at once.
  const started = alerter.start().catch((err: Error) => {
    opts.logger?.error(
      {},
      `alerter catch-up failed, evaluating on the interval from now: ${err.message.split('\n')[0]}`,
    );
  });
  // Hot reload: an edited rules file (UI, editor, config management) applies at its next check; an
  // invalid one is refused with the reason and the last good rules keep running.
  const onChange = (cur: Stats, prev: Stats) => {
    if (cur.mtimeMs === prev.mtimeMs) return;
    try {
      alerter.setRules(loadRulesFile(config.rulesFile).rules);
      opts.logger?.info({ rules: alerter.rules().map((r) => r.name) }, 'rules file reloaded');
    } catch (err) {
      opts.logger?.error(
        {},
        `rules file not reloaded, keeping the last good rules: ${(err as Error).message}`,
      );
    }
  };
  // The shipped defaults are read-only (embedded); a configured file is watched and editable.
  const editable = config.rulesFile !== DEFAULT_RULES_PATH;
  if (editable) watchFile(config.rulesFile, { interval: 2000, persistent: false }, onChange);
  const api = createAlertsApi({
    store: opts.store,
    rules: () => alerter.rules(),
    metrics: () => alerter.metrics(),
    ...(editable
      ? { rulesFile: config.rulesFile, onRulesChanged: (r: readonly Rule[]) => alerter.setRules(r) }
      : {}),
  });
  return {
    alerter,
    api,
    receivers,
    stop: async () => {
      if (editable) unwatchFile(config.rulesFile, onChange);
      await alerter.stop();
      await started;
    },
  };
}
