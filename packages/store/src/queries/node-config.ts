/** Which config file each gateway node reads (from its newest counter sample), for commands that edit it. */
import type { Store } from '../open.ts';
import { FROM, selectRows, TO } from './dashboard-common.ts';

export interface NodeConfigPath {
  nodeId: string;
  /** Absolute path, as the node reported it. */
  configPath: string;
  /** When the node reported it (epoch ms). */
  reportedAt: number;
}

/**
 * Each node's config file path in its newest sample in [fromMs, toMs) (default: the last hour), sorted by
 * node; nodes whose newest sample has none (a gateway from before the field) are left out.
 */
export async function nodeConfigPaths(
  store: Store,
  p: { fromMs?: number; toMs?: number; nodeId?: string } = {},
): Promise<NodeConfigPath[]> {
  const toMs = Math.floor(p.toMs ?? Date.now() + 1);
  const rows = await selectRows<{ nodeId: string; configPath: string; reportedAt: string | number }>(
    store,
    `SELECT nodeId, argMax(configPath, ts) AS configPath, toUnixTimestamp64Milli(max(ts)) AS reportedAt
     FROM gateway_counters
     WHERE ts >= ${FROM} AND ts < ${TO} AND ({nodeId:String} = '' OR nodeId = {nodeId:String})
     GROUP BY nodeId
     HAVING configPath != ''
     ORDER BY nodeId`,
    { fromMs: Math.floor(p.fromMs ?? toMs - 3_600_000), toMs, nodeId: p.nodeId ?? '' },
  );
  return rows.map((r) => ({ nodeId: r.nodeId, configPath: r.configPath, reportedAt: Number(r.reportedAt) }));
}
