/**
 * SQL the alerter needs that the store does not provide. Read from the per-minute rollups (small results
 * however many samples a node sends) with {name:Type} parameters only.
 */
import type { Store } from '@gatewatch/store';

export interface CounterMinuteRow {
  nodeId: string;
  minuteMs: number;
  samples: number;
  firstTs: number;
  lastTs: number;
  startedAtFirst: number;
  startedAtLast: number;
  rejectionFirst: number;
  rejectionLast: number;
  errorFirst: number;
  errorLast: number;
}

export interface EventMinuteRow {
  nodeId: string;
  workspaceId: string;
  minuteMs: number;
  count: number;
}

const RANGE = `minute >= toDateTime(intDiv({fromMs:Int64}, 1000), 'UTC') AND minute < toDateTime(intDiv({toMs:Int64}, 1000), 'UTC')`;

const COUNTER_MINUTES = `
SELECT nodeId,
  toUnixTimestamp(minute) * 1000 AS minuteMs,
  countMerge(samples) AS sampleCount,
  toUnixTimestamp64Milli(minMerge(firstTs)) AS firstMs,
  toUnixTimestamp64Milli(maxMerge(lastTs)) AS lastMs,
  toUnixTimestamp64Milli(argMinMerge(startedAtFirst)) AS startedFirstMs,
  toUnixTimestamp64Milli(argMaxMerge(startedAtLast)) AS startedLastMs,
  argMinMerge(rejectionCountFirst) AS rejectionFirst,
  argMaxMerge(rejectionCountLast) AS rejectionLast,
  argMinMerge(errorCountFirst) AS errorFirst,
  argMaxMerge(errorCountLast) AS errorLast
FROM gateway_counters_1m
WHERE ${RANGE}
GROUP BY nodeId, minute
ORDER BY nodeId, minute`;

const EVENT_MINUTES = `
SELECT nodeId, workspaceId, toUnixTimestamp(minute) * 1000 AS minuteMs, countMerge(events) AS eventCount
FROM gateway_events_1m
WHERE eventId = {eventId:UInt16} AND ({reason:String} = '' OR reason = {reason:String}) AND ${RANGE}
GROUP BY nodeId, workspaceId, minute
ORDER BY minute`;

const LAST_SAMPLES = `
SELECT nodeId, toUnixTimestamp64Milli(maxMerge(lastTs)) AS lastMs
FROM gateway_counters_1m
WHERE ${RANGE}
GROUP BY nodeId`;

async function rows<T>(store: Store, query: string, params: Record<string, unknown>): Promise<T[]> {
  const rs = await store.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

// 64-bit integers arrive as strings in JSON; everything here fits a double.
const num = (v: unknown) => Number(v);

/** Per node and minute: sample count and first/last of each cumulative counter and of startedAt. */
export async function counterMinutes(
  store: Store,
  p: { fromMs: number; toMs: number },
): Promise<CounterMinuteRow[]> {
  const raw = await rows<Record<string, unknown>>(store, COUNTER_MINUTES, p);
  return raw.map((r) => ({
    nodeId: String(r.nodeId),
    minuteMs: num(r.minuteMs),
    samples: num(r.sampleCount),
    firstTs: num(r.firstMs),
    lastTs: num(r.lastMs),
    startedAtFirst: num(r.startedFirstMs),
    startedAtLast: num(r.startedLastMs),
    rejectionFirst: num(r.rejectionFirst),
    rejectionLast: num(r.rejectionLast),
    errorFirst: num(r.errorFirst),
    errorLast: num(r.errorLast),
  }));
}

/** Per node, workspace and minute: how many events of one id (optionally one reason). */
export async function eventMinutes(
  store: Store,
  p: { fromMs: number; toMs: number; eventId: number; reason?: string },
): Promise<EventMinuteRow[]> {
  const raw = await rows<Record<string, unknown>>(store, EVENT_MINUTES, { reason: '', ...p });
  return raw.map((r) => ({
    nodeId: String(r.nodeId),
    workspaceId: String(r.workspaceId),
    minuteMs: num(r.minuteMs),
    count: num(r.eventCount),
  }));
}

/** Last counter sample time per node that reported in [fromMs, toMs). */
export async function lastSamples(
  store: Store,
  p: { fromMs: number; toMs: number },
): Promise<{ nodeId: string; lastTs: number }[]> {
  const raw = await rows<Record<string, unknown>>(store, LAST_SAMPLES, p);
  return raw.map((r) => ({ nodeId: String(r.nodeId), lastTs: num(r.lastMs) }));
}
