/**
 * Every panel's query, called exactly as the pages call it (same View from the same URL params, same
 * store functions and TABLES entries), so the timings are the dashboard's own.
 */
import { EVENT } from '@gatewatch/events';
import { dashboardDataStart, dashboardNodes, nodeConfigPaths, type Store } from '@gatewatch/store';
import { COUNTER_PANELS, loadCounter, loadEventSeries } from '../lib/load.ts';
import { currentRates } from '../lib/rates.ts';
import { configuredWorkspaces, nodesTable, TABLES } from '../lib/tables.ts';
import { agentsPage, loadUsageSeries, USAGE_TABLES } from '../lib/usage.ts';
import { buildView, type View } from '../lib/view.ts';

export interface Panel {
  panel: string;
  run: (store: Store) => Promise<unknown>;
}

export interface PageCase {
  /** e.g. "Overview", "Event 105 ws+host". */
  page: string;
  /** Path + query the browser would request (absolute range, so a reused fleet is always in view). */
  url: string;
  panels: Panel[];
}

export const RANGES = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
export type RangeName = keyof typeof RANGES;

/** Drill-down values: what a user clicks first at each level (top workspace → its top host → top client). */
export interface Drill {
  ws: string;
  host: string;
  client: string;
}

function viewFor(endMs: number, spanMs: number, extra: Record<string, string> = {}) {
  const params = {
    from: new Date(endMs - spanMs).toISOString(),
    to: new Date(endMs).toISOString(),
    ...extra,
  };
  const sp = new URLSearchParams(params);
  return { view: buildView(sp, endMs), query: sp.toString() };
}

/** Errors and rejections come with each node's total over the range (the node table's columns). */
function counterPanels(view: View, nodeId: string, topN: number): Panel[] {
  return COUNTER_PANELS.map((p) => ({
    panel: `counter ${p.counter}`,
    run: (store) => loadCounter(store, view, p.counter, nodeId, topN),
  }));
}

const NO_TOTALS = { errors: new Map(), rejections: new Map() };

function overview(view: View): Panel[] {
  return [
    // The page takes the per-node totals from the errors and rejections chart queries (timed there).
    { panel: 'nodes table', run: (s) => nodesTable(s, view, NO_TOTALS) },
    // The rate tiles: the newest complete minute, computed as the alert rules do.
    { panel: 'rate tiles', run: (s) => currentRates(s, view.nowMs) },
    // A URL without a range: where the data starts (the page then redirects to a range holding it).
    { panel: 'data start', run: (s) => dashboardDataStart(s, { sinceMs: view.nowMs - RANGES['24h'] }) },
    ...counterPanels(view, '', 8),
    { panel: 'top event ids', run: (s) => TABLES['event-totals'](s, view) },
  ];
}

function events(view: View): Panel[] {
  return [
    { panel: 'trend by event id', run: (s) => loadEventSeries(s, view) },
    { panel: 'events by id', run: (s) => TABLES['event-totals'](s, view) },
    { panel: 'latest 200 records', run: (s) => TABLES.events(s, view) },
  ];
}

function investigate(view: View): Panel[] {
  const f = { ...view.eventFilters, eventIds: [EVENT.DESTINATION_NOT_ALLOWED] };
  return [
    { panel: '105 trend by reason', run: (s) => loadEventSeries(s, view, f, 'reason') },
    ...(['ws105', 'reasons105', 'hosts105', 'clients105', 'nodes105', 'records105'] as const).map((name) => ({
      panel: name,
      run: (s: Store) => TABLES[name](s, view),
    })),
    {
      // The page runs this when a not-configured workspace is called out (the fix command's list).
      panel: 'configured ws (107)',
      run: (s) => configuredWorkspaces(s, view),
    },
    {
      // …and the config files the gateways running now read (the fix command's --config).
      panel: 'running nodes + config paths',
      run: async (s) => {
        const lastHour = { fromMs: view.nowMs - 3_600_000, toMs: view.nowMs + 1 };
        return [await dashboardNodes(s, lastHour), await nodeConfigPaths(s, lastHour)];
      },
    },
  ];
}

function node(view: View, nodeId: string): Panel[] {
  return [
    { panel: 'node info', run: (s) => dashboardNodes(s, { fromMs: 0, toMs: view.toMs, nodeId }) },
    ...counterPanels(view, nodeId, 1),
    { panel: 'events trend', run: (s) => loadEventSeries(s, view, { nodeId }) },
    { panel: 'recent errors', run: (s) => TABLES['node-errors'](s, view) },
    { panel: 'events by id', run: (s) => TABLES['event-totals'](s, view) },
  ];
}

function workspaces(view: View): Panel[] {
  return [
    { panel: 'bytes up per workspace', run: (s) => loadUsageSeries(s, view) },
    { panel: 'usage-workspaces', run: (s) => USAGE_TABLES['usage-workspaces'](s, view) },
    { panel: 'usage-nodes', run: (s) => USAGE_TABLES['usage-nodes'](s, view) },
  ];
}

function agents(view: View): Panel[] {
  return [
    { panel: 'agents page 1 (bytes up)', run: (s) => agentsPage(s, view, {}) },
    {
      // A later page in another order: the server sorts and pages, so the page number costs nothing extra.
      panel: 'agents page 20 (last seen)',
      run: (s) => agentsPage(s, view, { sort: '-lastSeen', page: '20' }),
    },
  ];
}

/** The pages (and drill-down levels) at one range, ending at the fleet's end. */
export function pageCases(endMs: number, range: RangeName, nodeId: string, drill: Drill): PageCase[] {
  const span = RANGES[range];
  const at = (path: string, extra: Record<string, string>, make: (v: View) => Panel[], page: string) => {
    const { view, query } = viewFor(endMs, span, extra);
    return { page, url: `${path}?${query}`, panels: make(view) };
  };
  // The node page adds node=<id> to its view itself; the URL carries only the range.
  const nodePage = at(
    `/nodes/${encodeURIComponent(nodeId)}`,
    { node: nodeId },
    (v) => node(v, nodeId),
    'Node',
  );
  nodePage.url = `/nodes/${encodeURIComponent(nodeId)}?${viewFor(endMs, span).query}`;
  return [
    at('/', {}, overview, 'Overview'),
    at('/events', {}, events, 'Events'),
    at('/investigate', {}, investigate, 'Event 105'),
    at('/investigate', { ws: drill.ws }, investigate, 'Event 105 › ws'),
    at('/investigate', { ws: drill.ws, host: drill.host }, investigate, 'Event 105 › ws › host'),
    at(
      '/investigate',
      { ws: drill.ws, host: drill.host, client: drill.client },
      investigate,
      'Event 105 › ws › host › client',
    ),
    nodePage,
    at('/workspaces', {}, workspaces, 'Workspaces'),
    at('/agents', {}, agents, 'Agents'),
  ];
}

/** Pick the drill-down path a user would click on the 24 h view: top not-configured workspace first. */
export async function pickDrill(store: Store, endMs: number): Promise<Drill> {
  const { view } = viewFor(endMs, RANGES['24h']);
  const ws = await TABLES.ws105(store, view);
  const top = ws.rows.find((r) => Number(r.notConfigured) > 0) ?? ws.rows[0];
  const wsId = String(top?.workspace ?? '');
  const hosts = await TABLES.hosts105(store, viewFor(endMs, RANGES['24h'], { ws: wsId }).view);
  const host = String(hosts.rows[0]?.host ?? '');
  const clients = await TABLES.clients105(store, viewFor(endMs, RANGES['24h'], { ws: wsId, host }).view);
  return { ws: wsId, host, client: String(clients.rows[0]?.client ?? '') };
}
