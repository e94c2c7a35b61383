/**
 * The Alerts page's data and the plain text of its cells. The page renders rich cells (badges, sparklines,
 * forms) and `/api/csv/alerts-*` (lib/tables.ts) exports plain values, both from the functions here, so
 * a CSV always holds the rows the page shows.
 */
import {
  type Alerter,
  type AlertSummary,
  alerterConfigFromEnv,
  alertHistory,
  currentAlerts,
  deliveries,
  type HistoryRow,
  listSilences,
  loadRulesFile,
  type NotificationRow,
  type Rule,
  type RuleInstanceStatus,
  type RuleStatus,
  ruleStatus,
  type Silence,
} from '@gatewatch/alerting';
import type { Store } from '@gatewatch/store';
import type { Cell, TableData } from './columns.ts';
import type { View } from './view.ts';

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

/** What each Alerts table shows (range and "now" from the view). */
export const alertsData = {
  firing: (store: Store, view: View) => currentAlerts(store, { now: view.nowMs }),
  rules: (store: Store, view: View) =>
    ruleStatus(store, currentRules(), { now: view.nowMs, maxInstances: 5 }),
  silences: (store: Store, view: View) => listSilences(store, { now: view.nowMs }),
  history: (store: Store, view: View) =>
    alertHistory(store, { fromMs: view.fromMs, toMs: view.toMs, limit: 200 }),
  failed: (store: Store, view: View) =>
    deliveries(store, { fromMs: view.fromMs, toMs: view.toMs, outcome: 'failed', limit: 50 }),
};

export const fmtValue = (v: number | null) =>
  v === null || !Number.isFinite(v) ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(2);
/** The instance an alert is about, as `node=gw-1` / `workspace=<id>` / `fleet` (names, not bare values). */
export const scopeOf = (labels: Record<string, string>) =>
  labels.node !== undefined
    ? `node=${labels.node}`
    : labels.workspace !== undefined
      ? `workspace=${labels.workspace}`
      : 'fleet';
/** Matchers a silence of exactly this alert needs: every label, `alertname=X, node=gw-1, …`. */
export const silenceMatchers = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
/** Labels other than the rule name and the scope, as `k=v k=v`. */
export const otherLabels = (labels: Record<string, string>) =>
  Object.entries(labels)
    .filter(([k]) => !['alertname', 'node', 'workspace'].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
/** The instant the Firing table's "Since" shows: when it started firing, else when it entered its state. */
export const sinceOf = (a: AlertSummary) => a.firedAt ?? a.since;

export function ruleText(r: RuleStatus): { metric: string; condition: string } {
  const c = r.config.condition;
  const cond =
    'spike' in c
      ? `spike over ${c.spike.window} vs ${c.spike.baseline}, k=${c.spike.k}, floor ${c.spike.floor}/min`
      : `${c.threshold.op} ${c.threshold.value}`;
  return {
    metric: `${r.config.metric}${r.config.event ? ` ${r.config.event}` : ''} / ${r.config.scope}`,
    condition: `${cond} · for ${r.config.for}`,
  };
}
/** One row per instance; a rule without instances gets one row naming why (error or no data). */
export const ruleRows = (r: RuleStatus): (RuleInstanceStatus | null)[] =>
  r.instances.length ? r.instances : [null];
export const instanceText = (r: RuleStatus, i: RuleInstanceStatus | null) =>
  i ? scopeOf(i.labels) : r.error || 'no data';
export const instanceState = (i: RuleInstanceStatus | null) => (i ? (i.hasData ? i.state : 'no data') : '');

export const matchersText = (s: Silence) => s.matchers.map((m) => `${m.name}${m.op}"${m.value}"`).join(', ');
export const changeText = (c: HistoryRow) => `${c.prevState} → ${c.instance.state}`;

// ── CSV: plain values (ISO times in UTC, raw numbers) ────────────────────────────────────────────────

// An unreadable time leaves its cell empty rather than failing the whole export.
const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : '');
const num = (v: number | null): Cell => (v !== null && Number.isFinite(v) ? v : null);

/** One exported column: its CSV header and plain value. */
interface PlainColumn<T> {
  key: string;
  label: string;
  num?: boolean;
  value: (row: T) => Cell;
}
function plain<T>(title: string, columns: PlainColumn<T>[], rows: readonly T[]): TableData {
  return {
    title,
    columns: columns.map(({ key, label, num }) => ({ key, label, num })),
    rows: rows.map((r) => Object.fromEntries(columns.map((c) => [c.key, c.value(r)]))),
  };
}

const FIRING: PlainColumn<AlertSummary>[] = [
  { key: 'state', label: 'State', value: (a) => a.state },
  { key: 'alert', label: 'Alert', value: (a) => a.rule },
  { key: 'scope', label: 'Scope', value: (a) => scopeOf(a.labels) },
  { key: 'labels', label: 'Labels', value: (a) => otherLabels(a.labels) },
  { key: 'value', label: 'Value', num: true, value: (a) => num(a.value) },
  { key: 'threshold', label: 'Threshold', num: true, value: (a) => num(a.threshold) },
  { key: 'since', label: 'Since (UTC)', value: (a) => iso(sinceOf(a)) },
  { key: 'summary', label: 'Summary', value: (a) => a.annotations.summary ?? '' },
  { key: 'link', label: 'Link', value: (a) => localLink(a.generatorURL) },
  { key: 'silencedBy', label: 'Silenced by', value: (a) => a.silencedBy.join(' ') },
];
export const firingTable = (alerts: readonly AlertSummary[]) => plain('Firing now', FIRING, alerts);

/** One table line per rule instance; `n` numbers a rule's lines (0 = its first). */
export type RuleLine = { r: RuleStatus; i: RuleInstanceStatus | null; n: number };
export const ruleLines = (status: readonly RuleStatus[]): RuleLine[] =>
  status.flatMap((r) => ruleRows(r).map((i, n) => ({ r, i, n })));
const RULES: PlainColumn<RuleLine>[] = [
  { key: 'rule', label: 'Rule', value: ({ r }) => r.name },
  { key: 'metric', label: 'Metric', value: ({ r }) => ruleText(r).metric },
  { key: 'condition', label: 'Condition', value: ({ r }) => ruleText(r).condition },
  { key: 'instance', label: 'Instance', value: ({ r, i }) => instanceText(r, i) },
  { key: 'state', label: 'State', value: ({ i }) => instanceState(i) },
  { key: 'value', label: 'Value', num: true, value: ({ i }) => (i ? num(i.value) : null) },
  { key: 'threshold', label: 'Threshold', num: true, value: ({ i }) => (i ? num(i.threshold) : null) },
];
/** Rule, metric and condition on every row (the page prints them once per rule). */
export const rulesTable = (status: readonly RuleStatus[]) => plain('Rules', RULES, ruleLines(status));

const SILENCES: PlainColumn<Silence>[] = [
  { key: 'matchers', label: 'Matchers', value: matchersText },
  { key: 'from', label: 'From (UTC)', value: (s) => iso(s.startsAt) },
  { key: 'until', label: 'Until (UTC)', value: (s) => iso(s.endsAt) },
  { key: 'comment', label: 'Comment', value: (s) => s.comment },
  { key: 'createdBy', label: 'Created by', value: (s) => s.createdBy },
  { key: 'id', label: 'ID', value: (s) => s.id },
];
export const silencesTable = (silences: readonly Silence[]) => plain('Silences', SILENCES, silences);

const HISTORY: PlainColumn<HistoryRow>[] = [
  { key: 'time', label: 'Time (UTC)', value: (c) => iso(c.ts) },
  { key: 'alert', label: 'Alert', value: (c) => c.instance.rule },
  { key: 'scope', label: 'Scope', value: (c) => scopeOf(c.instance.labels) },
  { key: 'change', label: 'Change', value: changeText },
  { key: 'value', label: 'Value', num: true, value: (c) => num(c.instance.value) },
  { key: 'silencedBy', label: 'Silenced by', value: (c) => c.silencedBy.join(' ') },
];
export const historyTable = (changes: readonly HistoryRow[]) => plain('History', HISTORY, changes);

const FAILED: PlainColumn<NotificationRow>[] = [
  { key: 'time', label: 'Time (UTC)', value: (f) => iso(f.ts) },
  { key: 'receiver', label: 'Receiver', value: (f) => f.receiver },
  { key: 'alert', label: 'Alert', value: (f) => f.rule },
  { key: 'status', label: 'Status', value: (f) => f.status },
  { key: 'attempts', label: 'Attempts', num: true, value: (f) => f.attempts },
  { key: 'error', label: 'Error', value: (f) => f.error },
];
export const failedTable = (failed: readonly NotificationRow[]) => plain('Failed deliveries', FAILED, failed);
