/** The filter fields pages offer (URL params of lib/range.ts FILTER_KEYS), declared once. */
import { EVENT_CATALOG, EVENT_LEVELS, REASONS_105, REJECTION_REASON_NAMES } from '@gatewatch/events';
import type { FilterField } from '../components/FilterBar.tsx';
import { reasonLabel } from './tables.ts';

const reasons = (names: readonly string[]) => names.map((r) => ({ value: r, label: reasonLabel(r) }));

export const FILTERS = {
  event: {
    key: 'event',
    label: 'Event id',
    options: EVENT_CATALOG.map((e) => ({ value: String(e.id), label: `${e.id} ${e.name}` })),
  },
  level: { key: 'level', label: 'Level', options: EVENT_LEVELS.map((l) => ({ value: l, label: l })) },
  node: { key: 'node', label: 'Node', placeholder: 'node id' },
  ws: { key: 'ws', label: 'Workspace', placeholder: 'workspace id' },
  host: { key: 'host', label: 'Host', placeholder: 'target host' },
  client: { key: 'client', label: 'Client', placeholder: 'client address' },
  reason: { key: 'reason', label: 'Reason', options: reasons(REJECTION_REASON_NAMES) },
  /** The reasons event 105 carries (the Event 105 page). */
  reason105: { key: 'reason', label: 'Reason', options: reasons(REASONS_105) },
} satisfies Record<string, FilterField>;
