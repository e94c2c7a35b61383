/**
 * Server-side paging of a table: filter (text in any column), sort (a column, `-` prefix = descending) and
 * one page, from URL params `filter`, `sort`, `page` and `size`, so the HTML carries one page of rows
 * (1 000 nodes rendered at once were ≈ 1 MB) and a link reproduces the view. CSV exports stay whole.
 */
import type { Cell, Column } from './columns.ts';
import { param, type SearchParams } from './range.ts';

const PAGE_SIZE = 50;

/** A sort column; in the URL `key` or `-key` (descending). */
export interface Sort {
  key: string;
  desc: boolean;
}

export interface Paged {
  rows: Record<string, Cell>[];
  /** 1-based, clamped to the pages there are. */
  page: number;
  pages: number;
  size: number;
  /** Rows before filtering / after. */
  total: number;
  matching: number;
  /** The URL's sort when it names a column, else none. */
  sort: Sort | null;
  filter: string;
}

function compare(a: Cell | undefined, b: Cell | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
}

/** Rows with `needle` (lower case) in any column, sorted by one column: the server's paging and the
 * client-side table use the same rules. */
export function filterAndSort(
  rows: Record<string, Cell>[],
  columns: Column[],
  needle: string,
  sort: Sort | null,
): Record<string, Cell>[] {
  const out = needle
    ? rows.filter((r) =>
        columns.some((c) =>
          String(r[c.key] ?? '')
            .toLowerCase()
            .includes(needle),
        ),
      )
    : rows;
  if (!sort) return out;
  return [...out].sort((a, b) => (sort.desc ? -1 : 1) * compare(a[sort.key], b[sort.key]));
}

/** `defaultSort`: the order the rows come in (shown as the sorted column when the URL names none). */
export function pageOf(
  rows: Record<string, Cell>[],
  columns: Column[],
  sp: SearchParams | URLSearchParams,
  defaultSort: Sort | null = null,
): Paged {
  const filter = (param(sp, 'filter') ?? '').trim().slice(0, 256);
  const rawSort = param(sp, 'sort') ?? '';
  const key = rawSort.replace(/^-/, '');
  const asked = columns.some((c) => c.key === key) ? { key, desc: rawSort.startsWith('-') } : null;
  const out = filterAndSort(rows, columns, filter.toLowerCase(), asked);
  const sort = asked ?? defaultSort;
  const size = Math.min(500, Math.max(5, Math.floor(Number(param(sp, 'size'))) || PAGE_SIZE));
  const pages = Math.max(1, Math.ceil(out.length / size));
  const page = Math.min(pages, Math.max(1, Math.floor(Number(param(sp, 'page'))) || 1));
  return {
    rows: out.slice((page - 1) * size, page * size),
    page,
    pages,
    size,
    total: rows.length,
    matching: out.length,
    sort,
    filter,
  };
}
