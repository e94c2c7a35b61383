/**
 * Shared pieces of the dashboard's queries: a typed JSONEachRow runner and the time/filter parameters.
 * Every value goes through ClickHouse query parameters ({name:Type}); only fixed SQL fragments are spliced.
 */
import type { Store } from '../open.ts';

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

/** Host and client filters exist only in raw data, so they force a raw read. */
/**
 * Which table answers: raw rows, or the per-minute / per-hour rollups (`true` means per-minute). The
 * bucket must be a whole number of the rollup's period.
 */
export type DashboardRollup = boolean | '1m' | '1h';
export function rollupTier(
  r: DashboardRollup,
): { suffix: '_1m' | '_1h'; col: 'minute' | 'hour'; period: string } | null {
  if (r === false) return null;
  return r === '1h'
    ? { suffix: '_1h', col: 'hour', period: 'HOUR' }
    : { suffix: '_1m', col: 'minute', period: 'MINUTE' };
}

export function needsRaw(f: DashboardEventFilters): boolean {
  return Boolean(f.targetHost || f.clientAddress);
}
