import {
  type AlertSummary,
  type HistoryRow,
  lastEvaluation,
  type NotificationRow,
  type Silence,
} from '@gatewatch/alerting';
import type { Metadata } from 'next';
import Link from 'next/link';
import { type PageProps, renderPage } from '../../components/DashboardPage.tsx';
import { type RowColumn, RowsPanel } from '../../components/RowsTable.tsx';
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
import { fmtAbs, fmtAgo, param } from '../../lib/range.ts';
import { csvHref, type TableName } from '../../lib/tables.ts';
import { qs, type View } from '../../lib/view.ts';
import { EditorOnly } from './EditorOnly.tsx';
import { RulesEditor } from './RulesEditor.tsx';
import { ExpireButton, SilenceForm } from './SilenceControls.tsx';
import { Sparkline } from './Sparkline.tsx';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Alerts' };

const STATE_CLASS: Record<string, string> = { firing: 'status-down', resolved: 'status-up' };

const firingColumns = (view: View): RowColumn<AlertSummary>[] => [
  {
    label: 'State',
    cell: (a) => (
      <>
        <span className={`badge ${STATE_CLASS[a.state] ?? 'status-stale'}`}>{a.state}</span>
        {a.silencedBy.length ? <span className="badge"> silenced</span> : null}
      </>
    ),
  },
  { label: 'Alert', className: 'nowrap', cell: (a) => a.rule },
  {
    label: 'Scope',
    className: 'mono',
    cell: (a) => (
      <>
        {scopeOf(a.labels)} <span className="hint">{others(a.labels)}</span>
      </>
    ),
  },
  { label: 'Value', num: true, cell: (a) => fmt(a.value) },
  { label: 'Threshold', num: true, cell: (a) => fmt(a.threshold) },
  {
    label: 'Since',
    className: 'nowrap',
    cell: (a) => fmtAgo(sinceOf(a), view.nowMs),
    title: (a) => fmtAbs(a.since),
  },
  { label: 'Summary', cell: (a) => a.annotations.summary },
  {
    label: 'View',
    className: 'nowrap',
    cell: (a) => (
      <>
        {a.generatorURL ? (
          <a href={localLink(a.generatorURL)} data-testid="alert-link">
            Open
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
              Silence…
            </Link>
          </>
        )}
      </>
    ),
  },
];

/** Rule, metric and condition on a rule's first instance row only. */
const RULE_COLUMNS: RowColumn<RuleLine>[] = [
  { label: 'Rule', className: 'nowrap', cell: ({ r, n }) => (n === 0 ? r.name : '') },
  { label: 'Metric', className: 'nowrap', cell: ({ r, n }) => (n === 0 ? ruleText(r).metric : '') },
  { label: 'Condition', cell: ({ r, n }) => (n === 0 ? ruleText(r).condition : '') },
  { label: 'Instance', className: 'mono', cell: ({ r, i }) => instanceText(r, i) },
  { label: 'State', cell: ({ i }) => instanceState(i) },
  { label: 'Value', num: true, cell: ({ i }) => (i ? fmt(i.value) : '') },
  { label: 'Threshold', num: true, cell: ({ i }) => (i ? fmt(i.threshold) : '') },
  {
    label: 'Last hour',
    cell: ({ r, i }) =>
      i?.sparkline.length ? (
        <Sparkline points={i.sparkline} threshold={i.threshold} label={`${r.name} ${scopeOf(i.labels)}`} />
      ) : null,
  },
];

const SILENCE_COLUMNS: RowColumn<Silence>[] = [
  { label: 'Matchers', className: 'mono', cell: matchersText },
  { label: 'From', className: 'nowrap', cell: (s) => fmtAbs(s.startsAt) },
  { label: 'Until', className: 'nowrap', cell: (s) => fmtAbs(s.endsAt) },
  { label: 'Comment', cell: (s) => s.comment },
  {
    label: '',
    cell: (s) => (
      <EditorOnly quiet>
        <ExpireButton id={s.id} />
      </EditorOnly>
    ),
  },
];

const HISTORY_COLUMNS: RowColumn<HistoryRow>[] = [
  { label: 'Time', className: 'nowrap', cell: (c) => fmtAbs(c.ts) },
  { label: 'Alert', className: 'nowrap', cell: (c) => c.instance.rule },
  { label: 'Scope', className: 'mono', cell: (c) => scopeOf(c.instance.labels) },
  { label: 'Change', className: 'nowrap', cell: changeText },
  { label: 'Value', num: true, cell: (c) => fmt(c.instance.value) },
  { label: 'Silenced', cell: (c) => (c.silencedBy.length ? 'yes' : '') },
];

const FAILED_COLUMNS: RowColumn<NotificationRow>[] = [
  { label: 'Time', className: 'nowrap', cell: (f) => fmtAbs(f.ts) },
  { label: 'Receiver', cell: (f) => f.receiver },
  { label: 'Alert', cell: (f) => f.rule },
  { label: 'Status', cell: (f) => f.status },
  { label: 'Attempts', num: true, cell: (f) => f.attempts },
  { label: 'Error', cell: (f) => f.error },
];

export default async function AlertsPage(props: PageProps) {
  return renderPage(props, {
    path: '/alerts',
    title: 'Alerts',
    sub: (view) => (
      <>
        {view.range.label} (UTC) · rules from <code>ALERT_RULES_FILE</code> or the shipped defaults
      </>
    ),
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
                {last === null
                  ? 'The alerter has not evaluated yet.'
                  : `The alerter last evaluated ${fmtAgo(last, now)}.`}
              </strong>
              <p>
                States below may be out of date: run exactly one alerter (<code>npm start</code> includes it,
                or the <code>alerter</code> role) against this store.
              </p>
            </div>
          ) : null}
          <RowsPanel
            {...head(
              'alerts-firing',
              'Firing now',
              `${last === null ? 'never evaluated' : `evaluated ${fmtAgo(last, now)}`} · pending, no data and resolved in the last hour too`,
            )}
            empty="No alert is firing."
            columns={firingColumns(view)}
            rows={alerts}
            rowKey={(a) => `${a.rule}-${a.fingerprint}`}
            rowData={(a) => ({ 'data-testid': 'alert-row', 'data-state': a.state })}
          />
          <RowsPanel
            {...head(
              'alerts-rules',
              'Rules',
              'current value per instance (top 5), last 60 min per minute, dashed: threshold',
            )}
            empty="No rule is loaded."
            columns={RULE_COLUMNS}
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
            {...head(
              'alerts-silences',
              'Silences',
              'silenced alerts are still evaluated and recorded, just not notified',
            )}
            empty="No active silence."
            columns={SILENCE_COLUMNS}
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
            {...head('alerts-history', 'History', 'state changes in the selected range (UTC), newest first')}
            empty="No state change in this range."
            columns={HISTORY_COLUMNS}
            rows={changes}
            rowKey={(c) => `${c.instance.fingerprint}-${c.ts}-${c.instance.state}`}
          />
          <RowsPanel
            {...head(
              'alerts-failed',
              'Failed deliveries',
              'webhook notifications that failed after every retry, in the selected range',
            )}
            empty="No failed delivery."
            columns={FAILED_COLUMNS}
            rows={failed}
            rowKey={(f) => `${f.receiver}-${f.idempotencyKey}-${f.ts}`}
          />
        </>
      );
    },
  });
}
