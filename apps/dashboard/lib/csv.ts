/** RFC 4180 CSV (csv-stringify); cells starting with = + - @ are prefixed with ' so spreadsheets do not run them. */
import { stringify } from 'csv-stringify/sync';
import type { Cell, Column } from './columns.ts';

function cell(v: Cell | undefined): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
}

export function toCsv(columns: readonly Column[], rows: readonly Record<string, Cell>[]): string {
  const records = [columns.map((c) => cell(c.label)), ...rows.map((r) => columns.map((c) => cell(r[c.key])))];
  return stringify(records, { record_delimiter: 'windows' });
}
