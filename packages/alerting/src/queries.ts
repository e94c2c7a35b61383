/**
 * SQL the alerter needs that the store does not provide. Read from the per-minute rollups (small results
 * however many samples a node sends) with {name:Type} parameters only.
 */
import { EVENT } from '@gatewatch/events';
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

export interface AgentSilenceRow {
  agent: string;
  /** The agent's last upload (a tunnel opened, or bytes sent), ms. */
  lastActive: number;
  /** Node and workspace of that upload. */
  nodeId: string;
  workspaceId: string;
}

/**
 * Per agent, from the hourly agent rollup: its last upload, then where it went. Returned are the agents in
 * `known` (their alerts must see them return), and the regular senders — an upload in each of the `hours`
 * clock hours up to the one of their last upload — silent since before `silentBeforeMs`. The first query is
 * one aggregate over the range's hourly rows however many agents there are (no state merges); the second
 * merges node and workspace for the agents it returned, in the hours of their last uploads only.
 */
const RANGE_1H = `hour >= toStartOfHour(toDateTime(intDiv({fromMs:Int64}, 1000), 'UTC'))
    AND hour <= toDateTime(intDiv({toMs:Int64}, 1000), 'UTC')`;

const AGENT_SILENCE = `
SELECT agent, toUnixTimestamp64Milli(last) AS lastMs
FROM (
  SELECT agent, max(lastActive) AS last, groupUniqArrayIf(hour, toUnixTimestamp64Milli(lastActive) > 0) AS hours
  FROM gateway_usage_clients_1h
  WHERE ${RANGE_1H}
  GROUP BY agent
)
WHERE toUnixTimestamp64Milli(last) > 0 AND (
  has({known:Array(String)}, agent) OR (
    toUnixTimestamp64Milli(last) < {silentBeforeMs:Int64}
    AND arrayCount(h -> h > toStartOfHour(last) - toIntervalHour({hours:UInt32}), hours) >= {hours:UInt32}
  )
)`;

/** The hours of the agents' last uploads only: the rows where their last node and workspace are. */
const AGENT_WHERE = `
SELECT agent, argMaxMerge(lastNode) AS node, argMaxMerge(lastWorkspace) AS workspace
FROM gateway_usage_clients_1h
WHERE hour IN {hours:Array(DateTime('UTC'))} AND agent IN {agents:Array(String)}
GROUP BY agent`;

/** `YYYY-MM-DD hh:00:00` (UTC) of the hour holding ms. */
const hourOf = (ms: number) =>
  new Date(Math.floor(ms / 3_600_000) * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

export async function agentSilence(
  store: Store,
  p: { fromMs: number; toMs: number; silentBeforeMs: number; hours: number; known: string[] },
): Promise<AgentSilenceRow[]> {
  const silent = await rows<{ agent: string; lastMs: string }>(store, AGENT_SILENCE, p);
  if (silent.length === 0) return [];
  const where = await rows<{ agent: string; node: string; workspace: string }>(store, AGENT_WHERE, {
    hours: [...new Set(silent.map((r) => hourOf(num(r.lastMs))))],
    agents: silent.map((r) => r.agent),
  });
  const at = new Map(where.map((r) => [r.agent, r]));
  return silent.map((r) => ({
    agent: r.agent,
    lastActive: num(r.lastMs),
    nodeId: at.get(r.agent)?.node ?? '',
    workspaceId: at.get(r.agent)?.workspace ?? '',
  }));
}

const NODE_STOPS = `
SELECT nodeId, toUnixTimestamp64Milli(max(ts)) AS lastMs
FROM gateway_events
WHERE eventId = {eventId:UInt16}
  AND ts >= fromUnixTimestamp64Milli({fromMs:Int64}) AND ts < fromUnixTimestamp64Milli({toMs:Int64})
GROUP BY nodeId`;

/** Per node: its last event 102 (service stopped) in [fromMs, toMs). */
export async function nodeStops(
  store: Store,
  p: { fromMs: number; toMs: number },
): Promise<Map<string, number>> {
  const raw = await rows<Record<string, unknown>>(store, NODE_STOPS, {
    ...p,
    eventId: EVENT.SERVICE_STOPPED,
  });
  return new Map(raw.map((r) => [String(r.nodeId), num(r.lastMs)]));
}
