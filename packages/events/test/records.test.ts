import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import {
  decodeCounterSample,
  decodeCounterSamples,
  decodeEventRecord,
  decodeEventRecords,
  decodeUsageRecord,
  decodeUsageRecords,
  encodeRecord,
  frameRecords,
  parseCounterSample,
  parseEventRecord,
  parseUsageRecord,
  RecordValidationError,
} from '../src/index.ts';

const goodEvent = () => ({
  recordId: randomUUID(),
  ts: Date.now(),
  nodeId: 'gw-1',
  eventId: 105,
  workspaceId: '0b2c4a1e-5d6f-4a7b-8c9d-0e1f2a3b4c5d',
  clientAddress: '10.0.0.7',
  targetHost: '0b2c4a1e-5d6f-4a7b-8c9d-0e1f2a3b4c5d.ods.opinsights.azure.com',
  targetPort: 443,
  reason: 'workspace_not_configured',
  message: 'workspace not configured',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
});

test('a good event record parses, fills defaults and round-trips the wire encoding', () => {
  const rec = parseEventRecord({ recordId: randomUUID(), ts: 1, nodeId: 'n', eventId: 101 });
  assert.equal(rec.sni, '');
  assert.equal(rec.targetPort, 0);
  const full = parseEventRecord(goodEvent());
  assert.deepEqual(decodeEventRecord(encodeRecord(full)), full);
});

test('a bad event record is refused with an error naming the field', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ eventId: 108 }, /eventId: must be one of 100, 101/],
    [{ targetPort: 70000 }, /targetPort/],
    [{ recordId: 'not-a-uuid' }, /recordId/],
    [{ nodeId: '' }, /nodeId/],
    [{ traceId: 'XYZ' }, /traceId: must be 32 lower-case hex digits/],
    [{ reason: 'because' }, /reason/],
    [{ ts: -5 }, /ts/],
  ];
  for (const [patch, pattern] of cases) {
    assert.throws(
      () => parseEventRecord({ ...goodEvent(), ...patch }),
      (err: unknown) => err instanceof RecordValidationError && pattern.test(err.message),
      JSON.stringify(patch),
    );
  }
});

test('counter samples validate their counts and reason breakdown', () => {
  const sample = {
    nodeId: 'gw-1',
    ts: Date.now(),
    startedAt: Date.now() - 1000,
    activeClientConnections: 3,
    connectedClients: 2,
    errorCount: 0,
    rejectionCount: 5,
    rejectionsByReason: { host_not_allowed: 4, sni_mismatch: 1 },
    bytesUp: 100,
    bytesDown: 200,
  };
  const parsed = parseCounterSample(sample);
  assert.equal(parsed.telemetryDropped, 0);
  assert.deepEqual(decodeCounterSample(encodeRecord(parsed)), parsed);
  assert.throws(() => parseCounterSample({ ...sample, errorCount: -1 }), /errorCount/);
  assert.throws(
    () => parseCounterSample({ ...sample, rejectionsByReason: { nonsense: 1 } }),
    /rejectionsByReason/,
  );
  assert.throws(
    () => parseCounterSample({ ...sample, activeClientConnections: 1.5 }),
    /activeClientConnections/,
  );
});

test('many records travel in one message as JSON lines; a bad line is reported alone', () => {
  const a = parseEventRecord(goodEvent());
  const b = parseEventRecord({ ...goodEvent(), message: 'multi\nline message' });
  const framed = frameRecords([
    encodeRecord(a),
    Buffer.from('{"recordId":"x"'),
    encodeRecord(b),
    Buffer.from(JSON.stringify({ ...goodEvent(), targetPort: -1 })),
  ]);
  const decoded = decodeEventRecords(framed);
  assert.equal(decoded.length, 4);
  assert.deepEqual(decoded[0], { ok: true, value: a });
  assert.deepEqual(decoded[2], { ok: true, value: b });
  assert.ok(decoded[1] && !decoded[1].ok && /not JSON/.test(decoded[1].error));
  assert.ok(decoded[3] && !decoded[3].ok && /targetPort/.test(decoded[3].error));
  assert.ok(decoded[3] && !decoded[3].ok && decoded[3].line.includes('"targetPort":-1'));
  assert.throws(() => decodeEventRecord(framed), /expected one event record, got 4/);
  assert.equal(decodeCounterSamples(Buffer.from('\n\n')).length, 0);
});

test('usage records: defaults, round trip, and errors naming the field', () => {
  const rec = parseUsageRecord({
    recordId: randomUUID(),
    ts: 1,
    nodeId: 'gw-1',
    bytesUp: 10,
    bytesDown: 0,
    durationMs: 5,
  });
  assert.equal(rec.clientSubject, '');
  assert.equal(rec.opened, false);
  assert.deepEqual(decodeUsageRecord(encodeRecord(rec)), rec);
  assert.throws(() => parseUsageRecord({ ...rec, bytesUp: -1 }), /invalid usage record: bytesUp/);
  assert.throws(() => parseUsageRecord({ ...rec, spanId: 'xyz' }), /spanId: must be 16 lower-case hex/);
  const lines = decodeUsageRecords(frameRecords([encodeRecord(rec), Buffer.from('{"ts":1}')]));
  assert.equal(lines.length, 2);
  assert.equal(lines[0]?.ok, true);
  assert.match(lines[1]?.ok ? '' : (lines[1]?.error ?? ''), /recordId/);
});
