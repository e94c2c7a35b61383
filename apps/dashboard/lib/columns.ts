/** What a dashboard table is: columns and plain rows. Shared by the table component, paging, CSV and lib/tables.ts. */
import type { CellUnit } from './units.ts';

export type Cell = string | number | null;

export interface Column {
  key: string;
  label: string;
  num?: boolean;
  /** Row key holding a link target for this cell. */
  hrefKey?: string;
  /** Row key holding a CSS class for this cell (e.g. node status colours). */
  classKey?: string;
  mono?: boolean;
  nowrap?: boolean;
  /** Long text (messages, catalog texts): one line cut with an ellipsis, the whole text on hover. */
  clip?: boolean;
  /** How the page shows the raw cell (bytes, share, change, ISO time) in the reader's locale (lib/units.ts). */
  unit?: CellUnit;
}

export interface TableData {
  title: string;
  columns: Column[];
  rows: Record<string, Cell>[];
}
