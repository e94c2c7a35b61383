import type { ReactNode } from 'react';
import { Panel, type PanelProps } from './Panel.tsx';

/** A column of a table whose cells are rendered (badges, links, buttons), declared once per table. */
export interface RowColumn<T> {
  label: string;
  num?: boolean;
  /** Extra td class (e.g. `nowrap`, `mono`). */
  className?: string;
  cell: (row: T, index: number) => ReactNode;
  /** Hover text of the cell. */
  title?: (row: T) => string | undefined;
}

interface Props<T> {
  columns: readonly RowColumn<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** data-* attributes of a row (e.g. data-testid, data-state). */
  rowData?: (row: T) => Record<`data-${string}`, string>;
}

/** A plain scrolling table of rendered rows (no client-side sorting; see DataTable for plain data). */
export function RowsTable<T>({ columns, rows, rowKey, rowData }: Props<T>) {
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" className={c.num ? 'num' : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, n) => (
            <tr key={rowKey(r)} {...rowData?.(r)}>
              {columns.map((c) => (
                <td
                  key={c.label}
                  className={[c.num ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined}
                  title={c.title?.(r)}
                >
                  {c.cell(r, n)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type RowsPanelProps<T> = Props<T> &
  Omit<PanelProps, 'children' | 'empty'> & {
    /** Shown instead of the table when there are no rows. */
    empty: ReactNode;
    /** Above and below the table (forms, editors), shown either way. */
    before?: ReactNode;
    after?: ReactNode;
  };

/** A panel holding a RowsTable (or its empty text), with the panel's hint and CSV link. */
export function RowsPanel<T>({
  columns,
  rows,
  rowKey,
  rowData,
  empty,
  before,
  after,
  ...panel
}: RowsPanelProps<T>) {
  return (
    <Panel {...panel}>
      {before}
      {rows.length === 0 ? (
        <div className="empty">{empty}</div>
      ) : (
        <RowsTable columns={columns} rows={rows} rowKey={rowKey} rowData={rowData} />
      )}
      {after}
    </Panel>
  );
}
