import { dashboardNodes } from '@gatewatch/store';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { getFormatter, getTranslations } from 'next-intl/server';
import { type PageProps, renderPage } from '../../../components/DashboardPage.tsx';
import { ChartPanel } from '../../../components/Panels.tsx';
import { TablePanel } from '../../../components/TablePanel.tsx';
import { COUNTER_PANELS, loadCounterSeries, loadEventSeries } from '../../../lib/load.ts';
import { EVENT_SERIES } from '../../../lib/series.ts';
import { nodeStatus, TABLES } from '../../../lib/tables.ts';

export const dynamic = 'force-dynamic';

export async function generateMetadata({
  params,
}: {
  params: Promise<{ nodeId: string }>;
}): Promise<Metadata> {
  const t = await getTranslations('node');
  return { title: t('title', { node: decodeURIComponent((await params).nodeId) }) };
}

export default async function NodePage(props: PageProps) {
  const t = await getTranslations();
  const format = await getFormatter();
  return renderPage(props, {
    path: ({ nodeId = '' }) => `/nodes/${encodeURIComponent(nodeId)}`,
    title: ({ nodeId = '' }) => t('node.title', { node: nodeId }),
    viewParams: ({ nodeId = '' }) => ({ node: nodeId }),
    async body({ store, view, params: { nodeId = '' } }) {
      const [info] = await dashboardNodes(store, { fromMs: 0, toMs: view.toMs, nodeId });
      // A real 404 (not-found.tsx says what to check), not a 200 page saying it is missing.
      if (!info) notFound();
      const { series } = await loadCounterSeries(store, view, nodeId, 1);
      const events = await loadEventSeries(store, view, { nodeId });
      const totals = await TABLES['event-totals'](store, view);
      const errors = await TABLES['node-errors'](store, view);
      const status = nodeStatus(info.lastSeen, view.nowMs);
      return (
        <>
          <section className="panel" aria-label={t('node.details')}>
            <dl className="kv" data-testid="node-info">
              <dt>{t('node.status')}</dt>
              <dd className={`status-${status}`}>{t(`status.${status}`)}</dd>
              <dt>{t('node.lastSeen')}</dt>
              <dd>
                {t('node.lastSeenValue', {
                  time: format.dateTime(info.lastSeen, 'datetime'),
                  ago: format.relativeTime(info.lastSeen, view.nowMs),
                })}
              </dd>
              <dt>{t('node.started')}</dt>
              <dd>{format.dateTime(info.startedAt, 'datetime')} UTC</dd>
              <dt>{t('node.version')}</dt>
              <dd>{info.version || '—'}</dd>
              <dt>{t('node.configVersion')}</dt>
              <dd className="mono" data-testid="config-version">
                {info.configVersion || t('node.noConfigSample')}
              </dd>
              <dt>{t('node.sinceStart')}</dt>
              <dd>
                {format.number(info.errorCount)} / {format.number(info.rejectionCount)}
              </dd>
            </dl>
          </section>
          <div className="grid">
            {COUNTER_PANELS.map((p) => (
              <ChartPanel
                key={p.counter}
                id={p.counter}
                title={t(`counters.${p.counter}.title`)}
                hint={t(`counters.${p.counter}.hint`)}
                rows={series[p.counter]}
                view={view}
                unit={t(`counters.${p.counter}.unit`)}
                labels={{ [nodeId]: t(`counters.${p.counter}.title`) }}
                empty={t('node.chartEmpty')}
              />
            ))}
          </div>
          <ChartPanel
            id="node-events"
            title={t('eventsPage.trendTitle')}
            rows={events}
            view={view}
            stacked
            {...EVENT_SERIES}
            empty={t('node.eventsEmpty')}
          />
          <TablePanel name="node-errors" data={errors} view={view} empty={t('node.errorsEmpty')} />
          <TablePanel name="event-totals" data={totals} view={view} empty={t('node.totalsEmpty')} />
        </>
      );
    },
  });
}
