import { catalogEntry, isEventId } from '@gatewatch/events';
import type { Metadata } from 'next';
import { useTranslations } from 'next-intl';
import { getTranslations } from 'next-intl/server';
import { type PageProps, renderPage } from '../../components/DashboardPage.tsx';
import { ChartPanel } from '../../components/Panels.tsx';
import { TablePanel } from '../../components/TablePanel.tsx';
import { eventText } from '../../i18n/events.ts';
import { FILTERS } from '../../lib/filters.ts';
import { loadEventSeries } from '../../lib/load.ts';
import { EVENT_SERIES } from '../../lib/series.ts';
import { TABLES } from '../../lib/tables.ts';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('nav'))('events') };
}

export default async function EventsPage(props: PageProps) {
  const t = await getTranslations();
  return renderPage(props, {
    path: '/events',
    title: t('nav.events'),
    filters: [
      FILTERS.event,
      FILTERS.level,
      FILTERS.node,
      FILTERS.ws,
      FILTERS.host,
      FILTERS.client,
      FILTERS.reason,
    ],
    async body({ store, view }) {
      const series = await loadEventSeries(store, view);
      const totals = await TABLES['event-totals'](store, view);
      const latest = await TABLES.events(store, view);
      const selected = view.filters.event?.split(',').map(Number).filter(isEventId) ?? [];
      return (
        <>
          {selected.length === 1 && selected[0] !== undefined ? <EventInfo id={selected[0]} /> : null}
          <ChartPanel
            id="event-trend"
            title={t('eventsPage.trendTitle')}
            hint={t('eventsPage.trendHint')}
            rows={series}
            view={view}
            stacked
            {...EVENT_SERIES}
            tall
            empty={t('eventsPage.trendEmpty')}
          />
          <TablePanel name="event-totals" data={totals} view={view} empty={t('eventsPage.totalsEmpty')} />
          <TablePanel
            name="events"
            data={latest}
            view={view}
            filterable
            hint={t('common.newest', { count: 200 })}
            empty={t('eventsPage.latestEmpty')}
          />
        </>
      );
    },
  });
}

function EventInfo({ id }: { id: number }) {
  const e = catalogEntry(id);
  const t = useTranslations();
  // The catalog's English text unless messages/*.json translate this id (events.<id>.*).
  const text = (key: 'description' | 'remedy') => eventText(t, id, key) ?? e[key];
  return (
    <div className="callout info" data-testid="event-info">
      <strong>{t('eventsPage.eventInfo', { id: e.id, level: e.level, name: e.name })}</strong>
      <p>{text('description')}</p>
      {e.remedy ? (
        <p>
          <strong>{t('eventsPage.whatToDo')}</strong> {text('remedy')}
        </p>
      ) : null}
    </div>
  );
}
