/** The Alertmanager webhook payload (version "4"), as a zod schema and a builder. */
import { z } from 'zod';
import { common, formatLabels, type Labels, pick } from './labels.ts';

/** Alertmanager's zero time: `endsAt` of an alert that is still firing. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

const labels = z.record(z.string(), z.string());
const rfc3339 = z.union([z.literal(ZERO_TIME), z.iso.datetime({ offset: true })]);

export const webhookAlertSchema = z
  .object({
    status: z.enum(['firing', 'resolved']),
    labels,
    annotations: labels,
    startsAt: rfc3339,
    endsAt: rfc3339,
    generatorURL: z.string(),
    fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  })
  .strict()
  .refine((a) => (a.status === 'firing') === (a.endsAt === ZERO_TIME), {
    message: 'endsAt is the zero time exactly while the alert is firing',
    path: ['endsAt'],
  });

export const webhookPayloadSchema = z
  .object({
    version: z.literal('4'),
    groupKey: z.string().min(1),
    truncatedAlerts: z.number().int().min(0),
    status: z.enum(['firing', 'resolved']),
    receiver: z.string().min(1),
    groupLabels: labels,
    commonLabels: labels,
    commonAnnotations: labels,
    externalURL: z.string(),
    alerts: z.array(webhookAlertSchema).min(1),
  })
  .strict();

export type WebhookAlert = z.output<typeof webhookAlertSchema>;
export type WebhookPayload = z.output<typeof webhookPayloadSchema>;

export interface NotifiableAlert {
  status: 'firing' | 'resolved';
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number | null;
  generatorURL: string;
  fingerprint: string;
}

export function groupKeyOf(receiver: string, groupLabels: Labels): string {
  return `{}/{receiver=${JSON.stringify(receiver)}}:${formatLabels(groupLabels)}`;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function buildPayload(opts: {
  receiver: string;
  groupBy: readonly string[];
  externalUrl: string;
  alerts: readonly NotifiableAlert[];
  maxAlerts?: number;
}): WebhookPayload {
  const first = opts.alerts[0];
  if (!first) throw new RangeError('a webhook payload needs at least one alert');
  const groupLabels = pick(first.labels, opts.groupBy);
  // Firing first, then by start, so a cap keeps the ones that matter.
  const sorted = [...opts.alerts].sort(
    (a, b) => Number(a.status === 'resolved') - Number(b.status === 'resolved') || a.startsAt - b.startsAt,
  );
  const kept = opts.maxAlerts ? sorted.slice(0, opts.maxAlerts) : sorted;
  return {
    version: '4',
    groupKey: groupKeyOf(opts.receiver, groupLabels),
    truncatedAlerts: sorted.length - kept.length,
    status: opts.alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: opts.receiver,
    groupLabels,
    commonLabels: common(opts.alerts.map((a) => a.labels)),
    commonAnnotations: common(opts.alerts.map((a) => a.annotations)),
    externalURL: opts.externalUrl,
    alerts: kept.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: iso(a.startsAt),
      endsAt: a.status === 'firing' || a.endsAt === null ? ZERO_TIME : iso(a.endsAt),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
  };
}
