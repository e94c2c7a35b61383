import { EVENT_CATALOG } from '@gatewatch/events';
import { dashboardEventSeries, dashboardNodes } from '@gatewatch/store';
import type { Metadata } from 'next';
import { DataTable } from '../../../components/DataTable.tsx';
import { ChartPanel, ErrorState, PageHeader } from '../../../components/Panels.tsx';
import { COUNTER_PANELS, loadCounterSeries } from '../../../lib/load.ts';
import { PALETTE } from '../../../lib/palette.ts';
import { fmtAbs, fmtAgo, type SearchParams } from '../../../lib/range.ts';
import { getStore } from '../../../lib/store.ts';
import { csvHref, nodeStatus, TABLES } from '../../../lib/tables.ts';
import { buildView } from '../../../lib/view.ts';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ nodeId: string }>; searchParams: Promise<SearchParams> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Node ${decodeURIComponent((await params).nodeId)}` };
}

const EVENT_LABELS = Object.fromEntries(EVENT_CATALOG.map((e) => [String(e.id), `${e.id} ${e.name}`]));
const EVENT_ORDER = EVENT_CATALOG.map((e) => String(e.id));
const EVENT_COLORS = Object.fromEntries(
  EVENT_CATALOG.map((e, i) => [String(e.id), PALETTE[i % PALETTE.length] ?? '#888']),
);

export default async function NodePage({ params, searchParams }: Props) {
  const nodeId = decodeURIComponent((await params).nodeId);
  const sp = { ...(await searchParams), node: nodeId };
  const view = buildView(sp);
  let content: React.ReactNode;
  try {
    const store = await getStore();
    const [info] = await dashboardNodes(store, { fromMs: 0, toMs: view.toMs, nodeId });
    if (!info) {
      content = (
        <div className="callout" role="status">
          <strong>
            Node <code>{nodeId}</code> has never reported.
          </strong>
          <p>
            Check the node id (the Overview lists every node) or that this gateway's telemetry reaches the
            ingester.
          </p>
        </div>
      );
    } else {
      const series = await loadCounterSeries(store, view, nodeId, 1);
      const events = await dashboardEventSeries(store, {
        fromMs: view.fromMs,
        toMs: view.toMs,
        stepSec: view.stepSec,
        rollup: view.rollup,
        filters: { nodeId },
      });
      const totals = await TABLES['event-totals'](store, view);
      const errors = await TABLES['node-errors'](store, view);
      const status = nodeStatus(info.lastSeen, view.nowMs);
      content = (
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
            labels={EVENT_LABELS}
            colors={EVENT_COLORS}
            order={EVENT_ORDER}
            empty="This node reported no events in this range."
          />
          <DataTable
            id="node-errors"
            title={errors.title}
            columns={errors.columns}
            rows={errors.rows}
            csvHref={csvHref('node-errors', { ...view.params, node: nodeId })}
            empty="No error-level events (400–403) from this node in this range."
          />
          <DataTable
            id="event-totals"
            title={totals.title}
            columns={totals.columns}
            rows={totals.rows}
            csvHref={csvHref('event-totals', { ...view.params, node: nodeId })}
            empty="No events from this node in this range."
          />
        </>
      );
    }
  } catch (err) {
    content = <ErrorState err={err} />;
  }
  return (
    <>
      <PageHeader title={`Node ${nodeId}`} view={view} />
      {content}
    </>
  );
}
