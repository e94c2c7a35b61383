/** Page-level data loaders shared by the Overview and Node pages. */
import {
  type DashboardCounter,
  type DashboardEventFilters,
  type DashboardSeriesRow,
  dashboardCounterSeries,
  dashboardCounterSeriesTotals,
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

/** Each node's errors and rejections over the view's range (the node table's "in range" columns). */
export type CounterTotals = Record<'errors' | 'rejections', ReadonlyMap<string, number>>;

/**
 * One counter chart's series, top-N nodes + "others" (or one node when nodeId is set); errors and
 * rejections come with each node's total over the range, from the same query.
 */
export async function loadCounter(
  store: Store,
  view: View,
  counter: DashboardCounter,
  nodeId = '',
  topN = 8,
): Promise<{ series: DashboardSeriesRow[]; totals?: ReadonlyMap<string, number> }> {
  const { fromMs, toMs, stepSec, rollup } = view;
  const p = { fromMs, toMs, stepSec, rollup, nodeId, topN };
  if (counter === 'errors' || counter === 'rejections')
    return dashboardCounterSeriesTotals(store, { ...p, counter });
  return { series: await dashboardCounterSeries(store, { ...p, counter }) };
}

/** The four counter series, and the per-node totals of errors and rejections. */
export async function loadCounterSeries(store: Store, view: View, nodeId?: string, topN = 8) {
  const series = {} as Record<DashboardCounter, DashboardSeriesRow[]>;
  const totals: CounterTotals = { errors: new Map(), rejections: new Map() };
  // Sequential: chDB runs one query at a time anyway, and a server gets fewer concurrent scans.
  for (const p of COUNTER_PANELS) {
    const r = await loadCounter(store, view, p.counter, nodeId, topN);
    series[p.counter] = r.series;
    if (r.totals && (p.counter === 'errors' || p.counter === 'rejections')) totals[p.counter] = r.totals;
  }
  return { series, totals };
}

/** The totals alone (the node table's CSV export, which draws no chart). */
export async function loadCounterTotals(store: Store, view: View): Promise<CounterTotals> {
  const totals = async (c: 'errors' | 'rejections') =>
    (await loadCounter(store, view, c)).totals ?? new Map();
  return { errors: await totals('errors'), rejections: await totals('rejections') };
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
