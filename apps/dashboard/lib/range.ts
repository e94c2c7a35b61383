/**
 * Time range and URL state shared by server pages and client controls. Pure: no Node or DOM APIs.
 * URL shape: `?range=1h` (relative) or `?from=<ISO>&to=<ISO>` (absolute), plus filter params.
 */
export const RELATIVE_RANGES = {
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '6h': 6 * 60 * 60_000,
  '24h': 24 * 60 * 60_000,
  '7d': 7 * 24 * 60 * 60_000,
  '30d': 30 * 24 * 60 * 60_000,
} as const;
export type RelativeRange = keyof typeof RELATIVE_RANGES;
export const DEFAULT_RANGE: RelativeRange = '24h';

export const REFRESH_OPTIONS = { off: 0, '10s': 10_000, '30s': 30_000, '1m': 60_000 } as const;
export type RefreshOption = keyof typeof REFRESH_OPTIONS;

/** Filter params kept in the URL (besides range/from/to/refresh). */
export const FILTER_KEYS = ['node', 'ws', 'event', 'level', 'host', 'client', 'reason', 'trace'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export type Filters = Partial<Record<FilterKey, string>>;

export interface TimeRange {
  fromMs: number;
  toMs: number;
  /** Set for relative ranges. */
  relative?: RelativeRange;
  label: string;
  /** Set when the URL's range was unusable and `relative` replaced it. */
  problem?: RangeProblem;
}

export type SearchParams = Record<string, string | string[] | undefined>;

export function param(sp: SearchParams | URLSearchParams, key: string): string | undefined {
  if (sp instanceof URLSearchParams) return sp.get(key) ?? undefined;
  const v = sp[key];
  return Array.isArray(v) ? v[0] : v;
}

function isRelative(v: string | undefined): v is RelativeRange {
  return v !== undefined && Object.hasOwn(RELATIVE_RANGES, v);
}

/** What was wrong with the URL's range, so the page can say so next to what it shows instead. */
export type RangeProblem =
  | { kind: 'range'; value: string }
  | { kind: 'time'; param: 'from' | 'to'; value: string }
  | { kind: 'order'; from: string; to: string };

/**
 * The range a URL asks for. A missing range uses `fallback`; an invalid `range`, an unreadable or missing
 * `from`/`to`, or `from` not before `to` also do, with the problem named in `problem`.
 */
export function parseRange(
  sp: SearchParams | URLSearchParams,
  nowMs: number = Date.now(),
  fallback: RelativeRange = DEFAULT_RANGE,
): TimeRange {
  const rawFrom = param(sp, 'from');
  const rawTo = param(sp, 'to');
  let problem: RangeProblem | undefined;
  if (rawFrom !== undefined || rawTo !== undefined) {
    const from = Date.parse(rawFrom ?? '');
    const to = Date.parse(rawTo ?? '');
    if (Number.isFinite(from) && Number.isFinite(to) && to > from) {
      return { fromMs: from, toMs: to, label: `${fmtAbs(from)} → ${fmtAbs(to)}` };
    }
    if (!Number.isFinite(from)) problem = { kind: 'time', param: 'from', value: rawFrom ?? '' };
    else if (!Number.isFinite(to)) problem = { kind: 'time', param: 'to', value: rawTo ?? '' };
    else problem = { kind: 'order', from: rawFrom ?? '', to: rawTo ?? '' };
  }
  const rel = param(sp, 'range');
  if (rel !== undefined && !isRelative(rel)) problem ??= { kind: 'range', value: rel };
  const r: RelativeRange = isRelative(rel) ? rel : fallback;
  return {
    fromMs: nowMs - RELATIVE_RANGES[r],
    toMs: nowMs,
    relative: r,
    label: `Last ${r}`,
    ...(problem ? { problem } : {}),
  };
}

/** Whether the URL names a range at all (else the page picks one that fits the data, see fitRange). */
export function hasRange(sp: SearchParams | URLSearchParams): boolean {
  return ['range', 'from', 'to'].some((k) => param(sp, k) !== undefined);
}

/** Ranges a default may be: the smallest one holding all the data present, so fresh data is not a sliver. */
const FIT_RANGES: readonly RelativeRange[] = ['1h', '6h', '24h'];

/**
 * The default range for data starting at `dataStartMs` (null: no data, the usual default): the smallest
 * of 1h, 6h and 24h that covers it; 24h for anything older.
 */
export function fitRange(dataStartMs: number | null, nowMs: number): RelativeRange {
  if (dataStartMs === null) return DEFAULT_RANGE;
  const span = nowMs - dataStartMs;
  return FIT_RANGES.find((r) => RELATIVE_RANGES[r] >= span) ?? DEFAULT_RANGE;
}

/** Longest filter value used; a longer one is cut (and the page says so). */
export const MAX_FILTER_LENGTH = 256;

export function parseFilters(sp: SearchParams | URLSearchParams): Filters {
  const f: Filters = {};
  for (const k of FILTER_KEYS) {
    const v = param(sp, k)?.trim();
    if (v) f[k] = v.slice(0, MAX_FILTER_LENGTH);
  }
  return f;
}

export function parseRefresh(sp: SearchParams | URLSearchParams): RefreshOption {
  const v = param(sp, 'refresh');
  return v !== undefined && Object.hasOwn(REFRESH_OPTIONS, v) ? (v as RefreshOption) : 'off';
}

/** Bucket widths (seconds) the charts use; counters are sampled every 10 s so nothing finer. */
const STEPS = [
  10, 15, 20, 30, 60, 120, 180, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400,
];
export const TARGET_BUCKETS = 600;
/** Ranges longer than this read the per-minute rollups instead of raw rows… */
export const ROLLUP_AFTER_MS = 3 * 60 * 60_000;
/**
 * …longer than this the 5-minute counter rollup (buckets of whole 5 minutes; events stay per-minute): at
 * 1 000 nodes a 24h fleet rate on the per-minute rollup cost ≈ 330 ms CPU (bench README), 12 h half that…
 */
export const FIVE_MINUTE_AFTER_MS = 12 * 60 * 60_000;
/** …and longer than this the per-hour rollups (buckets of whole hours). */
export const HOURLY_AFTER_MS = 3 * 24 * 60 * 60_000;
export type RollupTier = false | '1m' | '5m' | '1h';
/** The bucket a tier's rows cover, in seconds: chart steps must be whole multiples of it. */
const TIER_SECONDS = { '1m': 60, '5m': 300, '1h': 3600 } as const;

/** The smallest nice step giving at most ~TARGET_BUCKETS points (one per pixel of a wide chart). */
export function stepSeconds(range: TimeRange, buckets = TARGET_BUCKETS): number {
  const want = (range.toMs - range.fromMs) / 1000 / buckets;
  const s = STEPS.find((x) => x >= want) ?? STEPS[STEPS.length - 1] ?? 86400;
  // Every step in STEPS at or above a tier's period is a multiple of it (60, 300, 3600).
  const tier = rollupFor(range);
  return tier ? Math.max(TIER_SECONDS[tier], s) : s;
}

export function rollupFor(range: TimeRange): RollupTier {
  const span = range.toMs - range.fromMs;
  if (span > HOURLY_AFTER_MS) return '1h';
  if (span > FIVE_MINUTE_AFTER_MS) return '5m';
  return span > ROLLUP_AFTER_MS ? '1m' : false;
}

/** Range snapped outward to whole steps, so bucket edges are stable between refreshes. */
export function alignedRange(range: TimeRange, step: number): { fromMs: number; toMs: number } {
  const ms = step * 1000;
  return { fromMs: Math.floor(range.fromMs / ms) * ms, toMs: Math.ceil(range.toMs / ms) * ms };
}

/** Build a query string from the current params with some keys changed (undefined/'' removes a key). */
export function withParams(
  sp: SearchParams | URLSearchParams,
  changes: Record<string, string | undefined>,
): string {
  const out = new URLSearchParams();
  if (sp instanceof URLSearchParams) {
    for (const [k, v] of sp) out.append(k, v);
  } else {
    for (const [k, v] of Object.entries(sp)) {
      const first = Array.isArray(v) ? v[0] : v;
      if (first !== undefined) out.set(k, first);
    }
  }
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') out.delete(k);
    else out.set(k, v);
  }
  const s = out.toString();
  return s ? `?${s}` : '';
}

/** Params that define the view (range + filters), for links between pages and CSV exports. */
export function viewParams(sp: SearchParams | URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['range', 'from', 'to', 'refresh', ...FILTER_KEYS]) {
    const v = param(sp, k);
    if (v) out[k] = v;
  }
  return out;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `YYYY-MM-DD hh:mm` in UTC: the dashboard shows UTC everywhere so shared links agree. */
export function fmtAbs(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
