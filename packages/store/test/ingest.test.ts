import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateFixture, insertCounters, insertEvents, loadFixture, type Store } from '../src/index.ts';
import { rows, scalar, tempStore } from './support/helpers.ts';

describe('bulk ingest, rollups and deduplication (embedded chDB)', () => {
  let store: Store;
  let done: () => Promise<void>;
  before(async () => {
    ({ store, done } = await tempStore());
  });
  after(async () => done());

  test('100,000 event records inserted and counted back exactly; rollups equal raw counts', async () => {
    const data = generateFixture({ seed: 42, nodes: 4, hours: 6, connectRate: 6, rejectionRate: 1.5 });
    assert.ok(data.events.length >= 100_000, `fixture has ${data.events.length} events`);
    const events = data.events.slice(0, 100_000);
    await insertEvents(store, events);
    await insertCounters(store, data.counters);

    assert.equal(await scalar(store, 'SELECT count() AS v FROM gateway_events'), 100_000);
    assert.equal(await scalar(store, 'SELECT uniqExact(recordId) AS v FROM gateway_events'), 100_000);
    assert.equal(await scalar(store, 'SELECT count() AS v FROM gateway_counters'), data.counters.length);

    // Per (minute, node, event, workspace, reason) group, raw count() equals the rollup's countMerge().
    const diff = await rows<Record<string, unknown>>(
      store,
      `SELECT * FROM (
         SELECT toStartOfMinute(ts) AS minute, nodeId, eventId, workspaceId, reason, count() AS raw
         FROM gateway_events GROUP BY ALL
       ) AS r FULL OUTER JOIN (
         SELECT minute, nodeId, eventId, workspaceId, reason, countMerge(events) AS rolled
         FROM gateway_events_1m GROUP BY ALL
       ) AS m USING (minute, nodeId, eventId, workspaceId, reason)
       WHERE raw != rolled LIMIT 5`,
    );
    assert.deepEqual(diff, []);
    assert.equal(await scalar(store, 'SELECT countMerge(events) AS v FROM gateway_events_1m'), 100_000);
    assert.equal(await scalar(store, 'SELECT countMerge(events) AS v FROM gateway_events_1h'), 100_000);

    // Same for counters: samples per (minute, node), and the last cumulative value of each minute.
    const counterDiff = await rows<Record<string, unknown>>(
      store,
      `SELECT * FROM (
         SELECT toStartOfMinute(ts) AS minute, nodeId, count() AS raw, argMax(errorCount, ts) AS rawLast,
           max(activeClientConnections) AS rawMax
         FROM gateway_counters GROUP BY ALL
       ) AS r FULL OUTER JOIN (
         SELECT minute, nodeId, countMerge(samples) AS rolled, argMaxMerge(errorCountLast) AS rolledLast,
           maxMerge(activeMax) AS rolledMax
         FROM gateway_counters_1m GROUP BY ALL
       ) AS m USING (minute, nodeId)
       WHERE raw != rolled OR rawLast != rolledLast OR rawMax != rolledMax LIMIT 5`,
    );
    assert.deepEqual(counterDiff, []);
    // The 5-minute rollup (migration 7): every 5 minutes per node, the states the rates and gauges read.
    const fiveMinuteDiff = await rows<Record<string, unknown>>(
      store,
      `SELECT * FROM (
         SELECT toStartOfFiveMinutes(ts) AS fiveMinute, nodeId, count() AS raw,
           (argMin(errorCount, ts), argMax(errorCount, ts), argMin(startedAt, ts), argMax(startedAt, ts),
            avg(activeClientConnections), max(rejectionCount)) AS rawStates
         FROM gateway_counters GROUP BY ALL
       ) AS r FULL OUTER JOIN (
         SELECT fiveMinute, nodeId, countMerge(samples) AS rolled,
           (argMinMerge(errorCountFirst), argMaxMerge(errorCountLast), argMinMerge(startedAtFirst),
            argMaxMerge(startedAtLast), avgMerge(activeAvg), maxMerge(rejectionCountMax)) AS rolledStates
         FROM gateway_counters_5m GROUP BY ALL
       ) AS m USING (fiveMinute, nodeId)
       WHERE raw != rolled OR rawStates != rolledStates LIMIT 5`,
    );
    assert.deepEqual(fiveMinuteDiff, []);
    assert.equal(
      await scalar(store, 'SELECT countMerge(samples) AS v FROM gateway_counters_5m'),
      data.counters.length,
    );
    assert.equal(
      await scalar(store, 'SELECT countMerge(samples) AS v FROM gateway_counters_1h'),
      data.counters.length,
    );
  });

  test('the same batch inserted twice with the same dedup token is stored once (rollups too)', async () => {
    const { events, counters } = generateFixture({
      seed: 99,
      nodes: 2,
      hours: 0.2,
      start: Date.UTC(2026, 1, 1),
    });
    const day = { d: '2026-02-01' };
    const count = (table: string) =>
      scalar(store, `SELECT count() AS v FROM ${table} WHERE toDate(ts) = {d:Date}`, day);
    await insertEvents(store, events, { dedupToken: 'batch-1' });
    await insertEvents(store, events, { dedupToken: 'batch-1' });
    await insertCounters(store, counters, { dedupToken: 'batch-1' });
    await insertCounters(store, counters, { dedupToken: 'batch-1' });
    assert.equal(await count('gateway_events'), events.length);
    assert.equal(await count('gateway_counters'), counters.length);
    assert.equal(
      await scalar(
        store,
        'SELECT countMerge(events) AS v FROM gateway_events_1m WHERE toDate(minute) = {d:Date}',
        day,
      ),
      events.length,
    );

    // A token must not leak into later inserts: without one, a batch is always stored.
    const one = events.slice(0, 10);
    await insertEvents(store, one);
    await insertEvents(store, one);
    assert.equal(await count('gateway_events'), events.length + 20);

    // Nor may one stay in the embedded session (from the migrations' ledger, or an insert): two plain
    // INSERT … SELECT of different rows with no token are both stored.
    const copy = (offset: number) =>
      store.client.command({
        query: `INSERT INTO gateway_events SELECT * REPLACE (generateUUIDv4() AS recordId)
                FROM gateway_events WHERE toDate(ts) = {d:Date} ORDER BY recordId LIMIT 5 OFFSET ${offset}`,
        query_params: day,
      });
    await copy(0);
    await copy(5);
    assert.equal(await count('gateway_events'), events.length + 30);
  });

  test('concurrent inserts with distinct tokens are all stored; a concurrent replay adds nothing', async () => {
    const { events } = generateFixture({ seed: 11, nodes: 4, hours: 1, start: Date.UTC(2026, 3, 1) });
    const chunks = Array.from({ length: Math.ceil(events.length / 500) }, (_, i) =>
      events.slice(i * 500, (i + 1) * 500),
    );
    const day = { d: '2026-04-01' };
    const count = () =>
      scalar(store, 'SELECT count() AS v FROM gateway_events WHERE toDate(ts) = {d:Date}', day);
    await Promise.all(chunks.map((c, i) => insertEvents(store, c, { dedupToken: `c${i}` })));
    assert.equal(await count(), events.length);
    await Promise.all(chunks.map((c, i) => insertEvents(store, c, { dedupToken: `c${i}` })));
    assert.equal(await count(), events.length);
  });

  test('loadFixture streams the same data as generateFixture, and a reload adds nothing', async () => {
    const opts = { seed: 3, nodes: 2, hours: 1, start: Date.UTC(2026, 2, 1) };
    const range = { d: '2026-03-01' };
    const summary = await loadFixture(store, opts, 1000);
    const again = await loadFixture(store, opts, 1000);
    const data = generateFixture(opts);
    assert.equal(summary.events, data.events.length);
    assert.equal(summary.counters, data.counters.length);
    assert.deepEqual(again, summary);
    const events = await scalar(
      store,
      'SELECT count() AS v FROM gateway_events WHERE toDate(ts) = {d:Date}',
      range,
    );
    const counters = await scalar(
      store,
      'SELECT count() AS v FROM gateway_counters WHERE toDate(ts) = {d:Date}',
      range,
    );
    assert.equal(events, data.events.length);
    assert.equal(counters, data.counters.length);
    const ids = await rows<{ id: string }>(
      store,
      'SELECT toString(recordId) AS id FROM gateway_events WHERE toDate(ts) = {d:Date} ORDER BY id',
      range,
    );
    assert.deepEqual(
      ids.map((r) => r.id),
      data.events.map((e) => e.recordId).sort(),
    );
  });
});
