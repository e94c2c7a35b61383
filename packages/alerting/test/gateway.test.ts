/**
 * Real 105s from a real gateway: agents (curl) CONNECT through a real Gatewatch gateway to a workspace it
 * does not serve; its event records and counter samples go into embedded chDB; the shipped 105 rule
 * (shortened windows) fires one schema-valid webhook naming the workspace, with the catalog remedy and the
 * 105 investigation link; when the node keeps reporting without 105s it sends exactly one resolved.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type CounterSample, EVENT, type EventRecord } from '@gatewatch/events';
import { createGateway, type Gateway, parseConfig } from '@gatewatch/gateway';
import { insertCounters, insertEvents, type Store } from '@gatewatch/store';
import { createAlerter } from '../src/alerter.ts';
import { loadDefaultRules, parseReceiver, parseRule } from '../src/rules.ts';
import { type Backend, startBackend } from './support.ts';

const run = promisify(execFile);
const MIN = 60_000;
const SERVED = '11111111-2222-4333-8444-555555555555';
const STRANGER = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

let backend: Backend;
let store: Store;
let gateway: Gateway;
let proxyPort: number;
const events: EventRecord[] = [];
const samples: CounterSample[] = [];

before(async () => {
  backend = await startBackend('gatewatch-alerting-gw-');
  store = backend.store;
  const config = parseConfig({
    nodeId: 'gw-test',
    listenHost: '127.0.0.1',
    listenPort: 1,
    adminPort: 0,
    workspaces: [SERVED],
  });
  gateway = createGateway(
    { ...config, listenPort: 0 },
    { sink: { event: (e) => events.push(e), counters: (s) => samples.push(s) } },
  );
  proxyPort = (await gateway.start()).port;
});

after(async () => {
  await gateway.stop(200);
  await backend.close();
});

/** One agent upload attempt through the proxy; the gateway refuses it, so curl fails (exit 56). */
async function agent(host: string): Promise<void> {
  await run('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '--max-time',
    '5',
    '-x',
    `http://127.0.0.1:${proxyPort}`,
    `https://${host}/`,
  ]).catch(() => undefined);
}

test('real 105s for an unconfigured workspace → one firing and one resolved webhook', {
  timeout: 60_000,
}, async () => {
  gateway.sampleCounters();
  for (let round = 0; round < 5; round++)
    await Promise.all(Array.from({ length: 8 }, () => agent(`${STRANGER}.ods.opinsights.azure.com`)));
  gateway.sampleCounters();
  const refused = events.filter((e) => e.eventId === EVENT.DESTINATION_NOT_ALLOWED);
  assert.equal(refused.length, 40, 'every attempt is a 105');
  assert.ok(refused.every((e) => e.workspaceId === STRANGER && e.reason === 'workspace_not_configured'));
  assert.ok(samples.length >= 2 && (samples.at(-1)?.rejectionCount ?? 0) >= 40);
  await insertEvents(store, events);
  await insertCounters(store, samples);

  const shipped = loadDefaultRules().rules.find((r) => r.name === 'Event105SpikePerWorkspace');
  assert.ok(shipped);
  // The shipped rule with windows short enough for a test (the logic is the same).
  const { forMs: _f, keepFiringForMs: _k, windowMs: _w, baselineMs: _b, ...config } = shipped;
  const rule = parseRule({
    ...config,
    condition: { spike: { window: '2m', baseline: '6m', floor: 5 } },
    for: '0',
    keep_firing_for: '0',
  });
  const t = Math.ceil(Date.now() / MIN) * MIN; // the next minute boundary: the burst is inside the window
  const alerter = createAlerter({
    store,
    rules: [rule],
    receivers: [parseReceiver({ name: 'ops', url: backend.url })],
    externalUrl: 'http://dashboard.test',
    clock: () => t,
  });
  const fired = await alerter.evaluateAt(t);
  assert.deepEqual(fired.errors, []);
  assert.equal(backend.got.length, 1, JSON.stringify(fired.instances));
  const firing = backend.got[0];
  assert.equal(firing?.status, 'firing');
  const alert = firing?.alerts[0];
  assert.deepEqual(alert?.labels, {
    alertname: 'Event105SpikePerWorkspace',
    severity: 'warning',
    workspace: STRANGER,
  });
  assert.match(alert?.annotations.description ?? '', /Configure the workspace on the gateways/);
  assert.match(
    alert?.generatorURL ?? '',
    new RegExp(`^http://dashboard\\.test/investigate\\?ws=${STRANGER}&from=`),
  );

  // The node keeps reporting (its last real sample, repeated every 10 s) and no more 105s arrive.
  const last = samples.at(-1) as CounterSample;
  const quiet = Array.from({ length: 24 }, (_, i) => ({ ...last, ts: t + i * 10_000 }));
  await insertCounters(store, quiet);
  await alerter.evaluateAt(t + 4 * MIN);
  assert.deepEqual(
    backend.got.map((p) => p.status),
    ['firing', 'resolved'],
  );
  assert.equal(backend.got[1]?.alerts[0]?.fingerprint, alert?.fingerprint);
  await alerter.evaluateAt(t + 5 * MIN);
  assert.equal(backend.got.length, 2, 'nothing more');
});
