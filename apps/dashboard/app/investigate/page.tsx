import { EVENT, REASONS_105 } from '@gatewatch/events';
import { dashboardEventSeries } from '@gatewatch/store';
import type { Metadata } from 'next';
import Link from 'next/link';
import { DataTable } from '../../components/DataTable.tsx';
import { FilterBar } from '../../components/FilterBar.tsx';
import { ChartPanel, ErrorState, PageHeader } from '../../components/Panels.tsx';
import { loadAlertAnnotations } from '../../lib/annotations.ts';
import { configureWorkspaceCommand, showWorkspacesCommand } from '../../lib/commands.ts';
import { PALETTE } from '../../lib/palette.ts';
import type { SearchParams } from '../../lib/range.ts';
import { getStore } from '../../lib/store.ts';
import { configuredWorkspaces, csvHref, reasonLabel, TABLES, type TableData } from '../../lib/tables.ts';
import { buildView, qs, type View } from '../../lib/view.ts';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Event 105 investigation' };

const REASON_LABELS = Object.fromEntries(REASONS_105.map((r) => [r, reasonLabel(r)]));
const REASON_COLORS = Object.fromEntries(REASONS_105.map((r, i) => [r, PALETTE[i] ?? '#888']));

export default async function InvestigatePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const view = buildView(await searchParams);
  const f = { ...view.eventFilters, eventIds: [EVENT.DESTINATION_NOT_ALLOWED] };
  let content: React.ReactNode;
  try {
    const store = await getStore();
    const trend = await dashboardEventSeries(store, {
      fromMs: view.fromMs,
      toMs: view.toMs,
      stepSec: view.stepSec,
      rollup: view.rollup,
      filters: f,
      by: 'reason',
    });
    // Alert firing periods (only the selected workspace's when one is selected); none if the query fails.
    const annotations = await loadAlertAnnotations(store, view, { workspace: view.filters.ws });
    const tables: Record<string, TableData> = {};
    for (const name of ['ws105', 'reasons105', 'hosts105', 'clients105', 'nodes105', 'records105'] as const) {
      tables[name] = await TABLES[name](store, view);
    }
    const t = (name: string) => tables[name] as TableData;
    const total = t('reasons105').rows.reduce((s, r) => s + Number(r.count ?? 0), 0);
    const notConfigured = t('ws105').rows.filter((r) => Number(r.notConfigured) > 0);
    const configured = notConfigured.length ? await configuredWorkspaces(store, view) : [];
    content = (
      <>
        <p data-testid="total-105">
          <strong>{total.toLocaleString('en-US')}</strong> connections refused with event 105 in this range
          {view.filters.ws || view.filters.host || view.filters.client || view.filters.node
            ? ' (filtered)'
            : ''}
          .
        </p>
        {notConfigured.map((r) => (
          <div className="callout" role="status" key={String(r.workspace)} data-testid="not-configured">
            <strong>
              Workspace <code>{r.workspace}</code> is not configured on the gateways
            </strong>{' '}
            — {Number(r.notConfigured).toLocaleString('en-US')} connections refused for it. Its agents reach
            the gateway but their workspace hosts are not allowed. Fix: add the workspace on every gateway:
            <p>
              <code data-testid="fix-command">
                {configureWorkspaceCommand(String(r.workspace), configured)}
              </code>
            </p>
            <p className="legend-note">
              The list replaces the configured one: it keeps the {configured.length} workspace
              {configured.length === 1 ? '' : 's'} with verified tunnels in this range (check with{' '}
              <code>{showWorkspacesCommand()}</code>; at most 10; add <code>--config &lt;file&gt;</code> if
              the gateway does not use <code>data/gateway.yaml</code>). Gateways apply it without a restart.
            </p>
          </div>
        ))}
        <ChartPanel
          id="trend105"
          title="Event 105 over time by reason"
          rows={trend}
          view={view}
          stacked
          labels={REASON_LABELS}
          colors={REASON_COLORS}
          annotations={annotations}
          empty="No event 105 in this range: no connection was refused by policy."
        />
        <div className="grid">
          <Table
            view={view}
            name="ws105"
            data={t('ws105')}
            csv={csvHref('ws105', view.params)}
            hint="click a workspace to drill down"
          />
          <Table
            view={view}
            name="reasons105"
            data={t('reasons105')}
            csv={csvHref('reasons105', view.params)}
          />
        </div>
        <div className="grid">
          <Table
            view={view}
            name="hosts105"
            data={t('hosts105')}
            csv={csvHref('hosts105', view.params)}
            hint="click a host to drill down"
          />
          <Table
            view={view}
            name="clients105"
            data={t('clients105')}
            csv={csvHref('clients105', view.params)}
            hint="click a client for its records"
          />
        </div>
        <Table view={view} name="nodes105" data={t('nodes105')} csv={csvHref('nodes105', view.params)} />
        <Table
          view={view}
          name="records105"
          data={t('records105')}
          csv={csvHref('records105', view.params)}
          hint="newest 200"
          filterable
        />
      </>
    );
  } catch (err) {
    content = <ErrorState err={err} />;
  }
  return (
    <>
      <PageHeader title="Event 105 investigation" view={view} />
      <Crumbs view={view} />
      <FilterBar
        fields={[
          { key: 'ws', label: 'Workspace', placeholder: 'workspace id' },
          { key: 'host', label: 'Host', placeholder: 'target host' },
          { key: 'client', label: 'Client', placeholder: 'client address' },
          { key: 'node', label: 'Node', placeholder: 'node id' },
          {
            key: 'reason',
            label: 'Reason',
            options: REASONS_105.map((r) => ({ value: r, label: reasonLabel(r) })),
          },
        ]}
      />
      {content}
    </>
  );
}

function Table({
  view: _view,
  name,
  data,
  csv,
  hint,
  filterable,
}: {
  view: View;
  name: string;
  data: TableData;
  csv: string;
  hint?: string;
  filterable?: boolean;
}) {
  return (
    <DataTable
      id={name}
      title={data.title}
      columns={data.columns}
      rows={data.rows}
      csvHref={csv}
      hint={hint}
      filterable={filterable}
      empty="Nothing refused with these filters in this range."
    />
  );
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
