/**
 * Alerting's ClickHouse tables (created by store migration 100): state history, silences, the
 * notification log and evaluation marks. Values go through {name:Type} parameters or JSONEachRow inserts.
 */
import type { Store } from '@gatewatch/store';
import type { Silence } from './silences.ts';
import type { AlertInstance, AlertState } from './state.ts';

export const ALERT_TABLES = {
  history: 'alert_state_history',
  silences: 'alert_silences',
  notifications: 'alert_notifications',
  evaluations: 'alert_evaluations',
} as const;

/** ms → 'YYYY-MM-DD hh:mm:ss.sss' (UTC), unambiguous for a DateTime64(3, 'UTC') column. */
export const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const chTimeOrNull = (ms: number | null) => (ms === null ? null : chTime(ms));
const msOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

async function insert(store: Store, table: string, values: object[]): Promise<void> {
  if (values.length === 0) return;
  await store.client.insert({ table, values, format: 'JSONEachRow' });
}

async function select<T>(
  store: Store,
  query: string,
  query_params: Record<string, unknown> = {},
): Promise<T[]> {
  const rs = await store.client.query({ query, query_params, format: 'JSONEachRow' });
  return rs.json<T>();
}

export interface HistoryRow {
  ts: number;
  prevState: AlertState;
  silencedBy: string[];
  instance: AlertInstance;
}

export async function writeHistory(store: Store, rows: readonly HistoryRow[]): Promise<void> {
  await insert(
    store,
    ALERT_TABLES.history,
    rows.map(({ ts, prevState, silencedBy, instance: i }) => ({
      ts: chTime(ts),
      rule: i.rule,
      fingerprint: i.fingerprint,
      labels: i.labels,
      annotations: i.annotations,
      state: i.state,
      prevState,
      since: chTime(i.since),
      activeAt: chTimeOrNull(i.activeAt),
      firedAt: chTimeOrNull(i.firedAt),
      resolvedAt: chTimeOrNull(i.resolvedAt),
      lastTrueAt: chTimeOrNull(i.lastTrueAt),
      nodataFrom: i.nodataFrom ?? '',
      value: i.value !== null && Number.isFinite(i.value) ? i.value : null,
      threshold: i.threshold !== null && Number.isFinite(i.threshold) ? i.threshold : null,
      baseline: i.baseline !== null && Number.isFinite(i.baseline) ? i.baseline : null,
      silencedBy,
    })),
  );
}

const INSTANCE_COLUMNS = `rule, fingerprint, labels, annotations, state, prevState, silencedBy, nodataFrom, value, threshold, baseline,
  toUnixTimestamp64Milli(ts) AS tsMs, toUnixTimestamp64Milli(since) AS sinceMs,
  toUnixTimestamp64Milli(activeAt) AS activeAtMs, toUnixTimestamp64Milli(firedAt) AS firedAtMs,
  toUnixTimestamp64Milli(resolvedAt) AS resolvedAtMs, toUnixTimestamp64Milli(lastTrueAt) AS lastTrueAtMs`;
// Aliases never reuse a column name: ClickHouse would resolve WHERE ts to the alias.

function toHistoryRow(r: Record<string, unknown>): HistoryRow {
  return {
    ts: Number(r.tsMs),
    prevState: r.prevState as AlertState,
    silencedBy: (r.silencedBy as string[]) ?? [],
    instance: {
      rule: String(r.rule),
      fingerprint: String(r.fingerprint),
      labels: r.labels as Record<string, string>,
      annotations: r.annotations as Record<string, string>,
      state: r.state as AlertState,
      since: Number(r.sinceMs),
      activeAt: msOrNull(r.activeAtMs),
      firedAt: msOrNull(r.firedAtMs),
      resolvedAt: msOrNull(r.resolvedAtMs),
      lastTrueAt: msOrNull(r.lastTrueAtMs),
      nodataFrom: r.nodataFrom ? (r.nodataFrom as AlertState) : null,
      value: numOrNull(r.value),
      threshold: numOrNull(r.threshold),
      baseline: numOrNull(r.baseline),
      lastEvalAt: Number(r.tsMs),
    },
  };
}

/** The latest recorded row of every instance seen since `sinceMs` (what a restarted alerter resumes from). */
export async function latestStates(store: Store, sinceMs: number): Promise<HistoryRow[]> {
  const rows = await select<Record<string, unknown>>(
    store,
    `SELECT ${INSTANCE_COLUMNS} FROM ${ALERT_TABLES.history}
     WHERE ts >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
     ORDER BY ts DESC, insertedAt DESC LIMIT 1 BY rule, fingerprint`,
    { since: sinceMs },
  );
  return rows.map(toHistoryRow);
}

/** State changes (not the per-evaluation snapshots), newest first. */
export async function stateChanges(
  store: Store,
  p: { fromMs: number; toMs: number; rule?: string; fingerprint?: string; limit?: number },
): Promise<HistoryRow[]> {
  const rows = await select<Record<string, unknown>>(
    store,
    `SELECT ${INSTANCE_COLUMNS} FROM ${ALERT_TABLES.history}
     WHERE ts >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')
       AND state != prevState
       AND ({rule:String} = '' OR rule = {rule:String}) AND ({fingerprint:String} = '' OR fingerprint = {fingerprint:String})
     ORDER BY ts DESC LIMIT {limit:UInt32}`,
    { rule: '', fingerprint: '', limit: 500, ...p },
  );
  return rows.map(toHistoryRow);
}

export interface AlertEpisode {
  rule: string;
  fingerprint: string;
  labels: Record<string, string>;
  summary: string;
  startsAt: number;
  /** null while still firing (or nodata). */
  endsAt: number | null;
}

/**
 * Firing periods overlapping [fromMs, toMs), for annotating charts: each firing row's firedAt, with the
 * resolvedAt of the same episode when there is one.
 */
export async function firingEpisodes(
  store: Store,
  p: { fromMs: number; toMs: number; rule?: string; limit?: number },
): Promise<AlertEpisode[]> {
  const rows = await select<Record<string, unknown>>(
    store,
    `SELECT rule, fingerprint, any(labels) AS anyLabels, argMax(annotations['summary'], ts) AS summaryText,
       toUnixTimestamp64Milli(firedAt) AS firedMs, toUnixTimestamp64Milli(max(resolvedAt)) AS resolvedMs
     FROM ${ALERT_TABLES.history}
     WHERE firedAt IS NOT NULL AND state IN ('firing', 'resolved', 'nodata')
       AND firedAt < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')
       AND ({rule:String} = '' OR rule = {rule:String})
     GROUP BY rule, fingerprint, firedAt
     HAVING resolvedMs IS NULL OR resolvedMs >= {fromMs:Int64}
     ORDER BY firedMs DESC LIMIT {limit:UInt32}`,
    { rule: '', limit: 1000, ...p },
  );
  return rows.map((r) => ({
    rule: String(r.rule),
    fingerprint: String(r.fingerprint),
    labels: r.anyLabels as Record<string, string>,
    summary: String(r.summaryText ?? ''),
    startsAt: Number(r.firedMs),
    endsAt: msOrNull(r.resolvedMs),
  }));
}

/** Recorded values of one instance over time (for sparklines of an alert). */
export async function instanceValues(
  store: Store,
  p: { fingerprint: string; fromMs: number; toMs: number },
): Promise<{ ts: number; state: AlertState; value: number | null }[]> {
  const rows = await select<{ tsMs: string; state: AlertState; value: number | null }>(
    store,
    `SELECT toUnixTimestamp64Milli(ts) AS tsMs, state, value FROM ${ALERT_TABLES.history}
     WHERE fingerprint = {fingerprint:String}
       AND ts >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')
     ORDER BY ts LIMIT 5000`,
    p,
  );
  return rows.map((r) => ({
    ts: Number(r.tsMs),
    state: r.state,
    value: r.value === null ? null : Number(r.value),
  }));
}

// ── Silences ──────────────────────────────────────────────────────────────────────────────────────────

export async function saveSilence(store: Store, s: Silence): Promise<void> {
  await insert(store, ALERT_TABLES.silences, [
    {
      id: s.id,
      version: s.updatedAt,
      matchers: JSON.stringify(s.matchers),
      startsAt: chTime(s.startsAt),
      endsAt: chTime(s.endsAt),
      createdBy: s.createdBy,
      comment: s.comment,
      expired: s.expired ? 1 : 0,
    },
  ]);
}

/** Silences ending after `sinceMs` (FINAL: the newest version of each). */
export async function loadSilences(store: Store, sinceMs = 0): Promise<Silence[]> {
  const rows = await select<Record<string, unknown>>(
    store,
    `SELECT id, version, matchers, createdBy, comment, expired,
       toUnixTimestamp64Milli(startsAt) AS startsMs, toUnixTimestamp64Milli(endsAt) AS endsMs
     FROM ${ALERT_TABLES.silences} FINAL
     WHERE endsAt >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
     ORDER BY startsAt DESC LIMIT 1000`,
    { since: sinceMs },
  );
  return rows.map((r) => ({
    id: String(r.id),
    matchers: JSON.parse(String(r.matchers)),
    startsAt: Number(r.startsMs),
    endsAt: Number(r.endsMs),
    createdBy: String(r.createdBy),
    comment: String(r.comment),
    expired: Number(r.expired) === 1,
    updatedAt: Number(r.version),
  }));
}

// ── Notification log ──────────────────────────────────────────────────────────────────────────────────

export interface NotificationRow {
  ts: number;
  receiver: string;
  groupKey: string;
  rule: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  startsAt: number;
  idempotencyKey: string;
  outcome: 'delivered' | 'failed';
  attempts: number;
  httpStatus: number;
  error: string;
  payload: string;
}

export async function writeNotifications(store: Store, rows: readonly NotificationRow[]): Promise<void> {
  await insert(
    store,
    ALERT_TABLES.notifications,
    rows.map((r) => ({ ...r, ts: chTime(r.ts), startsAt: chTime(r.startsAt) })),
  );
}

/** Last successful delivery of these idempotency keys (any alerter), to re-check just before sending. */
export async function deliveredAmong(
  store: Store,
  keys: readonly string[],
): Promise<{ receiver: string; idempotencyKey: string; ts: number }[]> {
  if (keys.length === 0) return [];
  const rows = await select<{ receiver: string; idempotencyKey: string; lastMs: string }>(
    store,
    `SELECT receiver, idempotencyKey, toUnixTimestamp64Milli(max(ts)) AS lastMs FROM ${ALERT_TABLES.notifications}
     WHERE outcome = 'delivered' AND idempotencyKey IN {keys:Array(String)}
     GROUP BY receiver, idempotencyKey`,
    { keys },
  );
  return rows.map((r) => ({ receiver: r.receiver, idempotencyKey: r.idempotencyKey, ts: Number(r.lastMs) }));
}

/** Last successful delivery per receiver and idempotency key since `sinceMs`. */
export async function deliveredKeys(
  store: Store,
  sinceMs: number,
): Promise<{ receiver: string; idempotencyKey: string; ts: number }[]> {
  const rows = await select<{ receiver: string; idempotencyKey: string; lastMs: string }>(
    store,
    `SELECT receiver, idempotencyKey, toUnixTimestamp64Milli(max(ts)) AS lastMs FROM ${ALERT_TABLES.notifications}
     WHERE outcome = 'delivered' AND ts >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
     GROUP BY receiver, idempotencyKey`,
    { since: sinceMs },
  );
  return rows.map((r) => ({ receiver: r.receiver, idempotencyKey: r.idempotencyKey, ts: Number(r.lastMs) }));
}

export async function notificationLog(
  store: Store,
  p: { fromMs: number; toMs: number; outcome?: 'delivered' | 'failed' | ''; limit?: number },
): Promise<NotificationRow[]> {
  const rows = await select<Record<string, unknown>>(
    store,
    `SELECT * EXCEPT (ts, startsAt), toUnixTimestamp64Milli(ts) AS tsMs, toUnixTimestamp64Milli(startsAt) AS startsMs
     FROM ${ALERT_TABLES.notifications}
     WHERE ts >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')
       AND ({outcome:String} = '' OR outcome = {outcome:String})
     ORDER BY ts DESC LIMIT {limit:UInt32}`,
    { outcome: '', limit: 500, ...p },
  );
  return rows.map(({ tsMs, startsMs, ...r }) => ({
    ...(r as unknown as NotificationRow),
    ts: Number(tsMs),
    startsAt: Number(startsMs),
    attempts: Number(r.attempts),
    httpStatus: Number(r.httpStatus),
  }));
}

// ── Evaluations ───────────────────────────────────────────────────────────────────────────────────────

export async function markEvaluation(
  store: Store,
  e: {
    ts: number;
    durationMs: number;
    rules: number;
    instances: number;
    firing: number;
    errors: string[];
    alerter: string;
  },
): Promise<void> {
  await insert(store, ALERT_TABLES.evaluations, [{ ...e, ts: chTime(e.ts) }]);
}

/** Other alerters that marked evaluations since `sinceMs` (there should be none: one per deployment). */
export async function otherAlerters(store: Store, me: string, sinceMs: number): Promise<string[]> {
  const rows = await select<{ alerter: string }>(
    store,
    `SELECT DISTINCT alerter FROM ${ALERT_TABLES.evaluations}
     WHERE ts >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND alerter != {me:String} AND alerter != ''`,
    { since: sinceMs, me },
  );
  return rows.map((r) => r.alerter);
}

export async function lastEvaluation(store: Store): Promise<number | null> {
  const [row] = await select<{ lastMs: string; n: string }>(
    store,
    `SELECT toUnixTimestamp64Milli(max(ts)) AS lastMs, count() AS n FROM ${ALERT_TABLES.evaluations}`,
  );
  return row && Number(row.n) > 0 ? Number(row.lastMs) : null;
}
