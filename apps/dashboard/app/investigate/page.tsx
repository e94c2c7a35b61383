import { EVENT } from '@gatewatch/events';
import { dashboardNodes, nodeConfigPaths } from '@gatewatch/store';
import type { Metadata } from 'next';
import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { getTranslations } from 'next-intl/server';
import { type PageProps, renderPage } from '../../components/DashboardPage.tsx';
import { FixWorkspace } from '../../components/FixWorkspace.tsx';
import { ChartPanel } from '../../components/Panels.tsx';
import { TablePanel } from '../../components/TablePanel.tsx';
import { forChart, loadAlertAnnotations } from '../../lib/annotations.ts';
import type { TableData } from '../../lib/columns.ts';
import { FILTERS } from '../../lib/filters.ts';
import { loadEventSeries } from '../../lib/load.ts';
import { REASON_SERIES } from '../../lib/series.ts';
import { configuredWorkspaces, TABLES } from '../../lib/tables.ts';
import { qs, type View } from '../../lib/view.ts';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('investigate'))('title') };
}

/** The tables under the trend, side by side in pairs, with the hint each shows. */
const LAYOUT = [['ws105', 'reasons105'], ['hosts105', 'clients105'], ['nodes105'], ['records105']] as const;
type Name = (typeof LAYOUT)[number][number];
const HINTS = {
  ws105: 'investigate.hintWs',
  hosts105: 'investigate.hintHost',
  clients105: 'investigate.hintClient',
} as const satisfies Partial<Record<Name, string>>;

export default async function InvestigatePage(props: PageProps) {
  const t = await getTranslations();
  return renderPage(props, {
    path: '/investigate',
    title: t('investigate.title'),
    nav: (view) => <Crumbs view={view} />,
    filters: [FILTERS.ws, FILTERS.host, FILTERS.client, FILTERS.node, FILTERS.reason105],
    async body({ store, view }) {
      const f = { ...view.eventFilters, eventIds: [EVENT.DESTINATION_NOT_ALLOWED] };
      const trend = await loadEventSeries(store, view, f, 'reason');
      // Alert firing periods (only the selected workspace's when one is selected); none if the query fails.
      const annotations = await loadAlertAnnotations(store, view, { workspace: view.filters.ws });
      const tables = {} as Record<Name, TableData>;
      for (const name of LAYOUT.flat()) tables[name] = await TABLES[name](store, view);
      const total = tables.reasons105.rows.reduce((s, r) => s + Number(r.count ?? 0), 0);
      const notConfigured = tables.ws105.rows.filter((r) => Number(r.notConfigured) > 0);
      const configured = notConfigured.length ? await configuredWorkspaces(store, view) : [];
      // The fix command edits the config file the gateways running now read (each reports its path).
      const lastHour = { fromMs: view.nowMs - 3_600_000, toMs: view.nowMs + 1 };
      const running = notConfigured.length
        ? (await dashboardNodes(store, lastHour)).map((n) => n.nodeId)
        : [];
      const paths = notConfigured.length ? await nodeConfigPaths(store, lastHour) : [];
      const table = (name: Name) => (
        <TablePanel
          key={name}
          name={name}
          data={tables[name]}
          view={view}
          hint={
            name === 'records105'
              ? t('common.newest', { count: 200 })
              : name in HINTS
                ? t(HINTS[name as keyof typeof HINTS])
                : undefined
          }
          filterable={name === 'records105'}
          empty={t('investigate.empty')}
        />
      );
      return (
        <>
          <p data-testid="total-105">
            {t.rich('investigate.total', {
              count: total,
              filtered: String(
                Boolean(view.filters.ws || view.filters.host || view.filters.client || view.filters.node),
              ),
              b: (c) => <strong>{c}</strong>,
            })}
          </p>
          {notConfigured.map((r) => (
            <FixWorkspace
              key={String(r.workspace)}
              workspace={String(r.workspace)}
              refused={Number(r.notConfigured)}
              configured={configured}
              running={running}
              paths={paths}
            />
          ))}
          <ChartPanel
            id="trend105"
            title={t('investigate.trendTitle')}
            rows={trend}
            view={view}
            stacked
            {...REASON_SERIES}
            annotations={forChart(annotations, `event:${EVENT.DESTINATION_NOT_ALLOWED}`)}
            empty={t('investigate.trendEmpty')}
          />
          {LAYOUT.map((names) =>
            names.length > 1 ? (
              <div className="grid" key={names.join()}>
                {names.map(table)}
              </div>
            ) : (
              names.map(table)
            ),
          )}
        </>
      );
    },
  });
}

/** workspace → host → client breadcrumbs; each crumb drops the deeper levels. */
function Crumbs({ view }: { view: View }) {
  const { ws, host, client } = view.filters;
  const base = view.params;
  const t = useTranslations();
  const href = (changes: Record<string, string | undefined>) => `/investigate${qs({ ...base, ...changes })}`;
  const levels: { label: string; value?: string; href: string }[] = [
    {
      label: t('investigate.allWorkspaces'),
      href: href({ ws: undefined, host: undefined, client: undefined }),
    },
  ];
  if (ws)
    levels.push({
      label: t('columns.workspace'),
      value: ws,
      href: href({ host: undefined, client: undefined }),
    });
  if (host) levels.push({ label: t('columns.host'), value: host, href: href({ client: undefined }) });
  if (client) levels.push({ label: t('columns.client'), value: client, href: href({}) });
  return (
    <nav className="crumbs" aria-label={t('investigate.crumbs')}>
      {levels.map((l, i) => (
        <span key={l.label}>
          {i > 0 ? (
            <span className="sep" aria-hidden="true">
              ›&nbsp;
            </span>
          ) : null}
          {i === levels.length - 1 ? (
            <span aria-current="location">
              {l.label} {l.value ? <code>{l.value}</code> : null}
            </span>
          ) : (
            <Link href={l.href}>
              {l.label} {l.value ? <code>{l.value}</code> : null}
            </Link>
          )}
        </span>
      ))}
    </nav>
  );
}
