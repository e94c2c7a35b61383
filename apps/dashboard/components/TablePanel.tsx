import { REJECTION_REASONS } from '@gatewatch/events';
import { type Messages, useTranslations } from 'next-intl';
import { eventText } from '../i18n/events.ts';
import type { Cell, Column, TableData } from '../lib/columns.ts';
import { csvHref, type TableName } from '../lib/tables.ts';
import type { View } from '../lib/view.ts';
import { DataTable, type DataTableProps } from './DataTable.tsx';

type Props = Omit<DataTableProps, 'id' | 'title' | 'columns' | 'rows' | 'csvHref'> & {
  /** The lib/tables.ts entry the rows came from: names the panel and its CSV export. */
  name: TableName;
  data: TableData;
  view: View;
  /** Instead of the table's own title (`tables.<name>` in messages/*.json). */
  title?: string;
};

type ColumnKey = keyof Messages['columns'];
/** Column keys whose English label differs between tables get their own message. */
const COLUMN_MESSAGE: Record<string, ColumnKey> = {
  'count|105 count': 'count105',
  'reason|Top reason': 'topReason',
};
const REASON_BY_LABEL = new Map(
  Object.entries(REJECTION_REASONS).map(([code, r]) => [r.label as string, code]),
);
/** Placeholder cells lib/tables.ts writes (in English, as the CSV export shows them). */
const PLACEHOLDERS = { '(none)': 'none', '(no workspace)': 'noWorkspace' } as const;

/**
 * A TABLES entry on a page: its title, columns and catalog texts in the reader's language, with a CSV link
 * carrying the same view. lib/tables.ts stays English: the CSV export is data.
 */
export function TablePanel({ name, data, view, title, ...rest }: Props) {
  const t = useTranslations();
  const columns: Column[] = data.columns.map((c) => ({
    ...c,
    label: t(`columns.${COLUMN_MESSAGE[`${c.key}|${c.label}`] ?? (c.key as ColumnKey)}`),
  }));
  const text = (key: string, cell: Cell, row: Record<string, Cell>): Cell => {
    if (typeof cell !== 'string' || cell === '') return cell;
    if (cell in PLACEHOLDERS) return t(`table.${PLACEHOLDERS[cell as keyof typeof PLACEHOLDERS]}`);
    if (key === 'status' && (cell === 'up' || cell === 'stale' || cell === 'down'))
      return t(`status.${cell}`);
    const reason = REASON_BY_LABEL.get(cell);
    if (reason && (key === 'reason' || key === 'topReason'))
      return t(`reasons.${reason as keyof Messages['reasons']}`);
    // Catalog texts of the ids messages/*.json translate (events.<id>.description|remedy); others stay English.
    if (key === 'description' || key === 'remedy') return eventText(t, Number(row.event), key) ?? cell;
    return cell;
  };
  const rows = data.rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, text(k, v, r)])),
  );
  return (
    <DataTable
      id={name}
      title={title ?? t(`tables.${name}` as never)}
      columns={columns}
      rows={rows}
      csvHref={csvHref(name, view.params)}
      {...rest}
    />
  );
}
