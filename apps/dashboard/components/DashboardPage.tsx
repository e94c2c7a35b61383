import type { Store } from '@gatewatch/store';
import { redirect, unstable_rethrow } from 'next/navigation';
import type { ReactNode } from 'react';
import { fittingRange } from '../lib/load.ts';
import { hasRange, type SearchParams, withParams } from '../lib/range.ts';
import { getStore } from '../lib/store.ts';
import { buildView, type View } from '../lib/view.ts';
import { FilterBar, type FilterField } from './FilterBar.tsx';
import { Notices } from './Notices.tsx';
import { ErrorState, PageHeader } from './Panels.tsx';

type RouteParams = Record<string, string>;
export interface PageContext {
  store: Store;
  view: View;
  /** The route's dynamic segments, URL-decoded. */
  params: RouteParams;
  /** The whole query (table paging: `sort`, `filter`, `page`). */
  searchParams: SearchParams;
}

export interface PageDef {
  /** The page's path (a URL without a range is redirected to it with one that fits the data). */
  path: string | ((params: RouteParams) => string);
  title: string | ((params: RouteParams) => string);
  /** Filter fields under the header (their values live in the URL). */
  filters?: readonly FilterField[];
  /** View params taken from the route rather than the query (e.g. the node page's `node`). */
  viewParams?: (params: RouteParams) => Record<string, string>;
  /** The line under the title; default: range, bucket width and data source. */
  sub?: (view: View) => ReactNode;
  /** Between the header and the filters (e.g. drill-down breadcrumbs). */
  nav?: (view: View) => ReactNode;
  /** The panels; a store or query error becomes the page's error state. */
  body: (ctx: PageContext) => Promise<ReactNode>;
}

/** What Next.js passes a page. */
export interface PageProps {
  params?: Promise<RouteParams>;
  searchParams: Promise<SearchParams>;
}

/**
 * A dashboard page from its declaration: the view from the URL, header, filters and the body's panels,
 * with the same error handling everywhere. `notFound()` and redirects thrown by the body pass through.
 */
export async function renderPage(props: PageProps, def: PageDef) {
  const raw = (await props.params) ?? {};
  const params = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, decodeURIComponent(v)]));
  const query = await props.searchParams;
  if (!hasRange(query)) {
    const path = typeof def.path === 'function' ? def.path(params) : def.path;
    redirect(`${path}${withParams(query, { range: await fittingRange() })}`);
  }
  const searchParams = { ...query, ...def.viewParams?.(params) };
  const view = buildView(searchParams);
  let content: ReactNode;
  try {
    content = await def.body({ store: await getStore(), view, params, searchParams });
  } catch (err) {
    unstable_rethrow(err);
    content = <ErrorState err={err} />;
  }
  const title = typeof def.title === 'function' ? def.title(params) : def.title;
  return (
    <>
      <PageHeader title={title} view={view} sub={def.sub?.(view)} />
      <Notices view={view} />
      {def.nav?.(view)}
      {def.filters ? <FilterBar fields={[...def.filters]} /> : null}
      {content}
    </>
  );
}
