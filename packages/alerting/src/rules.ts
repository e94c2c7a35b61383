/**
 * Rules as code: a YAML file of alert rules (and optionally webhook receivers), validated with zod at load.
 * Every error names the rule and the field, so a bad edit is fixed from the message alone.
 */
import { readFileSync } from 'node:fs';
import { isEventId, REJECTION_REASON_NAMES } from '@gatewatch/events';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_RULES_YAML } from './default-rules.ts';
import { isDuration, parseDuration } from './duration.ts';
import { TEMPLATE_ERROR, templateProblems } from './template.ts';

/** The fixed set of metrics the store can compute. Rates are per minute; ages are in seconds. */
export const METRICS = {
  rejection_rate: {
    kind: 'rate',
    scopes: ['node', 'fleet'],
    help: 'refused connections per minute (Rejection Count)',
  },
  error_rate: { kind: 'rate', scopes: ['node', 'fleet'], help: 'errors per minute (Error Count)' },
  event_rate: {
    kind: 'rate',
    scopes: ['node', 'workspace', 'fleet'],
    help: 'events of one id (e.g. 105) per minute',
  },
  last_sample_age: {
    kind: 'gauge',
    scopes: ['node'],
    help: 'seconds since the node last sent a counter sample',
  },
  agent_silence: {
    kind: 'gauge',
    scopes: ['agent'],
    help: 'seconds since the agent last opened a tunnel or sent bytes through one (usage records)',
  },
} as const;
export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
export const SCOPES = ['node', 'workspace', 'fleet', 'agent'] as const;
export type Scope = (typeof SCOPES)[number];

const duration = z.string().refine(isDuration, { message: 'must be a duration such as 30s, 5m, 1h' });
const minuteMultiple = duration.refine((d) => parseDuration(d) >= 60_000 && parseDuration(d) % 60_000 === 0, {
  message: 'must be a whole number of minutes (data is bucketed per minute)',
});
const wholeHours = duration.refine(
  (d) => parseDuration(d) >= 3_600_000 && parseDuration(d) % 3_600_000 === 0,
  {
    message: 'must be a whole number of hours (agents are rolled up per hour)',
  },
);
const template = z.string().refine((s) => templateProblems(s).length === 0, {
  error: (iss) => `${TEMPLATE_ERROR}: ${templateProblems(String(iss.input)).join(', ')}`,
});
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must match [a-zA-Z_][a-zA-Z0-9_]*');

const spikeSchema = z
  .object({
    /** Rate is measured over this window (per minute). */
    window: minuteMultiple.default('5m'),
    /** The previous hours, cut into windows of the same length, form the baseline. */
    baseline: minuteMultiple.default('1h'),
    /** Fire above median + k·σ, with σ = 1.4826·MAD (robust standard deviation). */
    k: z.number().positive().default(6),
    /** Absolute floor (per minute): below it nothing fires, however quiet the baseline was. */
    floor: z.number().nonnegative(),
    /** The rate must also be at least min_ratio × the baseline median (steady high traffic is not a spike). */
    min_ratio: z.number().min(1).default(2),
    /** Hysteresis: once active, clear only below median + clear_ratio × (threshold − median). */
    clear_ratio: z.number().min(0).max(1).default(0.5),
  })
  .strict()
  .refine((s) => parseDuration(s.baseline) >= 3 * parseDuration(s.window), {
    message: 'baseline must be at least 3 windows long',
    path: ['baseline'],
  });

const thresholdSchema = z
  .object({
    op: z.enum(['>', '<']).default('>'),
    value: z.number(),
    /** Hysteresis: once active, clear only when the value crosses this (defaults to value). */
    clear: z.number().optional(),
    /** For rate metrics: the window the rate is measured over. */
    window: minuteMultiple.default('5m'),
  })
  .strict();

/** agent_silence only: which agents count as regular senders, and when their node counts as down. */
const agentsSchema = z
  .object({
    /** Only agents that sent in each clock hour of this long before they went silent are watched. */
    history: wholeHours.default('6h'),
    /** No alert while the agent's last node has sent no counter sample for this long (or event 102 last). */
    node_down_after: duration.default('2m'),
  })
  .strict();

const conditionSchema = z.union([
  z.object({ spike: spikeSchema }).strict(),
  z.object({ threshold: thresholdSchema }).strict(),
]);

export const ruleSchema = z
  .object({
    name: labelName,
    metric: z.enum(METRIC_NAMES as [MetricName, ...MetricName[]]),
    /** event_rate only: the catalog event id. */
    event: z.number().int().refine(isEventId, { message: 'must be an event id of the catalog' }).optional(),
    /** event_rate only: restrict to one rejection reason. */
    reason: z.enum(REJECTION_REASON_NAMES as [string, ...string[]]).optional(),
    /** agent_silence only (defaults apply when omitted). */
    agents: agentsSchema.optional(),
    scope: z.enum(SCOPES),
    condition: conditionSchema,
    for: duration.default('0'),
    keep_firing_for: duration.default('0'),
    labels: z.record(labelName, z.string()).default({}),
    annotations: z
      .object({ summary: template, description: template.default(''), dashboard: template.default('') })
      .catchall(template),
    /** Receiver names; default: every receiver. */
    receivers: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const m = METRICS[r.metric];
    if (!(m.scopes as readonly string[]).includes(r.scope))
      ctx.addIssue({
        code: 'custom',
        path: ['scope'],
        message: `${r.metric} supports scope ${m.scopes.join(' | ')}`,
      });
    if (r.metric === 'event_rate' && r.event === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['event'],
        message: 'event_rate needs an event id (e.g. event: 105)',
      });
    if (r.metric !== 'event_rate' && (r.event !== undefined || r.reason !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['event'],
        message: 'event/reason apply to metric event_rate only',
      });
    if (r.metric !== 'agent_silence' && r.agents !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['agents'],
        message: 'agents applies to metric agent_silence only',
      });
    if (m.kind === 'gauge' && 'spike' in r.condition)
      ctx.addIssue({
        code: 'custom',
        path: ['condition'],
        message: `${r.metric} is a gauge: use a threshold`,
      });
    for (const reserved of [
      'alertname',
      ...(r.scope === 'agent' ? ['agent', 'workspace', 'node'] : [r.scope]),
    ])
      if (reserved in r.labels)
        ctx.addIssue({ code: 'custom', path: ['labels', reserved], message: 'is set by the engine' });
  });

export const receiverSchema = z
  .object({
    name: z.string().min(1),
    url: z.url({ protocol: /^https?$/ }),
    /** Alerts sharing these label values go out in one payload. */
    group_by: z.array(labelName).default(['alertname']),
    /** Re-send a still-firing group after this long. */
    repeat_interval: duration.default('4h'),
    /** Extra attempts after a failed delivery, with exponential backoff from `backoff` up to `max_backoff`. */
    retries: z.number().int().min(0).max(10).default(3),
    backoff: duration.default('500ms'),
    max_backoff: duration.default('10s'),
    timeout: duration.default('10s'),
    /** Cap on alerts per payload (0 = no cap); the rest is counted in truncatedAlerts. */
    max_alerts: z.number().int().min(0).default(0),
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export const rulesFileSchema = z
  .object({
    rules: z.array(z.unknown()).default([]),
    receivers: z.array(z.unknown()).default([]),
  })
  .strict();

export type RuleConfig = z.output<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;
export type ReceiverConfig = z.output<typeof receiverSchema>;
export type ReceiverInput = z.input<typeof receiverSchema>;

/** A rule with its durations resolved to milliseconds. */
export interface Rule extends RuleConfig {
  forMs: number;
  keepFiringForMs: number;
  /** Length of the window the current value is measured over (0 for gauges). */
  windowMs: number;
  /** Length of the baseline (0 for thresholds). */
  baselineMs: number;
}

export interface Receiver extends ReceiverConfig {
  repeatIntervalMs: number;
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
}

export class RulesError extends Error {
  override name = 'RulesError';
}

function describe(where: string, item: unknown, index: number, issues: z.core.$ZodIssue[]): string {
  const name =
    typeof item === 'object' && item && 'name' in item ? String((item as { name: unknown }).name) : '';
  const who = `${where}[${index}]${name ? ` "${name}"` : ''}`;
  return issues.map((i) => `${who} field ${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function compileRule(config: RuleConfig): Rule {
  const c = config.condition;
  const windowMs =
    METRICS[config.metric].kind === 'gauge'
      ? 0
      : parseDuration('spike' in c ? c.spike.window : c.threshold.window);
  return {
    ...config,
    forMs: parseDuration(config.for),
    keepFiringForMs: parseDuration(config.keep_firing_for),
    windowMs,
    baselineMs: 'spike' in c ? parseDuration(c.spike.baseline) : 0,
  };
}

/** An agent_silence rule's `agents` settings in milliseconds, defaults filled in. */
export function agentSettings(rule: RuleConfig): { historyMs: number; nodeDownAfterMs: number } {
  const a = agentsSchema.parse(rule.agents ?? {});
  return { historyMs: parseDuration(a.history), nodeDownAfterMs: parseDuration(a.node_down_after) };
}

export function compileReceiver(config: ReceiverConfig): Receiver {
  return {
    ...config,
    repeatIntervalMs: parseDuration(config.repeat_interval),
    backoffMs: parseDuration(config.backoff),
    maxBackoffMs: parseDuration(config.max_backoff),
    timeoutMs: parseDuration(config.timeout),
  };
}

/** Validates one rule object (e.g. from the UI); throws RulesError naming the rule and field. */
export function parseRule(value: unknown, where = 'rule', index = 0): Rule {
  const r = ruleSchema.safeParse(value);
  if (!r.success) throw new RulesError(describe(where, value, index, r.error.issues));
  return compileRule(r.data);
}

export function parseReceiver(value: unknown, where = 'receiver', index = 0): Receiver {
  const r = receiverSchema.safeParse(value);
  if (!r.success) throw new RulesError(describe(where, value, index, r.error.issues));
  return compileReceiver(r.data);
}

export interface RulesFile {
  rules: Rule[];
  receivers: Receiver[];
}

/** Parses and validates a rules document; `source` names the file in error messages. */
export function parseRulesYaml(text: string, source = 'rules file'): RulesFile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new RulesError(
      `${source}: not valid YAML (${(err as Error).message.split('\n')[0]}); fix the syntax`,
    );
  }
  const top = rulesFileSchema.safeParse(doc ?? {});
  if (!top.success)
    throw new RulesError(
      `${source}: ${top.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')} (expected top-level keys rules and receivers)`,
    );
  const problems: string[] = [];
  const rules: Rule[] = [];
  const receivers: Receiver[] = [];
  top.data.rules.forEach((item, i) => {
    try {
      rules.push(parseRule(item, 'rules', i));
    } catch (err) {
      problems.push((err as Error).message);
    }
  });
  top.data.receivers.forEach((item, i) => {
    try {
      receivers.push(parseReceiver(item, 'receivers', i));
    } catch (err) {
      problems.push((err as Error).message);
    }
  });
  const dup = (names: string[]) => names.filter((n, i) => names.indexOf(n) !== i);
  for (const n of dup(rules.map((r) => r.name)))
    problems.push(`rules "${n}": duplicate rule name; names must be unique`);
  for (const n of dup(receivers.map((r) => r.name)))
    problems.push(`receivers "${n}": duplicate receiver name; names must be unique`);
  const receiverNames = new Set(receivers.map((r) => r.name));
  for (const r of rules)
    for (const name of r.receivers ?? [])
      if (receivers.length > 0 && !receiverNames.has(name))
        problems.push(`rules "${r.name}" field receivers: unknown receiver "${name}"`);
  if (problems.length) throw new RulesError(`${source}: ${problems.join('; ')}`);
  return { rules, receivers };
}

export function loadRulesFile(path: string): RulesFile {
  if (path === DEFAULT_RULES_PATH) return loadDefaultRules();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RulesError(
      `cannot read rules file ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set ALERT_RULES_FILE to an existing YAML file`,
    );
  }
  return parseRulesYaml(text, path);
}

/** Names the shipped rules where a rules file is expected (loadRulesFile of it loads DEFAULT_RULES_YAML). */
export const DEFAULT_RULES_PATH = 'builtin:default-rules';

export function loadDefaultRules(): RulesFile {
  return parseRulesYaml(DEFAULT_RULES_YAML, 'shipped default rules');
}
