import {
  catalogEntry,
  EVENT_CATALOG,
  EVENT_LEVELS,
  isEventId,
  REJECTION_REASON_NAMES,
} from '@gatewatch/events';
import { dashboardEventSeries } from '@gatewatch/store';
import type { Metadata } from 'next';
import { DataTable } from '../../components/DataTable.tsx';
import { FilterBar } from '../../components/FilterBar.tsx';
import { ChartPanel, ErrorState, PageHeader } from '../../components/Panels.tsx';
import { PALETTE } from '../../lib/palette.ts';
import type { SearchParams } from '../../lib/range.ts';
import { getStore } from '../../lib/store.ts';
import { csvHref, reasonLabel, TABLES } from '../../lib/tables.ts';
import { buildView } from '../../lib/view.ts';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Events' };

const EVENT_LABELS = Object.fromEntries(EVENT_CATALOG.map((e) => [String(e.id), `${e.id} ${e.name}`]));
const EVENT_ORDER = EVENT_CATALOG.map((e) => String(e.id));
// Stable colour per event id across pages and ranges.
const EVENT_COLORS = Object.fromEntries(
  EVENT_CATALOG.map((e, i) => [String(e.id), PALETTE[i % PALETTE.length] ?? '#888']),
);

export default async function EventsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const view = buildView(await searchParams);
  let content: React.ReactNode;
  try {
    const store = await getStore();
    const series = await dashboardEventSeries(store, {
      fromMs: view.fromMs,
      toMs: view.toMs,
      stepSec: view.stepSec,
      rollup: view.rollup,
      filters: view.eventFilters,
    });
    const totals = await TABLES['event-totals'](store, view);
    const latest = await TABLES.events(store, view);
    const selected = view.filters.event?.split(',').map(Number).filter(isEventId) ?? [];
    content = (
      <>
        {selected.length === 1 && selected[0] !== undefined ? <EventInfo id={selected[0]} /> : null}
        <ChartPanel
          id="event-trend"
          title="Events over time by id"
          hint="stacked counts per bucket"
          rows={series}
          view={view}
          stacked
          labels={EVENT_LABELS}
          colors={EVENT_COLORS}
          order={EVENT_ORDER}
          tall
          empty="No events match these filters in this range — widen the range or clear filters."
        />
        <DataTable
          id="event-totals"
          title={totals.title}
          columns={totals.columns}
          rows={totals.rows}
          csvHref={csvHref('event-totals', view.params)}
          empty="No events match these filters."
        />
        <DataTable
          id="events"
          title={latest.title}
          columns={latest.columns}
          rows={latest.rows}
          csvHref={csvHref('events', view.params)}
          filterable
          hint="newest 200"
          empty="No records match these filters in this range."
        />
      </>
    );
  } catch (err) {
    content = <ErrorState err={err} />;
  }
  return (
    <>
      <PageHeader title="Events" view={view} />
      <FilterBar
        fields={[
          {
            key: 'event',
            label: 'Event id',
            options: EVENT_CATALOG.map((e) => ({ value: String(e.id), label: `${e.id} ${e.name}` })),
          },
          { key: 'level', label: 'Level', options: EVENT_LEVELS.map((l) => ({ value: l, label: l })) },
          { key: 'node', label: 'Node', placeholder: 'node id' },
          { key: 'ws', label: 'Workspace', placeholder: 'workspace id' },
          { key: 'host', label: 'Host', placeholder: 'target host' },
          { key: 'client', label: 'Client', placeholder: 'client address' },
          {
            key: 'reason',
            label: 'Reason',
            options: REJECTION_REASON_NAMES.map((r) => ({ value: r, label: reasonLabel(r) })),
          },
        ]}
      />
      {content}
    </>
  );
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
