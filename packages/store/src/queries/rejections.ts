import { EVENT } from '@gatewatch/events';
import type { Store } from '../open.ts';
import { num, queryRows, T0, T1, type TimeRange } from './common.ts';

/** What the 105 investigation view groups by. */
export type RejectionDimension = 'workspace' | 'host' | 'client' | 'reason' | 'node';

const COLUMN: Record<RejectionDimension, string> = {
  workspace: 'workspaceId',
  host: 'targetHost',
  client: 'clientAddress',
  reason: 'reason',
  node: 'nodeId',
};

export interface TopRejectionsParams extends TimeRange {
  by: RejectionDimension;
  /** Event id to look at; default 105 (destination not allowed). */
  eventId?: number;
  nodeId?: string;
  workspaceId?: string;
  reason?: string;
  /** Top K; default 10. */
  limit?: number;
}

export interface RejectionGroup {
  /** The workspace id / host / client address / reason / node ('' = none, e.g. no workspace in the host). */
  key: string;
  count: number;
  /** Distinct client addresses and nodes involved. */
  clients: number;
  nodes: number;
  /** The most frequent reason in the group. */
  topReason: string;
  firstSeen: number;
  lastSeen: number;
}

export interface TopRejections {
  /** All matching events in the range (not only the top K). */
  total: number;
  /** Distinct keys in the range. */
  groups: number;
  top: RejectionGroup[];
}

/** Top-K of refused connections (105 by default) by workspace, host, client, reason or node. */
export async function topRejections(store: Store, params: TopRejectionsParams): Promise<TopRejections> {
  const column = COLUMN[params.by];
  if (!column)
    throw new RangeError(`unknown dimension "${params.by}": use one of ${Object.keys(COLUMN).join(', ')}`);
  const rows = await queryRows<Record<string, unknown>>(
    store,
    `SELECT toString(${column}) AS key, count() AS count, uniqExact(clientAddress) AS clients,
       uniqExact(nodeId) AS nodes, arrayElement(topKWeighted(1)(reason, 1), 1) AS topReason,
       toUnixTimestamp64Milli(min(ts)) AS firstSeen, toUnixTimestamp64Milli(max(ts)) AS lastSeen,
       sum(count()) OVER () AS total, count() OVER () AS groups
     FROM gateway_events
     WHERE eventId = {eventId:UInt16} AND ts >= ${T0} AND ts < ${T1}
       AND ({node:String} = '' OR nodeId = {node:String})
       AND ({ws:String} = '' OR workspaceId = {ws:String})
       AND ({reason:String} = '' OR reason = {reason:String})
     GROUP BY key
     ORDER BY count DESC, key
     LIMIT {limit:UInt32}`,
    {
      from: params.from,
      to: params.to,
      eventId: params.eventId ?? EVENT.DESTINATION_NOT_ALLOWED,
      node: params.nodeId ?? '',
      ws: params.workspaceId ?? '',
      reason: params.reason ?? '',
      limit: params.limit ?? 10,
    },
  );
  return {
    total: num(rows[0]?.total),
    groups: num(rows[0]?.groups),
    top: rows.map((r) => ({
      key: String(r.key),
      count: num(r.count),
      clients: num(r.clients),
      nodes: num(r.nodes),
      topReason: String(r.topReason ?? ''),
      firstSeen: num(r.firstSeen),
      lastSeen: num(r.lastSeen),
    })),
  };
}
