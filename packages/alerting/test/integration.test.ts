/**
 * End to end on a real embedded chDB: generated counter samples and 105 events → the shipped rules →
 * a real webhook receiver on port 0. One spike must give exactly one firing and one resolved payload per
 * rule, across an alerter restart in the middle; a silenced spike is recorded but not notified.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CounterSample, EVENT, type EventRecord, workspaceHosts } from '@gatewatch/events';
import { insertCounters, insertEvents, openStore, type Store } from '@gatewatch/store';
import { type Alerter, createAlerter } from '../src/alerter.ts';
import { createAlertsApi, toNodeListener } from '../src/api.ts';
import { notificationLog, stateChanges } from '../src/history.ts';
import { loadDefaultRules, parseReceiver } from '../src/rules.ts';
import { type WebhookPayload, webhookPayloadSchema } from '../src/webhook.ts';
import { poisson, rng } from './support.ts';

const MIN = 60_000;
// Recent data (a whole hour, a few hours back): the alerting tables have a retention TTL.
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 4 * 3_600_000;
const at = (m: number) => T0 + m * MIN;
const WS = '0b3c6a52-1d2e-4f5a-9b8c-7d6e5f4a3b2c';
const SPIKE_N1 = [70, 80]; // minutes: rejections on n1 (and 105s for WS)
const SPIKE_N2 = [110, 120]; // minutes: rejections on n2, under a silence
const END = 150;

let dataDir: string;
let store: Store;
let server: Server;
let url: string;
const received: WebhookPayload[] = [];

function rejectionsPerMinute(node: string, m: number, rand: () => number): number {
  const [a1, b1] = SPIKE_N1 as [number, number];
  const [a2, b2] = SPIKE_N2 as [number, number];
  if (node === 'n1' && m >= a1 && m < b1) return 60;
  if (node === 'n2' && m >= a2 && m < b2) return 60;
  return poisson(rand, 2);
}

async function generate(): Promise<void> {
  const rand = rng(42);
  const counters: CounterSample[] = [];
  const events: EventRecord[] = [];
  for (const node of ['n1', 'n2']) {
    let rejections = 1000;
    let startedAt = T0 - 86_400_000;
    for (let m = 0; m < END; m++) {
      if (node === 'n1' && m === 40) {
        // A restart in the quiet part: counters back to zero, must not look like a spike.
        rejections = 0;
        startedAt = at(m);
      }
      const perMinute = rejectionsPerMinute(node, m, rand);
      for (let s = 0; s < 6; s++) {
        const ts = at(m) + s * 10_000;
        rejections += Math.floor(perMinute / 6) + (s < perMinute % 6 ? 1 : 0);
        counters.push({
          nodeId: node,
          ts,
          startedAt,
          version: 'test',
          configVersion: '1',
          activeClientConnections: 3,
          connectedClients: 2,
          errorCount: 0,
          rejectionCount: rejections,
          rejectionsByReason: {},
          bytesUp: 0,
          bytesDown: 0,
          telemetryDropped: 0,
        });
      }
      if (node === 'n1' && m >= (SPIKE_N1[0] ?? 0) && m < (SPIKE_N1[1] ?? 0))
        for (let i = 0; i < perMinute; i++)
          events.push({
            recordId: randomUUID(),
            ts: at(m) + i * 900,
            nodeId: node,
            eventId: EVENT.DESTINATION_NOT_ALLOWED,
            workspaceId: WS,
            clientAddress: `10.0.0.${i % 50}`,
            targetHost: workspaceHosts(WS)[0] ?? '',
            targetPort: 443,
            tlsVersion: '',
            sni: '',
            reason: 'workspace_not_configured',
            message: '',
            traceId: '',
            spanId: '',
          });
    }
  }
  await insertCounters(store, counters);
  await insertEvents(store, events);
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gatewatch-alerting-'));
  store = await openStore({ dataDir });
  await generate();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

function alerter(clock: () => number): Alerter {
  const { rules } = loadDefaultRules();
  return createAlerter({
    store,
    rules,
    receivers: [
      parseReceiver({ name: 'test', url }),
      // Nobody listens here: its failures must be recorded and counted, and must not disturb 'test'.
      parseReceiver({ name: 'down', url: 'http://127.0.0.1:1/hook', retries: 1, backoff: '10ms' }),
    ],
    intervalMs: MIN,
    externalUrl: 'http://dashboard.test',
    clock,
  });
}

const summary = () =>
  received.map(
    (p) =>
      `${p.status}:${p.groupLabels.alertname}:${p.alerts.map((a) => a.labels.node ?? a.labels.workspace ?? 'fleet').join(',')}`,
  );

let first: Alerter;
let second: Alerter;
let now = at(66);

test('spike → exactly one firing per rule, schema-valid, with links and the catalog remedy', async () => {
  first = alerter(() => now);
  for (let m = 66; m <= 76; m++) {
    now = at(m);
    const r = await first.evaluateAt(now);
    assert.deepEqual(
      r.errors.filter((e) => !e.includes('down')),
      [],
      `no errors at minute ${m}`,
    );
  }
  for (const p of received) webhookPayloadSchema.parse(p);
  assert.deepEqual(summary().sort(), [
    'firing:Event105SpikePerWorkspace:0b3c6a52-1d2e-4f5a-9b8c-7d6e5f4a3b2c',
    'firing:RejectionSpikeFleet:fleet',
    'firing:RejectionSpikePerNode:n1',
  ]);
  const ws = received.find((p) => p.groupLabels.alertname === 'Event105SpikePerWorkspace');
  const alert = ws?.alerts[0];
  assert.ok(alert);
  assert.equal(alert.endsAt, '0001-01-01T00:00:00Z');
  assert.match(
    alert.generatorURL,
    new RegExp(`^http://dashboard\\.test/investigate\\?ws=${WS}&from=\\d{4}-\\d\\d-\\d\\dT`),
  );
  assert.match(alert.annotations.description ?? '', /Configure the workspace on the gateways/);
  // for: 2m → the spike starting at minute 70 fires at 72 (the window already holds 2 minutes of it).
  assert.ok(Date.parse(alert.startsAt) >= at(71) && Date.parse(alert.startsAt) <= at(73), alert.startsAt);
  await first.stop();
});

test('restart: the new alerter reloads state, catches up the missed ticks, sends resolved once and no duplicates', async () => {
  now = at(95);
  const before = received.length;
  second = alerter(() => now);
  await second.start(); // evaluates minutes 77..95 from the evaluation log
  const after = summary().slice(before);
  assert.deepEqual(after.sort(), [
    'resolved:Event105SpikePerWorkspace:0b3c6a52-1d2e-4f5a-9b8c-7d6e5f4a3b2c',
    'resolved:RejectionSpikeFleet:fleet',
    'resolved:RejectionSpikePerNode:n1',
  ]);
  for (const p of received.slice(before)) {
    const v = webhookPayloadSchema.parse(p);
    assert.ok(v.alerts.every((a) => a.status === 'resolved' && a.endsAt !== '0001-01-01T00:00:00Z'));
  }
  // Same startsAt and fingerprint in firing and resolved: receivers can pair them.
  const fire = received.find(
    (p) => p.status === 'firing' && p.groupLabels.alertname === 'RejectionSpikePerNode',
  );
  const res = received.find(
    (p) => p.status === 'resolved' && p.groupLabels.alertname === 'RejectionSpikePerNode',
  );
  assert.equal(fire?.alerts[0]?.fingerprint, res?.alerts[0]?.fingerprint);
  assert.equal(fire?.alerts[0]?.startsAt, res?.alerts[0]?.startsAt);

  const changes = await stateChanges(store, { fromMs: at(0), toMs: at(END), rule: 'RejectionSpikePerNode' });
  assert.deepEqual(changes.map((c) => `${c.prevState}→${c.instance.state}`).reverse(), [
    'inactive→pending',
    'pending→firing',
    'firing→resolved',
  ]);
  // A second start in the same minute is a no-op (no evaluation, nothing sent).
  const n = received.length;
  await second.stop();
  await second.start();
  assert.equal(received.length, n);
});

test('a silenced spike is recorded (firing, silencedBy) but not notified', async () => {
  const s = await second.createSilence({
    matchers: [{ name: 'alertname', op: '=~', value: 'RejectionSpike.*' }],
    startsAt: new Date(at(100)).toISOString(),
    endsAt: new Date(at(END)).toISOString(),
    createdBy: 'test',
    comment: 'planned load test on n2',
  });
  const before = received.length;
  for (let m = 96; m <= 135; m++) {
    now = at(m);
    await second.evaluateAt(now);
  }
  assert.deepEqual(summary().slice(before), [], 'nothing sent while silenced');
  const changes = await stateChanges(store, { fromMs: at(96), toMs: at(END), rule: 'RejectionSpikePerNode' });
  const fired = changes.find((c) => c.instance.state === 'firing');
  assert.equal(fired?.instance.labels.node, 'n2', 'n2 fired');
  assert.deepEqual(fired?.silencedBy, [s.id]);
  assert.ok(changes.some((c) => c.instance.state === 'resolved' && c.instance.labels.node === 'n2'));

  // Failed deliveries of the dead receiver are visible in the log and the metrics.
  const failed = await notificationLog(store, { fromMs: at(0), toMs: at(END), outcome: 'failed' });
  assert.ok(failed.length >= 3);
  for (const f of failed) {
    assert.ok(f.ts >= at(0) && f.ts < at(END), `delivery time ${f.ts} inside the evaluated window`);
    assert.ok(
      Number.isFinite(f.startsAt) && f.startsAt <= f.ts,
      `alert start ${f.startsAt} before its delivery`,
    );
  }
  assert.ok(
    failed.every(
      (f) => f.receiver === 'down' && /^cannot reach http:\/\/127\.0\.0\.1:1\/hook: /.test(f.error),
    ),
  );
  const metrics = second.metrics();
  assert.match(metrics, /^gatewatch_alerting_evaluations_total \d+$/m);
  assert.match(metrics, /^gatewatch_alerting_notification_failures_total\{receiver="down"\} [1-9]\d*$/m);
  assert.match(metrics, /^gatewatch_alerting_notifications_total\{receiver="test",outcome="delivered"\} 3$/m);
  await second.stop();
});

test('alerts API: current alerts, history, rules with sparklines, silences CRUD, over real HTTP', async () => {
  const api = createAlertsApi({ store, rules: loadDefaultRules().rules, clock: () => at(116) });
  const http = createServer(toNodeListener(api));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/alerts`;
  const get = async (path: string) =>
    (await fetch(`${base}${path}`)).json() as Promise<Record<string, unknown>>;
  try {
    // History: the n1 episode and the silenced n2 episode.
    const { changes } = await get(
      `/history?from=${new Date(at(0)).toISOString()}&to=${new Date(at(END)).toISOString()}&rule=RejectionSpikePerNode`,
    );
    assert.deepEqual(
      (changes as { instance: { state: string; labels: { node: string } } }[])
        .map((c) => `${c.instance.labels.node}:${c.instance.state}`)
        .reverse(),
      ['n1:pending', 'n1:firing', 'n1:resolved', 'n2:pending', 'n2:firing', 'n2:resolved'],
    );
    const { alerts } = await get('');
    const n2 = (
      alerts as {
        rule: string;
        state: string;
        labels: { node?: string };
        silencedBy: string[];
        generatorURL: string;
      }[]
    ).find((a) => a.rule === 'RejectionSpikePerNode' && a.labels.node === 'n2');
    assert.equal(n2?.state, 'resolved');
    assert.equal(n2?.silencedBy.length, 1, 'the silence still covers it');
    assert.match(n2?.generatorURL ?? '', /^http:\/\/dashboard\.test\/events\?node=n2&/);
    const { episodes } = await get(
      `/episodes?from=${new Date(at(0)).toISOString()}&to=${new Date(at(END)).toISOString()}&rule=RejectionSpikePerNode`,
    );
    const eps = episodes as { labels: { node: string }; startsAt: number; endsAt: number | null }[];
    assert.deepEqual(eps.map((e) => e.labels.node).sort(), ['n1', 'n2']);
    assert.ok(eps.every((e) => e.endsAt !== null && e.endsAt > e.startsAt));
    // Rules with current values at minute 116 (n2 mid-spike) and a 60-point sparkline.
    const { rules } = await get('/rules');
    const perNode = (
      rules as {
        name: string;
        instances: { labels: { node: string }; value: number; sparkline: unknown[] }[];
      }[]
    ).find((r) => r.name === 'RejectionSpikePerNode');
    assert.equal(perNode?.instances[0]?.labels.node, 'n2');
    assert.ok((perNode?.instances[0]?.value ?? 0) > 30);
    assert.equal(perNode?.instances[0]?.sparkline.length, 60);

    // Silences: bad input → 400 one line; create → 201; list; expire.
    const bad = await fetch(`${base}/silences`, { method: 'POST', body: JSON.stringify({ matchers: [] }) });
    assert.equal(bad.status, 400);
    assert.match(
      ((await bad.json()) as { error: string }).error,
      /^invalid silence: matchers: a silence needs at least one matcher; endsAt: /,
    );
    const created = await fetch(`${base}/silences`, {
      method: 'POST',
      body: JSON.stringify({
        matchers: [{ name: 'node', value: 'n1' }],
        endsAt: new Date(at(200)).toISOString(),
      }),
    });
    assert.equal(created.status, 201);
    const { silence } = (await created.json()) as { silence: { id: string } };
    const { silences } = await get('/silences');
    assert.ok((silences as { id: string }[]).some((x) => x.id === silence.id));
    const del = await fetch(`${base}/silences/${silence.id}`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    const after = await get('/silences');
    assert.ok(
      !(after.silences as { id: string }[]).some((x) => x.id === silence.id),
      'expired silence is no longer active',
    );
    assert.equal((await fetch(`${base}/silences/nope`, { method: 'DELETE' })).status, 404);
    const { notifications } = await get(
      `/notifications?outcome=failed&from=${new Date(at(0)).toISOString()}&to=${new Date(at(END)).toISOString()}`,
    );
    assert.ok((notifications as unknown[]).length > 0);
  } finally {
    await new Promise<void>((r) => http.close(() => r()));
  }
});
