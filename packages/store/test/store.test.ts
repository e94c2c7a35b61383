import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { catalogEntry, EVENT_IDS, parseCounterSample, parseEventRecord } from '@gatewatch/events';
import {
  applyMigrations,
  generateFixture,
  insertCounters,
  insertEvents,
  insertSpans,
  MIGRATIONS,
  type SpanRow,
  type Store,
  traceSpans,
} from '../src/index.ts';
import { rows, scalar, tempStore } from './support/helpers.ts';

describe('embedded store', () => {
  let store: Store;
  let done: () => Promise<void>;
  before(async () => {
    ({ store, done } = await tempStore());
  });
  after(async () => done());

  test('inserts write every column of the table, whatever fields the first row has', async () => {
    const sample = (nodeId: string, configPath?: string) =>
      parseCounterSample({
        nodeId,
        ts: Date.UTC(2026, 0, 2),
        startedAt: Date.UTC(2026, 0, 1),
        version: '1',
        configVersion: 'c',
        ...(configPath !== undefined && { configPath }),
        activeClientConnections: 1,
        connectedClients: 2,
        errorCount: 3,
        rejectionCount: 4,
        bytesUp: 5,
        bytesDown: 6,
      });
    // The first row lacks the optional configPath: the second's must still be stored (UInt64 read as strings).
    await insertCounters(store, [sample('cols-a'), sample('cols-b', '/etc/gw.yaml')]);
    assert.deepEqual(
      await rows(
        store,
        `SELECT nodeId, configPath, bytesUp, bytesDown FROM gateway_counters
         WHERE nodeId IN ('cols-a', 'cols-b') ORDER BY nodeId`,
      ),
      [
        { nodeId: 'cols-a', configPath: '', bytesUp: '5', bytesDown: '6' },
        { nodeId: 'cols-b', configPath: '/etc/gw.yaml', bytesUp: '5', bytesDown: '6' },
      ],
    );
  });

  test('migrations: applied once, a second run is a no-op with no duplicate objects', async () => {
    const objects = async () =>
      rows<{ name: string; engine: string }>(
        store,
        'SELECT name, engine FROM system.tables WHERE database = {db:String} ORDER BY name',
        { db: store.database },
      );
    const before1 = await objects();
    const names = before1.map((t) => t.name);
    for (const t of [
      'gateway_events',
      'gateway_counters',
      'otel_traces',
      'otel_traces_trace_id_ts',
      'otel_traces_trace_id_ts_mv',
      'gateway_events_1m',
      'gateway_events_1m_mv',
      'gateway_counters_1m',
      'gateway_counters_1m_mv',
      'gateway_counters_5m',
      'gateway_counters_5m_mv',
      'schema_migrations',
    ]) {
      assert.ok(names.includes(t), `${t} exists`);
    }
    assert.deepEqual(await applyMigrations(store.client), [], 'nothing pending after openStore');
    // Even with the ledger wiped, re-running every statement must succeed (IF NOT EXISTS everywhere).
    await store.client.command({ query: 'TRUNCATE TABLE schema_migrations' });
    assert.deepEqual(
      await applyMigrations(store.client),
      MIGRATIONS.map((m) => m.version),
    );
    assert.deepEqual(await objects(), before1);
    assert.equal(await scalar(store, 'SELECT count() AS v FROM schema_migrations FINAL'), MIGRATIONS.length);
  });

  test('gateway_events: insert + read back, level from the catalog', async () => {
    const { events } = generateFixture({ seed: 7, nodes: 1, hours: 0.05 });
    const sample = events.slice(0, 50);
    await insertEvents(store, sample);
    const back = await rows<Record<string, unknown>>(
      store,
      `SELECT * EXCEPT (level, insertedAt), toUnixTimestamp64Milli(ts) AS ts, level
       FROM gateway_events WHERE recordId IN {ids:Array(UUID)} ORDER BY ts, recordId`,
      { ids: sample.map((e) => e.recordId) },
    );
    assert.equal(back.length, sample.length);
    const byId = new Map(back.map((r) => [r.recordId, r]));
    for (const e of sample) {
      const r = byId.get(e.recordId);
      assert.ok(r);
      const { level, ...rest } = r;
      assert.deepEqual(parseEventRecord({ ...rest, ts: Number(rest.ts) }), e);
      assert.equal(level, catalogEntry(e.eventId).level);
    }
  });

  test('gateway_counters: insert + read back, including the per-reason map', async () => {
    const { counters } = generateFixture({ seed: 8, nodes: 2, hours: 0.05, rejectionRate: 3 });
    await insertCounters(store, counters);
    const back = await rows<Record<string, unknown>>(
      store,
      `SELECT * EXCEPT (insertedAt, ts, startedAt), toUnixTimestamp64Milli(ts) AS ts,
         toUnixTimestamp64Milli(startedAt) AS startedAt
       FROM gateway_counters WHERE nodeId LIKE 'gw-%' ORDER BY nodeId, ts`,
    );
    assert.equal(back.length, counters.length);
    const want = [...counters].sort((a, b) => a.nodeId.localeCompare(b.nodeId) || a.ts - b.ts);
    back.forEach((r, i) => {
      const parsed = parseCounterSample({
        ...r,
        ...Object.fromEntries(
          ['ts', 'startedAt', 'errorCount', 'rejectionCount', 'bytesUp', 'bytesDown', 'telemetryDropped'].map(
            (k) => [k, Number(r[k])],
          ),
        ),
        rejectionsByReason: Object.fromEntries(
          Object.entries(r.rejectionsByReason as Record<string, string>).map(([k, v]) => [k, Number(v)]),
        ),
      });
      // The fixture's samples have no configPath: its column reads back as its default.
      assert.deepEqual(parsed, { ...want[i], configPath: '' });
    });
  });

  test('otel_traces: insert + read back, trace-id lookup filled by its view', async () => {
    const span: SpanRow = {
      Timestamp: '2026-01-01 00:00:01.123456789',
      TraceId: '0af7651916cd43dd8448eb211c80319c',
      SpanId: 'b7ad6b7169203331',
      ParentSpanId: '',
      TraceState: '',
      SpanName: 'CONNECT',
      SpanKind: 'Server',
      ServiceName: 'gatewatch-gateway',
      ResourceAttributes: { 'service.name': 'gatewatch-gateway', 'host.name': 'gw-01' },
      ScopeName: 'gatewatch',
      ScopeVersion: '1.0.0',
      SpanAttributes: { 'server.address': 'x.ods.opinsights.azure.com', 'server.port': '443' },
      Duration: '1234567890123',
      StatusCode: 'Ok',
      StatusMessage: '',
      'Events.Timestamp': ['2026-01-01 00:00:01.200000001'],
      'Events.Name': ['tls.verified'],
      'Events.Attributes': [{ 'tls.version': 'TLSv1.3' }],
      'Links.TraceId': [],
      'Links.SpanId': [],
      'Links.TraceState': [],
      'Links.Attributes': [],
    };
    await insertSpans(store, [span]);
    const [back] = await rows<SpanRow>(store, 'SELECT * FROM otel_traces');
    assert.deepEqual(back, span);
    const [lookup] = await rows<{ TraceId: string; Start: string; End: string }>(
      store,
      'SELECT * FROM otel_traces_trace_id_ts',
    );
    assert.deepEqual(lookup, {
      TraceId: span.TraceId,
      Start: '2026-01-01 00:00:01',
      End: '2026-01-01 00:00:01',
    });

    const child: SpanRow = {
      ...span,
      Timestamp: '2026-01-01 00:00:02.000000001',
      SpanId: '00f067aa0ba902b7',
      ParentSpanId: span.SpanId,
      SpanName: 'tls',
      Duration: '18446744073709551615', // UInt64 max survives as a string
    };
    const other: SpanRow = { ...span, TraceId: '1'.repeat(32), SpanId: '1'.repeat(16) };
    await insertSpans(store, [child, other]);
    assert.deepEqual(await traceSpans(store, { traceId: span.TraceId }), [span, child]);
    assert.deepEqual(await traceSpans(store, { traceId: 'f'.repeat(32) }), []);
  });
});

test('the fixture is deterministic and covers every event id', () => {
  const a = generateFixture({ seed: 21, nodes: 2, hours: 4 });
  const b = generateFixture({ seed: 21, nodes: 2, hours: 4 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(generateFixture({ seed: 22, nodes: 2, hours: 4 }).events, a.events);
  assert.deepEqual([...new Set(a.events.map((e) => e.eventId))].sort(), [...EVENT_IDS].sort());
  for (const e of a.events) assert.ok(e.ts >= a.options.start && e.ts < a.end);
  // Every record passes the shared schema.
  for (const e of a.events.slice(0, 2000)) assert.deepEqual(parseEventRecord(e), e);
  for (const c of a.counters.slice(0, 2000)) assert.deepEqual(parseCounterSample(c), c);
});
