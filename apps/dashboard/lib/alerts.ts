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
import type { Cell } from '../components/DataTable.tsx';
import type { TableData } from './tables.ts';
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
export const scopeOf = (labels: Record<string, string>) => labels.node ?? labels.workspace ?? 'fleet';
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

export function firingTable(alerts: readonly AlertSummary[]): TableData {
  return {
    title: 'Firing now',
    columns: [
      { key: 'state', label: 'State' },
      { key: 'alert', label: 'Alert' },
      { key: 'scope', label: 'Scope' },
      { key: 'labels', label: 'Labels' },
      { key: 'value', label: 'Value', num: true },
      { key: 'threshold', label: 'Threshold', num: true },
      { key: 'since', label: 'Since (UTC)' },
      { key: 'summary', label: 'Summary' },
      { key: 'link', label: 'Link' },
      { key: 'silencedBy', label: 'Silenced by' },
    ],
    rows: alerts.map((a) => ({
      state: a.state,
      alert: a.rule,
      scope: scopeOf(a.labels),
      labels: otherLabels(a.labels),
      value: num(a.value),
      threshold: num(a.threshold),
      since: iso(sinceOf(a)),
      summary: a.annotations.summary ?? '',
      link: localLink(a.generatorURL),
      silencedBy: a.silencedBy.join(' '),
    })),
  };
}

export function rulesTable(status: readonly RuleStatus[]): TableData {
  return {
    title: 'Rules',
    columns: [
      { key: 'rule', label: 'Rule' },
      { key: 'metric', label: 'Metric' },
      { key: 'condition', label: 'Condition' },
      { key: 'instance', label: 'Instance' },
      { key: 'state', label: 'State' },
      { key: 'value', label: 'Value', num: true },
      { key: 'threshold', label: 'Threshold', num: true },
    ],
    // Rule, metric and condition on every row (the page prints them once per rule).
    rows: status.flatMap((r) => {
      const { metric, condition } = ruleText(r);
      return ruleRows(r).map((i) => ({
        rule: r.name,
        metric,
        condition,
        instance: instanceText(r, i),
        state: instanceState(i),
        value: i ? num(i.value) : null,
        threshold: i ? num(i.threshold) : null,
      }));
    }),
  };
}

export function silencesTable(silences: readonly Silence[]): TableData {
  return {
    title: 'Silences',
    columns: [
      { key: 'matchers', label: 'Matchers' },
      { key: 'from', label: 'From (UTC)' },
      { key: 'until', label: 'Until (UTC)' },
      { key: 'comment', label: 'Comment' },
      { key: 'createdBy', label: 'Created by' },
      { key: 'id', label: 'ID' },
    ],
    rows: silences.map((s) => ({
      matchers: matchersText(s),
      from: iso(s.startsAt),
      until: iso(s.endsAt),
      comment: s.comment,
      createdBy: s.createdBy,
      id: s.id,
    })),
  };
}

export function historyTable(changes: readonly HistoryRow[]): TableData {
  return {
    title: 'History',
    columns: [
      { key: 'time', label: 'Time (UTC)' },
      { key: 'alert', label: 'Alert' },
      { key: 'scope', label: 'Scope' },
      { key: 'change', label: 'Change' },
      { key: 'value', label: 'Value', num: true },
      { key: 'silencedBy', label: 'Silenced by' },
    ],
    rows: changes.map((c) => ({
      time: iso(c.ts),
      alert: c.instance.rule,
      scope: scopeOf(c.instance.labels),
      change: changeText(c),
      value: num(c.instance.value),
      silencedBy: c.silencedBy.join(' '),
    })),
  };
}

export function failedTable(failed: readonly NotificationRow[]): TableData {
  return {
    title: 'Failed deliveries',
    columns: [
      { key: 'time', label: 'Time (UTC)' },
      { key: 'receiver', label: 'Receiver' },
      { key: 'alert', label: 'Alert' },
      { key: 'status', label: 'Status' },
      { key: 'attempts', label: 'Attempts', num: true },
      { key: 'error', label: 'Error' },
    ],
    rows: failed.map((f) => ({
      time: iso(f.ts),
      receiver: f.receiver,
      alert: f.rule,
      status: f.status,
      attempts: f.attempts,
      error: f.error,
    })),
  };
}
