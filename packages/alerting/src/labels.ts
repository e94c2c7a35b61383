/** Label sets, Alertmanager-compatible fingerprints, and silence matchers. */
import { z } from 'zod';

export type Labels = Record<string, string>;

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

/**
 * Alertmanager's label-set fingerprint: FNV-1a 64 over the sorted `name 0xff value 0xff` bytes, as 16 hex
 * digits — the same value a receiver sees from a real Alertmanager for the same labels.
 */
export function fingerprint(labels: Labels): string {
  let h = FNV_OFFSET;
  const mix = (bytes: Uint8Array) => {
    for (const b of bytes) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK;
  };
  const enc = new TextEncoder();
  const sep = new Uint8Array([0xff]);
  for (const name of Object.keys(labels).sort()) {
    mix(enc.encode(name));
    mix(sep);
    mix(enc.encode(labels[name] ?? ''));
    mix(sep);
  }
  return h.toString(16).padStart(16, '0');
}

export const matcherSchema = z.object({
  name: z.string().min(1),
  value: z.string(),
  /** `=` equal, `!=` not equal, `=~` regex (anchored), `!~` regex does not match. */
  op: z.enum(['=', '!=', '=~', '!~']).default('='),
});
export type Matcher = z.output<typeof matcherSchema>;

function anchored(re: string): RegExp {
  try {
    return new RegExp(`^(?:${re})$`);
  } catch {
    throw new RangeError(`invalid matcher regex "${re}": fix the regular expression`);
  }
}

export function matches(labels: Labels, m: Matcher): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return anchored(m.value).test(v);
    case '!~':
      return !anchored(m.value).test(v);
  }
}

export function matchesAll(labels: Labels, matchers: readonly Matcher[]): boolean {
  return matchers.every((m) => matches(labels, m));
}

/** `{a="1",b="2"}` — the label rendering Alertmanager uses in group keys. */
export function formatLabels(labels: Labels): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;
}

export function pick(labels: Labels, names: readonly string[]): Labels {
  const out: Labels = {};
  for (const n of names) if (labels[n] !== undefined) out[n] = labels[n];
  return out;
}

/** Labels (or annotations) every given set shares with the same value. */
export function common(sets: readonly Labels[]): Labels {
  const [first, ...rest] = sets;
  if (!first) return {};
  const out: Labels = {};
  for (const [k, v] of Object.entries(first)) if (rest.every((s) => s[k] === v)) out[k] = v;
  return out;
}
