import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fingerprint, matches } from '../src/labels.ts';
import { type DeliveryLog, deliver, idempotencyKey, logKey, planNotifications } from '../src/notifier.ts';
import { parseReceiver } from '../src/rules.ts';
import { isSilenceActive, newSilence, silencedBy } from '../src/silences.ts';
import { type AlertInstance, newInstance } from '../src/state.ts';
import { buildPayload, webhookPayloadSchema, ZERO_TIME } from '../src/webhook.ts';

const T = Date.UTC(2026, 0, 1, 12);

function firing(node: string, firedAt = T - 60_000): AlertInstance {
  const labels = { alertname: 'Spike', node, severity: 'warning' };
  return {
    ...newInstance('Spike', fingerprint(labels), labels, firedAt),
    state: 'firing',
    activeAt: firedAt - 120_000,
    firedAt,
    annotations: { summary: `spike on ${node}` },
  };
}

const receiver = parseReceiver({ name: 'ops', url: 'http://127.0.0.1:9/hook', repeat_interval: '1h' });
const plan = (
  instances: AlertInstance[],
  log: DeliveryLog,
  now = T,
  silenced = new Set<string>(),
  r = receiver,
) =>
  planNotifications({
    instances,
    receivers: [r],
    routes: new Map(),
    silenced,
    log,
    externalUrl: 'http://dash.example',
    generatorUrl: (i) => `http://dash.example/alerts?fp=${i.fingerprint}`,
    now,
  });

test('fingerprint is Alertmanager-compatible (FNV-1a 64, sorted labels)', () => {
  assert.equal(fingerprint({}), 'cbf29ce484222325', 'empty set = FNV offset basis');
  assert.equal(fingerprint({ b: '2', a: '1' }), fingerprint({ a: '1', b: '2' }));
  assert.notEqual(fingerprint({ a: '1' }), fingerprint({ a: '2' }));
  assert.match(fingerprint({ alertname: 'x' }), /^[0-9a-f]{16}$/);
});

test('firing is sent once, repeated after repeat_interval, resolved sent once', () => {
  const log: DeliveryLog = new Map();
  const a = firing('n1');
  const [p] = plan([a], log);
  assert.ok(p);
  const payload = webhookPayloadSchema.parse(p.payload);
  assert.equal(payload.status, 'firing');
  assert.equal(payload.alerts[0]?.endsAt, ZERO_TIME);
  assert.equal(payload.alerts[0]?.startsAt, new Date(a.firedAt ?? 0).toISOString());
  assert.equal(payload.groupKey, '{}/{receiver="ops"}:{alertname="Spike"}');
  assert.deepEqual(payload.groupLabels, { alertname: 'Spike' });
  assert.equal(payload.externalURL, 'http://dash.example');
  for (const e of p.entries) log.set(logKey('ops', e.key), T);

  assert.equal(plan([a], log, T + 60_000).length, 0, 'already delivered: nothing due');
  assert.equal(plan([a], log, T + 3_600_000).length, 1, 'repeat_interval elapsed: re-sent');

  const r: AlertInstance = { ...a, state: 'resolved', resolvedAt: T + 120_000 };
  const [pr] = plan([r], log, T + 120_000);
  assert.ok(pr);
  const resolved = webhookPayloadSchema.parse(pr.payload);
  assert.equal(resolved.status, 'resolved');
  assert.equal(resolved.alerts[0]?.endsAt, new Date(T + 120_000).toISOString());
  assert.equal(pr.entries[0]?.key, idempotencyKey(a.fingerprint, 'resolved', a.firedAt ?? 0));
  for (const e of pr.entries) log.set(logKey('ops', e.key), T + 120_000);
  assert.equal(plan([r], log, T + 180_000).length, 0, 'resolved is sent once');
});

test('grouping: group_by alertname puts instances together; group_by node splits them', () => {
  const log: DeliveryLog = new Map();
  const both = [firing('n1'), firing('n2')];
  const grouped = plan(both, log);
  assert.equal(grouped.length, 1);
  assert.equal(grouped[0]?.payload.alerts.length, 2);
  assert.deepEqual(grouped[0]?.payload.commonLabels, { alertname: 'Spike', severity: 'warning' });
  const split = plan(
    both,
    log,
    T,
    new Set(),
    parseReceiver({ name: 'ops', url: 'http://127.0.0.1:9/', group_by: ['alertname', 'node'] }),
  );
  assert.equal(split.length, 2);
});

test('a silenced alert is not notified, and a resolve never notified as firing is not sent either', () => {
  const a = firing('n1');
  assert.equal(plan([a], new Map(), T, new Set([a.fingerprint])).length, 0);
  assert.equal(plan([{ ...a, state: 'resolved', resolvedAt: T }], new Map()).length, 0);
});

test('silences: matchers (=, !=, =~, !~) and the time window', () => {
  const s = newSilence(
    {
      matchers: [
        { name: 'node', op: '=~', value: 'n[12]' },
        { name: 'severity', value: 'warning' },
      ],
      endsAt: new Date(T + 3_600_000).toISOString(),
    },
    T,
  );
  assert.deepEqual(silencedBy({ node: 'n1', severity: 'warning' }, [s], T + 1), [s.id]);
  assert.deepEqual(silencedBy({ node: 'n3', severity: 'warning' }, [s], T + 1), []);
  assert.deepEqual(silencedBy({ node: 'n1', severity: 'warning' }, [s], T + 3_600_000), [], 'ended');
  assert.equal(isSilenceActive({ ...s, expired: true }, T + 1), false);
  assert.ok(matches({ a: 'x' }, { name: 'a', op: '!=', value: 'y' }));
  assert.ok(matches({ a: 'x' }, { name: 'a', op: '!~', value: 'y.*' }));
  assert.ok(!matches({ a: 'xy' }, { name: 'a', op: '=~', value: 'x' }), 'regex is anchored');
  assert.throws(
    () => newSilence({ matchers: [], endsAt: new Date(T).toISOString() }, T),
    /invalid silence: matchers: a silence needs at least one matcher/,
  );
  assert.throws(
    () =>
      newSilence(
        { matchers: [{ name: 'a', op: '=~', value: '(' }], endsAt: new Date(T + 1000).toISOString() },
        T,
      ),
    /not a valid regex/,
  );
});

test('payload builder: cap with truncatedAlerts, firing first', () => {
  const alerts = ['n1', 'n2', 'n3'].map((n) => ({
    status: 'firing' as const,
    labels: { alertname: 'X', node: n },
    annotations: {},
    startsAt: T,
    endsAt: null,
    generatorURL: 'http://x/',
    fingerprint: fingerprint({ node: n }),
  }));
  const p = webhookPayloadSchema.parse(
    buildPayload({ receiver: 'r', groupBy: ['alertname'], externalUrl: 'http://x', alerts, maxAlerts: 2 }),
  );
  assert.equal(p.alerts.length, 2);
  assert.equal(p.truncatedAlerts, 1);
});

// ── Delivery over real HTTP ──────────────────────────────────────────────────────────────────────────
let server: Server;
let url = '';
const statuses: number[] = [];
let hits = 0;
before(async () => {
  server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => {
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const payload = () =>
  buildPayload({
    receiver: 'r',
    groupBy: [],
    externalUrl: 'http://x',
    alerts:
      plan([firing('n1')], new Map())[0]?.payload.alerts.map((a) => ({ ...a, startsAt: T, endsAt: null })) ??
      [],
  });

test('delivery retries 5xx with exponential backoff, then succeeds', async () => {
  hits = 0;
  statuses.push(500, 503);
  const delays: number[] = [];
  const r = await deliver(
    parseReceiver({ name: 'r', url, retries: 3, backoff: '100ms', max_backoff: '150ms' }),
    payload(),
    {
      sleep: async (ms) => {
        delays.push(ms);
      },
    },
  );
  assert.deepEqual(
    { ok: r.ok, attempts: r.attempts, httpStatus: r.httpStatus },
    { ok: true, attempts: 3, httpStatus: 200 },
  );
  assert.deepEqual(delays, [100, 150], 'doubling, capped at max_backoff');
  assert.equal(hits, 3);
});

test('delivery gives up after the retries and names the cause; 4xx is not retried', async () => {
  hits = 0;
  statuses.push(500, 500, 500);
  const noSleep = { sleep: async () => {} };
  const r = await deliver(parseReceiver({ name: 'r', url, retries: 2 }), payload(), noSleep);
  assert.deepEqual(
    { ok: r.ok, attempts: r.attempts, error: r.error },
    { ok: false, attempts: 3, error: `HTTP 500 from ${url}` },
  );
  hits = 0;
  statuses.push(400);
  const bad = await deliver(parseReceiver({ name: 'r', url, retries: 2 }), payload(), noSleep);
  assert.equal(bad.attempts, 1);
  assert.equal(hits, 1);
  // A port nobody listens on: connection refused.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const down = await deliver(
    parseReceiver({ name: 'r', url: `http://127.0.0.1:${port}/`, retries: 1 }),
    payload(),
    noSleep,
  );
  assert.equal(down.ok, false);
  assert.match(down.error, /^cannot reach http:\/\/127\.0\.0\.1:\d+\/: ECONNREFUSED; check the receiver/);
});
