/** Page-level data loaders shared by the Overview and Node pages. */
import {
  type DashboardCounter,
  type DashboardEventFilters,
  type DashboardSeriesRow,
  dashboardCounterSeries,
  dashboardDataStart,
  dashboardEventSeries,
  type Store,
} from '@gatewatch/store';
import { DEFAULT_RANGE, fitRange, RELATIVE_RANGES, type RelativeRange } from './range.ts';
import { getStore } from './store.ts';
import type { View } from './view.ts';

export const COUNTER_PANELS: { counter: DashboardCounter; title: string; unit: string; hint: string }[] = [
  {
    counter: 'active',
    title: 'Active Client Connection',
    unit: 'conns',
    hint: 'open client TCP connections (avg)',
  },
  {
    counter: 'connected',
    title: 'Connected Client',
    unit: 'clients',
    hint: 'distinct connected clients (avg)',
  },
  { counter: 'errors', title: 'Error Count', unit: '/min', hint: 'errors per minute (restarts handled)' },
  {
    counter: 'rejections',
    title: 'Rejection Count',
    unit: '/min',
    hint: 'refusals per minute (restarts handled)',
  },
];

/** The four counter series, top-N nodes + "others" (or one node when nodeId is set). */
export async function loadCounterSeries(store: Store, view: View, nodeId?: string, topN = 8) {
  const out = {} as Record<DashboardCounter, DashboardSeriesRow[]>;
  // Sequential: chDB runs one query at a time anyway, and a server gets fewer concurrent scans.
  for (const p of COUNTER_PANELS) {
    out[p.counter] = await dashboardCounterSeries(store, {
      counter: p.counter,
      fromMs: view.fromMs,
      toMs: view.toMs,
      stepSec: view.stepSec,
      rollup: view.rollup,
      nodeId: nodeId ?? '',
      topN,
    });
  }
  return out;
}

/** Event counts per bucket by event id (or by reason), with the view's filters unless others are given. */
export function loadEventSeries(
  store: Store,
  view: View,
  filters: DashboardEventFilters = view.eventFilters,
  by?: 'reason',
) {
  const { fromMs, toMs, stepSec, rollup } = view;
  return dashboardEventSeries(store, { fromMs, toMs, stepSec, rollup, filters, by });
}

/**
 * The range a page opens with when its URL names none: the smallest that holds the data of the last day
 * (lib/range.ts fitRange); the usual default when the store cannot be read (the page then says why).
 */
export async function fittingRange(nowMs = Date.now()): Promise<RelativeRange> {
  try {
    const since = nowMs - RELATIVE_RANGES[DEFAULT_RANGE];
    return fitRange(await dashboardDataStart(await getStore(), { sinceMs: since }), nowMs);
  } catch {
    return DEFAULT_RANGE;
  }
}
