import type { Metadata } from 'next';
import { type PageProps, renderPage } from '../components/DashboardPage.tsx';
import { ChartPanel, NoData, Stat } from '../components/Panels.tsx';
import { TablePanel } from '../components/TablePanel.tsx';
import { loadAlertAnnotations } from '../lib/annotations.ts';
import { COUNTER_PANELS, loadCounterSeries } from '../lib/load.ts';
import { pageOf } from '../lib/paging.ts';
import { lastTotal, pivot } from '../lib/pivot.ts';
import { statusHint, TABLES } from '../lib/tables.ts';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Overview' };

export default async function OverviewPage(props: PageProps) {
  return renderPage(props, {
    title: 'Fleet overview',
    async body({ store, view, searchParams }) {
      const nodes = await TABLES.nodes(store, view);
      if (nodes.rows.length === 0) return <NoData />;
      const series = await loadCounterSeries(store, view);
      const events = await TABLES['event-totals'](store, view);
      // Alert firing periods shade the charts; a failing alerts query yields none.
      const annotations = await loadAlertAnnotations(store, view);
      const status = { up: 0, stale: 0, down: 0 };
      for (const r of nodes.rows) status[r.status as keyof typeof status]++;
      const now = (c: (typeof COUNTER_PANELS)[number]['counter']) => {
        // Gauges "now" = the newest sample of every reporting node (as in the node table); rates = last bucket.
        if (c === 'active' || c === 'connected')
          return nodes.rows.filter((r) => r.status !== 'down').reduce((sum, r) => sum + Number(r[c] ?? 0), 0);
        const { data, keys } = pivot(series[c], view.fromMs, view.chartToMs, view.stepSec);
        return Math.round(lastTotal(data, keys) * 10) / 10;
      };
      // One page of the node table in the HTML; stats above use every node, the CSV exports them all.
      const { rows: nodeRows, ...paged } = pageOf(nodes.rows, nodes.columns, searchParams);
      return (
        <>
          <div className="stats">
            <Stat
              testId="stat-nodes"
              label="Nodes up / stale / down"
              value={`${status.up} / ${status.stale} / ${status.down}`}
            />
            <Stat testId="stat-active" label="Active connections (now)" value={now('active')} />
            <Stat testId="stat-connected" label="Connected clients (now)" value={now('connected')} />
            <Stat testId="stat-errors" label="Errors / min (latest bucket)" value={now('errors')} />
            <Stat
              testId="stat-rejections"
              label="Rejections / min (latest bucket)"
              value={now('rejections')}
            />
          </div>
          <div className="grid">
            {COUNTER_PANELS.map((p) => (
              <ChartPanel
                key={p.counter}
                id={p.counter}
                title={p.title}
                hint={`${p.hint} · top 8 nodes + others`}
                rows={series[p.counter]}
                view={view}
                stacked
                unit={p.unit}
                annotations={annotations}
              />
            ))}
          </div>
          <TablePanel
            name="nodes"
            data={{ ...nodes, rows: nodeRows }}
            view={view}
            paged={paged}
            filterable
            hint={statusHint()}
            empty="No node reported in this range."
          />
          <TablePanel
            name="event-totals"
            data={{ ...events, title: 'Top event ids' }}
            view={view}
            empty="No events in this range."
          />
        </>
      );
    },
  });
}
