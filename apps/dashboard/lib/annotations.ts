import { alertEpisodes } from '@gatewatch/alerting';
import type { Store } from '@gatewatch/store';
import type { ChartAnnotation } from '../components/TimeChart.tsx';
import type { View } from './view.ts';

export type { ChartAnnotation };

/**
 * Firing periods of alerts within the view's chart range, for chart annotations. `workspace` keeps only
 * episodes of rules with that workspace label. Never throws: a failing alerts query (no alert tables yet,
 * store error) yields no annotations rather than breaking the page.
 */
export async function loadAlertAnnotations(
  store: Store,
  view: View,
  opts: { workspace?: string; limit?: number } = {},
): Promise<ChartAnnotation[]> {
  const fromMs = view.fromMs;
  const toMs = view.chartToMs;
  try {
    const episodes = await alertEpisodes(store, { fromMs, toMs, limit: opts.limit ?? 200 });
    const spans: ChartAnnotation[] = [];
    for (const e of episodes) {
      if (opts.workspace && e.labels.workspace !== opts.workspace) continue;
      // Still firing: the period runs until now.
      const end = e.endsAt ?? view.nowMs;
      const from = Math.max(e.startsAt, fromMs);
      const to = Math.min(end, toMs);
      if (!(to > from)) continue;
      spans.push({ from, to, label: e.labels.alertname ?? e.rule });
    }
    // One area per alert and period: overlapping episodes of the same rule (several nodes) are merged.
    spans.sort((a, b) => a.label.localeCompare(b.label) || a.from - b.from);
    const out: ChartAnnotation[] = [];
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
