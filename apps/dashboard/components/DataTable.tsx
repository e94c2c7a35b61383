'use client';
import Link from 'next/link';
import { type ReactNode, useMemo, useState } from 'react';

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
}

interface Props {
  id: string;
  title: string;
  columns: Column[];
  rows: Record<string, Cell>[];
  /** Route returning the same rows as text/csv (same range and filters). */
  csvHref: string;
  empty: ReactNode;
  /** Show a text box that filters rows client-side. */
  filterable?: boolean;
  hint?: string;
}

/** A table panel: sortable headers (click or Enter), optional quick filter, CSV export of the same data. */
export function DataTable({ id, title, columns, rows, csvHref, empty, filterable, hint }: Props) {
  const [sort, setSort] = useState<{ key: string; desc: boolean } | null>(null);
  const [q, setQ] = useState('');
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    let out = needle
      ? rows.filter((r) =>
          columns.some((c) =>
            String(r[c.key] ?? '')
              .toLowerCase()
              .includes(needle),
          ),
        )
      : rows;
    if (sort) {
      const { key, desc } = sort;
      out = [...out].sort((a, b) => {
        const x = a[key] ?? '';
        const y = b[key] ?? '';
        const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return desc ? -c : c;
      });
    }
    return out;
  }, [rows, columns, q, sort]);

  return (
    <section className="panel" aria-labelledby={`${id}-title`} data-testid={`table-${id}`}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <span className="hint">
          {hint ? `${hint} · ` : ''}
          <a href={csvHref} download data-testid={`csv-${id}`}>
            Export CSV
          </a>
        </span>
      </div>
      {filterable && rows.length > 0 ? (
        <div className="table-tools">
          <label>
            <span className="legend-note">Filter rows </span>
            <input
              type="search"
              value={q}
              onChange={(e) => setQ(e.target.value)}
              aria-label={`Filter ${title}`}
              placeholder="text in any column"
            />
          </label>
          <span className="legend-note">
            {shown.length} of {rows.length}
          </span>
        </div>
      ) : null}
      {rows.length === 0 ? (
        <div className="empty">{empty}</div>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                {columns.map((c) => {
                  const active = sort?.key === c.key;
                  const ariaSort = active ? (sort?.desc ? 'descending' : 'ascending') : 'none';
                  return (
                    <th key={c.key} className={c.num ? 'num' : undefined} aria-sort={ariaSort} scope="col">
                      <button
                        type="button"
                        className="sort-btn"
                        onClick={() =>
                          setSort(active ? { key: c.key, desc: !sort?.desc } : { key: c.key, desc: !!c.num })
                        }
                      >
                        {c.label}
                        {active ? (sort?.desc ? ' ▼' : ' ▲') : ''}
                      </button>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {shown.map((r, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows have no stable id; order is the key
                <tr key={i}>
                  {columns.map((c) => {
                    const v = r[c.key];
                    const text = v === null || v === undefined ? '' : String(v);
                    const href = c.hrefKey ? r[c.hrefKey] : null;
                    const cls =
                      [
                        c.num ? 'num' : '',
                        c.mono ? 'mono' : '',
                        c.nowrap ? 'nowrap' : '',
                        c.classKey ? String(r[c.classKey] ?? '') : '',
                      ]
                        .filter(Boolean)
                        .join(' ') || undefined;
                    return (
                      <td key={c.key} className={cls}>
                        {typeof href === 'string' && href ? <Link href={href}>{text}</Link> : text}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
