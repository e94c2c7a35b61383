/**
 * Read/write API for an Alerts page, from ClickHouse only (the dashboard may run in another process than
 * the alerter): firing now, history, rules with current values and sparklines, silences, deliveries.
 * `createAlertsApi` wraps it as a Web-standard handler (usable as a Next.js route handler or with node:http).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '@gatewatch/store';
import { MINUTE } from './detect.ts';
import {
  type AlertEpisode,
  firingEpisodes,
  type HistoryRow,
  lastEvaluation,
  latestStates,
  loadSilences,
  type NotificationRow,
  notificationLog,
  saveSilence,
  stateChanges,
} from './history.ts';
import { fingerprint, type Labels } from './labels.ts';
import { alertLabels, observeRules } from './observe.ts';
import { parseRulesYaml, type Rule, type RuleConfig, RulesError } from './rules.ts';
import { newSilence, type Silence, SilenceError, silencedBy } from './silences.ts';
import type { AlertInstance, AlertState } from './state.ts';

export interface AlertSummary extends AlertInstance {
  silencedBy: string[];
  /** Link to the filtered dashboard view (the `dashboard` annotation). */
  generatorURL: string;
}

/** Instances whose latest recorded state is pending/firing/nodata (and resolved within `resolvedMs`). */
export async function currentAlerts(
  store: Store,
  opts: { now: number; resolvedMs?: number; staleMs?: number },
): Promise<AlertSummary[]> {
  const resolvedMs = opts.resolvedMs ?? 3_600_000;
  // An instance not re-recorded for this long belongs to a rule that was removed or an alerter that stopped.
  const staleMs = opts.staleMs ?? 7 * 86_400_000;
  const [rows, silences] = await Promise.all([
    latestStates(store, opts.now - staleMs),
    loadSilences(store, opts.now),
  ]);
  const order: Record<AlertState, number> = { firing: 0, nodata: 1, pending: 2, resolved: 3, inactive: 4 };
  return rows
    .map((r) => r.instance)
    .filter(
      (i) =>
        ['pending', 'firing', 'nodata'].includes(i.state) ||
        (i.state === 'resolved' && (i.resolvedAt ?? 0) >= opts.now - resolvedMs),
    )
    .map((i) => ({
      ...i,
      silencedBy: silencedBy(i.labels, silences, opts.now),
      generatorURL: i.annotations.dashboard ?? '',
    }))
    .sort((a, b) => order[a.state] - order[b.state] || b.since - a.since);
}

/** Firing periods for chart annotations (Overview / 105 charts). */
export async function alertEpisodes(
  store: Store,
  p: { fromMs: number; toMs: number; rule?: string; limit?: number },
): Promise<AlertEpisode[]> {
  return firingEpisodes(store, p);
}

export async function alertHistory(
  store: Store,
  p: { fromMs: number; toMs: number; rule?: string; fingerprint?: string; limit?: number },
): Promise<HistoryRow[]> {
  return stateChanges(store, p);
}

export interface RuleInstanceStatus {
  labels: Labels;
  fingerprint: string;
  state: AlertState;
  hasData: boolean;
  value: number | null;
  threshold: number | null;
  baseline: number | null;
  /** Per-minute values of the last `sparklineMinutes` (null = no data that minute). */
  sparkline: { ts: number; value: number | null }[];
}

export interface RuleStatus {
  name: string;
  config: RuleConfig;
  error: string;
  instances: RuleInstanceStatus[];
}

/**
 * Every rule with its instances' current value, threshold and a sparkline. States come from the latest
 * recorded evaluation; values are computed now. At most `maxInstances` per rule, highest value first.
 */
export async function ruleStatus(
  store: Store,
  rules: readonly Rule[],
  opts: { now: number; sparklineMinutes?: number; maxInstances?: number; nodeLookbackMs?: number },
): Promise<RuleStatus[]> {
  const minutes = opts.sparklineMinutes ?? 60;
  const now = Math.floor(opts.now / MINUTE) * MINUTE;
  const latest = await latestStates(store, now - 7 * 86_400_000);
  const byKey = new Map(latest.map((r) => [`${r.instance.rule}\u0000${r.instance.fingerprint}`, r.instance]));
  const prior = (rule: Rule, scope: Labels) =>
    byKey.get(`${rule.name}\u0000${fingerprint(alertLabels(rule, scope))}`);
  const observed = await observeRules(store, rules, now, prior, {
    nodeLookbackMs: opts.nodeLookbackMs ?? 86_400_000,
  });
  return rules.map((rule) => {
    const { forMs: _f, keepFiringForMs: _k, windowMs: _w, baselineMs: _b, ...config } = rule;
    const list = observed.byRule.get(rule.name) ?? [];
    const instances = list
      .map((o): RuleInstanceStatus => {
        const labels = alertLabels(rule, o.scope);
        const s = o.series;
        const sparkline: RuleInstanceStatus['sparkline'] = [];
        if (s)
          for (let i = Math.max(0, s.counts.length - minutes); i < s.counts.length; i++)
            sparkline.push({ ts: s.startMs + i * MINUTE, value: s.counts[i] ?? null });
        return {
          labels,
          fingerprint: fingerprint(labels),
          state: prior(rule, o.scope)?.state ?? 'inactive',
          hasData: o.obs.hasData,
          value: o.obs.value,
          threshold: o.obs.threshold,
          baseline: o.obs.baseline,
          sparkline,
        };
      })
      .sort((a, b) => (b.value ?? -1) - (a.value ?? -1))
      .slice(0, opts.maxInstances ?? 50);
    const error = observed.errors.find((e) => e.startsWith(`rule ${rule.name}:`)) ?? '';
    return { name: rule.name, config, error, instances };
  });
}

export async function listSilences(
  store: Store,
  opts: { now: number; includeEnded?: boolean },
): Promise<Silence[]> {
  if (opts.includeEnded) return loadSilences(store, opts.now - 7 * 86_400_000);
  // Active and future silences; an expired one has endsAt = now and would otherwise still match.
  return (await loadSilences(store, opts.now)).filter((s) => !s.expired && s.endsAt > opts.now);
}

/** Validates and stores a silence; throws SilenceError (one line: field and problem) on bad input. */
export async function createSilence(store: Store, input: unknown, now: number): Promise<Silence> {
  const s = newSilence(input, now);
  await saveSilence(store, s);
  return s;
}

export async function expireSilence(store: Store, id: string, now: number): Promise<Silence> {
  const s = (await loadSilences(store, 0)).find((x) => x.id === id);
  if (!s) throw new SilenceError(`no silence with id ${id}; list them with GET /api/alerts/silences`);
  const expired: Silence = {
    ...s,
    expired: true,
    endsAt: Math.min(s.endsAt, now),
    updatedAt: Math.max(now, s.updatedAt + 1),
  };
  await saveSilence(store, expired);
  return expired;
}

export async function deliveries(
  store: Store,
  p: { fromMs: number; toMs: number; outcome?: 'delivered' | 'failed' | ''; limit?: number },
): Promise<NotificationRow[]> {
  return notificationLog(store, p);
}

// ── HTTP ─────────────────────────────────────────────────────────────────────────────────────────────

export interface AlertsApiOptions {
  store: Store | (() => Promise<Store>);
  rules: readonly Rule[] | (() => readonly Rule[]);
  /** Mount point, default /api/alerts. */
  basePath?: string;
  clock?: () => number;
  /** Prometheus text for GET <basePath>/metrics (the alerter's metrics() when in-process). */
  metrics?: () => string;
  /** Enables GET/PUT <basePath>/rules/file: the YAML rules file the UI may edit. */
  rulesFile?: string;
  /** Called with the new rules after a successful PUT (the in-process alerter's setRules). */
  onRulesChanged?: (rules: readonly Rule[]) => void;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const fail = (status: number, error: string) => json(status, { error });

function range(url: URL, now: number): { fromMs: number; toMs: number } {
  const from = Date.parse(url.searchParams.get('from') ?? '');
  const to = Date.parse(url.searchParams.get('to') ?? '');
  const toMs = Number.isFinite(to) ? to : now;
  return { fromMs: Number.isFinite(from) ? from : toMs - 86_400_000, toMs };
}

/**
 * GET  /api/alerts                  firing / pending / nodata / recently resolved
 * GET  /api/alerts/history          state changes (?from=&to=&rule=&fingerprint=)
 * GET  /api/alerts/rules            rules with current values and sparklines
 * GET  /api/alerts/notifications    delivery log (?from=&to=&outcome=failed)
 * GET  /api/alerts/silences         active silences (?all=1: also ended in the last 7 days)
 * POST /api/alerts/silences         { matchers: [{name, value, op}], startsAt?, endsAt, createdBy?, comment? }
 * DELETE /api/alerts/silences/<id>  expire now
 * GET  /api/alerts/episodes         firing periods for chart annotations (?from=&to=&rule=)
 * GET  /api/alerts/rules/file       { path, yaml }            (when rulesFile is set)
 * PUT  /api/alerts/rules/file       YAML body: validated, then written atomically; 400 names rule and field
 * GET  /api/alerts/metrics          Prometheus text (when the alerter runs in this process)
 */
export function createAlertsApi(opts: AlertsApiOptions): (request: Request) => Promise<Response> {
  const base = (opts.basePath ?? '/api/alerts').replace(/\/+$/, '');
  const clock = opts.clock ?? Date.now;
  const getStore = typeof opts.store === 'function' ? opts.store : () => Promise.resolve(opts.store as Store);
  const getRules = typeof opts.rules === 'function' ? opts.rules : () => opts.rules as readonly Rule[];
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`))
      return fail(404, `not found: ${url.pathname}`);
    const path = url.pathname.slice(base.length).replace(/\/+$/, '') || '/';
    const now = clock();
    try {
      const store = await getStore();
      const m = request.method;
      if (m === 'GET' && path === '/') {
        const [alerts, last] = await Promise.all([currentAlerts(store, { now }), lastEvaluation(store)]);
        // lastEvaluation lets a page warn when the alerter has stopped (states would be stale).
        return json(200, { alerts, lastEvaluation: last });
      }
      if (m === 'GET' && path === '/history')
        return json(200, {
          changes: await alertHistory(store, {
            ...range(url, now),
            rule: url.searchParams.get('rule') ?? '',
            fingerprint: url.searchParams.get('fingerprint') ?? '',
          }),
        });
      if (m === 'GET' && path === '/episodes')
        return json(200, {
          episodes: await alertEpisodes(store, {
            ...range(url, now),
            rule: url.searchParams.get('rule') ?? '',
          }),
        });
      if (path === '/rules/file' && opts.rulesFile) {
        if (m === 'GET')
          return json(200, { path: opts.rulesFile, yaml: await readFile(opts.rulesFile, 'utf8') });
        if (m === 'PUT') {
          const text = await request.text();
          let parsed: ReturnType<typeof parseRulesYaml>;
          try {
            parsed = parseRulesYaml(text, opts.rulesFile);
          } catch (err) {
            if (err instanceof RulesError) return fail(400, err.message);
            throw err;
          }
          // Write-then-rename: the alerter (maybe another process) never reads a half-written file.
          const tmp = `${opts.rulesFile}.${process.pid}.tmp`;
          await writeFile(tmp, text);
          await rename(tmp, opts.rulesFile);
          opts.onRulesChanged?.(parsed.rules);
          return json(200, { path: opts.rulesFile, rules: parsed.rules.map((r) => r.name) });
        }
      }
      if (m === 'GET' && path === '/rules')
        return json(200, { rules: await ruleStatus(store, getRules(), { now }) });
      if (m === 'GET' && path === '/notifications') {
        const outcome = url.searchParams.get('outcome') ?? '';
        if (!['', 'delivered', 'failed'].includes(outcome))
          return fail(400, `invalid outcome "${outcome}": use delivered or failed`);
        return json(200, {
          notifications: await deliveries(store, {
            ...range(url, now),
            outcome: outcome as 'delivered' | 'failed' | '',
          }),
        });
      }
      if (m === 'GET' && path === '/silences')
        return json(200, {
          silences: await listSilences(store, { now, includeEnded: url.searchParams.has('all') }),
        });
      if (m === 'POST' && path === '/silences') {
        let body: unknown;
        try {
          body = await request.json();
        } catch {
          return fail(
            400,
            'invalid silence: the body is not JSON; send {"matchers":[...],"endsAt":"<ISO time>"}',
          );
        }
        return json(201, { silence: await createSilence(store, body, now) });
      }
      const del = /^\/silences\/([^/]+)$/.exec(path);
      if (m === 'DELETE' && del?.[1])
        return json(200, { silence: await expireSilence(store, decodeURIComponent(del[1]), now) });
      if (m === 'GET' && path === '/metrics' && opts.metrics)
        return new Response(opts.metrics(), { headers: { 'content-type': 'text/plain; version=0.0.4' } });
      return fail(404, `no route ${m} ${url.pathname}; see the routes listed in packages/alerting/README.md`);
    } catch (err) {
      if (err instanceof SilenceError) return fail(/^no silence/.test(err.message) ? 404 : 400, err.message);
      return fail(503, `alerts API cannot read the store: ${(err as Error).message.split('\n')[0]}`);
    }
  };
}

/** Adapts a Web handler to node:http (for the standalone alerter role). */
export function toNodeListener(handler: (request: Request) => Promise<Response>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body =
      chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const response = await handler(
      new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        body,
      }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}
