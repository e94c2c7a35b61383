/**
 * The Workspaces and Agents pages' data: which usage rollup answers a view, and their tables as plain
 * values (English column names, raw numbers and ISO times: what `/api/csv/<name>` exports; the pages
 * translate the labels and format the cells by each column's `unit`).
 */
import {
  DASHBOARD_AGENT_SORTS,
  type DashboardAgentSort,
  type DashboardUsageTier,
  type DashboardUsageTotalRow,
  dashboardAgents,
  dashboardUsageSeries,
  dashboardUsageTotals,
  type Store,
} from '@gatewatch/store';
import type { Cell, Column, TableData } from './columns.ts';
import { param, type SearchParams } from './range.ts';
import { qs, type View } from './view.ts';

/** The workspace cell of usage without one (hosts with no workspace id), as lib/tables.ts writes it. */
export const NO_WORKSPACE = '(no workspace)';
/** Named workspaces in the chart; the rest are summed into "others". */
export const USAGE_TOP_N = 8;
/** Agent table rows per page (the `size` URL param changes it, 5–500). */
const AGENT_PAGE = 50;
/** Most agents in one CSV export. */
const AGENT_CSV_ROWS = 100_000;

/**
 * The chart's view: usage rollups are per minute, so buckets are at least a minute (the range snapped to
 * them); beyond 3 days the view's buckets are whole hours and the per-hour rollup answers.
 */
export function usageChartView(view: View): View & { tier: DashboardUsageTier } {
  const tier: DashboardUsageTier = view.rollup === '1h' ? '1h' : '1m';
  const stepSec = Math.max(60, view.stepSec);
  const ms = stepSec * 1000;
  const fromMs = Math.floor(view.fromMs / ms) * ms;
  return {
    ...view,
    tier,
    stepSec,
    fromMs,
    toMs: Math.ceil(view.toMs / ms) * ms,
    chartToMs: Math.max(fromMs + ms, Math.floor(view.range.toMs / ms) * ms),
  };
}

/** Tables over ranges longer than 12 h read per-hour rows (whole hours), shorter ones per-minute rows. */
export function usageTableTier(view: View): DashboardUsageTier {
  return view.rollup === '5m' || view.rollup === '1h' ? '1h' : '1m';
}

/** Agents over ranges longer than 36 h are read per day (the range widened to whole UTC days). */
export function agentsDaily(view: View): boolean {
  return view.range.toMs - view.range.fromMs > 36 * 3_600_000;
}

const filtersOf = (view: View) => ({ workspaceId: view.filters.ws ?? '', nodeId: view.filters.node ?? '' });

export function loadUsageSeries(store: Store, view: View) {
  const v = usageChartView(view);
  return dashboardUsageSeries(store, {
    fromMs: v.fromMs,
    toMs: v.toMs,
    stepSec: v.stepSec,
    tier: v.tier,
    filters: filtersOf(view),
    topN: USAGE_TOP_N,
  });
}

/** Share of the total (0–1) and change against the previous period (null: nothing before). */
function shareAndTrend(rows: DashboardUsageTotalRow[]) {
  const total = rows.reduce((s, r) => s + r.bytesUp, 0);
  return rows.map((r) => ({
    ...r,
    share: total ? Math.round((r.bytesUp / total) * 10_000) / 10_000 : 0,
    change: r.previousBytesUp
      ? Math.round(((r.bytesUp - r.previousBytesUp) / r.previousBytesUp) * 10_000) / 10_000
      : null,
  }));
}

const USAGE_COLUMNS: Column[] = [
  { key: 'bytesUp', label: 'Bytes up', num: true, unit: 'bytes' },
  { key: 'share', label: 'Share of bytes up', num: true, unit: 'percent' },
  { key: 'previousBytesUp', label: 'Bytes up, previous period', num: true, unit: 'bytes' },
  { key: 'change', label: 'Change', num: true, unit: 'change' },
  { key: 'bytesDown', label: 'Bytes down', num: true, unit: 'bytes' },
  { key: 'uploads', label: 'Uploads', num: true },
  { key: 'tunnels', label: 'Tunnels opened', num: true },
  { key: 'agents', label: 'Agents', num: true },
];

function link(path: string, view: View, changes: Record<string, string | undefined>): string {
  return `${path}${qs({ ...view.params, ...changes })}`;
}

async function usageTotals(store: Store, view: View, by: 'workspaceId' | 'nodeId') {
  return shareAndTrend(
    await dashboardUsageTotals(store, {
      fromMs: view.fromMs,
      toMs: view.toMs,
      tier: usageTableTier(view),
      by,
      filters: filtersOf(view),
      // Distinct agents per node would merge a sketch per node and bucket (1 000 × 720 at 30 days).
      agents: by === 'workspaceId',
    }),
  );
}

const usageCells = (r: ReturnType<typeof shareAndTrend>[number]): Record<string, Cell> => ({
  bytesUp: r.bytesUp,
  share: r.share,
  previousBytesUp: r.previousBytesUp,
  change: r.change,
  bytesDown: r.bytesDown,
  uploads: r.uploads,
  tunnels: r.tunnelsOpened,
  agents: r.agents,
});

/** The two tables of the Workspaces page and the Agents page's table (CSV: every matching agent). */
export const USAGE_TABLES = {
  async 'usage-workspaces'(store: Store, view: View): Promise<TableData> {
    const rows = await usageTotals(store, view, 'workspaceId');
    return {
      title: 'Bytes per workspace',
      columns: [{ key: 'workspace', label: 'Workspace', mono: true, hrefKey: 'href' }, ...USAGE_COLUMNS],
      rows: rows.map((r) => ({
        workspace: r.key || NO_WORKSPACE,
        href: r.key ? link('/workspaces', view, { ws: r.key }) : null,
        ...usageCells(r),
      })),
    };
  },

  async 'usage-nodes'(store: Store, view: View): Promise<TableData> {
    const rows = await usageTotals(store, view, 'nodeId');
    return {
      title: 'Bytes per node',
      columns: [
        { key: 'node', label: 'Node', hrefKey: 'href', nowrap: true },
        ...USAGE_COLUMNS.filter((c) => c.key !== 'agents'),
      ],
      rows: rows.map((r) => ({
        node: r.key,
        href: link('/workspaces', view, { node: r.key }),
        ...usageCells(r),
      })),
    };
  },

  async agents(store: Store, view: View): Promise<TableData> {
    return (await agentsPage(store, view, {}, AGENT_CSV_ROWS)).data;
  },
};

const AGENT_COLUMNS: Column[] = [
  { key: 'agent', label: 'Agent', mono: true, hrefKey: 'eventsHref' },
  { key: 'clientAddress', label: 'Client address', mono: true },
  { key: 'workspaces', label: 'Workspaces', mono: true, clip: true },
  { key: 'nodes', label: 'Nodes' },
  { key: 'firstSeen', label: 'First seen (UTC)', unit: 'time', nowrap: true },
  { key: 'lastSeen', label: 'Last seen (UTC)', unit: 'time', nowrap: true },
  { key: 'lastUpload', label: 'Last upload (UTC)', unit: 'time', nowrap: true },
  { key: 'uploads', label: 'Uploads', num: true },
  { key: 'bytesUp', label: 'Bytes up', num: true, unit: 'bytes' },
  { key: 'bytesDown', label: 'Bytes down', num: true, unit: 'bytes' },
  { key: 'tunnels', label: 'Tunnels opened', num: true },
  { key: 'refusalEvent', label: 'Last refusal: event', num: true, hrefKey: 'refusalHref' },
  { key: 'refusalReason', label: 'Last refusal: reason' },
  { key: 'refusalTime', label: 'Last refusal (UTC)', unit: 'time', nowrap: true },
  { key: 'refusalRecord', label: 'Last refusal: record id', mono: true, clip: true },
];
/** Columns the server sorts by (the others' headers sort nothing). */
const SORTABLE = new Set<string>(Object.keys(DASHBOARD_AGENT_SORTS));

/**
 * One page of the agent inventory from the URL (`sort`: a column key, `-` = descending, default bytes up
 * descending; `page`, `size`), filtered by the filter bar's `client` (text in the agent), `ws` and `node`.
 */
export async function agentsPage(
  store: Store,
  view: View,
  sp: SearchParams,
  size = Math.min(500, Math.max(5, Math.floor(Number(param(sp, 'size'))) || AGENT_PAGE)),
) {
  const rawSort = param(sp, 'sort') ?? '';
  const key = rawSort.replace(/^-/, '');
  const sort = SORTABLE.has(key) ? { key, desc: rawSort.startsWith('-') } : null;
  const want = Math.max(1, Math.floor(Number(param(sp, 'page'))) || 1);
  const query = (page: number) =>
    dashboardAgents(store, {
      fromMs: view.range.fromMs,
      toMs: view.range.toMs,
      daily: agentsDaily(view),
      text: view.filters.client ?? '',
      filters: filtersOf(view),
      sort: (sort?.key ?? 'bytesUp') as DashboardAgentSort,
      desc: sort ? sort.desc : true,
      limit: size,
      offset: (page - 1) * size,
    });
  let res = await query(want);
  const pages = Math.max(1, Math.ceil(res.matching / size));
  // A page past the end (the data shrank, or a hand-made URL): show the last one.
  if (want > pages && res.rows.length === 0 && res.matching > 0) res = await query(pages);
  const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);
  const data: TableData = {
    title: 'Agents',
    columns: AGENT_COLUMNS,
    rows: res.rows.map((a) => ({
      agent: a.agent,
      eventsHref: a.clientAddress
        ? link('/events', view, { client: a.clientAddress, ws: undefined, node: undefined })
        : null,
      clientAddress: a.clientAddress,
      workspaces: a.workspaces.join(' '),
      nodes: a.nodes.join(' '),
      firstSeen: iso(a.firstSeen),
      lastSeen: iso(a.lastSeen),
      lastUpload: iso(a.lastActive),
      uploads: a.uploads,
      bytesUp: a.bytesUp,
      bytesDown: a.bytesDown,
      tunnels: a.tunnelsOpened,
      refusalEvent: a.lastRefusal?.eventId ?? null,
      refusalHref: a.lastRefusal
        ? link('/events', view, {
            client: a.clientAddress,
            event: String(a.lastRefusal.eventId),
            ws: undefined,
            node: undefined,
          })
        : null,
      refusalReason: a.lastRefusal?.reason ?? null,
      refusalTime: a.lastRefusal ? iso(a.lastRefusal.ts) : null,
      refusalRecord: a.lastRefusal?.recordId ?? null,
    })),
  };
  return {
    data,
    paged: {
      page: Math.min(want, pages),
      pages,
      size,
      total: res.total,
      matching: res.matching,
      sort,
      filter: '',
    },
  };
}
