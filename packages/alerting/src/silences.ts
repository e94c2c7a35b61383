/** Silences: matchers plus a time window; a silenced alert keeps its state history but is not notified. */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type Labels, matcherSchema, matchesAll } from './labels.ts';

export const silenceInputSchema = z
  .object({
    matchers: z.array(matcherSchema).min(1, 'a silence needs at least one matcher'),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }),
    createdBy: z.string().max(128).default(''),
    comment: z.string().max(1024).default(''),
  })
  .refine((s) => !s.startsAt || Date.parse(s.endsAt) > Date.parse(s.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });
export type SilenceInput = z.input<typeof silenceInputSchema>;

export interface Silence {
  id: string;
  matchers: z.output<typeof matcherSchema>[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  /** Set when a silence was expired by hand before its end. */
  expired: boolean;
  updatedAt: number;
}

export class SilenceError extends Error {
  override name = 'SilenceError';
}

export function newSilence(input: unknown, now: number): Silence {
  const r = silenceInputSchema.safeParse(input);
  if (!r.success)
    throw new SilenceError(
      `invalid silence: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  for (const m of r.data.matchers)
    if (m.op === '=~' || m.op === '!~')
      try {
        new RegExp(m.value);
      } catch {
        throw new SilenceError(`invalid silence: matcher ${m.name}${m.op}"${m.value}" is not a valid regex`);
      }
  return {
    id: randomUUID(),
    matchers: r.data.matchers,
    startsAt: r.data.startsAt ? Date.parse(r.data.startsAt) : now,
    endsAt: Date.parse(r.data.endsAt),
    createdBy: r.data.createdBy,
    comment: r.data.comment,
    expired: false,
    updatedAt: now,
  };
}

export function isSilenceActive(s: Silence, t: number): boolean {
  return !s.expired && s.startsAt <= t && t < s.endsAt;
}

/** Ids of the active silences that match these labels at time t. */
export function silencedBy(labels: Labels, silences: readonly Silence[], t: number): string[] {
  return silences.filter((s) => isSilenceActive(s, t) && matchesAll(labels, s.matchers)).map((s) => s.id);
}
