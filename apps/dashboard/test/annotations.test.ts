/** Alert annotations: clipping to the chart range, "now" while firing, workspace filter, failures. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Rule } from '@gatewatch/alerting';
import type { Store } from '@gatewatch/store';
import { forChart, loadAlertAnnotations } from '../lib/annotations.ts';
import { buildView } from '../lib/view.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 7);
const MIN = 60_000;

function stubStore(rows: Record<string, unknown>[] | Error): Store {
  const query = async () => {
    if (rows instanceof Error) throw rows;
    return { json: async () => rows };
  };
  return { client: { query } } as unknown as Store;
}

const row = (rule: string, labels: Record<string, string>, firedMs: number, resolvedMs: number | null) => ({
  rule,
  fingerprint: `${rule}-${JSON.stringify(labels)}`,
  anyLabels: { alertname: rule, ...labels },
  summaryText: '',
  firedMs: String(firedMs),
  resolvedMs: resolvedMs === null ? null : String(resolvedMs),
});

test('episodes are clipped to the chart range, run to now while firing, and merge per alert', async () => {
  const view = buildView({ range: '1h' }, NOW);
  const store = stubStore([
    row('RejectionSpike', { node: 'a' }, NOW - 10 * MIN, null),
    row('RejectionSpike', { node: 'b' }, NOW - 12 * MIN, NOW - 5 * MIN),
    row('ErrorRate', { node: 'a' }, NOW - 3 * 3_600_000, NOW - 30 * MIN),
  ]);
  const out = await loadAlertAnnotations(store, view);
  assert.deepEqual(
    out.map((a) => a.label),
    ['ErrorRate', 'RejectionSpike'],
  );
  const [err, rej] = out;
  assert.equal(err?.from, view.fromMs);
  assert.equal(err?.to, NOW - 30 * MIN);
  assert.equal(rej?.from, NOW - 12 * MIN);
  assert.equal(rej?.to, Math.min(NOW, view.chartToMs));
});

test('workspace filter keeps only that workspace; a failing query yields no annotations', async () => {
  const view = buildView({ range: '1h' }, NOW);
  const store = stubStore([
    row('Event105Spike', { workspace: 'ws-1' }, NOW - 20 * MIN, NOW - 10 * MIN),
    row('Event105Spike', { workspace: 'ws-2' }, NOW - 40 * MIN, NOW - 35 * MIN),
  ]);
  const out = await loadAlertAnnotations(store, view, { workspace: 'ws-1' });
  assert.deepEqual(out, [{ from: NOW - 20 * MIN, to: NOW - 10 * MIN, label: 'Event105Spike', chart: null }]);
  assert.deepEqual(await loadAlertAnnotations(stubStore(new Error('no table')), view), []);
});

test('an alert marks only the chart of the series its rule watches (from the metric, not the name)', async () => {
  const view = buildView({ range: '1h' }, NOW);
  const store = stubStore([
    row('Spiky', { node: 'a' }, NOW - 20 * MIN, NOW - 10 * MIN),
    row('ErrorSpikeButNamedRejection', { node: 'a' }, NOW - 30 * MIN, NOW - 25 * MIN),
    row('Refusals', { workspace: 'w' }, NOW - 40 * MIN, NOW - 35 * MIN),
    row('Silent', { node: 'a' }, NOW - 50 * MIN, NOW - 45 * MIN),
  ]);
  const rules = [
    { name: 'Spiky', metric: 'rejection_rate' },
    { name: 'ErrorSpikeButNamedRejection', metric: 'error_rate' },
    { name: 'Refusals', metric: 'event_rate', event: 105 },
    { name: 'Silent', metric: 'last_sample_age' },
  ] as unknown as Rule[];
  const all = await loadAlertAnnotations(store, view, { rules });
  assert.deepEqual(
    forChart(all, 'rejections').map((a) => a.label),
    ['Spiky'],
  );
  assert.deepEqual(
    forChart(all, 'errors').map((a) => a.label),
    ['ErrorSpikeButNamedRejection'],
  );
  assert.deepEqual(
    forChart(all, 'event:105').map((a) => a.label),
    ['Refusals'],
  );
  assert.equal(all.find((a) => a.label === 'Silent')?.chart, null);
});
