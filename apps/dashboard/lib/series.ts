/** Series names and stable colours for charts keyed by event id or rejection reason (same on every page). */
import { EVENT_CATALOG, REASONS_105 } from '@gatewatch/events';
import { PALETTE } from './palette.ts';
import { reasonLabel } from './tables.ts';

export const EVENT_SERIES = {
  labels: Object.fromEntries(EVENT_CATALOG.map((e) => [String(e.id), `${e.id} ${e.name}`])),
  colors: Object.fromEntries(
    EVENT_CATALOG.map((e, i) => [String(e.id), PALETTE[i % PALETTE.length] ?? '#888']),
  ),
  order: EVENT_CATALOG.map((e) => String(e.id)),
};

export const REASON_SERIES = {
  labels: Object.fromEntries(REASONS_105.map((r) => [r, reasonLabel(r)])),
  colors: Object.fromEntries(REASONS_105.map((r, i) => [r, PALETTE[i] ?? '#888'])),
};
