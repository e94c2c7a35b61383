/**
 * Shared pieces of the dashboard's queries: a typed JSONEachRow runner and the time/filter parameters.
 * Every value goes through ClickHouse query parameters ({name:Type}); only fixed SQL fragments are spliced.
 */

import { EVENT } from '@gatewatch/events';
import type { Store } from '../open.ts';
import { ROLLUP_PERIODS, type RollupPeriod } from '../tables.ts';

export async function selectRows<T>(
  store: Store,
  query: string,
  params: Record<string, unknown>,
): Promise<T[]> {
  const rs = await store.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

/** A time window [fromMs, toMs) in epoch milliseconds, bucketed by stepSec seconds. */
export interface DashboardWindow {
  fromMs: number;
  toMs: number;
  stepSec: number;
}

/** Filters on event records; empty string / empty list means "any". */
export interface DashboardEventFilters {
  nodeId?: string;
  workspaceId?: string;
  eventIds?: number[];
  reason?: string;
  targetHost?: string;
  clientAddress?: string;
}

export const FROM = "fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC')";
export const TO = "fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')";
/**
 * `col` in [fromMs, toMs). Rollup bucket columns (minute, fiveMinute, hour) are DateTime: they are compared
 * with the bounds as DateTime, rounded up to whole seconds (the same rows as with the ms bounds), because a
 * DateTime column compared with a DateTime64 value is converted row by row (a 30-day read of
 * gateway_events_1h took 2.5× the CPU). Raw `ts` columns are DateTime64 and use the ms bounds.
 */
export const FROM_S = "toDateTime(intDiv({fromMs:Int64} + 999, 1000), 'UTC')";
export const TO_S = "toDateTime(intDiv({toMs:Int64} + 999, 1000), 'UTC')";
export function inWindow(col: string): string {
  return col === 'ts' ? `ts >= ${FROM} AND ts < ${TO}` : `${col} >= ${FROM_S} AND ${col} < ${TO_S}`;
}
export const BUCKET = (col: string) => `toStartOfInterval(${col}, toIntervalSecond({stepSec:UInt32}))`;
/** Bucket start as epoch ms (buckets are whole seconds). */
export const BUCKET_MS = (col: string) => `toUInt64(toUnixTimestamp(${BUCKET(col)})) * 1000`;

/** Filters usable on the fleet rollups (event, workspace, reason; no node). */
export const FLEET_EVENT_FILTERS = `({workspaceId:String} = '' OR workspaceId = {workspaceId:String})
  AND (empty({eventIds:Array(UInt16)}) OR eventId IN {eventIds:Array(UInt16)})
  AND ({reason:String} = '' OR reason = {reason:String})`;
/** Filters usable on both gateway_events and its per-node rollups (node, event, workspace, reason). */
export const ROLLUP_EVENT_FILTERS = `({nodeId:String} = '' OR nodeId = {nodeId:String})
  AND ${FLEET_EVENT_FILTERS}`;
/** Raw-only filters (host and client are not in the rollups). */
export const RAW_EVENT_FILTERS = `${ROLLUP_EVENT_FILTERS}
  AND ({targetHost:String} = '' OR targetHost = {targetHost:String})
  AND ({clientAddress:String} = '' OR clientAddress = {clientAddress:String})`;

export function eventParams(
  w: Omit<DashboardWindow, 'stepSec'> & { stepSec?: number },
  f: DashboardEventFilters = {},
) {
  return {
    fromMs: Math.floor(w.fromMs),
    toMs: Math.floor(w.toMs),
    stepSec: w.stepSec ?? 60,
    nodeId: f.nodeId ?? '',
    workspaceId: f.workspaceId ?? '',
    eventIds: f.eventIds ?? [],
    reason: f.reason ?? '',
    targetHost: f.targetHost ?? '',
    clientAddress: f.clientAddress ?? '',
  };
}

/**
 * Which table answers: raw rows, or the per-minute, 5-minute (counters only) or per-hour rollups (`true`
 * means per-minute). The bucket must be a whole number of the rollup's period.
 */
export type DashboardRollup = boolean | '1m' | '5m' | '1h';
export interface DashboardTier {
  /** Of the table name: `gateway_counters${suffix}`. */
  suffix: string;
  col: RollupPeriod['column'];
  period: RollupPeriod['interval'];
}
export function rollupTier(r: DashboardRollup): DashboardTier | null {
  if (r === false) return null;
  const p = ROLLUP_PERIODS[r === true ? '1m' : r];
  return { suffix: `_${p.key}`, col: p.column, period: p.interval };
}
/** Events have no 5-minute rollup (migration 7 is counters only): 5-minute buckets read the per-minute one. */
export function eventRollupTier(r: DashboardRollup): DashboardTier | null {
  return rollupTier(r === '5m' ? '1m' : r);
}

/** Host and client filters exist only in raw data, so they force a raw read. */
export function needsRaw(f: DashboardEventFilters): boolean {
  return Boolean(f.targetHost || f.clientAddress);
}

/**
 * The raw table for event filters: `gateway_events_105` (event 105 rows ordered by workspace, host,
 * client; migration 6) for event 105 alone under a workspace, host or client filter, which is then a
 * primary-key prefix; otherwise `gateway_events`. Both have the columns of RAW_EVENT_FILTERS.
 */
export function rawEventTable(f: DashboardEventFilters): 'gateway_events' | 'gateway_events_105' {
  return only105(f) && (f.workspaceId || f.targetHost || f.clientAddress)
    ? 'gateway_events_105'
    : 'gateway_events';
}

/** Event 105 alone (the investigation's filter). */
export function only105(f: DashboardEventFilters): boolean {
  return f.eventIds?.length === 1 && f.eventIds[0] === EVENT.DESTINATION_NOT_ALLOWED;
}

const DAY_MS = 86_400_000;
/** The whole UTC days inside [fromMs, toMs) as query params, or null when there is none. */
export function wholeDays(fromMs: number, toMs: number): { dayFromMs: number; dayToMs: number } | null {
  const dayFromMs = Math.ceil(fromMs / DAY_MS) * DAY_MS;
  const dayToMs = Math.floor(toMs / DAY_MS) * DAY_MS;
  return dayFromMs < dayToMs ? { dayFromMs, dayToMs } : null;
}
const DAY_FROM = "fromUnixTimestamp64Milli({dayFromMs:Int64}, 'UTC')";
const DAY_TO = "fromUnixTimestamp64Milli({dayToMs:Int64}, 'UTC')";
/** Rows of a daily rollup inside the whole days. */
export const WHOLE_DAYS = `day >= toDate(${DAY_FROM}) AND day < toDate(${DAY_TO})`;
/** Raw rows of the range outside its whole days (the partial days at both ends). */
export const EDGE_DAYS = `((ts >= ${FROM} AND ts < ${DAY_FROM}) OR (ts >= ${DAY_TO} AND ts < ${TO}))`;
