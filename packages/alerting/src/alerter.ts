/**
 * The evaluator: every interval it reads the rollups, steps each alert instance's state machine, records
 * the states in ClickHouse and sends the due webhooks. One alerter per deployment (the `alerter` role, or
 * inside the all-in-one process). After a restart it reloads states and the delivery log from ClickHouse
 * and evaluates the missed ticks, so nothing is sent twice.
 */

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Store } from '@gatewatch/store';
import { createSilence, expireSilence } from './api.ts';
import type { Observation } from './detect.ts';
import {
  deliveredAmong,
  deliveredKeys,
  type HistoryRow,
  lastEvaluation,
  latestStates,
  loadSilences,
  markEvaluation,
  type NotificationRow,
  otherAlerters,
  writeHistory,
  writeNotifications,
} from './history.ts';
import { fingerprint, type Labels } from './labels.ts';
import { type DeliveryLog, deliver, logKey, planNotifications } from './notifier.ts';
import { alertLabels, type ObserveResult, observeRules } from './observe.ts';
import { AlerterMetrics } from './prometheus.ts';
import type { Receiver, Rule } from './rules.ts';
import { type Silence, silencedBy } from './silences.ts';
import { type AlertInstance, type AlertState, newInstance, step, wasActive } from './state.ts';
import { renderTemplate } from './template.ts';

export interface AlerterLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AlerterOptions {
  store: Store;
  rules: readonly Rule[];
  receivers: readonly Receiver[];
  /** Evaluation interval; ticks are aligned to multiples of it. Default 60 s. */
  intervalMs?: number;
  /** Base URL of the dashboard, for generatorURL, links in annotations and externalURL. */
  externalUrl: string;
  /** Wall clock (tests inject one). */
  clock?: () => number;
  logger?: AlerterLogger;
  /** At most this many missed ticks are evaluated after a restart (the newest ones). Default 30. */
  maxCatchUpTicks?: number;
  /** last_sample_age: nodes seen within this window are expected to report. Default 24 h. */
  nodeLookbackMs?: number;
  /** Resolved instances are kept (and reloaded after a restart) this long. Default 1 h. */
  resolvedRetentionMs?: number;
  /** A firing instance without data this long is resolved (e.g. a decommissioned node). Default 24 h. */
  nodataRetireMs?: number;
}

export interface EvaluationResult {
  t: number;
  durationMs: number;
  instances: AlertInstance[];
  transitions: { rule: string; fingerprint: string; from: AlertState; to: AlertState }[];
  notifications: { receiver: string; ok: boolean; alerts: number; status: string; error: string }[];
  errors: string[];
}

export interface AlertView extends AlertInstance {
  silencedBy: string[];
  generatorURL: string;
}

export interface Alerter {
  /**
   * Reloads state and evaluates the missed ticks (resolves when done; rejects if that failed), and
   * evaluates every interval until stop() either way.
   */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One evaluation at time t (ms); calls are serialized. */
  evaluateAt(t: number): Promise<EvaluationResult>;
  /** Prometheus text exposition of the alerter's own metrics. */
  metrics(): string;
  rules(): readonly Rule[];
  /** Replaces the rules (validated with parseRule/parseRulesYaml); alerts of removed rules resolve next evaluation. */
  setRules(rules: readonly Rule[]): void;
  /** Every known instance (pending, firing, nodata, recently resolved), with silencing and link. */
  alerts(): AlertView[];
  silences(): Promise<Silence[]>;
  createSilence(input: unknown): Promise<Silence>;
  expireSilence(id: string): Promise<Silence>;
}

const noopLogger: AlerterLogger = { info() {}, warn() {}, error() {} };
const keyOf = (rule: string, fp: string) => `${rule}\u0000${fp}`;

export function createAlerter(opts: AlerterOptions): Alerter {
  const { store } = opts;
  const intervalMs = opts.intervalMs ?? 60_000;
  const clock = opts.clock ?? Date.now;
  const log = opts.logger ?? noopLogger;
  const maxCatchUp = opts.maxCatchUpTicks ?? 30;
  const nodeLookbackMs = opts.nodeLookbackMs ?? 24 * 3_600_000;
  const resolvedRetentionMs = opts.resolvedRetentionMs ?? 3_600_000;
  const nodataRetireMs = opts.nodataRetireMs ?? 86_400_000;
  const externalUrl = opts.externalUrl.replace(/\/+$/, '');
  let rules: readonly Rule[] = opts.rules;
  const receivers = opts.receivers;
  const metrics = new AlerterMetrics();
  const instances = new Map<string, AlertInstance>();
  const deliveries: DeliveryLog = new Map();
  let silences: Silence[] = [];
  let loaded: Promise<void> | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let stopped = true;
  let abort = new AbortController();
  /** Identifies this process in the evaluation marks, so a second alerter is noticed. */
  const alerterId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /**
   * Only marks made after this alerter started count as another alerter: a previous run that stopped
   * (cleanly or not) wrote its last mark before, and its ticks must not be mistaken for a twin's.
   */
  let startedAt = clock();

  const generatorUrl = (inst: AlertInstance) => {
    const link = inst.annotations.dashboard ?? '';
    if (link.startsWith('http://') || link.startsWith('https://')) return link;
    return `${externalUrl}/alerts?rule=${encodeURIComponent(inst.rule)}&fingerprint=${inst.fingerprint}`;
  };

  async function load(): Promise<void> {
    const now = clock();
    const [states, keys] = await Promise.all([
      latestStates(store, now - 7 * 86_400_000),
      deliveredKeys(store, now - 7 * 86_400_000),
    ]);
    for (const { instance } of states) {
      // Instances of rules removed meanwhile are kept: the next evaluation resolves them.
      if (instance.state === 'inactive') continue;
      if (instance.state === 'resolved' && (instance.resolvedAt ?? 0) < now - resolvedRetentionMs) continue;
      instances.set(keyOf(instance.rule, instance.fingerprint), instance);
    }
    for (const k of keys) deliveries.set(logKey(k.receiver, k.idempotencyKey), k.ts);
    silences = await loadSilences(store, now - 86_400_000);
    log.info({ instances: instances.size, deliveries: deliveries.size }, 'alerting state reloaded');
  }

  const ensureLoaded = () => {
    loaded ??= load().catch((err) => {
      loaded = null;
      throw err;
    });
    return loaded;
  };

  async function observe(t: number): Promise<ObserveResult> {
    const activeRules = new Set([...instances.values()].filter((i) => wasActive(i)).map((i) => i.rule));
    const prior = (rule: Rule, scope: Labels) =>
      instances.get(keyOf(rule.name, fingerprint(alertLabels(rule, scope))));
    const known = (rule: Rule) =>
      [...instances.values()]
        .filter((i) => i.rule === rule.name && i.state !== 'resolved' && i.state !== 'inactive')
        .map((i) => scopeOf(i.labels, rule));
    const result = await observeRules(store, rules, t, prior, { nodeLookbackMs, activeRules, known });
    for (const name of result.failedRules)
      metrics.ruleFailures.set(name, (metrics.ruleFailures.get(name) ?? 0) + 1);
    return result;
  }

  function annotate(rule: Rule, inst: AlertInstance, t: number): Labels {
    const lookback = rule.windowMs + rule.baselineMs || 3_600_000;
    const ctx = {
      labels: inst.labels,
      value: inst.value,
      threshold: inst.threshold,
      baseline: inst.baseline,
      from: new Date(Math.min(t - lookback, (inst.activeAt ?? t) - rule.windowMs)).toISOString(),
      to: new Date(inst.resolvedAt ?? t).toISOString(),
    };
    const out: Labels = {};
    for (const [k, v] of Object.entries(rule.annotations)) {
      if (typeof v !== 'string' || v === '') continue;
      const rendered = renderTemplate(v, ctx, k === 'dashboard');
      out[k] = k === 'dashboard' && rendered.startsWith('/') ? `${externalUrl}${rendered}` : rendered;
    }
    return out;
  }

  async function evaluate(t: number): Promise<EvaluationResult> {
    const started = performance.now();
    await ensureLoaded();
    const result: EvaluationResult = {
      t,
      durationMs: 0,
      instances: [],
      transitions: [],
      notifications: [],
      errors: [],
    };
    try {
      silences = await loadSilences(store, t - 86_400_000);
    } catch (err) {
      result.errors.push(`silences: ${(err as Error).message.split('\n')[0]}`);
    }
    let observed: Awaited<ReturnType<typeof observe>>;
    try {
      observed = await observe(t);
    } catch (err) {
      // The store could not be read: keep every state as it is (a failed query is not "no data").
      metrics.evaluationFailures++;
      const msg = `cannot read the store: ${(err as Error).message.split('\n')[0]}`;
      log.error({ t }, msg);
      result.errors.push(msg);
      result.durationMs = performance.now() - started;
      return result;
    }
    result.errors.push(...observed.errors);

    // One row per instance and evaluation (a retire after a visit replaces the visit's row).
    const history = new Map<string, HistoryRow>();
    const record = (row: HistoryRow) => {
      const key = keyOf(row.instance.rule, row.instance.fingerprint);
      const earlier = history.get(key);
      history.set(key, earlier ? { ...row, prevState: earlier.prevState } : row);
    };
    const silencedNow = new Set<string>();
    for (const rule of rules) {
      const obs = observed.byRule.get(rule.name);
      if (!obs) continue; // rule failed: states unchanged
      const seen = new Set<string>();
      const visit = (scope: Labels, o: Observation) => {
        const labels = alertLabels(rule, scope);
        const fp = fingerprint(labels);
        const key = keyOf(rule.name, fp);
        seen.add(key);
        const prev = instances.get(key) ?? newInstance(rule.name, fp, labels, t);
        const next = step(prev, o, rule, t);
        next.annotations = annotate(rule, next, t);
        instances.set(key, next);
        const muted = silencedBy(labels, silences, t);
        if (muted.length) silencedNow.add(fp);
        if (prev.state !== next.state)
          result.transitions.push({ rule: rule.name, fingerprint: fp, from: prev.state, to: next.state });
        if (prev.state !== next.state || ['pending', 'firing', 'nodata'].includes(next.state))
          record({ ts: t, prevState: prev.state, silencedBy: muted, instance: next });
      };
      for (const o of obs) visit(o.scope, o.obs);
      // Known instances the data no longer mentions: no data (never a silent resolve).
      for (const [key, inst] of instances)
        if (
          inst.rule === rule.name &&
          !seen.has(key) &&
          !retiring(inst, t) &&
          fingerprint(alertLabels(rule, scopeOf(inst.labels, rule))) === inst.fingerprint
        )
          visit(scopeOf(inst.labels, rule), {
            hasData: false,
            active: false,
            value: null,
            threshold: null,
            baseline: null,
          });
    }
    // Instances of removed or relabelled rules, and ones without data for too long, end as resolved
    // (recorded and notified), so no receiver is left with an alert that can never clear.
    for (const [key, inst] of instances) {
      if (!retiring(inst, t)) continue;
      const open = inst.state === 'firing' || (inst.state === 'nodata' && inst.nodataFrom === 'firing');
      if (!open) {
        if (inst.state !== 'resolved' && inst.state !== 'inactive')
          record({
            ts: t,
            prevState: inst.state,
            silencedBy: [],
            instance: { ...inst, state: 'inactive', since: t },
          });
        instances.delete(key);
        continue;
      }
      const next: AlertInstance = {
        ...inst,
        state: 'resolved',
        since: t,
        resolvedAt: t,
        nodataFrom: null,
        lastEvalAt: t,
      };
      instances.set(key, next);
      result.transitions.push({
        rule: inst.rule,
        fingerprint: inst.fingerprint,
        from: inst.state,
        to: 'resolved',
      });
      record({ ts: t, prevState: inst.state, silencedBy: [], instance: next });
    }
    try {
      await writeHistory(store, [...history.values()]);
    } catch (err) {
      result.errors.push(`history: ${(err as Error).message.split('\n')[0]}`);
    }

    const plan = () =>
      planNotifications({
        instances: [...instances.values()],
        receivers,
        routes: new Map(rules.map((r) => [r.name, r.receivers])),
        silenced: silencedNow,
        log: deliveries,
        externalUrl,
        generatorUrl,
        now: t,
      });
    let plans = plan();
    if (plans.length) {
      // Defense in depth against a second alerter on the same store: re-read what was delivered.
      try {
        const fresh = await deliveredAmong(store, [
          ...new Set(plans.flatMap((p) => p.entries.map((e) => e.key))),
        ]);
        let changed = false;
        for (const d of fresh) {
          const k = logKey(d.receiver, d.idempotencyKey);
          if ((deliveries.get(k) ?? -1) < d.ts) {
            deliveries.set(k, d.ts);
            changed = true;
          }
        }
        if (changed) plans = plan();
      } catch (err) {
        result.errors.push(`notification log: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    const logRows: NotificationRow[] = [];
    await Promise.all(
      plans.map(async (p) => {
        const r = await deliver(p.receiver, p.payload, { signal: abort.signal });
        metrics.notification(p.receiver.name, r.ok);
        result.notifications.push({
          receiver: p.receiver.name,
          ok: r.ok,
          alerts: p.payload.alerts.length,
          status: p.payload.status,
          error: r.error,
        });
        if (!r.ok)
          log.warn(
            { receiver: p.receiver.name, attempts: r.attempts },
            `webhook delivery failed: ${r.error}`,
          );
        const body = JSON.stringify(p.payload);
        for (const e of p.entries) {
          if (r.ok) deliveries.set(logKey(p.receiver.name, e.key), t);
          logRows.push({
            ts: t,
            receiver: p.receiver.name,
            groupKey: p.payload.groupKey,
            rule: e.rule,
            fingerprint: e.fingerprint,
            status: e.status,
            startsAt: e.startsAt,
            idempotencyKey: e.key,
            outcome: r.ok ? 'delivered' : 'failed',
            attempts: r.attempts,
            httpStatus: r.httpStatus,
            error: r.error,
            payload: body,
          });
        }
      }),
    );
    try {
      await writeNotifications(store, logRows);
    } catch (err) {
      result.errors.push(`notification log: ${(err as Error).message.split('\n')[0]}`);
    }

    // Forget what needs no more attention: inactive instances, and resolved ones past retention.
    for (const [key, inst] of instances)
      if (
        inst.state === 'inactive' ||
        (inst.state === 'resolved' && (inst.resolvedAt ?? t) < t - resolvedRetentionMs)
      )
        instances.delete(key);

    result.instances = [...instances.values()];
    result.durationMs = performance.now() - started;
    metrics.evaluations++;
    metrics.durationSumSeconds += result.durationMs / 1000;
    metrics.lastEvaluationSeconds = t / 1000;
    for (const s of Object.keys(metrics.alerts) as AlertState[]) metrics.alerts[s] = 0;
    for (const i of instances.values()) metrics.alerts[i.state]++;
    metrics.silenced = [...instances.values()].filter(
      (i) => i.state === 'firing' && silencedNow.has(i.fingerprint),
    ).length;
    try {
      await markEvaluation(store, {
        ts: t,
        durationMs: result.durationMs,
        rules: rules.length,
        instances: instances.size,
        firing: metrics.alerts.firing,
        errors: result.errors,
        alerter: alerterId,
      });
      const others = await otherAlerters(store, alerterId, Math.max(startedAt, t - 3 * intervalMs));
      metrics.otherAlerters = others.length;
      if (others.length)
        log.warn(
          { others },
          'another alerter evaluates the same store since this one started: run exactly one alerter per deployment (stop the others)',
        );
    } catch (err) {
      result.errors.push(`evaluation mark: ${(err as Error).message.split('\n')[0]}`);
    }
    if (result.errors.length) log.warn({ t, errors: result.errors }, 'evaluation finished with errors');
    return result;
  }

  /** The instance no longer belongs to a current rule, or has had no data for nodataRetireMs. */
  function retiring(inst: AlertInstance, t: number): boolean {
    if (inst.state === 'resolved' || inst.state === 'inactive') return false;
    const rule = rules.find((r) => r.name === inst.rule);
    if (!rule || fingerprint(alertLabels(rule, scopeOf(inst.labels, rule))) !== inst.fingerprint) return true;
    return inst.state === 'nodata' && t - inst.since >= nodataRetireMs;
  }

  function scopeOf(labels: Labels, rule: Rule): Labels {
    if (rule.scope === 'fleet') return {};
    if (rule.scope === 'agent')
      return { agent: labels.agent ?? '', workspace: labels.workspace ?? '', node: labels.node ?? '' };
    const key = rule.scope === 'node' ? 'node' : 'workspace';
    return { [key]: labels[key] ?? '' };
  }

  function evaluateAt(t: number): Promise<EvaluationResult> {
    const run = chain.then(() => evaluate(t));
    chain = run.catch(() => undefined);
    return run;
  }

  const align = (ms: number) => Math.floor(ms / intervalMs) * intervalMs;

  async function tick(): Promise<void> {
    timer = null;
    if (stopped) return;
    try {
      await evaluateAt(align(clock()));
    } catch (err) {
      metrics.evaluationFailures++;
      log.error({}, `evaluation failed: ${(err as Error).message.split('\n')[0]}`);
    }
    schedule();
  }

  function schedule(): void {
    if (stopped) return;
    const now = clock();
    timer = setTimeout(tick, Math.max(0, align(now) + intervalMs - now));
  }

  return {
    async start() {
      if (!stopped) return;
      stopped = false;
      startedAt = clock();
      abort = new AbortController();
      try {
        await ensureLoaded();
        const now = align(clock());
        const last = await lastEvaluation(store);
        if (last !== null && last < now) {
          const missed = Math.floor((now - last) / intervalMs);
          const first = now - (Math.min(missed, maxCatchUp) - 1) * intervalMs;
          if (missed > maxCatchUp)
            log.warn({ missed, evaluated: maxCatchUp }, 'too many missed ticks: catching up the newest only');
          for (let t = first; t <= now && !stopped; t += intervalMs) await evaluateAt(t);
        } else if (last === null || last > now) {
          if (!stopped) await evaluateAt(now);
        }
      } finally {
        // Even when the catch-up failed (store down), keep evaluating on the interval: it retries the load.
        schedule();
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      abort.abort();
      await chain;
    },
    evaluateAt,
    metrics: () => metrics.text(),
    rules: () => rules,
    setRules(next) {
      // Instances of removed or relabelled rules are resolved (and notified) at the next evaluation.
      rules = next;
    },
    alerts() {
      const t = clock();
      return [...instances.values()].map((i) => ({
        ...i,
        silencedBy: silencedBy(i.labels, silences, t),
        generatorURL: generatorUrl(i),
      }));
    },
    async silences() {
      silences = await loadSilences(store, clock() - 86_400_000);
      return silences;
    },
    async createSilence(input) {
      const s = await createSilence(store, input, clock());
      silences = [...silences, s];
      return s;
    },
    async expireSilence(id) {
      const expired = await expireSilence(store, id, clock());
      silences = silences.map((x) => (x.id === id ? expired : x));
      return expired;
    },
  };
}
