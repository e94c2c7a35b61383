import { EVENT } from '@gatewatch/events';
import { dashboardNodes, nodeConfigPaths } from '@gatewatch/store';
import type { Metadata } from 'next';
import Link from 'next/link';
import { type PageProps, renderPage } from '../../components/DashboardPage.tsx';
import { FixWorkspace } from '../../components/FixWorkspace.tsx';
import { ChartPanel } from '../../components/Panels.tsx';
import { TablePanel } from '../../components/TablePanel.tsx';
import { forChart, loadAlertAnnotations } from '../../lib/annotations.ts';
import type { TableData } from '../../lib/columns.ts';
import { FILTERS } from '../../lib/filters.ts';
import { loadEventSeries } from '../../lib/load.ts';
import { REASON_SERIES } from '../../lib/series.ts';
import { configuredWorkspaces, TABLES } from '../../lib/tables.ts';
import { qs, type View } from '../../lib/view.ts';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Event 105 investigation' };

/** The tables under the trend, side by side in pairs, with the hint each shows. */
const LAYOUT = [['ws105', 'reasons105'], ['hosts105', 'clients105'], ['nodes105'], ['records105']] as const;
type Name = (typeof LAYOUT)[number][number];
const HINTS: Partial<Record<Name, string>> = {
  ws105: 'click a workspace to drill down',
  hosts105: 'click a host to drill down',
  clients105: 'click a client for its records',
  records105: 'newest 200',
};

export default async function InvestigatePage(props: PageProps) {
  return renderPage(props, {
    path: '/investigate',
    title: 'Event 105 investigation',
    nav: (view) => <Crumbs view={view} />,
    filters: [FILTERS.ws, FILTERS.host, FILTERS.client, FILTERS.node, FILTERS.reason105],
    async body({ store, view }) {
      const f = { ...view.eventFilters, eventIds: [EVENT.DESTINATION_NOT_ALLOWED] };
      const trend = await loadEventSeries(store, view, f, 'reason');
      // Alert firing periods (only the selected workspace's when one is selected); none if the query fails.
      const annotations = await loadAlertAnnotations(store, view, { workspace: view.filters.ws });
      const tables = {} as Record<Name, TableData>;
      for (const name of LAYOUT.flat()) tables[name] = await TABLES[name](store, view);
      const total = tables.reasons105.rows.reduce((s, r) => s + Number(r.count ?? 0), 0);
      const notConfigured = tables.ws105.rows.filter((r) => Number(r.notConfigured) > 0);
      const configured = notConfigured.length ? await configuredWorkspaces(store, view) : [];
      // The fix command edits the config file the gateways running now read (each reports its path).
      const lastHour = { fromMs: view.nowMs - 3_600_000, toMs: view.nowMs + 1 };
      const running = notConfigured.length
        ? (await dashboardNodes(store, lastHour)).map((n) => n.nodeId)
        : [];
      const paths = notConfigured.length ? await nodeConfigPaths(store, lastHour) : [];
      const table = (name: Name) => (
        <TablePanel
          key={name}
          name={name}
          data={tables[name]}
          view={view}
          hint={HINTS[name]}
          filterable={name === 'records105'}
          empty="Nothing refused with these filters in this range."
        />
      );
      return (
        <>
          <p data-testid="total-105">
            <strong>{total.toLocaleString('en-US')}</strong> connections refused with event 105 in this range
            {view.filters.ws || view.filters.host || view.filters.client || view.filters.node
              ? ' (filtered)'
              : ''}
            .
          </p>
          {notConfigured.map((r) => (
            <FixWorkspace
              key={String(r.workspace)}
              workspace={String(r.workspace)}
              refused={Number(r.notConfigured)}
              configured={configured}
              running={running}
              paths={paths}
            />
          ))}
          <ChartPanel
            id="trend105"
            title="Event 105 over time by reason"
            rows={trend}
            view={view}
            stacked
            {...REASON_SERIES}
            annotations={forChart(annotations, `event:${EVENT.DESTINATION_NOT_ALLOWED}`)}
            empty="No event 105 in this range: no connection was refused by policy."
          />
          {LAYOUT.map((names) =>
            names.length > 1 ? (
              <div className="grid" key={names.join()}>
                {names.map(table)}
              </div>
            ) : (
              names.map(table)
            ),
          )}
        </>
      );
    },
  });
}

/** workspace → host → client breadcrumbs; each crumb drops the deeper levels. */
function Crumbs({ view }: { view: View }) {
  const { ws, host, client } = view.filters;
  const base = view.params;
  const href = (changes: Record<string, string | undefined>) => `/investigate${qs({ ...base, ...changes })}`;
  const levels: { label: string; value?: string; href: string }[] = [
    { label: 'All workspaces', href: href({ ws: undefined, host: undefined, client: undefined }) },
  ];
  if (ws) levels.push({ label: 'Workspace', value: ws, href: href({ host: undefined, client: undefined }) });
  if (host) levels.push({ label: 'Host', value: host, href: href({ client: undefined }) });
  if (client) levels.push({ label: 'Client', value: client, href: href({}) });
  return (
    <nav className="crumbs" aria-label="Drill-down">
      {levels.map((l, i) => (
        <span key={l.label}>
          {i > 0 ? (
            <span className="sep" aria-hidden="true">
              ›&nbsp;
            </span>
          ) : null}
          {i === levels.length - 1 ? (
            <span aria-current="location">
              {l.label} {l.value ? <code>{l.value}</code> : null}
            </span>
          ) : (
            <Link href={l.href}>
              {l.label} {l.value ? <code>{l.value}</code> : null}
            </Link>
          )}
        </span>
      ))}
    </nav>
  );
}
