import { alertEpisodes, type Rule } from '@gatewatch/alerting';
import type { DashboardCounter, Store } from '@gatewatch/store';
import type { ChartAnnotation } from '../components/TimeChart.tsx';
import { currentRules } from './alerts.ts';
import type { View } from './view.ts';

/** The chart whose series a rule watches: a counter chart, or `event:<id>` for an event-rate rule. */
export type ChartKey = DashboardCounter | `event:${number}`;
export type AlertAnnotation = ChartAnnotation & { chart: ChartKey | null };

/** From the rule's metric (not its name): rejection_rate → Rejection Count, error_rate → Error Count. */
export function chartOf(rule: Pick<Rule, 'metric' | 'event'>): ChartKey | null {
  if (rule.metric === 'rejection_rate') return 'rejections';
  if (rule.metric === 'error_rate') return 'errors';
  if (rule.metric === 'event_rate' && rule.event !== undefined) return `event:${rule.event}`;
  return null; // last_sample_age: no chart plots it
}

/** The annotations a chart shows: only alerts on the series it plots. */
export const forChart = (all: readonly AlertAnnotation[], chart: ChartKey) =>
  all.filter((a) => a.chart === chart);

/**
 * Firing periods of alerts within the view's chart range, for chart annotations. `workspace` keeps only
 * episodes of rules with that workspace label. Never throws: a failing alerts query (no alert tables yet,
 * store error) yields no annotations rather than breaking the page.
 */
export async function loadAlertAnnotations(
  store: Store,
  view: View,
  opts: { workspace?: string; limit?: number; rules?: readonly Rule[] } = {},
): Promise<AlertAnnotation[]> {
  const fromMs = view.fromMs;
  const toMs = view.chartToMs;
  try {
    const episodes = await alertEpisodes(store, { fromMs, toMs, limit: opts.limit ?? 200 });
    // A rule removed since its episode watches nothing now: chart null, shown on no chart.
    const charts = new Map((opts.rules ?? currentRules()).map((r) => [r.name, chartOf(r)]));
    const spans: AlertAnnotation[] = [];
    for (const e of episodes) {
      if (opts.workspace && e.labels.workspace !== opts.workspace) continue;
      // Still firing: the period runs until now.
      const end = e.endsAt ?? view.nowMs;
      const from = Math.max(e.startsAt, fromMs);
      const to = Math.min(end, toMs);
      if (!(to > from)) continue;
      spans.push({ from, to, label: e.labels.alertname ?? e.rule, chart: charts.get(e.rule) ?? null });
    }
    // One area per alert and period: overlapping episodes of the same rule (several nodes) are merged.
    spans.sort((a, b) => a.label.localeCompare(b.label) || a.from - b.from);
    const out: AlertAnnotation[] = [];
    for (const s of spans) {
      const last = out.at(-1);
      if (last && last.label === s.label && s.from <= last.to) last.to = Math.max(last.to, s.to);
      else out.push({ ...s });
    }
    return out.sort((a, b) => a.from - b.from);
  } catch {
    return [];
  }
}
