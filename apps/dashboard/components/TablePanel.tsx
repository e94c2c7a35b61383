import type { TableData } from '../lib/columns.ts';
import { csvHref, type TableName } from '../lib/tables.ts';
import type { View } from '../lib/view.ts';
import { DataTable, type DataTableProps } from './DataTable.tsx';

type Props = Omit<DataTableProps, 'id' | 'title' | 'columns' | 'rows' | 'csvHref'> & {
  /** The lib/tables.ts entry the rows came from: names the panel and its CSV export. */
  name: TableName;
  data: TableData;
  view: View;
};

/** A TABLES entry on a page: its title and columns, with a CSV link carrying the same view. */
export function TablePanel({ name, data, view, ...rest }: Props) {
  return (
    <DataTable
      id={name}
      title={data.title}
      columns={data.columns}
      rows={data.rows}
      csvHref={csvHref(name, view.params)}
      {...rest}
    />
  );
}
