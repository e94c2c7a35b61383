/**
 * AgentStoppedReporting on a real embedded chDB: usage records and counter samples go through the real
 * ingester (in-process bus), the shipped rule evaluates minute by minute on a fake clock. A regular agent that
 * stops fires within the window and resolves when it returns; agents whose gateway was stopped on purpose, an
 * agent that never sent regularly, and one that keeps sending do not fire; a silence mutes one agent.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createAlerter, loadDefaultRules } from '@gatewatch/alerting';
import {
  COUNTER_SCHEMA,
  type CounterSample,
  EVENT,
  EVENT_SCHEMA,
  encodeRecord,
  frameRecords,
  parseEventRecord,
  parseUsageRecord,
  SCHEMA_HEADER,
  USAGE_SCHEMA,
  type UsageRecord,
} from '@gatewatch/events';
import { type ConsumedMessage, type Ingester, InProcessBus, runIngester } from '@gatewatch/pipeline';
import { openStore, type Store } from '@gatewatch/store';

const MIN = 60_000;
// Recent times (the alert history tables have a retention TTL): 9 hours of data ending an hour ago.
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 10 * 3_600_000;
const at = (m: number) => T0 + m * MIN;
const WS = '0b2c4a1e-5d6f-4a7b-8c9d-0e1f2a3b4c5d';
const STOP = 420; // minute the stopping agents go quiet
const BACK = 460; // minute agent 'stops' comes back
const NODE2_STOPPED = 421; // gw-2 stopped on purpose (event 102)
const END = 480;

interface Agent {
  address: string;
  node: string;
  /** Minutes it uploads in. */
  sends(m: number): boolean;
}
const AGENTS: Agent[] = [
  { address: '10.0.0.1', node: 'gw-1', sends: (m) => m < STOP || m >= BACK }, // stops, comes back
  { address: '10.0.0.2', node: 'gw-1', sends: () => true }, // keeps sending
  { address: '10.0.0.3', node: 'gw-2', sends: (m) => m < NODE2_STOPPED }, // its gateway is stopped
  { address: '10.0.0.4', node: 'gw-1', sends: (m) => m >= STOP - 120 && m < STOP }, // never regular
  { address: '10.0.0.5', node: 'gw-1', sends: (m) => m < STOP }, // stops, under a silence
];

let dir: string;
let store: Store;
let bus: InProcessBus;
let ingester: Ingester;
const dead: ConsumedMessage[] = [];

/** Produce what happens in minutes [from, to): the clock of the alerter never runs ahead of the data. */
async function produce(from: number, to: number, badLine = false): Promise<number> {
  const usage: UsageRecord[] = [];
  for (const a of AGENTS)
    for (let m = from; m < to; m += 5) {
      if (!a.sends(m)) continue;
      // A tunnel per upload here, open 2 s: opened and closed in one record.
      usage.push(
        parseUsageRecord({
          recordId: randomUUID(),
          ts: at(m) + 2_000,
          nodeId: a.node,
          workspaceId: WS,
          clientAddress: a.address,
          targetHost: `${WS}.ods.opinsights.azure.com`,
          bytesUp: 5_000,
          bytesDown: 300,
          durationMs: 2_000,
          opened: true,
          closed: true,
        }),
      );
    }
  const samples: CounterSample[] = [];
  for (const node of ['gw-1', 'gw-2'])
    for (let m = from; m < to; m++) {
      if (node === 'gw-2' && m > NODE2_STOPPED) break;
      samples.push({
        nodeId: node,
        ts: at(m) + 1_000,
        startedAt: T0 - 86_400_000,
        version: 'test',
        configVersion: '1',
        activeClientConnections: 1,
        connectedClients: 1,
        errorCount: 0,
        rejectionCount: 0,
        rejectionsByReason: {},
        bytesUp: 0,
        bytesDown: 0,
        telemetryDropped: 0,
      } as CounterSample);
    }
  const stopped = parseEventRecord({
    recordId: randomUUID(),
    ts: at(NODE2_STOPPED) + 1_500,
    nodeId: 'gw-2',
    eventId: EVENT.SERVICE_STOPPED,
  });
  const lines = (records: object[]) => frameRecords(records.map((r) => encodeRecord(r as UsageRecord)));
  const chunks = <T>(xs: T[], n: number) =>
    Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
  // Usage records as the gateway's telemetry sends them: many JSON lines per message; one line is bad.
  await bus.produce(bus.topic('usage'), [
    ...chunks(usage, 50).map((c) => ({
      key: 'gw',
      value: lines(c),
      headers: { [SCHEMA_HEADER]: USAGE_SCHEMA },
    })),
    ...(badLine
      ? [
          {
            key: 'gw',
            value: frameRecords([encodeRecord(usage[0] as UsageRecord), Buffer.from('{"bytesUp":-1}')]),
            headers: { [SCHEMA_HEADER]: USAGE_SCHEMA },
          },
        ]
      : []),
  ]);
  await bus.produce(
    bus.topic('counters'),
    chunks(samples, 100).map((c) => ({
      key: 'n',
      value: lines(c),
      headers: { [SCHEMA_HEADER]: COUNTER_SCHEMA },
    })),
  );
  if (NODE2_STOPPED >= from && NODE2_STOPPED < to)
    await bus.produce(bus.topic('events'), [
      { key: 'gw-2', value: encodeRecord(stopped), headers: { [SCHEMA_HEADER]: EVENT_SCHEMA } },
    ]);
  return usage.length;
}

/** Waits until the ingester has stored `rows` usage rows in all and has nothing left to read. */
async function caughtUp(rows: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (ingester.metrics().lag > 0 || ingester.metrics().rows.usage < rows) {
    assert.ok(Date.now() < deadline, `ingester did not catch up: ${JSON.stringify(ingester.metrics())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
let produced = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatewatch-agents-'));
  store = await openStore({ dataDir: join(dir, 'data') });
  bus = new InProcessBus({ partitions: 2 });
  ingester = await runIngester({ bus, store, log: () => {} });
  await bus.subscribe({
    groupId: 'dead-letter-reader',
    topics: [bus.topic('deadLetter')],
    handler: async (b) => {
      dead.push(...b.messages);
      await b.commit(b.messages[b.messages.length - 1]?.offset as string);
    },
  });
});

after(async () => {
  await ingester?.stop();
  await bus?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

test('usage records pass the real ingester: good lines stored once, a bad line dead-lettered', async () => {
  produced = await produce(0, BACK, true);
  await caughtUp(produced);
  const deadline = Date.now() + 10_000;
  const rs = await store.client.query({
    query: 'SELECT count() AS n, uniqExact(recordId) AS ids FROM gateway_usage',
    format: 'JSONEachRow',
  });
  // The bad message's good line repeats a record id: the ingester drops the producer-retry duplicate.
  assert.deepEqual(await rs.json(), [{ n: String(produced), ids: String(produced) }]);
  while (dead.length < 1) {
    assert.ok(Date.now() < deadline, 'no dead letter');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(dead[0]?.headers['gatewatch-error'] ?? '', /invalid usage record: recordId/);
});

test('AgentStoppedReporting: fires for a stopped agent within the window, resolves on return; not for a stopped gateway', async () => {
  const rule = loadDefaultRules().rules.find((r) => r.name === 'AgentStoppedReporting');
  assert.ok(rule, 'a shipped rule');
  let now = at(STOP);
  const alerter = createAlerter({
    store,
    rules: [rule],
    receivers: [],
    intervalMs: MIN,
    externalUrl: 'http://dashboard.test',
    clock: () => now,
  });
  await alerter.createSilence({
    matchers: [{ name: 'agent', value: '10.0.0.5' }],
    startsAt: new Date(at(STOP)).toISOString(),
    endsAt: new Date(at(END + 60)).toISOString(),
    createdBy: 'test',
    comment: 'agent 5 is being reinstalled',
  });
  const states: Record<string, string[]> = {};
  for (let m = STOP + 1; m < END; m++) {
    if (m === BACK) {
      produced += await produce(BACK, END);
      await caughtUp(produced);
    }
    now = at(m);
    const r = await alerter.evaluateAt(now);
    assert.deepEqual(r.errors, [], `no errors at minute ${m}`);
    for (const i of r.instances) {
      const agent = i.labels.agent ?? '';
      states[agent] = [...(states[agent] ?? []), `${m}:${i.state}`];
    }
  }
  const firstFiring = (agent: string) =>
    Number(states[agent]?.find((s) => s.endsWith(':firing'))?.split(':')[0] ?? Number.NaN);
  // Last upload at STOP-5 (+2 s); 15 minutes later the rule fires: the first evaluation past that.
  assert.equal(firstFiring('10.0.0.1'), STOP - 5 + 16, JSON.stringify(states).slice(0, 3000));
  assert.ok(states['10.0.0.1']?.includes(`${BACK}:resolved`), `resolves on return: ${states['10.0.0.1']}`);
  assert.equal(firstFiring('10.0.0.5'), STOP - 5 + 16, 'the silenced agent fires too (muted, not hidden)');
  assert.equal(states['10.0.0.3'], undefined, 'its gateway was stopped on purpose');
  assert.equal(states['10.0.0.4'], undefined, 'never a regular sender');
  assert.equal(states['10.0.0.2'], undefined, 'still sending');

  const fired = alerter.alerts().find((a) => a.labels.agent === '10.0.0.1');
  assert.deepEqual(fired?.labels, {
    agent: '10.0.0.1',
    alertname: 'AgentStoppedReporting',
    node: 'gw-1',
    severity: 'warning',
    workspace: WS,
  });
  const muted = alerter.alerts().find((a) => a.labels.agent === '10.0.0.5');
  assert.equal(muted?.state, 'firing');
  assert.equal(muted?.silencedBy.length, 1);
  await alerter.stop();
});
