/**
 * Alert lifecycle edges on a real embedded chDB: a relabelled rule resolves its old alerts and fires
 * under the new labels, a removed rule resolves its alerts, and a firing alert whose node stopped sending
 * data is nodata (not resolved) until nodataRetireMs, then resolved — every step notified exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CounterSample } from '@gatewatch/events';
import { insertCounters, type Store } from '@gatewatch/store';
import { createAlerter } from '../src/alerter.ts';
import { stateChanges } from '../src/history.ts';
import { parseReceiver, parseRule, type Rule } from '../src/rules.ts';
import { type Backend, startBackend } from './support.ts';

const MIN = 60_000;
// Recent data: the alerting tables have a retention TTL.
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
const at = (m: number) => T0 + m * MIN;

let backend: Backend;
let store: Store;

before(async () => {
  backend = await startBackend('gatewatch-alerting-life-');
  store = backend.store;
  // n1: 2 rejections/min, 60/min from minute 70 until its data stops at minute 90.
  const samples: CounterSample[] = [];
  let value = 0;
  for (let m = 0; m < 90; m++)
    for (let s = 0; s < 6; s++) {
      value += m >= 70 ? 10 : s % 3 === 0 ? 1 : 0;
      samples.push({
        nodeId: 'n1',
        ts: at(m) + s * 10_000,
        startedAt: T0 - 1000,
        version: '',
        configVersion: '',
        activeClientConnections: 0,
        connectedClients: 0,
        errorCount: 0,
        rejectionCount: value,
        rejectionsByReason: {},
        bytesUp: 0,
        bytesDown: 0,
        telemetryDropped: 0,
      });
    }
  await insertCounters(store, samples);
});

after(() => backend.close());

const rule = (labels: Record<string, string>): Rule =>
  parseRule({
    name: 'Spike',
    metric: 'rejection_rate',
    scope: 'node',
    condition: { spike: { floor: 10 } },
    for: '1m',
    labels,
    annotations: { summary: 'spike on {{ $labels.node }}' },
  });

const seen = () => backend.got.map((p) => `${p.status}:${p.alerts.map((a) => a.labels.severity).join(',')}`);

test('relabelled rule: old alert resolved, new one fires; removed rule: resolved', async () => {
  const alerter = createAlerter({
    store,
    rules: [rule({ severity: 'warning' })],
    receivers: [parseReceiver({ name: 'r', url: backend.url })],
    externalUrl: 'http://dash',
    clock: () => at(80),
  });
  for (let m = 66; m <= 73; m++) await alerter.evaluateAt(at(m));
  assert.deepEqual(seen(), ['firing:warning']);

  alerter.setRules([rule({ severity: 'critical' })]);
  await alerter.evaluateAt(at(74));
  await alerter.evaluateAt(at(75));
  assert.deepEqual(seen(), ['firing:warning', 'resolved:warning', 'firing:critical']);

  alerter.setRules([]);
  await alerter.evaluateAt(at(76));
  assert.deepEqual(seen(), ['firing:warning', 'resolved:warning', 'firing:critical', 'resolved:critical']);
  await alerter.evaluateAt(at(77));
  assert.equal(backend.got.length, 4, 'nothing more');
});

test('node stops sending while firing: nodata (no resolve), then resolved after nodataRetireMs', async () => {
  backend.got.length = 0;
  const alerter = createAlerter({
    store,
    rules: [rule({ severity: 'page' })],
    receivers: [parseReceiver({ name: 'r', url: backend.url })],
    externalUrl: 'http://dash',
    clock: () => at(100),
    nodataRetireMs: 5 * MIN,
  });
  for (let m = 80; m <= 95; m++) await alerter.evaluateAt(at(m));
  // Fires on the spike; data stops at minute 90; the 5-minute window is empty from minute 95.
  const states = (await stateChanges(store, { fromMs: at(80), toMs: at(200), rule: 'Spike' }))
    .filter((c) => c.instance.labels.severity === 'page')
    .map((c) => `${c.prevState}→${c.instance.state}`)
    .reverse();
  assert.deepEqual(states, ['inactive→pending', 'pending→firing', 'firing→nodata']);
  assert.deepEqual(seen(), ['firing:page'], 'nodata is not a resolve');
  for (let m = 96; m <= 101; m++) await alerter.evaluateAt(at(m));
  assert.deepEqual(seen(), ['firing:page', 'resolved:page']);
  const last = (await stateChanges(store, { fromMs: at(80), toMs: at(200), rule: 'Spike', limit: 1 }))[0];
  assert.equal(`${last?.prevState}→${last?.instance.state}`, 'nodata→resolved');
});

test('a second alerter on the same store is detected and does not send duplicates', async () => {
  backend.got.length = 0;
  const twin = parseRule({
    name: 'Twin',
    metric: 'rejection_rate',
    scope: 'node',
    condition: { spike: { floor: 10 } },
    for: '1m',
    annotations: { summary: 'twin' },
  });
  const make = () =>
    createAlerter({
      store,
      rules: [twin],
      receivers: [parseReceiver({ name: 'r', url: backend.url })],
      externalUrl: 'http://dash',
      clock: () => at(66),
    });
  const a = make();
  const b = make();
  for (let m = 66; m <= 76; m++) {
    await a.evaluateAt(at(m));
    await b.evaluateAt(at(m));
  }
  assert.deepEqual(
    backend.got.map((p) => `${p.status}:${p.groupLabels.alertname}`),
    ['firing:Twin'],
    'one firing although two alerters evaluated it',
  );
  assert.match(b.metrics(), /^gatewatch_alerting_other_alerters [1-9]\d*$/m);
});

test('a store that cannot be read changes no state and is counted, not thrown', async () => {
  backend.got.length = 0;
  const alerter = createAlerter({
    store,
    rules: [rule({ severity: 'x' })],
    receivers: [parseReceiver({ name: 'r', url: backend.url })],
    externalUrl: 'http://dash',
    clock: () => at(73),
  });
  for (let m = 66; m <= 73; m++) await alerter.evaluateAt(at(m));
  const before = alerter.alerts().map((a) => `${a.labels.severity}:${a.state}`);
  assert.ok(before.includes('x:firing'), before.join());
  const sent = backend.got.length;
  // The rollup disappears (a broken server, a bad migration): reads fail.
  await store.client.command({ query: 'RENAME TABLE gateway_counters_1m TO gateway_counters_1m_away' });
  try {
    const r = await alerter.evaluateAt(at(74));
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0] ?? '', /^cannot read the store: /);
    assert.deepEqual(
      alerter.alerts().map((a) => `${a.labels.severity}:${a.state}`),
      before,
      'states unchanged: a failed read is not "no data"',
    );
    assert.match(alerter.metrics(), /^gatewatch_alerting_evaluation_failures_total 1$/m);
    assert.equal(backend.got.length, sent, 'nothing sent by a failed evaluation');
  } finally {
    await store.client.command({ query: 'RENAME TABLE gateway_counters_1m_away TO gateway_counters_1m' });
  }
});
