import {
  type AlertSummary,
  type HistoryRow,
  lastEvaluation,
  type NotificationRow,
  type Silence,
} from '@gatewatch/alerting';
import type { Metadata } from 'next';
import Link from 'next/link';
import { getFormatter, getTranslations } from 'next-intl/server';
import { type PageProps, renderPage } from '../../components/DashboardPage.tsx';
import { type RowColumn, RowsPanel } from '../../components/RowsTable.tsx';
import { useRangeLabel } from '../../i18n/range.ts';
import {
  alertsData,
  changeText,
  fmtValue as fmt,
  instanceState,
  instanceText,
  localLink,
  matchersText,
  otherLabels as others,
  type RuleLine,
  ruleLines,
  ruleText,
  scopeOf,
  silenceMatchers,
  sinceOf,
} from '../../lib/alerts.ts';
import { fmtAbs, param } from '../../lib/range.ts';
import { csvHref, type TableName } from '../../lib/tables.ts';
import { qs, type View } from '../../lib/view.ts';
import { EditorOnly } from './EditorOnly.tsx';
import { RulesEditor } from './RulesEditor.tsx';
import { ExpireButton, SilenceForm } from './SilenceControls.tsx';
import { Sparkline } from './Sparkline.tsx';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('nav'))('alerts') };
}

type T = Awaited<ReturnType<typeof getTranslations<'alerts'>>>;
type Format = Awaited<ReturnType<typeof getFormatter>>;

const STATE_CLASS: Record<string, string> = { firing: 'status-down', resolved: 'status-up' };

const firingColumns = (view: View, t: T, format: Format): RowColumn<AlertSummary>[] => [
  {
    label: t('col.state'),
    cell: (a) => (
      <>
        <span className={`badge ${STATE_CLASS[a.state] ?? 'status-stale'}`}>{a.state}</span>
        {a.silencedBy.length ? <span className="badge"> {t('silencedBadge')}</span> : null}
      </>
    ),
  },
  { label: t('col.alert'), className: 'nowrap', cell: (a) => a.rule },
  {
    label: t('col.scope'),
    className: 'mono',
    cell: (a) => (
      <>
        {scopeOf(a.labels)} <span className="hint">{others(a.labels)}</span>
      </>
    ),
  },
  { label: t('col.value'), num: true, cell: (a) => fmt(a.value) },
  { label: t('col.threshold'), num: true, cell: (a) => fmt(a.threshold) },
  {
    label: t('col.since'),
    className: 'nowrap',
    cell: (a) => format.relativeTime(sinceOf(a), view.nowMs),
    title: (a) => fmtAbs(a.since),
  },
  { label: t('col.summary'), cell: (a) => a.annotations.summary },
  {
    label: t('col.view'),
    className: 'nowrap',
    cell: (a) => (
      <>
        {a.generatorURL ? (
          <a href={localLink(a.generatorURL)} data-testid="alert-link">
            {t('open')}
          </a>
        ) : null}
        {a.state === 'resolved' ? null : (
          <>
            {' · '}
            {/* The Silences form below, its matchers filled from this alert's labels. */}
            <Link
              href={`/alerts${qs({ ...view.params, silence: silenceMatchers(a.labels) })}#silence-form`}
              data-testid="silence-alert"
            >
              {t('silenceAlert')}
            </Link>
          </>
        )}
      </>
    ),
  },
];

/** Rule, metric and condition on a rule's first instance row only. */
const ruleColumns = (t: T): RowColumn<RuleLine>[] => [
  { label: t('col.rule'), className: 'nowrap', cell: ({ r, n }) => (n === 0 ? r.name : '') },
  { label: t('col.metric'), className: 'nowrap', cell: ({ r, n }) => (n === 0 ? ruleText(r).metric : '') },
  { label: t('col.condition'), cell: ({ r, n }) => (n === 0 ? ruleText(r).condition : '') },
  { label: t('col.instance'), className: 'mono', cell: ({ r, i }) => instanceText(r, i) },
  { label: t('col.state'), cell: ({ i }) => instanceState(i) },
  { label: t('col.value'), num: true, cell: ({ i }) => (i ? fmt(i.value) : '') },
  { label: t('col.threshold'), num: true, cell: ({ i }) => (i ? fmt(i.threshold) : '') },
  {
    label: t('col.lastHour'),
    cell: ({ r, i }) =>
      i?.sparkline.length ? (
        <Sparkline points={i.sparkline} threshold={i.threshold} label={`${r.name} ${scopeOf(i.labels)}`} />
      ) : null,
  },
];

const silenceColumns = (t: T): RowColumn<Silence>[] => [
  { label: t('col.matchers'), className: 'mono', cell: matchersText },
  { label: t('col.from'), className: 'nowrap', cell: (s) => fmtAbs(s.startsAt) },
  { label: t('col.until'), className: 'nowrap', cell: (s) => fmtAbs(s.endsAt) },
  { label: t('col.comment'), cell: (s) => s.comment },
  {
    label: '',
    cell: (s) => (
      <EditorOnly quiet>
        <ExpireButton id={s.id} />
      </EditorOnly>
    ),
  },
];

const historyColumns = (t: T): RowColumn<HistoryRow>[] => [
  { label: t('col.time'), className: 'nowrap', cell: (c) => fmtAbs(c.ts) },
  { label: t('col.alert'), className: 'nowrap', cell: (c) => c.instance.rule },
  { label: t('col.scope'), className: 'mono', cell: (c) => scopeOf(c.instance.labels) },
  { label: t('col.change'), className: 'nowrap', cell: changeText },
  { label: t('col.value'), num: true, cell: (c) => fmt(c.instance.value) },
  { label: t('col.silenced'), cell: (c) => (c.silencedBy.length ? t('yes') : '') },
];

const failedColumns = (t: T): RowColumn<NotificationRow>[] => [
  { label: t('col.time'), className: 'nowrap', cell: (f) => fmtAbs(f.ts) },
  { label: t('col.receiver'), cell: (f) => f.receiver },
  { label: t('col.alert'), cell: (f) => f.rule },
  { label: t('col.status'), cell: (f) => f.status },
  { label: t('col.attempts'), num: true, cell: (f) => f.attempts },
  { label: t('col.error'), cell: (f) => f.error },
];

function AlertsSub({ view, t }: { view: View; t: T }) {
  const range = useRangeLabel(view.range);
  return <>{t.rich('sub', { range, code: (c) => <code>{c}</code> })}</>;
}

export default async function AlertsPage(props: PageProps) {
  const t = await getTranslations('alerts');
  const format = await getFormatter();
  const ago = (ms: number, now: number) => format.relativeTime(ms, now);
  return renderPage(props, {
    path: '/alerts',
    title: (await getTranslations('nav'))('alerts'),
    sub: (view) => <AlertsSub view={view} t={t} />,
    async body({ store, view, searchParams }) {
      const silence = param(searchParams, 'silence') ?? '';
      const now = view.nowMs;
      // Each table's CSV (csvHref → lib/tables.ts) calls the same alertsData function with the same params.
      const [alerts, last, status, silences, changes, failed] = await Promise.all([
        alertsData.firing(store, view),
        lastEvaluation(store),
        alertsData.rules(store, view),
        alertsData.silences(store, view),
        alertsData.history(store, view),
        alertsData.failed(store, view),
      ]);
      const stale = last === null || now - last > 5 * 60_000;
      // Each panel's id is its lib/tables.ts name (CSV route) and its test id.
      const head = (id: `alerts-${string}` & TableName, title: string, hint: string) => ({
        id,
        'data-testid': id,
        title,
        hint,
        csvHref: csvHref(id, view.params),
      });
      return (
        <>
          {stale ? (
            <div className="callout" role="status" data-testid="alerter-stale">
              <strong>
                {last === null ? t('neverEvaluatedTitle') : t('lastEvaluatedTitle', { ago: ago(last, now) })}
              </strong>
              <p>{t.rich('staleHint', { code: (c) => <code>{c}</code> })}</p>
            </div>
          ) : null}
          <RowsPanel
            {...head(
              'alerts-firing',
              t('firingTitle'),
              t('firingHint', {
                evaluated: last === null ? t('neverEvaluated') : t('evaluatedAgo', { ago: ago(last, now) }),
              }),
            )}
            empty={t('firingEmpty')}
            columns={firingColumns(view, t, format)}
            rows={alerts}
            rowKey={(a) => `${a.rule}-${a.fingerprint}`}
            rowData={(a) => ({ 'data-testid': 'alert-row', 'data-state': a.state })}
          />
          <RowsPanel
            {...head('alerts-rules', t('rulesTitle'), t('rulesHint'))}
            empty={t('rulesEmpty')}
            columns={ruleColumns(t)}
            rows={ruleLines(status)}
            rowKey={({ r, i }) => `${r.name}-${i?.fingerprint ?? 'none'}`}
            rowData={() => ({ 'data-testid': 'rule-row' })}
            after={
              <EditorOnly>
                <RulesEditor />
              </EditorOnly>
            }
          />
          <RowsPanel
            {...head('alerts-silences', t('silencesTitle'), t('silencesHint'))}
            empty={t('silencesEmpty')}
            columns={silenceColumns(t)}
            rows={silences}
            rowKey={(s) => s.id}
            rowData={() => ({ 'data-testid': 'silence-row' })}
            before={
              <EditorOnly>
                <SilenceForm key={silence} initial={silence} />
              </EditorOnly>
            }
          />
          <RowsPanel
            {...head('alerts-history', t('historyTitle'), t('historyHint'))}
            empty={t('historyEmpty')}
            columns={historyColumns(t)}
            rows={changes}
            rowKey={(c) => `${c.instance.fingerprint}-${c.ts}-${c.instance.state}`}
          />
          <RowsPanel
            {...head('alerts-failed', t('failedTitle'), t('failedHint'))}
            empty={t('failedEmpty')}
            columns={failedColumns(t)}
            rows={failed}
            rowKey={(f) => `${f.receiver}-${f.idempotencyKey}-${f.ts}`}
          />
        </>
      );
    },
  });
}
