import type { Metadata } from 'next';
import { type PageProps, renderPage } from '../components/DashboardPage.tsx';
import { ChartPanel, NoData, Stat } from '../components/Panels.tsx';
import { TablePanel } from '../components/TablePanel.tsx';
import { forChart, loadAlertAnnotations } from '../lib/annotations.ts';
import { COUNTER_PANELS, loadCounterSeries } from '../lib/load.ts';
import { pageOf } from '../lib/paging.ts';
import { fmtTime } from '../lib/range.ts';
import { type CurrentRate, currentRates, RATE_LOOKBACK_MIN, RULE_WINDOW_MIN } from '../lib/rates.ts';
import { statusHint, TABLES } from '../lib/tables.ts';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Overview' };

export default async function OverviewPage(props: PageProps) {
  return renderPage(props, {
    path: '/',
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
      // Gauges "now" = the newest sample of every reporting node (as in the node table).
      const now = (c: 'active' | 'connected') =>
        nodes.rows.filter((r) => r.status !== 'down').reduce((sum, r) => sum + Number(r[c] ?? 0), 0);
      // Rates "now" = the newest complete minute, computed as the alert rules compute them.
      const rates = await currentRates(store, view.nowMs);
      // One page of the node table in the HTML; stats above use every node, the CSV exports them all.
      const { rows: nodeRows, ...paged } = pageOf(nodes.rows, nodes.columns, searchParams, {
        key: 'rejectionsInRange',
        desc: true,
      });
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
            <RateStat testId="stat-errors" label="Errors / min" at={rates.minuteMs} rate={rates.errors} />
            <RateStat
              testId="stat-rejections"
              label="Rejections / min"
              at={rates.minuteMs}
              rate={rates.rejections}
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
                annotations={forChart(annotations, p.counter)}
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

const round1 = (v: number | null) => (v === null ? '–' : String(Math.round(v * 10) / 10));

/** A fleet rate tile: the newest complete minute, and the rules' 5-minute average it belongs to. */
function RateStat(props: { testId: string; label: string; at: number | null; rate: CurrentRate }) {
  const { at, rate } = props;
  return (
    <Stat
      testId={props.testId}
      label={props.label}
      value={<span data-testid={`${props.testId}-value`}>{round1(rate.perMin)}</span>}
      note={
        at === null ? (
          `no sample in the last ${RATE_LOOKBACK_MIN} min`
        ) : (
          <>
            last complete minute ({fmtTime(at, 0)} UTC) · {RULE_WINDOW_MIN}-min avg{' '}
            <span data-testid={`${props.testId}-window`}>{round1(rate.windowPerMin)}</span>, as the alert
            rules count
          </>
        )
      }
    />
  );
}
