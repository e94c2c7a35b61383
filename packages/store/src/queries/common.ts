import type { Store } from '../open.ts';

/** A time range in ms since epoch, [from, to). */
export interface TimeRange {
  from: number;
  to: number;
}

/** Which table answers a time-series query. */
export type SeriesSource = 'raw' | '1m' | '1h';

export interface SeriesParams extends TimeRange {
  /** Bucket width in seconds; default: about 240 buckets over the range, rounded to a nice width. */
  step?: number;
  /** Force a table; default 'auto' (raw up to 6 h, per-minute rollup up to 7 d, hourly beyond). */
  source?: SeriesSource | 'auto';
}

const NICE_STEPS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
export const RAW_MAX_RANGE_MS = 6 * 3_600_000;
export const MINUTE_ROLLUP_MAX_RANGE_MS = 7 * 86_400_000;

/** A bucket width giving at most ~maxPoints buckets. */
export function autoStep(range: TimeRange, maxPoints = 240): number {
  const seconds = Math.max(1, (range.to - range.from) / 1000);
  return NICE_STEPS.find((s) => seconds / s <= maxPoints) ?? Math.ceil(seconds / maxPoints / 86400) * 86400;
}

/** Resolve step and table: rollups for long ranges, and never a rollup finer than its granularity. */
export function resolveSeries(params: SeriesParams): { step: number; source: SeriesSource } {
  if (!(params.to > params.from))
    throw new RangeError(`empty time range: from ${params.from} must be before to ${params.to}`);
  const step = Math.max(1, Math.round(params.step ?? autoStep(params)));
  if (params.source && params.source !== 'auto') return { step, source: params.source };
  const span = params.to - params.from;
  if (span <= RAW_MAX_RANGE_MS || step < 60) return { step, source: 'raw' };
  if (span <= MINUTE_ROLLUP_MAX_RANGE_MS || step < 3600) return { step, source: '1m' };
  return { step, source: '1h' };
}

/** The {from}/{to} parameters every query uses, as DateTime64(3, 'UTC') expressions. */
export const T0 = "fromUnixTimestamp64Milli({from:Int64}, 'UTC')";
export const T1 = "fromUnixTimestamp64Milli({to:Int64}, 'UTC')";

export async function queryRows<T>(
  store: Store,
  query: string,
  params: Record<string, unknown>,
): Promise<T[]> {
  const rs = await store.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

/** ClickHouse JSON gives 64-bit integers as strings: numbers for callers. */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** A DateTime('UTC') as ClickHouse JSON prints it ('YYYY-MM-DD hh:mm:ss') → ms since epoch. */
export function bucketMs(v: unknown): number {
  return Date.parse(`${String(v).replace(' ', 'T')}Z`);
}
