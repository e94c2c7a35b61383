import { catalogEntry, isEventId } from '@gatewatch/events';
import type { Metadata } from 'next';
import { type PageProps, renderPage } from '../../components/DashboardPage.tsx';
import { ChartPanel } from '../../components/Panels.tsx';
import { TablePanel } from '../../components/TablePanel.tsx';
import { FILTERS } from '../../lib/filters.ts';
import { loadEventSeries } from '../../lib/load.ts';
import { EVENT_SERIES } from '../../lib/series.ts';
import { TABLES } from '../../lib/tables.ts';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Events' };

export default async function EventsPage(props: PageProps) {
  return renderPage(props, {
    path: '/events',
    title: 'Events',
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
            title="Events over time by id"
            hint="stacked counts per bucket"
            rows={series}
            view={view}
            stacked
            {...EVENT_SERIES}
            tall
            empty="No events match these filters in this range — widen the range or clear filters."
          />
          <TablePanel name="event-totals" data={totals} view={view} empty="No events match these filters." />
          <TablePanel
            name="events"
            data={latest}
            view={view}
            filterable
            hint="newest 200"
            empty="No records match these filters in this range."
          />
        </>
      );
    },
  });
}

function EventInfo({ id }: { id: number }) {
  const e = catalogEntry(id);
  return (
    <div className="callout info" data-testid="event-info">
      <strong>
        Event {e.id} · {e.level} · {e.name}
      </strong>
      <p>{e.description}</p>
      {e.remedy ? (
        <p>
          <strong>What to do:</strong> {e.remedy}
        </p>
      ) : null}
    </div>
  );
}
