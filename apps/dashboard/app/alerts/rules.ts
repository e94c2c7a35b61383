import { type Alerter, alerterConfigFromEnv, loadRulesFile, type Rule } from '@gatewatch/alerting';

/**
 * The rules the alerter runs: the in-process alerter's (the all-in-one launcher publishes it on
 * globalThis), else the same file the alerter role reads (ALERT_RULES_FILE or the shipped defaults).
 */
export function currentRules(): readonly Rule[] {
  const inProcess = (globalThis as { __gatewatchAlerter?: Alerter }).__gatewatchAlerter;
  if (inProcess) return inProcess.rules();
  return loadRulesFile(alerterConfigFromEnv(process.env).rulesFile).rules;
}

/** An alert's dashboard link as a path on this dashboard (generatorURL carries the external URL). */
export function localLink(url: string): string {
  if (!url) return '';
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}
