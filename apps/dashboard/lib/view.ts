/** Turns URL search params into the query parameters every panel uses (range, bucket, rollup, filters). */
import { EVENT_CATALOG, EVENT_LEVELS, type EventLevel } from '@gatewatch/events';
import type { DashboardEventFilters } from '@gatewatch/store';
import {
  alignedRange,
  FILTER_KEYS,
  type Filters,
  MAX_FILTER_LENGTH,
  param,
  parseFilters,
  parseRange,
  type RangeProblem,
  type RelativeRange,
  type RollupTier,
  rollupFor,
  type SearchParams,
  stepSeconds,
  type TimeRange,
  viewParams,
} from './range.ts';

export interface View {
  range: TimeRange;
  /** Range snapped to whole buckets. */
  fromMs: number;
  toMs: number;
  /** Charts end at the last complete bucket (a partial one would dip). */
  chartToMs: number;
  stepSec: number;
  rollup: RollupTier;
  filters: Filters;
  eventFilters: DashboardEventFilters;
  /** Range + filters as URL params, for links and CSV exports. */
  params: Record<string, string>;
  nowMs: number;
  /** What the URL asked for that could not be used, and what is shown instead (components/Notices.tsx). */
  notices: Notice[];
}

export type Notice =
  | RangeProblem
  | { kind: 'event'; value: string }
  | { kind: 'long'; param: string; length: number };

/** Values of `event=` that name no catalog event. */
export function unknownEventIds(filters: Filters): string[] {
  const known = new Set(EVENT_CATALOG.map((e) => String(e.id)));
  return (filters.event ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && !known.has(String(Number(s))));
}

/** Event ids named by `event=105,403` and/or `level=error`; [] = all. */
export function eventIdsFor(filters: Filters): number[] {
  let ids: number[] = EVENT_CATALOG.map((e) => e.id);
  if (filters.event) {
    const wanted = new Set(
      filters.event
        .split(',')
        .map((s) => Number(s.trim()))
        .filter(Number.isInteger),
    );
    ids = ids.filter((id) => wanted.has(id));
    if (ids.length === 0) return [-1]; // unknown ids match nothing rather than everything
  }
  if (filters.level && (EVENT_LEVELS as readonly string[]).includes(filters.level)) {
    const level = filters.level as EventLevel;
    ids = ids.filter((id) => EVENT_CATALOG.find((e) => e.id === id)?.level === level);
  }
  return ids.length === EVENT_CATALOG.length ? [] : ids.length ? ids : [-1];
}

export function buildView(
  sp: SearchParams | URLSearchParams,
  nowMs: number = Date.now(),
  fallback?: RelativeRange,
): View {
  const range = parseRange(sp, nowMs, fallback);
  const stepSec = stepSeconds(range);
  const { fromMs, toMs } = alignedRange(range, stepSec);
  const filters = parseFilters(sp);
  const ids = eventIdsFor(filters);
  const eventFilters: DashboardEventFilters = {
    nodeId: filters.node ?? '',
    workspaceId: filters.ws ?? '',
    // An event filter matching no known id must return nothing (id 0 never exists), not everything.
    eventIds: ids[0] === -1 ? [0] : ids,
    reason: filters.reason ?? '',
    targetHost: filters.host ?? '',
    clientAddress: filters.client ?? '',
  };
  return {
    range,
    fromMs,
    toMs,
    chartToMs: Math.max(fromMs + stepSec * 1000, Math.floor(range.toMs / (stepSec * 1000)) * stepSec * 1000),
    stepSec,
    rollup: rollupFor(range),
    filters,
    eventFilters,
    // An unusable range is replaced in links and CSV exports by the one shown.
    params: range.problem
      ? { ...viewParams(sp), from: '', to: '', range: range.relative ?? '' }
      : viewParams(sp),
    nowMs,
    notices: [
      ...(range.problem ? [range.problem] : []),
      ...unknownEventIds(filters).map((value) => ({ kind: 'event' as const, value })),
      ...FILTER_KEYS.flatMap((k) => {
        const length = param(sp, k)?.trim().length ?? 0;
        return length > MAX_FILTER_LENGTH ? [{ kind: 'long' as const, param: k, length }] : [];
      }),
    ],
  };
}

export function qs(params: Record<string, string | undefined>): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) out.set(k, v);
  const s = out.toString();
  return s ? `?${s}` : '';
}
