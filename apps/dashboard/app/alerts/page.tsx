import { lastEvaluation } from '@gatewatch/alerting';
import type { Metadata } from 'next';
import { CsvLink } from '../../components/CsvLink.tsx';
import { ErrorState } from '../../components/Panels.tsx';
import {
  alertsData,
  changeText,
  fmtValue as fmt,
  instanceState,
  instanceText,
  localLink,
  matchersText,
  otherLabels as others,
  ruleRows,
  ruleText,
  scopeOf,
  sinceOf,
} from '../../lib/alerts.ts';
import { fmtAbs, fmtAgo, type SearchParams } from '../../lib/range.ts';
import { getStore } from '../../lib/store.ts';
import { csvHref } from '../../lib/tables.ts';
import { buildView } from '../../lib/view.ts';
import { RulesEditor } from './RulesEditor.tsx';
import { ExpireButton, SilenceForm } from './SilenceControls.tsx';
import { Sparkline } from './Sparkline.tsx';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Alerts' };

export default async function AlertsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const view = buildView(await searchParams);
  const now = view.nowMs;
  let content: React.ReactNode;
  try {
    const store = await getStore();
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
    content = (
      <>
        {stale ? (
          <div className="callout" role="status" data-testid="alerter-stale">
            <strong>
              {last === null
                ? 'The alerter has not evaluated yet.'
                : `The alerter last evaluated ${fmtAgo(last, now)}.`}
            </strong>
            <p>
              States below may be out of date: run exactly one alerter (<code>npm start</code> includes it, or
              the <code>alerter</code> role) against this store.
            </p>
          </div>
        ) : null}

        <section className="panel" aria-labelledby="firing-title" data-testid="alerts-firing">
          <div className="panel-head">
            <h2 id="firing-title">Firing now</h2>
            <span className="hint">
              {last === null ? 'never evaluated' : `evaluated ${fmtAgo(last, now)}`} · pending, no data and
              resolved in the last hour too ·{' '}
              <CsvLink id="alerts-firing" href={csvHref('alerts-firing', view.params)} />
            </span>
          </div>
          {alerts.length === 0 ? (
            <div className="empty">No alert is firing.</div>
          ) : (
            <div className="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th>State</th>
                    <th>Alert</th>
                    <th>Scope</th>
                    <th className="num">Value</th>
                    <th className="num">Threshold</th>
                    <th>Since</th>
                    <th>Summary</th>
                    <th>View</th>
                  </tr>
                </thead>
                <tbody>
                  {alerts.map((a) => (
                    <tr key={`${a.rule}-${a.fingerprint}`} data-testid="alert-row" data-state={a.state}>
                      <td>
                        <span
                          className={`badge ${a.state === 'firing' ? 'status-down' : a.state === 'resolved' ? 'status-up' : 'status-stale'}`}
                        >
                          {a.state}
                        </span>
                        {a.silencedBy.length ? <span className="badge"> silenced</span> : null}
                      </td>
                      <td className="nowrap">{a.rule}</td>
                      <td className="mono">
                        {scopeOf(a.labels)} <span className="hint">{others(a.labels)}</span>
                      </td>
                      <td className="num">{fmt(a.value)}</td>
                      <td className="num">{fmt(a.threshold)}</td>
                      <td className="nowrap" title={fmtAbs(a.since)}>
                        {fmtAgo(sinceOf(a), now)}
                      </td>
                      <td>{a.annotations.summary}</td>
                      <td>
                        {a.generatorURL ? (
                          <a href={localLink(a.generatorURL)} data-testid="alert-link">
                            Open
                          </a>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>

        <section className="panel" aria-labelledby="rules-title" data-testid="alerts-rules">
          <div className="panel-head">
            <h2 id="rules-title">Rules</h2>
            <span className="hint">
              current value per instance (top 5), last 60 min per minute, dashed: threshold ·{' '}
              <CsvLink id="alerts-rules" href={csvHref('alerts-rules', view.params)} />
            </span>
          </div>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th>Rule</th>
                  <th>Metric</th>
                  <th>Condition</th>
                  <th>Instance</th>
                  <th>State</th>
                  <th className="num">Value</th>
                  <th className="num">Threshold</th>
                  <th>Last hour</th>
                </tr>
              </thead>
              <tbody>
                {status.flatMap((r) => {
                  const { metric, condition } = ruleText(r);
                  return ruleRows(r).map((i, n) => (
                    <tr key={`${r.name}-${i?.fingerprint ?? 'none'}`} data-testid="rule-row">
                      <td className="nowrap">{n === 0 ? r.name : ''}</td>
                      <td className="nowrap">{n === 0 ? metric : ''}</td>
                      <td>{n === 0 ? condition : ''}</td>
                      <td className="mono">{instanceText(r, i)}</td>
                      <td>{instanceState(i)}</td>
                      <td className="num">{i ? fmt(i.value) : ''}</td>
                      <td className="num">{i ? fmt(i.threshold) : ''}</td>
                      <td>
                        {i?.sparkline.length ? (
                          <Sparkline
                            points={i.sparkline}
                            threshold={i.threshold}
                            label={`${r.name} ${scopeOf(i.labels)}`}
                          />
                        ) : null}
                      </td>
                    </tr>
                  ));
                })}
              </tbody>
            </table>
          </div>
          <RulesEditor />
        </section>

        <section className="panel" aria-labelledby="silences-title" data-testid="alerts-silences">
          <div className="panel-head">
            <h2 id="silences-title">Silences</h2>
            <span className="hint">
              silenced alerts are still evaluated and recorded, just not notified ·{' '}
              <CsvLink id="alerts-silences" href={csvHref('alerts-silences', view.params)} />
            </span>
          </div>
          <SilenceForm />
          {silences.length === 0 ? (
            <div className="empty">No active silence.</div>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Matchers</th>
                  <th>From</th>
                  <th>Until</th>
                  <th>Comment</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {silences.map((s) => (
                  <tr key={s.id} data-testid="silence-row">
                    <td className="mono">{matchersText(s)}</td>
                    <td className="nowrap">{fmtAbs(s.startsAt)}</td>
                    <td className="nowrap">{fmtAbs(s.endsAt)}</td>
                    <td>{s.comment}</td>
                    <td>
                      <ExpireButton id={s.id} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="panel" aria-labelledby="history-title" data-testid="alerts-history">
          <div className="panel-head">
            <h2 id="history-title">History</h2>
            <span className="hint">
              state changes in the selected range (UTC), newest first ·{' '}
              <CsvLink id="alerts-history" href={csvHref('alerts-history', view.params)} />
            </span>
          </div>
          {changes.length === 0 ? (
            <div className="empty">No state change in this range.</div>
          ) : (
            <div className="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th>Time</th>
                    <th>Alert</th>
                    <th>Scope</th>
                    <th>Change</th>
                    <th className="num">Value</th>
                    <th>Silenced</th>
                  </tr>
                </thead>
                <tbody>
                  {changes.map((c) => (
                    <tr key={`${c.instance.fingerprint}-${c.ts}-${c.instance.state}`}>
                      <td className="nowrap">{fmtAbs(c.ts)}</td>
                      <td className="nowrap">{c.instance.rule}</td>
                      <td className="mono">{scopeOf(c.instance.labels)}</td>
                      <td className="nowrap">{changeText(c)}</td>
                      <td className="num">{fmt(c.instance.value)}</td>
                      <td>{c.silencedBy.length ? 'yes' : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>

        <section className="panel" aria-labelledby="failed-title" data-testid="alerts-failed">
          <div className="panel-head">
            <h2 id="failed-title">Failed deliveries</h2>
            <span className="hint">
              webhook notifications that failed after every retry, in the selected range ·{' '}
              <CsvLink id="alerts-failed" href={csvHref('alerts-failed', view.params)} />
            </span>
          </div>
          {failed.length === 0 ? (
            <div className="empty">No failed delivery.</div>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Receiver</th>
                  <th>Alert</th>
                  <th>Status</th>
                  <th className="num">Attempts</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {failed.map((f) => (
                  <tr key={`${f.receiver}-${f.idempotencyKey}-${f.ts}`}>
                    <td className="nowrap">{fmtAbs(f.ts)}</td>
                    <td>{f.receiver}</td>
                    <td>{f.rule}</td>
                    <td>{f.status}</td>
                    <td className="num">{f.attempts}</td>
                    <td>{f.error}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </>
    );
  } catch (err) {
    content = <ErrorState err={err} />;
  }
  return (
    <>
      <h1>Alerts</h1>
      <p className="sub">
        {view.range.label} (UTC) · rules from <code>ALERT_RULES_FILE</code> or the shipped defaults
      </p>
      {content}
    </>
  );
}
