/**
 * Every table the dashboard shows, by name. Pages render them and `/api/csv/<name>` exports them, from the
 * same function with the same URL params, so a CSV always matches the table on screen.
 */
import { catalogEntry, EVENT, isEventId, REJECTION_REASONS, type RejectionReason } from '@gatewatch/events';
import {
  type DashboardEventRow,
  dashboardEventTotals,
  dashboardLatestEvents,
  dashboardNodes,
  dashboardTopValues,
  type Store,
} from '@gatewatch/store';
import { alertsData, failedTable, firingTable, historyTable, rulesTable, silencesTable } from './alerts.ts';
import type { Cell, Column, TableData } from './columns.ts';
import { type CounterTotals, loadCounterTotals } from './load.ts';
import { fmtAbs } from './range.ts';
import { USAGE_TABLES } from './usage.ts';
import { qs, type View } from './view.ts';

/**
 * Workspaces with verified tunnels (event 107) in the view's range: configured on the gateways, so the
 * Event 105 page's fix command keeps them.
 */
export async function configuredWorkspaces(store: Store, view: View): Promise<string[]> {
  const rows = await dashboardEventTotals(store, {
    fromMs: view.fromMs,
    toMs: view.toMs,
    rollup: view.rollup,
    by: ['workspaceId'],
    filters: { eventIds: [EVENT.TLS_SESSION_VERIFIED] },
    limit: 20,
    clients: false,
    nodes: false,
  });
  return rows
    .map((r) => r.keys[0] ?? '')
    .filter(Boolean)
    .sort();
}

/**
 * Node status by age of its newest counter sample (nodes sample every 10 s): up within
 * DASHBOARD_NODE_UP_WITHIN_S (45), down after DASHBOARD_NODE_DOWN_AFTER_S (300), stale in between.
 */
export function statusThresholds(env: Record<string, string | undefined> = process.env) {
  const seconds = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v && Number.isFinite(n) && n > 0 ? n : fallback;
  };
  const upWithinS = seconds(env.DASHBOARD_NODE_UP_WITHIN_S, 45);
  const downAfterS = Math.max(upWithinS, seconds(env.DASHBOARD_NODE_DOWN_AFTER_S, 300));
  return { upWithinS, downAfterS };
}
export function nodeStatus(lastSeen: number, nowMs: number): 'up' | 'stale' | 'down' {
  const { upWithinS, downAfterS } = statusThresholds();
  const age = nowMs - lastSeen;
  return age <= upWithinS * 1000 ? 'up' : age <= downAfterS * 1000 ? 'stale' : 'down';
}
export function statusHint(): string {
  const { upWithinS, downAfterS } = statusThresholds();
  const human = (s: number) => (s % 60 === 0 ? `${s / 60} min` : `${s} s`);
  return `status by last sample age: up ≤ ${human(upWithinS)}, stale ≤ ${human(downAfterS)}`;
}

export function reasonLabel(reason: string): string {
  if (!reason) return '—';
  return Object.hasOwn(REJECTION_REASONS, reason)
    ? REJECTION_REASONS[reason as RejectionReason].label
    : reason;
}

function eventInfo(id: number) {
  return isEventId(id) ? catalogEntry(id) : undefined;
}

const time = (ms: number) => `${fmtAbs(ms)}:${String(new Date(ms).getUTCSeconds()).padStart(2, '0')}`;

/** Link keeping the view's range (and optionally filters) with some params changed. */
function link(
  path: string,
  view: View,
  changes: Record<string, string | undefined>,
  keepFilters = true,
): string {
  const base: Record<string, string | undefined> = keepFilters
    ? { ...view.params }
    : { range: view.params.range, from: view.params.from, to: view.params.to, refresh: view.params.refresh };
  return `${path}${qs({ ...base, ...changes })}`;
}

// One line per record (long texts cut, whole on hover), so a 520 px box shows about 18 records.
const RECORD_COLUMNS: Column[] = [
  { key: 'time', label: 'Time (UTC)', mono: true },
  { key: 'node', label: 'Node', hrefKey: 'nodeHref', nowrap: true },
  { key: 'event', label: 'Event', num: true },
  { key: 'level', label: 'Level', nowrap: true },
  // The message first among the long cells: it is what a reader looks for, visible without scrolling.
  { key: 'message', label: 'Message', clip: true },
  { key: 'reason', label: 'Reason', nowrap: true },
  { key: 'workspace', label: 'Workspace', mono: true, clip: true },
  { key: 'client', label: 'Client', mono: true },
  { key: 'target', label: 'Target', mono: true, clip: true },
  { key: 'trace', label: 'Trace', mono: true, hrefKey: 'traceHref' },
  { key: 'description', label: 'Description', clip: true },
  { key: 'remedy', label: 'Remedy', clip: true },
];

function recordRows(rows: DashboardEventRow[], view: View): Record<string, Cell>[] {
  return rows.map((r) => {
    const e = eventInfo(r.eventId);
    return {
      time: time(r.ts),
      node: r.nodeId,
      nodeHref: link(`/nodes/${encodeURIComponent(r.nodeId)}`, view, {}, false),
      event: r.eventId,
      level: r.level || e?.level || '',
      workspace: r.workspaceId,
      client: r.clientAddress,
      target: r.targetHost ? `${r.targetHost}:${r.targetPort}` : '',
      reason: reasonLabel(r.reason),
      message: r.message,
      trace: r.traceId ? r.traceId.slice(0, 16) : '',
      traceHref: r.traceId ? link(`/trace/${r.traceId}`, view, {}, false) : null,
      description: e?.description ?? '',
      remedy: e?.remedy ?? '',
    };
  });
}

/**
 * Top 105 hosts or clients (the drill-down's middle levels): `other` counts the distinct values of the
 * other dimension (clients per host, hosts per client). A click drills one level deeper.
 */
function top105(
  by: 'targetHost' | 'clientAddress',
  title: string,
  first: { key: 'host' | 'client'; label: string },
  otherKey: string,
  otherLabel: string,
) {
  return async (store: Store, view: View): Promise<TableData> => {
    const rows = await dashboardTopValues(store, {
      fromMs: view.fromMs,
      toMs: view.toMs,
      filters: { ...view.eventFilters, eventIds: E105 },
      by,
      limit: 25,
      rollup: view.rollup,
    });
    const drill = (v: string) => (first.key === 'host' ? { host: v, client: undefined } : { client: v });
    return {
      title,
      columns: [
        { ...first, mono: true, hrefKey: 'href' },
        { key: 'count', label: '105 count', num: true },
        { key: otherKey, label: otherLabel, num: true },
        { key: 'nodes', label: 'Nodes', num: true },
        { key: 'reason', label: 'Top reason' },
        { key: 'lastSeen', label: 'Last seen (UTC)', mono: true },
      ],
      rows: rows.map((r) => ({
        [first.key]: r.value || '(none)',
        href: r.value ? link('/investigate', view, drill(r.value)) : null,
        count: r.events,
        [otherKey]: r.other,
        nodes: r.nodes,
        reason: reasonLabel(r.topReason),
        lastSeen: time(r.lastSeen),
      })),
    };
  };
}

const ERROR_IDS = [
  EVENT.APPLICATION_ERROR,
  EVENT.WRONG_CONFIGURATION,
  EVENT.TLS_HANDSHAKE_PARSE_ERROR,
  EVENT.NETWORKING_ERROR,
];
const E105 = [EVENT.DESTINATION_NOT_ALLOWED];

/**
 * The Overview's node table: every node with its status and its rejections and errors in the range
 * (`totals`: the counter charts' per-node sums, from the same queries), most rejections first — which node
 * rejects most is the first row.
 */
export async function nodesTable(store: Store, view: View, totals: CounterTotals): Promise<TableData> {
  const nodes = await dashboardNodes(store, { fromMs: view.fromMs, toMs: view.toMs });
  return {
    title: 'Nodes',
    columns: [
      { key: 'node', label: 'Node', hrefKey: 'href', nowrap: true },
      { key: 'status', label: 'Status', classKey: 'statusClass' },
      { key: 'rejectionsInRange', label: 'Rejections in range', num: true },
      { key: 'errorsInRange', label: 'Errors in range', num: true },
      { key: 'lastSeen', label: 'Last seen (UTC)', mono: true },
      { key: 'version', label: 'Version' },
      { key: 'configVersion', label: 'Config version', mono: true },
      { key: 'active', label: 'Active conns', num: true },
      { key: 'connected', label: 'Connected clients', num: true },
      { key: 'errors', label: 'Errors since start', num: true },
      { key: 'rejections', label: 'Rejections since start', num: true },
    ],
    rows: nodes
      .map((n) => {
        const status = nodeStatus(n.lastSeen, view.nowMs);
        return {
          node: n.nodeId,
          rejectionsInRange: totals.rejections.get(n.nodeId) ?? 0,
          errorsInRange: totals.errors.get(n.nodeId) ?? 0,
          href: link(`/nodes/${encodeURIComponent(n.nodeId)}`, view, {}, false),
          status,
          statusClass: `status-${status}`,
          lastSeen: time(n.lastSeen),
          version: n.version,
          configVersion: n.configVersion || '—',
          active: n.active,
          connected: n.connected,
          errors: n.errorCount,
          rejections: n.rejectionCount,
        };
      })
      .sort((a, b) => b.rejectionsInRange - a.rejectionsInRange || a.node.localeCompare(b.node)),
  };
}

export const TABLES = {
  /** Overview's node table (its CSV runs the two counter queries the page's charts share with it). */
  nodes: async (store: Store, view: View) => nodesTable(store, view, await loadCounterTotals(store, view)),

  /** Counts per event id with the catalog's text. */
  async 'event-totals'(store: Store, view: View): Promise<TableData> {
    const rows = await dashboardEventTotals(store, {
      fromMs: view.fromMs,
      toMs: view.toMs,
      filters: view.eventFilters,
      rollup: view.rollup,
      by: ['eventId'],
      limit: 50,
      clients: false,
    });
    return {
      title: 'Events by id',
      columns: [
        { key: 'event', label: 'Event', num: true, hrefKey: 'href' },
        { key: 'level', label: 'Level' },
        { key: 'name', label: 'Name' },
        { key: 'count', label: 'Count', num: true },
        { key: 'nodes', label: 'Nodes', num: true },
        { key: 'description', label: 'Description' },
        { key: 'remedy', label: 'Remedy' },
      ],
      rows: rows.map((r) => {
        const id = Number(r.keys[0]);
        const e = eventInfo(id);
        return {
          event: id,
          href:
            id === EVENT.DESTINATION_NOT_ALLOWED
              ? link('/investigate', view, {}, false)
              : link('/events', view, { event: String(id) }),
          level: e?.level ?? '',
          name: e?.name ?? '',
          count: r.events,
          nodes: r.nodes,
          description: e?.description ?? '',
          remedy: e?.remedy ?? '',
        };
      }),
    };
  },

  /** Latest raw records matching the filters. */
  async events(store: Store, view: View): Promise<TableData> {
    const rows = await dashboardLatestEvents(store, {
      fromMs: view.fromMs,
      toMs: view.toMs,
      filters: view.eventFilters,
      limit: 200,
    });
    return { title: 'Latest records', columns: RECORD_COLUMNS, rows: recordRows(rows, view) };
  },

  /** 105 per workspace, with the not-configured count that triggers the callout. */
  async ws105(store: Store, view: View): Promise<TableData> {
    const f = { ...view.eventFilters, eventIds: E105 };
    const rows = await dashboardEventTotals(store, {
      fromMs: view.fromMs,
      toMs: view.toMs,
      filters: f,
      rollup: view.rollup,
      by: ['workspaceId', 'reason'],
      limit: 1000,
      clients: false,
      nodes: false,
    });
    // Distinct clients/nodes per workspace need their own grouping (they do not add up over reasons).
    const perWs = await dashboardEventTotals(store, {
      fromMs: view.fromMs,
      toMs: view.toMs,
      filters: f,
      rollup: view.rollup,
      by: ['workspaceId'],
      limit: 1000,
    });
    const distinct = new Map(perWs.map((r) => [r.keys[0] ?? '', r]));
    const byWs = new Map<string, { events: number; notConfigured: number; top: [string, number] }>();
    for (const r of rows) {
      const [ws = '', reason = ''] = r.keys;
      const cur = byWs.get(ws) ?? { events: 0, notConfigured: 0, top: ['', 0] };
      cur.events += r.events;
      if (reason === 'workspace_not_configured') cur.notConfigured += r.events;
      if (r.events > cur.top[1]) cur.top = [reason, r.events];
      byWs.set(ws, cur);
    }
    return {
      title: 'Event 105 by workspace',
      columns: [
        { key: 'workspace', label: 'Workspace', mono: true, hrefKey: 'href' },
        { key: 'count', label: '105 count', num: true },
        { key: 'notConfigured', label: 'Not configured', num: true },
        { key: 'topReason', label: 'Top reason' },
        { key: 'clients', label: 'Clients', num: true },
        { key: 'nodes', label: 'Nodes', num: true },
      ],
      rows: [...byWs.entries()]
        .sort((a, b) => b[1].events - a[1].events)
        .map(([ws, v]) => ({
          workspace: ws || '(no workspace)',
          href: ws ? link('/investigate', view, { ws, host: undefined, client: undefined }) : null,
          count: v.events,
          notConfigured: v.notConfigured,
          topReason: reasonLabel(v.top[0]),
          clients: distinct.get(ws)?.clients ?? 0,
          nodes: distinct.get(ws)?.nodes ?? 0,
        })),
    };
  },

  async reasons105(store: Store, view: View): Promise<TableData> {
    const rows = await dashboardEventTotals(store, {
      fromMs: view.fromMs,
      toMs: view.toMs,
      filters: { ...view.eventFilters, eventIds: E105 },
      rollup: view.rollup,
      by: ['reason'],
      clients: false,
      nodes: false,
    });
    const total = rows.reduce((s, r) => s + r.events, 0);
    return {
      title: '105 by reason',
      columns: [
        { key: 'reason', label: 'Reason', hrefKey: 'href' },
        { key: 'count', label: 'Count', num: true },
        { key: 'share', label: 'Share', num: true },
      ],
      rows: rows.map((r) => ({
        reason: reasonLabel(r.keys[0] ?? ''),
        href: r.keys[0] ? link('/investigate', view, { reason: r.keys[0] }) : null,
        count: r.events,
        share: total ? `${((100 * r.events) / total).toFixed(1)}%` : '',
      })),
    };
  },

  hosts105: top105('targetHost', 'Top rejected hosts', { key: 'host', label: 'Host' }, 'clients', 'Clients'),
  clients105: top105('clientAddress', 'Top clients', { key: 'client', label: 'Client' }, 'hosts', 'Hosts'),

  async nodes105(store: Store, view: View): Promise<TableData> {
    const rows = await dashboardEventTotals(store, {
      fromMs: view.fromMs,
      toMs: view.toMs,
      filters: { ...view.eventFilters, eventIds: E105 },
      rollup: view.rollup,
      by: ['nodeId'],
      limit: 50,
    });
    return {
      title: 'Nodes refusing',
      columns: [
        { key: 'node', label: 'Node', hrefKey: 'href', nowrap: true },
        { key: 'count', label: '105 count', num: true },
        { key: 'clients', label: 'Clients', num: true },
      ],
      rows: rows.map((r) => ({
        node: r.keys[0] ?? '',
        href: link('/investigate', view, { node: r.keys[0] }),
        count: r.events,
        clients: r.clients,
      })),
    };
  },

  /** Raw 105 records for the current drill-down. */
  async records105(store: Store, view: View): Promise<TableData> {
    const rows = await dashboardLatestEvents(store, {
      fromMs: view.fromMs,
      toMs: view.toMs,
      filters: { ...view.eventFilters, eventIds: E105 },
      limit: 200,
    });
    return {
      title: 'Raw 105 records',
      columns: RECORD_COLUMNS.filter((c) => c.key !== 'description' && c.key !== 'remedy'),
      rows: recordRows(rows, view),
    };
  },

  /** Node page: the node's recent error-level records. */
  async 'node-errors'(store: Store, view: View): Promise<TableData> {
    const rows = await dashboardLatestEvents(store, {
      fromMs: view.fromMs,
      toMs: view.toMs,
      filters: { nodeId: view.filters.node ?? '', eventIds: ERROR_IDS },
      limit: 100,
    });
    return {
      title: 'Recent errors',
      columns: RECORD_COLUMNS.filter((c) => c.key !== 'node'),
      rows: recordRows(rows, view),
    };
  },

  /** Alerts page (lib/alerts.ts): the same calls the page makes, as plain values. */
  'alerts-firing': async (store: Store, view: View) => firingTable(await alertsData.firing(store, view)),
  'alerts-rules': async (store: Store, view: View) => rulesTable(await alertsData.rules(store, view)),
  'alerts-silences': async (store: Store, view: View) =>
    silencesTable(await alertsData.silences(store, view)),
  'alerts-history': async (store: Store, view: View) => historyTable(await alertsData.history(store, view)),
  'alerts-failed': async (store: Store, view: View) => failedTable(await alertsData.failed(store, view)),
  /** Workspaces and Agents pages (lib/usage.ts). */
  ...USAGE_TABLES,
} satisfies Record<string, (store: Store, view: View) => Promise<TableData>>;

export type TableName = keyof typeof TABLES;

/** A table's CSV export (`app/api/csv/[name]`) with the page's params: the name must be a TABLES entry. */
export function csvHref(name: TableName, params: Record<string, string>): string {
  return `/api/csv/${name}${qs(params)}`;
}
export function isTableName(name: string): name is TableName {
  return Object.hasOwn(TABLES, name);
}
