import type { Metadata } from 'next';
import { useFormatter, useTranslations } from 'next-intl';
import { getFormatter, getTranslations } from 'next-intl/server';
import { type PageProps, renderPage } from '../components/DashboardPage.tsx';
import { ChartPanel, NoData, Stat } from '../components/Panels.tsx';
import { TablePanel } from '../components/TablePanel.tsx';
import { forChart, loadAlertAnnotations } from '../lib/annotations.ts';
import { COUNTER_PANELS, loadCounterSeries } from '../lib/load.ts';
import { pageOf } from '../lib/paging.ts';
import { type CurrentRate, currentRates, RATE_LOOKBACK_MIN, RULE_WINDOW_MIN } from '../lib/rates.ts';
import { nodesTable, statusThresholds, TABLES } from '../lib/tables.ts';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('nav'))('overview') };
}

export default async function OverviewPage(props: PageProps) {
  const t = await getTranslations();
  const format = await getFormatter();
  const { upWithinS, downAfterS } = statusThresholds();
  const seconds = (s: number) =>
    s % 60 === 0
      ? format.number(s / 60, { style: 'unit', unit: 'minute', unitDisplay: 'short' })
      : format.number(s, { style: 'unit', unit: 'second', unitDisplay: 'short' });
  return renderPage(props, {
    path: '/',
    title: t('overview.title'),
    async body({ store, view, searchParams }) {
      // The error and rejection charts' queries also give the node table its per-node totals.
      const { series, totals } = await loadCounterSeries(store, view);
      const nodes = await nodesTable(store, view, totals);
      if (nodes.rows.length === 0) return <NoData />;
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
              label={t('overview.nodesStatus')}
              value={[status.up, status.stale, status.down].map((n) => format.number(n)).join(' / ')}
            />
            <Stat testId="stat-active" label={t('overview.activeNow')} value={format.number(now('active'))} />
            <Stat
              testId="stat-connected"
              label={t('overview.connectedNow')}
              value={format.number(now('connected'))}
            />
            <RateStat
              testId="stat-errors"
              label={t('overview.errorsPerMin')}
              at={rates.minuteMs}
              rate={rates.errors}
            />
            <RateStat
              testId="stat-rejections"
              label={t('overview.rejectionsPerMin')}
              at={rates.minuteMs}
              rate={rates.rejections}
            />
          </div>
          <div className="grid">
            {COUNTER_PANELS.map((p) => (
              <ChartPanel
                key={p.counter}
                id={p.counter}
                title={t(`counters.${p.counter}.title`)}
                hint={t('overview.chartHint', { hint: t(`counters.${p.counter}.hint`) })}
                rows={series[p.counter]}
                view={view}
                stacked
                unit={t(`counters.${p.counter}.unit`)}
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
            hint={t('overview.statusHint', { up: seconds(upWithinS), stale: seconds(downAfterS) })}
            empty={t('overview.noNodes')}
          />
          <TablePanel
            name="event-totals"
            data={events}
            title={t('overview.topEventIds')}
            view={view}
            empty={t('overview.noEvents')}
          />
        </>
      );
    },
  });
}

/** A fleet rate tile: the newest complete minute, and the rules' 5-minute average it belongs to. */
function RateStat(props: { testId: string; label: string; at: number | null; rate: CurrentRate }) {
  const { at, rate } = props;
  const t = useTranslations('overview');
  const format = useFormatter();
  const round1 = (v: number | null) => (v === null ? '–' : format.number(v, { maximumFractionDigits: 1 }));
  return (
    <Stat
      testId={props.testId}
      label={props.label}
      value={<span data-testid={`${props.testId}-value`}>{round1(rate.perMin)}</span>}
      note={
        at === null
          ? t('noSample', { minutes: RATE_LOOKBACK_MIN })
          : t.rich('lastMinute', {
              time: format.dateTime(at, { hour: '2-digit', minute: '2-digit' }),
              window: RULE_WINDOW_MIN,
              avg: round1(rate.windowPerMin),
              v: (chunks) => <span data-testid={`${props.testId}-window`}>{chunks}</span>,
            })
      }
    />
  );
}
