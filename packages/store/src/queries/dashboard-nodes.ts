/** Fleet node list for the dashboard: last sample per node (from the hourly rollup) + its config version. */
import type { Store } from '../open.ts';
import { FROM, selectRows, TO } from './dashboard-common.ts';

export interface DashboardNodeRow {
  nodeId: string;
  lastSeen: number;
  startedAt: number;
  version: string;
  configVersion: string;
  active: number;
  connected: number;
  /** Cumulative since startedAt (last sample). */
  errorCount: number;
  rejectionCount: number;
}

/** Every node that reported in [fromMs, toMs), with its newest sample's values. */
export async function dashboardNodes(
  store: Store,
  p: { fromMs: number; toMs: number; nodeId?: string },
): Promise<DashboardNodeRow[]> {
  const rows = await selectRows<Record<string, string | number>>(
    store,
    `SELECT h.nodeId AS nodeId, h.lastSeen AS lastSeen, h.startedAt AS startedAt, h.version AS version,
       ifNull(c.configVersion, '') AS configVersion, h.active AS active, h.connected AS connected,
       h.errorCount AS errorCount, h.rejectionCount AS rejectionCount
     FROM (
       SELECT nodeId, toUnixTimestamp64Milli(maxMerge(lastTs)) AS lastSeen,
         toUnixTimestamp64Milli(argMaxMerge(startedAtLast)) AS startedAt, argMaxMerge(versionLast) AS version,
         argMaxMerge(activeLast) AS active, argMaxMerge(connectedLast) AS connected,
         argMaxMerge(errorCountLast) AS errorCount, argMaxMerge(rejectionCountLast) AS rejectionCount
       FROM gateway_counters_1h
       WHERE hour >= toStartOfHour(${FROM}) AND hour < ${TO}
         AND ({nodeId:String} = '' OR nodeId = {nodeId:String})
       GROUP BY nodeId
     ) AS h
     LEFT JOIN (
       SELECT nodeId, argMax(configVersion, ts) AS configVersion
       FROM gateway_counters
       WHERE ts >= greatest(${FROM}, ${TO} - INTERVAL 1 HOUR) AND ts < ${TO}
         AND ({nodeId:String} = '' OR nodeId = {nodeId:String})
       GROUP BY nodeId
     ) AS c ON c.nodeId = h.nodeId
     WHERE h.lastSeen >= {fromMs:Int64}
     ORDER BY nodeId
     SETTINGS join_use_nulls = 1`,
    { fromMs: Math.floor(p.fromMs), toMs: Math.floor(p.toMs), nodeId: p.nodeId ?? '' },
  );
  return rows.map((r) => ({
    nodeId: String(r.nodeId),
    lastSeen: Number(r.lastSeen),
    startedAt: Number(r.startedAt),
    version: String(r.version),
    configVersion: String(r.configVersion ?? ''),
    active: Number(r.active),
    connected: Number(r.connected),
    errorCount: Number(r.errorCount),
    rejectionCount: Number(r.rejectionCount),
  }));
}

/**
 * The first minute with a counter sample at or after `sinceMs` (epoch ms), or null when none: the
 * dashboard's default range fits the data present.
 */
export async function dashboardDataStart(store: Store, p: { sinceMs: number }): Promise<number | null> {
  const [row] = await selectRows<{ first: string | number | null }>(
    store,
    `SELECT toUnixTimestamp(min(minute)) * 1000 AS first, count() AS n FROM gateway_counters_1m
     WHERE minute >= toDateTime(intDiv({sinceMs:Int64}, 1000), 'UTC') HAVING n > 0`,
    { sinceMs: Math.floor(p.sinceMs) },
  );
  return row?.first === undefined || row.first === null ? null : Number(row.first);
}
