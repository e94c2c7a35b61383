'use client';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useFormatter, useTranslations } from 'next-intl';
import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import type { Cell, Column } from '../lib/columns.ts';
import { filterAndSort, type Paged, type Sort } from '../lib/paging.ts';
import { withParams } from '../lib/range.ts';
import { formatCell } from '../lib/units.ts';
import { Panel } from './Panel.tsx';

export interface DataTableProps {
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
  /**
   * Rows are one page, filtered and sorted by the server (lib/paging.ts): sort, filter and page changes go
   * to the URL (`sort`, `filter`, `page`) instead of being applied here.
   */
  paged?: Omit<Paged, 'rows'>;
}

/** A table panel: sortable headers (click or Enter), optional quick filter, CSV export of the same data. */
export function DataTable({
  id,
  title,
  columns,
  rows,
  csvHref,
  empty,
  filterable,
  hint,
  paged,
}: DataTableProps) {
  const [localSort, setLocalSort] = useState<Sort | null>(null);
  const [q, setQ] = useState(paged?.filter ?? '');
  const format = useFormatter();
  const t = useTranslations('table');
  const router = useRouter();
  const pathname = usePathname();
  const sp = useSearchParams();
  const hrefWith = (changes: Record<string, string | undefined>) => `${pathname}${withParams(sp, changes)}`;
  const sort = paged ? paged.sort : localSort;
  const setSort = (next: Sort) => {
    if (!paged) return setLocalSort(next);
    router.push(hrefWith({ sort: `${next.desc ? '-' : ''}${next.key}`, page: undefined }), { scroll: false });
  };
  // Paged: the filter text reaches the URL (and the server) once typing pauses.
  const typed = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the typed text triggers navigation
  useEffect(() => {
    if (!paged || !typed.current) return;
    const t = setTimeout(
      () => router.replace(hrefWith({ filter: q.trim(), page: undefined }), { scroll: false }),
      300,
    );
    return () => clearTimeout(t);
  }, [q]);
  const shown = useMemo(
    () => (paged ? rows : filterAndSort(rows, columns, q.trim().toLowerCase(), sort)),
    [rows, columns, q, sort, paged],
  );
  const total = paged ? paged.total : rows.length;
  const matching = paged ? paged.matching : shown.length;

  return (
    <Panel id={id} title={title} hint={hint} csvHref={csvHref} data-testid={`table-${id}`}>
      {filterable && total > 0 ? (
        <div className="table-tools">
          <label>
            <span className="legend-note">{t('filterRows')} </span>
            <input
              type="search"
              value={q}
              onChange={(e) => {
                typed.current = true;
                setQ(e.target.value);
              }}
              aria-label={t('filterLabel', { title })}
              placeholder={t('filterPlaceholder')}
            />
          </label>
          <span className="legend-note" data-testid={`count-${id}`}>
            {t('matching', { matching, total })}
          </span>
        </div>
      ) : null}
      {rows.length === 0 ? (
        <div className="empty">{total > 0 ? t('noMatch') : empty}</div>
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
                    const text =
                      v === null || v === undefined ? '' : c.unit ? formatCell(format, v, c.unit) : String(v);
                    const href = c.hrefKey ? r[c.hrefKey] : null;
                    const cls =
                      [
                        c.num ? 'num' : '',
                        c.mono ? 'mono' : '',
                        c.nowrap ? 'nowrap' : '',
                        c.clip ? 'clip' : '',
                        c.classKey ? String(r[c.classKey] ?? '') : '',
                      ]
                        .filter(Boolean)
                        .join(' ') || undefined;
                    return (
                      <td key={c.key} className={cls} title={c.clip && text ? text : undefined}>
                        {typeof href === 'string' && href ? (
                          // No prefetch: a table of hundreds of links would fetch each target page (and a
                          // node that has events but no counter sample yet would answer 404).
                          <Link href={href} prefetch={false}>
                            {text}
                          </Link>
                        ) : (
                          text
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {paged && paged.pages > 1 ? (
        <nav className="pager" aria-label={t('pagesLabel', { title })} data-testid={`pager-${id}`}>
          {paged.page > 1 ? (
            <Link href={hrefWith({ page: String(paged.page - 1) })} scroll={false} rel="prev">
              {t('previous')}
            </Link>
          ) : (
            <span aria-disabled="true">{t('previous')}</span>
          )}
          <span className="legend-note">
            {t('pageOf', {
              page: paged.page,
              pages: paged.pages,
              first: (paged.page - 1) * paged.size + 1,
              last: Math.min(paged.page * paged.size, paged.matching),
              matching: paged.matching,
            })}
          </span>
          {paged.page < paged.pages ? (
            <Link href={hrefWith({ page: String(paged.page + 1) })} scroll={false} rel="next">
              {t('next')}
            </Link>
          ) : (
            <span aria-disabled="true">{t('next')}</span>
          )}
        </nav>
      ) : null}
    </Panel>
  );
}
