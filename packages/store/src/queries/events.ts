import type { EventId, EventLevel, EventRecord } from '@gatewatch/events';
import type { Store } from '../open.ts';
import {
  bucketMs,
  num,
  queryRows,
  resolveSeries,
  type SeriesParams,
  T0,
  T1,
  type TimeRange,
} from './common.ts';
import { FILL } from './counters.ts';

export interface EventFilter {
  nodeId?: string;
  /** Only these event ids; default all. */
  eventIds?: readonly number[];
  workspaceId?: string;
}

export interface EventCountPoint {
  /** Bucket start, ms. */
  t: number;
  eventId: EventId;
  count: number;
}

export interface ReasonCountPoint {
  t: number;
  reason: string;
  count: number;
}

const FILTER = `({node:String} = '' OR nodeId = {node:String})
  AND (empty({ids:Array(UInt16)}) OR has({ids:Array(UInt16)}, eventId))
  AND ({ws:String} = '' OR workspaceId = {ws:String})`;

function filterParams(f: EventFilter): Record<string, unknown> {
  return { node: f.nodeId ?? '', ids: [...(f.eventIds ?? [])], ws: f.workspaceId ?? '' };
}

/** Counts per bucket and key over [from, to), from raw events or a rollup; gaps filled with 0 per key. */
async function countSeries(
  store: Store,
  key: 'eventId' | 'reason',
  params: SeriesParams & EventFilter,
): Promise<{ t: number; key: unknown; count: number }[]> {
  const { step, source } = resolveSeries(params);
  const [table, time, count] =
    source === 'raw'
      ? ['gateway_events', 'ts', 'count()']
      : source === '1m'
        ? ['gateway_events_1m', 'minute', 'countMerge(events)']
        : ['gateway_events_1h', 'hour', 'countMerge(events)'];
  const rows = await queryRows<{ t: string; key: unknown; count: string }>(
    store,
    `SELECT bucket AS t, key, count FROM (
       SELECT toDateTime(toStartOfInterval(${time}, INTERVAL {step:UInt32} SECOND), 'UTC') AS bucket,
         ${key} AS key, ${count} AS count
       FROM ${table}
       WHERE ${time} >= ${T0} AND ${time} < ${T1} AND ${FILTER}
       GROUP BY bucket, key
     )
     ORDER BY key, bucket ${FILL}`,
    { from: params.from, to: params.to, step, ...filterParams(params) },
  );
  return rows.map((r) => ({ t: bucketMs(r.t), key: r.key, count: num(r.count) }));
}

/** Event counts by event id over time. */
export async function eventCountsOverTime(
  store: Store,
  params: SeriesParams & EventFilter,
): Promise<EventCountPoint[]> {
  const rows = await countSeries(store, 'eventId', params);
  return rows.map((r) => ({ t: r.t, eventId: num(r.key) as EventId, count: r.count }));
}

/** Refusals by rejection reason over time (events with a reason; filter eventIds [105] for the 105 view). */
export async function rejectionsOverTime(
  store: Store,
  params: SeriesParams & EventFilter,
): Promise<ReasonCountPoint[]> {
  const rows = await countSeries(store, 'reason', params);
  return rows.filter((r) => r.key !== '').map((r) => ({ t: r.t, reason: String(r.key), count: r.count }));
}

/** Total count per event id over [from, to) (from the per-minute rollup). */
export async function eventTotals(
  store: Store,
  params: TimeRange & EventFilter,
): Promise<{ eventId: EventId; count: number }[]> {
  const rows = await queryRows<{ eventId: number; count: string }>(
    store,
    `SELECT eventId, countMerge(events) AS count FROM gateway_events_1m
     WHERE minute >= ${T0} AND minute < ${T1} AND ${FILTER}
     GROUP BY eventId ORDER BY eventId`,
    { from: params.from, to: params.to, ...filterParams(params) },
  );
  return rows.map((r) => ({ eventId: num(r.eventId) as EventId, count: num(r.count) }));
}

export type StoredEvent = EventRecord & { level: EventLevel };

/** The most recent event records (newest first), optionally filtered. */
export async function latestEvents(
  store: Store,
  params: Partial<TimeRange> & EventFilter & { reason?: string; limit?: number } = {},
): Promise<StoredEvent[]> {
  const rows = await queryRows<Record<string, unknown>>(
    store,
    `SELECT toString(recordId) AS id, toUnixTimestamp64Milli(ts) AS tsMs, nodeId, eventId, level,
       workspaceId, clientAddress, targetHost, targetPort, tlsVersion, sni, reason, message, traceId, spanId
     FROM gateway_events
     WHERE ts >= ${T0} AND ts < ${T1} AND ${FILTER} AND ({reason:String} = '' OR reason = {reason:String})
     ORDER BY ts DESC, eventId, recordId
     LIMIT {limit:UInt32}`,
    {
      from: params.from ?? 0,
      to: params.to ?? 8_640_000_000_000,
      limit: params.limit ?? 100,
      reason: params.reason ?? '',
      ...filterParams(params),
    },
  );
  return rows.map((r) => ({
    recordId: String(r.id),
    ts: num(r.tsMs),
    nodeId: String(r.nodeId),
    eventId: num(r.eventId) as EventId,
    level: r.level as EventLevel,
    workspaceId: String(r.workspaceId),
    clientAddress: String(r.clientAddress),
    targetHost: String(r.targetHost),
    targetPort: num(r.targetPort),
    tlsVersion: String(r.tlsVersion),
    sni: String(r.sni),
    reason: String(r.reason),
    message: String(r.message),
    traceId: String(r.traceId),
    spanId: String(r.spanId),
  }));
}
