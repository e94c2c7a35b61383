import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { EVENT, EVENT_SCHEMA, encodeRecord, parseEventRecord, SCHEMA_HEADER } from '@gatewatch/events';
import { type Ingester, type IngestWriter, KafkaBus, runIngester, storeWriter } from '../src/index.ts';
import { BROKERS, kafkaSkipReason, stored, suiteStore, uniquePrefix, waitFor } from './support/helpers.ts';

const skip = await kafkaSkipReason();
const RECORDS = 40;

/** The store's writer, except that the first events insert waits for `release()`. */
function gatedWriter(real: IngestWriter) {
  let release = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let entered = () => {};
  const inInsert = new Promise<void>((r) => {
    entered = r;
  });
  let first = true;
  const writer: IngestWriter = {
    ...real,
    events: async (records, token) => {
      if (first) {
        first = false;
        entered();
        await gate;
      }
      return real.events(records, token);
    },
  };
  return { writer, inInsert, release };
}

/** 40 event records of one node, one Kafka message each (offsets 0–39 of a one-partition topic). */
async function produceRecords(b: KafkaBus, nodeId: string) {
  const headers = { [SCHEMA_HEADER]: EVENT_SCHEMA };
  const records = Array.from({ length: RECORDS }, () =>
    parseEventRecord({ recordId: randomUUID(), ts: Date.now(), nodeId, eventId: EVENT.CONNECT_RECEIVED }),
  );
  await b.produce(
    b.topic('events'),
    records.map((r) => ({ key: nodeId, value: encodeRecord(r), headers })),
  );
}

/**
 * A unit is begun (`pending:<last>` committed) and its insert is in flight when the partition changes hands.
 * The new owner replays that unit and goes on with its own unit sizes (another fetch size or maxRows), so
 * the old owner must neither commit it nor begin another unit from then on: ClickHouse only drops a repeat
 * with the same dedup token, and the broker accepts a commit from any member of the current generation.
 */
describe('Kafka: the partition changes hands while an insert is in flight (shared broker)', { skip }, () => {
  const ctx = suiteStore('rebalance');
  const logger = (lines: string[]) => (_level: string, message: string) => lines.push(message);

  test('a second ingester joins: the old owner stops at that unit, the new one replays it; 0 lost, 0 duplicated', async () => {
    const prefix = uniquePrefix('rejoin');
    // The round-robin assignor sorts members by id (client id first): the newcomer gets the events partition.
    const busOld = new KafkaBus({ brokers: BROKERS, clientId: 'z-old', prefix, partitions: 1 });
    const busNew = new KafkaBus({ brokers: BROKERS, clientId: 'a-new', prefix, partitions: 1 });
    const nodeId = 'rebalance-join';
    const oldLog: string[] = [];
    let old: Ingester | undefined;
    let next: Ingester | undefined;
    try {
      await busOld.start();
      await produceRecords(busOld, nodeId);
      const gated = gatedWriter(storeWriter(ctx.store));
      const base = { groupId: 'rejoin', retryBackoffMs: 100 };
      old = await runIngester({
        ...base,
        bus: busOld,
        writer: gated.writer,
        batch: { maxRows: 10 },
        log: logger(oldLog),
      });
      await gated.inInsert; // offsets 0–9 begun, their insert held
      next = await runIngester({
        ...base,
        bus: busNew,
        store: ctx.store,
        batch: { maxRows: 7 },
        log: () => {},
      });
      await waitFor(
        'the new owner to store every record',
        async () => (await stored(ctx.store, nodeId)).events >= RECORDS,
        30_000,
      );
      assert.ok((next.metrics().rows.events ?? 0) > 0, 'the newcomer was assigned the events partition');
      gated.release();
      // The old owner's held insert completes (same token as the replay: dropped); then it must stop there.
      const eventsTopic = busOld.topic('events');
      await waitFor(
        'the old owner to give the unit up (or, wrongly, to finish its batch)',
        () =>
          oldLog.some((l) => l.includes(`${eventsTopic}/0 not committed`)) ||
          (old?.metrics().messages ?? 0) >= RECORDS,
        30_000,
      );
      await old.stop();
      old = undefined;
      const s = await stored(ctx.store, nodeId);
      assert.equal(s.eventIds.size, RECORDS, 'every record stored');
      assert.equal(s.events - s.eventIds.size, 0, 'duplicated rows');
    } finally {
      await old?.stop();
      await next?.stop();
      await busOld.close();
      await busNew.close();
    }
  });

  test('the owner is stopped: it commits the unit in flight and begins no other; 0 lost, 0 duplicated', async () => {
    const prefix = uniquePrefix('leave');
    const busOld = new KafkaBus({ brokers: BROKERS, clientId: 'leaving', prefix, partitions: 1 });
    const busNew = new KafkaBus({ brokers: BROKERS, clientId: 'staying', prefix, partitions: 1 });
    const nodeId = 'rebalance-leave';
    let next: Ingester | undefined;
    try {
      await busOld.start();
      await produceRecords(busOld, nodeId);
      const gated = gatedWriter(storeWriter(ctx.store));
      const base = { groupId: 'leave', retryBackoffMs: 100, log: () => {} };
      const old = await runIngester({ ...base, bus: busOld, writer: gated.writer, batch: { maxRows: 10 } });
      await gated.inInsert;
      const stopping = old.stop();
      gated.release();
      await stopping;
      const afterStop = await stored(ctx.store, nodeId);
      assert.equal(
        afterStop.events,
        10,
        'the stopped owner stores its unit in flight (offsets 0–9) and no other',
      );
      next = await runIngester({ ...base, bus: busNew, store: ctx.store, batch: { maxRows: 7 } });
      await waitFor(
        'every record',
        async () => (await stored(ctx.store, nodeId)).eventIds.size >= RECORDS,
        30_000,
      );
      await waitFor('the new owner to commit everything', () => next?.metrics().lag === 0, 30_000);
      const s = await stored(ctx.store, nodeId);
      assert.equal(s.eventIds.size, RECORDS, 'every record stored');
      assert.equal(s.events - s.eventIds.size, 0, 'duplicated rows');
    } finally {
      await next?.stop();
      await busOld.close();
      await busNew.close();
    }
  });
});
