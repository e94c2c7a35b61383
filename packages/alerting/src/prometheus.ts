/** The alerter's own metrics, in the Prometheus text exposition format. */
import { ALERT_STATES, type AlertState } from './state.ts';

export class AlerterMetrics {
  evaluations = 0;
  evaluationFailures = 0;
  durationSumSeconds = 0;
  lastEvaluationSeconds = 0;
  alerts: Record<AlertState, number> = { inactive: 0, pending: 0, firing: 0, resolved: 0, nodata: 0 };
  silenced = 0;
  /** Other alerters seen writing to the same store recently (should be 0). */
  otherAlerters = 0;
  /** receiver → outcome → count */
  notifications = new Map<string, { delivered: number; failed: number }>();
  ruleFailures = new Map<string, number>();

  notification(receiver: string, ok: boolean): void {
    const n = this.notifications.get(receiver) ?? { delivered: 0, failed: 0 };
    if (ok) n.delivered++;
    else n.failed++;
    this.notifications.set(receiver, n);
  }

  text(): string {
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const lines: string[] = [];
    // A sample's key is appended to the name: a label set, or a summary suffix such as `_sum`.
    const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) lines.push(`${name}${labels} ${v}`);
    };
    metric('gatewatch_alerting_evaluations_total', 'counter', 'Rule evaluations run.', [
      ['', this.evaluations],
    ]);
    metric(
      'gatewatch_alerting_evaluation_failures_total',
      'counter',
      'Evaluations that could not read the store.',
      [['', this.evaluationFailures]],
    );
    metric('gatewatch_alerting_evaluation_duration_seconds', 'summary', 'Time spent per evaluation.', [
      ['_sum', this.durationSumSeconds],
      ['_count', this.evaluations],
    ]);
    metric(
      'gatewatch_alerting_last_evaluation_timestamp_seconds',
      'gauge',
      'Evaluation time of the last evaluation.',
      [['', this.lastEvaluationSeconds]],
    );
    metric(
      'gatewatch_alerting_alerts',
      'gauge',
      'Alert instances by state.',
      ALERT_STATES.map((s) => [`{state="${s}"}`, this.alerts[s]]),
    );
    metric('gatewatch_alerting_alerts_silenced', 'gauge', 'Firing alert instances muted by a silence.', [
      ['', this.silenced],
    ]);
    metric(
      'gatewatch_alerting_other_alerters',
      'gauge',
      'Other alerter processes evaluating the same store (must be 0: run one alerter per deployment).',
      [['', this.otherAlerters]],
    );
    metric(
      'gatewatch_alerting_notifications_total',
      'counter',
      'Webhook notifications by receiver and outcome.',
      [...this.notifications].flatMap(([r, n]) => [
        [`{receiver="${esc(r)}",outcome="delivered"}`, n.delivered] as [string, number],
        [`{receiver="${esc(r)}",outcome="failed"}`, n.failed] as [string, number],
      ]),
    );
    metric(
      'gatewatch_alerting_notification_failures_total',
      'counter',
      'Webhook notifications that failed after every retry.',
      [...this.notifications].map(([r, n]) => [`{receiver="${esc(r)}"}`, n.failed]),
    );
    metric(
      'gatewatch_alerting_rule_evaluation_failures_total',
      'counter',
      'Rule evaluations that failed.',
      [...this.ruleFailures].map(([r, n]) => [`{rule="${esc(r)}"}`, n]),
    );
    return `${lines.join('\n')}\n`;
  }
}
