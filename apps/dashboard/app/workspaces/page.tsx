import type { Metadata } from 'next';
import { getFormatter, getTranslations } from 'next-intl/server';
import { type PageProps, renderPage } from '../../components/DashboardPage.tsx';
import { ChartPanel, Stat } from '../../components/Panels.tsx';
import { TablePanel } from '../../components/TablePanel.tsx';
import { FILTERS } from '../../lib/filters.ts';
import { pageOf } from '../../lib/paging.ts';
import { formatBytes, formatCell } from '../../lib/units.ts';
import {
  loadUsageSeries,
  NO_WORKSPACE,
  USAGE_TABLES,
  USAGE_TOP_N,
  usageChartView,
  usageTableTier,
} from '../../lib/usage.ts';
import { UsageSub } from './UsageSub.tsx';

export const dynamic = 'force-dynamic';

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('workspaces'))('title') };
}

/** Bytes up (≈ what Log Analytics ingests) per workspace over time, per workspace and per node. */
export default async function WorkspacesPage(props: PageProps) {
  const t = await getTranslations('workspaces');
  const format = await getFormatter();
  return renderPage(props, {
    path: '/workspaces',
    title: t('title'),
    filters: [FILTERS.ws, FILTERS.node],
    sub: (view) => {
      const v = usageChartView(view);
      return <UsageSub view={view} stepSec={v.stepSec} source={t(`source.${v.tier}`)} />;
    },
    async body({ store, view, searchParams }) {
      const series = await loadUsageSeries(store, view);
      const ws = await USAGE_TABLES['usage-workspaces'](store, view);
      const nodes = await USAGE_TABLES['usage-nodes'](store, view);
      const sum = (k: string) => ws.rows.reduce((s, r) => s + Number(r[k] ?? 0), 0);
      const up = sum('bytesUp');
      const before = sum('previousBytesUp');
      // The node table is paged by the server (1 000 nodes); the stats and the CSV use every row.
      const { rows: nodeRows, ...nodePage } = pageOf(nodes.rows, nodes.columns, searchParams, {
        key: 'bytesUp',
        desc: true,
      });
      const hint = usageTableTier(view) === '1h' ? `${t('tableHint')} · ${t('wholeHours')}` : t('tableHint');
      return (
        <>
          <div className="stats">
            <Stat testId="stat-bytes-up" label={t('statBytesUp')} value={formatBytes(format, up)} />
            <Stat
              testId="stat-change"
              label={t('statChange')}
              value={before ? formatCell(format, (up - before) / before, 'change') : '—'}
              note={t('statChangeNote', { bytes: formatBytes(format, before) })}
            />
            <Stat
              testId="stat-workspaces"
              label={t('statWorkspaces')}
              value={format.number(ws.rows.filter((r) => r.workspace !== NO_WORKSPACE).length)}
            />
            <Stat testId="stat-nodes" label={t('statNodes')} value={format.number(nodes.rows.length)} />
          </div>
          <ChartPanel
            id="usage-trend"
            title={t('chartTitle')}
            hint={t('chartHint', { count: USAGE_TOP_N })}
            rows={series}
            view={usageChartView(view)}
            stacked
            unit="bytes"
            labels={{ others: t('others'), '': t('noWorkspace') }}
            tall
            empty={t('empty')}
          />
          <TablePanel
            name="usage-workspaces"
            data={ws}
            view={view}
            filterable
            hint={hint}
            empty={t('empty')}
          />
          <TablePanel
            name="usage-nodes"
            data={{ ...nodes, rows: nodeRows }}
            view={view}
            paged={nodePage}
            filterable
            hint={hint}
            empty={t('empty')}
          />
        </>
      );
    },
  });
}
