import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { decodeEventRecord, EVENT, parseEventRecord } from '@gatewatch/events';
import {
  type Bus,
  type BusMessage,
  BusUnavailableError,
  createTelemetry,
  InProcessBus,
} from '../src/index.ts';
import { emitCounters, emptyEmitted, tempDir, waitFor } from './support/helpers.ts';

/** A real in-process bus with a switch that makes produce fail like a dead broker. */
class SwitchableBus extends InProcessBus implements Bus {
  down = false;
  override async produce(topic: string, messages: BusMessage[]): Promise<void> {
    if (this.down) throw new BusUnavailableError('broker down (test switch)');
    return super.produce(topic, messages);
  }
}

const record = (nodeId: string, i: number) =>
  parseEventRecord({
    recordId: randomUUID(),
    ts: Date.now(),
    nodeId,
    eventId: EVENT.CONNECT_RECEIVED,
    message: String(i),
  });

/** Collects every record (one JSON line each) of a topic; `messages` counts the bus messages they came in. */
async function collect(bus: Bus, topic: string, into: Buffer[], messages = { count: 0 }) {
  return bus.subscribe({
    groupId: `c-${randomUUID()}`,
    topics: [topic],
    handler: async (b) => {
      messages.count += b.messages.length;
      for (const m of b.messages)
        into.push(
          ...m.value
            .toString()
            .split('\n')
            .map((l) => Buffer.from(l)),
        );
      await b.commit(b.messages[b.messages.length - 1]?.offset as string);
    },
  });
}

test('telemetry: bus down → spool → replay in order when it returns; sink calls never wait', async () => {
  const tmp = await tempDir('tel');
  const bus = new SwitchableBus({ partitions: 1 });
  await bus.start();
  const got: Buffer[] = [];
  const messages = { count: 0 };
  const sub = await collect(bus, bus.topic('events'), got, messages);
  const tel = await createTelemetry({
    nodeId: 'n1',
    serviceVersion: 't',
    bus,
    spoolDir: tmp.dir,
    registerGlobal: false,
    retryMs: 100,
    warn: () => {},
  });
  try {
    let outageMs = 0;
    const emit = (from: number, to: number) => {
      const t0 = performance.now();
      for (let i = from; i < to; i++) tel.sink.event(record('n1', i));
      return performance.now() - t0;
    };
    emit(0, 100);
    await waitFor('first 100 delivered', () => got.length === 100, 5000);
    bus.down = true;
    outageMs = emit(100, 5000);
    await waitFor('spooled', () => tel.metrics().spooled > 0 && tel.metrics().queued === 0, 5000);
    emit(5000, 6000);
    bus.down = false;
    assert.ok(await tel.flush(10_000));
    await waitFor('all 6000 delivered', () => got.length === 6000, 10_000);
    assert.deepEqual(
      got.map((line) => decodeEventRecord(line).message),
      Array.from({ length: 6000 }, (_, i) => String(i)),
    );
    // Records travel many to a message (JSON lines), never one message each.
    assert.ok(messages.count < 600, `${messages.count} messages for 6000 records`);
    const m = tel.metrics();
    assert.equal(m.dropped, 0);
    assert.ok(m.spooledTotal >= 4900, JSON.stringify(m));
    // 4900 sink calls while the bus was down: pure in-memory pushes, nothing waited on the bus.
    assert.ok(outageMs < 1000, `4900 sink calls took ${outageMs} ms`);
    assert.match(tel.metricsText(), /gatewatch_telemetry_spool_messages 0/);
  } finally {
    await tel.shutdown(1000);
    await sub.stop();
    await bus.close();
    await tmp.remove();
  }
});

test('telemetry: a full spool drops, counts, and reports the drop as event 400', async () => {
  const tmp = await tempDir('tel-full');
  const bus = new SwitchableBus({ partitions: 1 });
  await bus.start();
  const got: Buffer[] = [];
  const sub = await collect(bus, bus.topic('events'), got);
  const tel = await createTelemetry({
    nodeId: 'n2',
    serviceVersion: 't',
    bus,
    spoolDir: tmp.dir,
    registerGlobal: false,
    retryMs: 100,
    maxSpoolBytes: 20_000,
    warn: () => {},
  });
  try {
    bus.down = true;
    for (let i = 0; i < 1000; i++) tel.sink.event(record('n2', i));
    await waitFor('drops counted', () => tel.metrics().dropped > 0 && tel.metrics().queued === 0, 5000);
    const dropped = tel.metrics().dropped;
    bus.down = false;
    assert.ok(await tel.flush(10_000));
    await waitFor(
      'the drop report',
      () => got.some((line) => decodeEventRecord(line).eventId === 400),
      15_000,
    );
    const report = got.map((line) => decodeEventRecord(line)).find((r) => r.eventId === 400);
    assert.match(report?.message ?? '', new RegExp(`dropped ${dropped} record`));
    assert.match(report?.message ?? '', /raise maxSpoolBytes/);
    assert.equal(got.length, 1000 - dropped + 1);
    // Counter samples carry the cumulative drop count.
    const counters: Buffer[] = [];
    const csub = await collect(bus, bus.topic('counters'), counters);
    tel.sink.counters({
      nodeId: 'n2',
      ts: Date.now(),
      startedAt: Date.now(),
      version: '',
      configVersion: '',
      activeClientConnections: 0,
      connectedClients: 0,
      errorCount: 0,
      rejectionCount: 0,
      rejectionsByReason: {},
      bytesUp: 0,
      bytesDown: 0,
      telemetryDropped: 0,
    });
    await waitFor('the sample', () => counters.length === 1, 5000);
    assert.equal(JSON.parse(counters[0]?.toString() ?? '{}').telemetryDropped, dropped);
    await csub.stop();
  } finally {
    await tel.shutdown(1000);
    await sub.stop();
    await bus.close();
    await tmp.remove();
  }
});

test('telemetry: records arriving one by one share produce requests (linger), all topics in one; a clean stop delivers them all in order', async () => {
  const tmp = await tempDir('tel-linger');
  const bus = new SwitchableBus({ partitions: 1 });
  const requests: string[][] = []; // topics of each produce request
  const produceMany = bus.produceMany.bind(bus);
  bus.produceMany = (batches) => {
    requests.push(batches.map((b) => b.topic));
    return produceMany(batches);
  };
  await bus.start();
  const got: Buffer[] = [];
  const sub = await collect(bus, bus.topic('events'), got);
  const counters: Buffer[] = [];
  const csub = await collect(bus, bus.topic('counters'), counters);
  const tel = await createTelemetry({
    nodeId: 'n3',
    serviceVersion: 't',
    bus,
    spoolDir: tmp.dir,
    registerGlobal: false,
    lingerMs: 100,
    warn: () => {},
  });
  const out = emptyEmitted('n3');
  try {
    // A trickle: 10 records every ~10 ms for ~200 ms, as a gateway's tunnels open, a counter sample among them.
    for (let i = 0; i < 200; i++) {
      tel.sink.event(record('n3', i));
      if (i === 100) emitCounters(tel, out, Date.now());
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 10));
    }
    // The last ones arrive right before a clean stop: it sends them at once, it does not drop them.
    for (let i = 200; i < 250; i++) tel.sink.event(record('n3', i));
    await tel.shutdown(5000);
    await waitFor('all 250 delivered', () => got.length === 250 && counters.length === 1, 5000);
    assert.deepEqual(
      got.map((line) => decodeEventRecord(line).message),
      Array.from({ length: 250 }, (_, i) => String(i)),
    );
    // Without the linger each arrival after an idle moment was its own request (≥ 20 here); the counter
    // sample rides in a request of events (one request per window, whatever the topics).
    assert.ok(requests.length <= 6, `${requests.length} produce requests for 250 records over ~200 ms`);
    assert.ok(
      requests.some((topics) => topics.length === 2),
      `no request carried two topics: ${JSON.stringify(requests)}`,
    );
    assert.equal(tel.metrics().dropped, 0);
  } finally {
    await sub.stop();
    await csub.stop();
    await bus.close();
    await tmp.remove();
  }
});
