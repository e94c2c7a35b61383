import { dashboardNodes } from '@gatewatch/store';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { type PageProps, renderPage } from '../../../components/DashboardPage.tsx';
import { ChartPanel } from '../../../components/Panels.tsx';
import { TablePanel } from '../../../components/TablePanel.tsx';
import { COUNTER_PANELS, loadCounterSeries, loadEventSeries } from '../../../lib/load.ts';
import { fmtAbs, fmtAgo } from '../../../lib/range.ts';
import { EVENT_SERIES } from '../../../lib/series.ts';
import { nodeStatus, TABLES } from '../../../lib/tables.ts';

export const dynamic = 'force-dynamic';

export async function generateMetadata({
  params,
}: {
  params: Promise<{ nodeId: string }>;
}): Promise<Metadata> {
  return { title: `Node ${decodeURIComponent((await params).nodeId)}` };
}

export default async function NodePage(props: PageProps) {
  return renderPage(props, {
    path: ({ nodeId = '' }) => `/nodes/${encodeURIComponent(nodeId)}`,
    title: ({ nodeId }) => `Node ${nodeId}`,
    viewParams: ({ nodeId = '' }) => ({ node: nodeId }),
    async body({ store, view, params: { nodeId = '' } }) {
      const [info] = await dashboardNodes(store, { fromMs: 0, toMs: view.toMs, nodeId });
      // A real 404 (not-found.tsx says what to check), not a 200 page saying it is missing.
      if (!info) notFound();
      const series = await loadCounterSeries(store, view, nodeId, 1);
      const events = await loadEventSeries(store, view, { nodeId });
      const totals = await TABLES['event-totals'](store, view);
      const errors = await TABLES['node-errors'](store, view);
      const status = nodeStatus(info.lastSeen, view.nowMs);
      return (
        <>
          <section className="panel" aria-label="Node details">
            <dl className="kv" data-testid="node-info">
              <dt>Status</dt>
              <dd className={`status-${status}`}>{status}</dd>
              <dt>Last seen</dt>
              <dd>
                {fmtAbs(info.lastSeen)} UTC ({fmtAgo(info.lastSeen, view.nowMs)})
              </dd>
              <dt>Process started</dt>
              <dd>{fmtAbs(info.startedAt)} UTC</dd>
              <dt>Version</dt>
              <dd>{info.version || '—'}</dd>
              <dt>Config version</dt>
              <dd className="mono" data-testid="config-version">
                {info.configVersion || '— (no sample in the last hour of the range)'}
              </dd>
              <dt>Errors / rejections since start</dt>
              <dd>
                {info.errorCount} / {info.rejectionCount}
              </dd>
            </dl>
          </section>
          <div className="grid">
            {COUNTER_PANELS.map((p) => (
              <ChartPanel
                key={p.counter}
                id={p.counter}
                title={p.title}
                hint={p.hint}
                rows={series[p.counter]}
                view={view}
                unit={p.unit}
                labels={{ [nodeId]: p.title }}
                empty="No samples from this node in this range."
              />
            ))}
          </div>
          <ChartPanel
            id="node-events"
            title="Events over time by id"
            rows={events}
            view={view}
            stacked
            {...EVENT_SERIES}
            empty="This node reported no events in this range."
          />
          <TablePanel
            name="node-errors"
            data={errors}
            view={view}
            empty="No error-level events (400–403) from this node in this range."
          />
          <TablePanel
            name="event-totals"
            data={totals}
            view={view}
            empty="No events from this node in this range."
          />
        </>
      );
    },
  });
}
