import type { Metadata } from 'next';
import { getTranslations } from 'next-intl/server';
import { type PageProps, renderPage } from '../../components/DashboardPage.tsx';
import { TablePanel } from '../../components/TablePanel.tsx';
import { FILTERS } from '../../lib/filters.ts';
import { agentsDaily, agentsPage } from '../../lib/usage.ts';

export const dynamic = 'force-dynamic';

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('agents'))('title') };
}

/** The agent inventory: one row per agent (certificate subject, else address), sorted and paged by the server. */
export default async function AgentsPage(props: PageProps) {
  const t = await getTranslations('agents');
  const labels = {
    agent: t('col.agent'),
    clientAddress: t('col.clientAddress'),
    workspaces: t('col.workspaces'),
    nodes: t('col.nodes'),
    firstSeen: t('col.firstSeen'),
    lastSeen: t('col.lastSeen'),
    lastUpload: t('col.lastUpload'),
    uploads: t('col.uploads'),
    bytesUp: t('col.bytesUp'),
    bytesDown: t('col.bytesDown'),
    tunnels: t('col.tunnels'),
    refusalEvent: t('col.refusalEvent'),
    refusalReason: t('col.refusalReason'),
    refusalTime: t('col.refusalTime'),
    refusalRecord: t('col.refusalRecord'),
  } as Record<string, string>;
  return renderPage(props, {
    path: '/agents',
    title: t('title'),
    filters: [
      { key: 'client', label: t('filterAgent'), placeholder: t('filterAgentPlaceholder') },
      FILTERS.ws,
      FILTERS.node,
    ],
    async body({ store, view, searchParams }) {
      const { data, paged } = await agentsPage(store, view, searchParams);
      const hint = [
        t('count', { count: paged.total }),
        agentsDaily(view) ? t('perDay') : t('perHour'),
        t('serverSorted'),
      ].join(' · ');
      return (
        <TablePanel
          name="agents"
          data={{
            ...data,
            title: t('tableTitle'),
            columns: data.columns.map((c) => ({ ...c, label: labels[c.key] ?? c.label })),
          }}
          view={view}
          paged={paged}
          hint={hint}
          empty={t('empty')}
        />
      );
    },
  });
}
