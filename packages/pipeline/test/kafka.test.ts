import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  EVENT,
  EVENT_SCHEMA,
  type EventRecord,
  encodeRecord,
  frameRecords,
  parseEventRecord,
  SCHEMA_HEADER,
} from '@gatewatch/events';
import protobuf from 'protobufjs';
import {
  type ConsumedMessage,
  createTelemetry,
  type IngestWriter,
  KafkaBus,
  runIngester,
  storeWriter,
} from '../src/index.ts';
import {
  BROKERS,
  complete,
  emitTunnel,
  emptyEmitted,
  exactlyOnceReport,
  kafkaSkipReason,
  stored,
  suiteStore,
  uniquePrefix,
  waitFor,
} from './support/helpers.ts';
import { endToEnd } from './support/scenario.ts';

const skip = await kafkaSkipReason();
const here = dirname(fileURLToPath(import.meta.url));

function bus(tag: string, partitions = 3) {
  return new KafkaBus({ brokers: BROKERS, clientId: `test-${tag}`, prefix: uniquePrefix(tag), partitions });
}

async function readAll(b: KafkaBus, topic: string, until: (m: ConsumedMessage[]) => boolean) {
  const got: ConsumedMessage[] = [];
  const sub = await b.subscribe({
    groupId: `reader-${randomUUID()}`,
    topics: [topic],
    handler: async (batch) => {
      got.push(...batch.messages);
      await batch.commit(batch.messages[batch.messages.length - 1]?.offset as string);
    },
  });
  await waitFor(`messages on ${topic}`, () => until(got), 30_000);
  await sub.stop();
  return got;
}

describe('Kafka bus → ingester → chDB (shared broker)', { skip }, () => {
  const ctx = suiteStore('kafka');

  test('records, samples and spans arrive exactly once through a real broker', async () => {
    const b = bus('e2e');
    try {
      const { ingesterMetrics } = await endToEnd({
        bus: b,
        store: ctx.store,
        spoolDir: `${ctx.dir}/spool`,
        nodeId: 'kafka-e2e',
        tunnels: 400,
        samples: 20,
      });
      assert.equal(ingesterMetrics.rows.events, 800);
      assert.equal(ingesterMetrics.lag, 0);
    } finally {
      await b.close();
    }
  });

  test('a stock protobuf decoder (official .proto, reflection) reads our otlp_spans messages', async () => {
    const b = bus('stock', 1);
    await b.start();
    const tel = await createTelemetry({
      nodeId: 'stock-node',
      serviceVersion: '9.9.9',
      bus: b,
      spoolDir: `${ctx.dir}/spool`,
      registerGlobal: false,
      warn: () => {},
    });
    const out = emptyEmitted('stock-node');
    for (let i = 0; i < 3; i++) emitTunnel(tel, out, i);
    assert.ok(await tel.flush(20_000));
    await tel.shutdown();
    const msgs = await readAll(b, b.topic('spans'), (m) => m.length >= 1);
    await b.close();

    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(here, 'proto', target);
    await root.load('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
    const Req = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
    const spans: { name: string; spanId: string; kind: string; parentSpanId: string }[] = [];
    for (const m of msgs) {
      assert.equal(m.headers[SCHEMA_HEADER], 'otlp_proto');
      assert.equal(m.key?.toString(), 'stock-node');
      const obj = Req.toObject(Req.decode(m.value), { enums: String, longs: String, bytes: String }) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: { name: string; spanId: string; parentSpanId?: string; kind: string }[] }[];
        }[];
      };
      const attrs = Object.fromEntries(
        obj.resourceSpans[0]?.resource.attributes.map((a) => [a.key, a.value.stringValue]) ?? [],
      );
      assert.equal(attrs['service.name'], 'gatewatch-gateway');
      assert.equal(attrs['service.instance.id'], 'stock-node');
      assert.equal(attrs['service.version'], '9.9.9');
      for (const rs of obj.resourceSpans) {
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            spans.push({
              name: s.name,
              kind: s.kind,
              spanId: Buffer.from(s.spanId, 'base64').toString('hex'),
              parentSpanId: Buffer.from(s.parentSpanId ?? '', 'base64').toString('hex'),
            });
          }
        }
      }
    }
    assert.deepEqual(new Set(spans.map((s) => s.spanId)), new Set(out.spanIds));
    const roots = spans.filter((s) => s.parentSpanId === '');
    assert.equal(roots.length, 3);
    assert.ok(roots.every((r) => r.kind === 'SPAN_KIND_SERVER' && r.name.startsWith('CONNECT ')));
    assert.deepEqual(
      spans
        .filter((s) => s.parentSpanId === roots[0]?.spanId)
        .map((s) => s.name)
        .sort(),
      ['dns', 'policy', 'tls inspect', 'upstream connect'],
    );
  });

  test('poison messages go to the dead-letter topic and the partition keeps flowing', async () => {
    const b = bus('poison', 1);
    await b.start();
    const ingester = await runIngester({
      bus: b,
      store: ctx.store,
      groupId: 'poison',
      retryBackoffMs: 100,
      log: () => {},
    });
    const nodeId = 'kafka-poison';
    const headers = { [SCHEMA_HEADER]: EVENT_SCHEMA };
    const good = Array.from({ length: 22 }, () =>
      parseEventRecord({ recordId: randomUUID(), ts: Date.now(), nodeId, eventId: EVENT.CONNECT_RECEIVED }),
    );
    await b.produce(b.topic('events'), [
      ...good.slice(0, 10).map((r) => ({ key: nodeId, value: encodeRecord(r), headers })),
      { key: nodeId, value: Buffer.from('garbage'), headers },
      ...good.slice(10, 20).map((r) => ({ key: nodeId, value: encodeRecord(r), headers })),
      // A message of several records with one bad line: only that line is dead-lettered.
      {
        key: nodeId,
        value: frameRecords([
          encodeRecord(good[20] as EventRecord),
          Buffer.from('{"nope":1}'),
          encodeRecord(good[21] as EventRecord),
        ]),
        headers,
      },
    ]);
    await waitFor('22 good rows', async () => (await stored(ctx.store, nodeId)).events === 22, 30_000);
    const dead = await readAll(b, b.topic('deadLetter'), (m) => m.length >= 2);
    assert.equal(dead.length, 2);
    assert.equal(dead[0]?.value.toString(), 'garbage');
    assert.match(dead[0]?.headers['gatewatch-error'] ?? '', /JSON/);
    assert.equal(dead[0]?.headers['gatewatch-source'], `${b.topic('events')}/0/10`);
    assert.equal(dead[1]?.value.toString(), '{"nope":1}');
    assert.match(dead[1]?.headers['gatewatch-error'] ?? '', /recordId/);
    assert.equal(dead[1]?.headers['gatewatch-source'], `${b.topic('events')}/0/21`);
    assert.equal(ingester.metrics().deadLetters, 2);
    await ingester.stop();
    await b.close();
  });

  test('ClickHouse insert failing → offsets not committed, retried, nothing lost or doubled', async () => {
    const b = bus('flaky', 2);
    const real = storeWriter(ctx.store);
    let calls = 0;
    const flaky: IngestWriter = {
      events: async (r, t) => {
        if (calls++ % 2 === 0) throw new Error('injected: ClickHouse unavailable');
        return real.events(r, t);
      },
      counters: real.counters,
      usage: real.usage,
      spans: real.spans,
    };
    try {
      const { ingesterMetrics } = await endToEnd({
        bus: b,
        store: ctx.store,
        spoolDir: `${ctx.dir}/spool`,
        nodeId: 'kafka-flaky',
        tunnels: 100,
        samples: 3,
        writer: flaky,
      });
      assert.ok(ingesterMetrics.insertFailures >= 1);
    } finally {
      await b.close();
    }
  });

  test('two ingesters share the partitions; joins and leaves (rebalances) lose and duplicate nothing', async () => {
    const b = bus('scale', 4);
    await b.start();
    const nodes = ['scale-a', 'scale-b', 'scale-c', 'scale-d'];
    const tels = await Promise.all(
      nodes.map((nodeId) =>
        createTelemetry({
          nodeId,
          serviceVersion: '0.1.0',
          bus: b,
          spoolDir: `${ctx.dir}/spool`,
          registerGlobal: false,
          spans: { scheduledDelayMillis: 100 },
          warn: () => {},
        }),
      ),
    );
    const outs = nodes.map((n) => emptyEmitted(n));
    const wave = async (n: number) => {
      for (let i = 0; i < n; i++) {
        tels.forEach((t, j) => {
          emitTunnel(t, outs[j] as ReturnType<typeof emptyEmitted>, i);
        });
      }
      for (const t of tels) assert.ok(await t.flush(20_000));
    };
    const opts = {
      bus: b,
      store: ctx.store,
      groupId: 'scale',
      batch: { maxRows: 150 },
      retryBackoffMs: 100,
      log: () => {},
    };
    const first = await runIngester(opts);
    await wave(150);
    const second = await runIngester(opts); // join → rebalance while the first is busy
    await wave(150);
    await new Promise((r) => setTimeout(r, 1500));
    await first.stop(); // leave → the second takes every partition
    await wave(150);
    try {
      for (const out of outs) {
        await waitFor(
          `all rows of ${out.nodeId}`,
          async () => complete(await stored(ctx.store, out.nodeId), out),
          60_000,
        );
      }
      await new Promise((r) => setTimeout(r, 1000));
      for (const out of outs)
        assert.deepEqual(exactlyOnceReport(await stored(ctx.store, out.nodeId), out), []);
      assert.ok(second.metrics().messages > 0);
    } finally {
      for (const t of tels) await t.shutdown(1000);
      await second.stop();
      await b.close();
    }
  });
});
