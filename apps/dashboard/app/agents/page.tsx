import type { Metadata } from 'next';
import { getTranslations } from 'next-intl/server';
import { type PageProps, renderPage } from '../../components/DashboardPage.tsx';
import { TablePanel } from '../../components/TablePanel.tsx';
import { FILTERS } from '../../lib/filters.ts';
import { agentsDaily, agentsPage } from '../../lib/usage.ts';
import { UsageSub } from '../workspaces/UsageSub.tsx';

export const dynamic = 'force-dynamic';

/** Columns in the CSV export only: the page keeps to what fits a screen. */
const CSV_ONLY = new Set(['lastUpload', 'bytesDown', 'tunnels', 'refusalTime', 'refusalRecord']);

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('agents'))('title') };
}

/** The agent inventory: one row per agent (certificate subject, else address), sorted and paged by the server. */
export default async function AgentsPage(props: PageProps) {
  const t = await getTranslations('agents');
  return renderPage(props, {
    path: '/agents',
    title: t('title'),
    // `client` here is text in the agent (subject or address), see lib/usage.ts agentsPage.
    filters: [FILTERS.client, FILTERS.ws, FILTERS.node],
    sub: (view) => (
      <UsageSub
        view={view}
        stepSec={agentsDaily(view) ? 86_400 : 3600}
        source={agentsDaily(view) ? t('perDay') : t('perHour')}
      />
    ),
    async body({ store, view, searchParams }) {
      const { data, paged } = await agentsPage(store, view, searchParams);
      // The address only where it tells more than the agent (agents known by certificate subject).
      const rows = data.rows.map((r) => (r.clientAddress === r.agent ? { ...r, clientAddress: '' } : r));
      const hint = `${t('count', { count: paged.total })} · ${t('serverSorted')}`;
      return (
        <TablePanel
          name="agents"
          data={{
            ...data,
            columns: data.columns.filter(
              (c) => !CSV_ONLY.has(c.key) && (c.key !== 'clientAddress' || rows.some((r) => r.clientAddress)),
            ),
            rows,
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
