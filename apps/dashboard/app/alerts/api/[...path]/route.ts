import { alerterConfigFromEnv, createAlertsApi, DEFAULT_RULES_PATH } from '@gatewatch/alerting';
import { currentRules } from '../../../../lib/alerts.ts';
import { getStore } from '../../../../lib/store.ts';

export const dynamic = 'force-dynamic';

/** The configured rules file, if any (the shipped defaults are read-only). */
function editableRulesFile(): string | undefined {
  try {
    const file = alerterConfigFromEnv(process.env).rulesFile;
    return file === DEFAULT_RULES_PATH ? undefined : file;
  } catch {
    return undefined; // a bad ALERT_INTERVAL is reported by the alerter; the API still serves
  }
}
const rulesFile = editableRulesFile();

/**
 * The alerts API (silences CRUD, history, rules, deliveries) under /alerts/api, for the Alerts page.
 * The rules file is editable when ALERT_RULES_FILE names one (the alerter watches it and reloads).
 */
const handler = createAlertsApi({
  store: getStore,
  rules: currentRules,
  basePath: '/alerts/api',
  ...(rulesFile ? { rulesFile } : {}),
});

export { handler as DELETE, handler as GET, handler as POST, handler as PUT };
