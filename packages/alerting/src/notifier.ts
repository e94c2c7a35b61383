/**
 * Which webhook payloads are due (grouping, repeat interval, silences, idempotency) and their delivery
 * with bounded exponential-backoff retries. Idempotency key per alert and receiver:
 * fingerprint + status + startsAt, so a restart never re-sends what a receiver already got.
 */
import { common, type Labels, pick } from './labels.ts';
import type { Receiver } from './rules.ts';
import type { AlertInstance } from './state.ts';
import { buildPayload, type NotifiableAlert, type WebhookPayload } from './webhook.ts';

export function idempotencyKey(fp: string, status: 'firing' | 'resolved', startsAt: number): string {
  return `${fp}:${status}:${new Date(startsAt).toISOString()}`;
}

/** receiver + key → last successful delivery (ms). */
export type DeliveryLog = Map<string, number>;
export const logKey = (receiver: string, key: string) => `${receiver}|${key}`;

export interface PlannedNotification {
  receiver: Receiver;
  payload: WebhookPayload;
  /** One entry per alert in the payload. */
  entries: {
    fingerprint: string;
    rule: string;
    status: 'firing' | 'resolved';
    startsAt: number;
    key: string;
  }[];
}

export interface PlanInput {
  instances: readonly AlertInstance[];
  receivers: readonly Receiver[];
  /** Rule name → receiver names it goes to (absent: all receivers). */
  routes: ReadonlyMap<string, readonly string[] | undefined>;
  /** Fingerprints silenced now. */
  silenced: ReadonlySet<string>;
  log: DeliveryLog;
  externalUrl: string;
  generatorUrl: (inst: AlertInstance) => string;
  now: number;
}

function toAlert(inst: AlertInstance, status: 'firing' | 'resolved', url: string): NotifiableAlert {
  return {
    status,
    labels: inst.labels,
    annotations: inst.annotations,
    startsAt: inst.firedAt ?? inst.activeAt ?? inst.since,
    endsAt: status === 'resolved' ? inst.resolvedAt : null,
    generatorURL: url,
    fingerprint: inst.fingerprint,
  };
}

/** The payloads to send now. Pure: decides from the instances and the delivery log only. */
export function planNotifications(input: PlanInput): PlannedNotification[] {
  const out: PlannedNotification[] = [];
  for (const receiver of input.receivers) {
    const groups = new Map<string, { firing: AlertInstance[]; resolved: AlertInstance[]; due: boolean }>();
    for (const inst of input.instances) {
      const route = input.routes.get(inst.rule);
      if (route && !route.includes(receiver.name)) continue;
      const firing = inst.state === 'firing' || (inst.state === 'nodata' && inst.nodataFrom === 'firing');
      const resolved = inst.state === 'resolved' && inst.firedAt !== null && inst.resolvedAt !== null;
      if (!firing && !resolved) continue;
      const startsAt = inst.firedAt ?? inst.since;
      const firingKey = logKey(receiver.name, idempotencyKey(inst.fingerprint, 'firing', startsAt));
      const gk = JSON.stringify(pick(inst.labels, receiver.group_by));
      const group = groups.get(gk) ?? { firing: [], resolved: [], due: false };
      groups.set(gk, group);
      if (firing) {
        if (input.silenced.has(inst.fingerprint)) continue;
        group.firing.push(inst);
        const last = input.log.get(firingKey);
        // nodata never triggers a send by itself; it rides along while the alert is still open.
        if (inst.state === 'firing' && (last === undefined || input.now - last >= receiver.repeatIntervalMs))
          group.due = true;
      } else {
        // Resolved is only news to a receiver that was told it was firing.
        const resolvedKey = logKey(receiver.name, idempotencyKey(inst.fingerprint, 'resolved', startsAt));
        if (input.log.has(firingKey) && !input.log.has(resolvedKey)) {
          group.resolved.push(inst);
          group.due = true;
        }
      }
    }
    for (const g of groups.values()) {
      if (!g.due) continue;
      const alerts = [
        ...g.firing.map((i) => toAlert(i, 'firing', input.generatorUrl(i))),
        ...g.resolved.map((i) => toAlert(i, 'resolved', input.generatorUrl(i))),
      ];
      const payload = buildPayload({
        receiver: receiver.name,
        groupBy: receiver.group_by,
        externalUrl: input.externalUrl,
        alerts,
        maxAlerts: receiver.max_alerts,
      });
      const all = [...g.firing, ...g.resolved];
      out.push({
        receiver,
        payload,
        entries: alerts.map((a, i) => ({
          fingerprint: a.fingerprint,
          rule: all[i]?.rule ?? '',
          status: a.status,
          startsAt: a.startsAt,
          key: idempotencyKey(a.fingerprint, a.status, a.startsAt),
        })),
      });
    }
  }
  return out;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  httpStatus: number;
  error: string;
  durationMs: number;
}

export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** attempt);
}

/**
 * POSTs the payload; retries network errors, 5xx and 429 with exponential backoff (bounded by
 * `retries` and `max_backoff`); 4xx other than 429 is final — the receiver will not accept it later either.
 */
export async function deliver(
  receiver: Receiver,
  payload: WebhookPayload,
  opts: { signal?: AbortSignal; sleep?: (ms: number) => Promise<void> } = {},
): Promise<DeliveryResult> {
  const started = Date.now();
  // Backoff sleeps end early on abort, so stopping the alerter never waits out a long backoff.
  const sleep =
    opts.sleep ??
    ((ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        opts.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      }));
  const body = JSON.stringify(payload);
  let httpStatus = 0;
  let error = '';
  let attempts = 0;
  for (let attempt = 0; attempt <= receiver.retries; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt - 1, receiver.backoffMs, receiver.maxBackoffMs));
    if (opts.signal?.aborted) {
      error ||= 'not sent: the alerter is stopping (it is retried after the next start)';
      break;
    }
    attempts++;
    try {
      const signals = [AbortSignal.timeout(receiver.timeoutMs), ...(opts.signal ? [opts.signal] : [])];
      const res = await fetch(receiver.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'gatewatch-alerting',
          ...receiver.headers,
        },
        body,
        signal: AbortSignal.any(signals),
      });
      httpStatus = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, attempts, httpStatus, error: '', durationMs: Date.now() - started };
      error = `HTTP ${res.status} from ${receiver.url}`;
      if (res.status < 500 && res.status !== 429) break;
    } catch (err) {
      httpStatus = 0;
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why =
        e.name === 'TimeoutError'
          ? `timed out after ${receiver.timeoutMs} ms`
          : (e.cause?.code ?? e.cause?.message ?? e.message);
      error = `cannot reach ${receiver.url}: ${why}; check the receiver is up and the URL is right`;
    }
  }
  return { ok: false, attempts, httpStatus, error, durationMs: Date.now() - started };
}

/** Shared labels of a plan, for logs. */
export function describePlan(p: PlannedNotification): Labels {
  return common(p.payload.alerts.map((a) => a.labels));
}
