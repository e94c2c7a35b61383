/** Alert annotations: clipping to the chart range, "now" while firing, workspace filter, failures. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Store } from '@gatewatch/store';
import { loadAlertAnnotations } from '../lib/annotations.ts';
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
  assert.deepEqual(out, [{ from: NOW - 20 * MIN, to: NOW - 10 * MIN, label: 'Event105Spike' }]);
  assert.deepEqual(await loadAlertAnnotations(stubStore(new Error('no table')), view), []);
});
