/**
 * A deliberately tiny template language for annotations, in the Prometheus style:
 * `{{ $labels.node }}`, `{{ $value }}`, `{{ $threshold }}`, `{{ $baseline }}`, `{{ $from }}`, `{{ $to }}`,
 * `{{ remedy 105 }}` and `{{ description 105 }}` (texts from the event catalog).
 */
import { catalogEntry, isEventId } from '@gatewatch/events';

export const TEMPLATE_ERROR = 'unknown template expression';
const EXPR = /\{\{\s*([^}]*?)\s*\}\}/g;
const VARS = new Set(['$value', '$threshold', '$baseline', '$from', '$to']);

export interface TemplateContext {
  labels: Record<string, string>;
  value: number | null;
  threshold: number | null;
  baseline: number | null;
  from: string;
  to: string;
}

function known(expr: string): boolean {
  if (VARS.has(expr)) return true;
  if (/^\$labels\.[a-zA-Z_][a-zA-Z0-9_]*$/.test(expr)) return true;
  const m = /^(remedy|description) (\d+)$/.exec(expr);
  return m !== null && isEventId(Number(m[2]));
}

/** Expressions a template uses that the engine does not know (empty when valid). */
export function templateProblems(text: string): string[] {
  return [...text.matchAll(EXPR)]
    .map((m) => m[1] ?? '')
    .filter((e) => !known(e))
    .map((e) => `{{ ${e} }}`);
}

export function formatValue(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** Renders a template; with `encode` every substituted value is URL-encoded (for dashboard links). */
export function renderTemplate(text: string, ctx: TemplateContext, encode = false): string {
  return text.replace(EXPR, (_all, raw: string) => {
    const expr = raw.trim();
    let out: string;
    if (expr.startsWith('$labels.')) out = ctx.labels[expr.slice(8)] ?? '';
    else if (expr === '$value') out = formatValue(ctx.value);
    else if (expr === '$threshold') out = formatValue(ctx.threshold);
    else if (expr === '$baseline') out = formatValue(ctx.baseline);
    else if (expr === '$from') out = ctx.from;
    else if (expr === '$to') out = ctx.to;
    else {
      const [fn, id] = expr.split(' ');
      const entry = catalogEntry(Number(id));
      out = fn === 'remedy' ? entry.remedy : entry.description;
    }
    return encode ? encodeURIComponent(out) : out;
  });
}
