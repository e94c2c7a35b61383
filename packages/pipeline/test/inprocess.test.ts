import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { EVENT, EVENT_SCHEMA, encodeRecord, parseEventRecord, SCHEMA_HEADER } from '@gatewatch/events';
import {
  type ConsumedMessage,
  type IngestWriter,
  InProcessBus,
  runIngester,
  storeWriter,
} from '../src/index.ts';
import { stored, suiteStore, waitFor } from './support/helpers.ts';
import { endToEnd } from './support/scenario.ts';

describe('embedded mode: in-process bus → ingester → chDB', () => {
  const ctx = suiteStore('inproc');

  test('records, samples and spans arrive exactly once with the span tree intact', async () => {
    const bus = new InProcessBus({ partitions: 3 });
    const { ingesterMetrics } = await endToEnd({
      bus,
      store: ctx.store,
      spoolDir: `${ctx.dir}/spool`,
      nodeId: 'inproc-e2e',
      tunnels: 300,
      samples: 30,
    });
    assert.equal(ingesterMetrics.rows.events, 600);
    assert.equal(ingesterMetrics.rows.spans, 1500);
    assert.equal(ingesterMetrics.deadLetters, 0);
    await bus.close();
  });

  test('ClickHouse insert failing → nothing committed, retried, nothing lost or doubled', async () => {
    const bus = new InProcessBus({ partitions: 2 });
    const real = storeWriter(ctx.store);
    let failures = 0;
    const flaky: IngestWriter = {
      events: async (r, t) => {
        if (failures++ < 3) throw new Error('injected: ClickHouse unavailable');
        return real.events(r, t);
      },
      counters: real.counters,
      usage: real.usage,
      spans: async (r, t) => {
        if (failures++ < 6) throw new Error('injected: ClickHouse unavailable');
        return real.spans(r, t);
      },
    };
    const { ingesterMetrics } = await endToEnd({
      bus,
      store: ctx.store,
      spoolDir: `${ctx.dir}/spool`,
      nodeId: 'inproc-flaky',
      tunnels: 100,
      samples: 5,
      writer: flaky,
    });
    assert.ok(ingesterMetrics.insertFailures >= 3, `insert failures seen: ${ingesterMetrics.insertFailures}`);
    await bus.close();
  });

  test('a poison message goes to the dead-letter topic with its error; the others flow', async () => {
    const bus = new InProcessBus({ partitions: 1 });
    await bus.start();
    const ingester = await runIngester({
      bus,
      store: ctx.store,
      groupId: 'poison',
      retryBackoffMs: 50,
      log: () => {},
    });
    const nodeId = 'inproc-poison';
    const good = Array.from({ length: 10 }, () =>
      parseEventRecord({ recordId: randomUUID(), ts: Date.now(), nodeId, eventId: EVENT.CONNECT_RECEIVED }),
    );
    const headers = { [SCHEMA_HEADER]: EVENT_SCHEMA };
    await bus.produce(bus.topic('events'), [
      ...good.slice(0, 5).map((r) => ({ key: nodeId, value: encodeRecord(r), headers })),
      { key: nodeId, value: Buffer.from('{"not":"a record"'), headers },
      {
        key: nodeId,
        value: Buffer.from(JSON.stringify({ ...good[0], eventId: 999, recordId: randomUUID() })),
        headers,
      },
      ...good.slice(5).map((r) => ({ key: nodeId, value: encodeRecord(r), headers })),
    ]);
    await bus.produce(bus.topic('spans'), [
      { key: nodeId, value: Buffer.from([0xff, 0xff, 0xff]), headers: {} },
      { key: nodeId, value: Buffer.alloc(0), headers: {} },
    ]);
    const dead: ConsumedMessage[] = [];
    const dl = await bus.subscribe({
      groupId: 'dl-reader',
      topics: [bus.topic('deadLetter')],
      handler: async (b) => {
        dead.push(...b.messages);
        await b.commit(b.messages[b.messages.length - 1]?.offset as string);
      },
    });
    await waitFor('10 good rows', async () => (await stored(ctx.store, nodeId)).events === 10, 10_000);
    await waitFor('4 dead letters', () => dead.length === 4, 10_000);
    const errors = dead.map((d) => d.headers['gatewatch-error'] ?? '');
    assert.match(errors.join('\n'), /JSON/);
    assert.match(errors.join('\n'), /eventId/);
    assert.match(errors.join('\n'), /ExportTraceServiceRequest/);
    assert.match(errors.join('\n'), /holds no spans/);
    assert.ok(dead.every((d) => /\/\d+\/\d+$/.test(d.headers['gatewatch-source'] ?? '')));
    assert.equal(ingester.metrics().deadLetters, 4);
    assert.match(
      ingester.metricsText(),
      /gatewatch_ingester_dead_letters_total\{topic="gatewatch_events"\} 2/,
    );
    assert.match(
      ingester.metricsText(),
      /gatewatch_ingester_consumer_lag\{topic="gatewatch_events",partition="0"\} 0/,
    );
    await dl.stop();
    await ingester.stop();
    await bus.close();
  });

  test('a unit inserted but not committed is replayed with the same range and token by the next owner', async () => {
    const bus = new InProcessBus({ partitions: 1 });
    await bus.start();
    const nodeId = 'inproc-crash';
    const headers = { [SCHEMA_HEADER]: EVENT_SCHEMA };
    const records = Array.from({ length: 1000 }, () =>
      parseEventRecord({ recordId: randomUUID(), ts: Date.now(), nodeId, eventId: EVENT.CONNECT_RECEIVED }),
    );
    await bus.produce(
      bus.topic('events'),
      records.map((r) => ({ key: nodeId, value: encodeRecord(r), headers })),
    );
    const real = storeWriter(ctx.store);
    const tokens: string[] = [];
    let crashed = false;
    // First owner: units of 300; the second unit is stored, then the process "dies" before committing.
    const first = await runIngester({
      bus,
      groupId: 'crash',
      batch: { maxRows: 300 },
      retryBackoffMs: 60_000,
      log: () => {},
      writer: {
        ...real,
        events: async (r, t) => {
          await real.events(r, t);
          tokens.push(t);
          if (tokens.length === 2) {
            crashed = true;
            throw new Error('simulated crash after insert, before commit');
          }
        },
      },
    });
    await waitFor('the simulated crash', () => crashed, 10_000);
    await first.stop();
    // Next owner with a different batch size still replays exactly the announced unit first.
    const replayed: string[] = [];
    const second = await runIngester({
      bus,
      groupId: 'crash',
      batch: { maxRows: 1000 },
      log: () => {},
      writer: {
        ...real,
        events: async (r, t) => {
          replayed.push(t);
          await real.events(r, t);
        },
      },
    });
    await waitFor('all 1000 committed', () => second.metrics().lag === 0 && replayed.length >= 1, 10_000);
    await second.stop();
    assert.equal(replayed[0], tokens[1]);
    const s = await stored(ctx.store, nodeId);
    assert.equal(s.events, 1000);
    assert.equal(s.eventIds.size, 1000);
    await bus.close();
  });
});
