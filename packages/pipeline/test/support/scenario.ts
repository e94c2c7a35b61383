import assert from 'node:assert/strict';
import type { Store } from '@gatewatch/store';
import { type Bus, createTelemetry, type IngestWriter, runIngester, storeWriter } from '../../src/index.ts';
import {
  complete,
  emitCounters,
  emitTunnel,
  emptyEmitted,
  exactlyOnceReport,
  stored,
  waitFor,
} from './helpers.ts';

type Q = <T>(query: string, params: Record<string, unknown>) => Promise<T[]>;

export function query(store: Store): Q {
  return async <T>(query: string, params: Record<string, unknown>) => {
    const rs = await store.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  };
}

/**
 * Gateway-like emitter → bus → ingester → ClickHouse; asserts every record, sample and span arrived
 * exactly once, and the span tree/attributes.
 */
export async function endToEnd(opts: {
  bus: Bus;
  store: Store;
  spoolDir: string;
  nodeId: string;
  tunnels: number;
  samples: number;
  writer?: IngestWriter;
  timeoutMs?: number;
}): Promise<{ ingesterMetrics: ReturnType<Awaited<ReturnType<typeof runIngester>>['metrics']> }> {
  const { bus, store, nodeId } = opts;
  await bus.start();
  const ingester = await runIngester({
    bus,
    writer: opts.writer ?? storeWriter(store),
    groupId: `${nodeId}-ingester`,
    retryBackoffMs: 100,
    log: () => {},
  });
  const tel = await createTelemetry({
    nodeId,
    serviceVersion: '0.1.0-test',
    bus,
    spoolDir: opts.spoolDir,
    registerGlobal: false,
    spans: { scheduledDelayMillis: 100 },
    warn: () => {},
  });
  const out = emptyEmitted(nodeId);
  try {
    const t0 = Date.now() - opts.samples * 10_000;
    for (let i = 0; i < opts.tunnels; i++) emitTunnel(tel, out, i);
    for (let i = 0; i < opts.samples; i++) emitCounters(tel, out, t0 + i * 10_000);
    assert.ok(await tel.flush(20_000), 'telemetry flushed to the bus');
    await waitFor(
      'all rows in ClickHouse',
      async () => complete(await stored(store, nodeId), out),
      opts.timeoutMs ?? 60_000,
    );
    // Anything late (a duplicate) would show up now.
    await new Promise((r) => setTimeout(r, 500));
    const s = await stored(store, nodeId);
    assert.deepEqual(exactlyOnceReport(s, out), []);
    assert.equal(tel.metrics().dropped, 0);

    // Span tree: each CONNECT root has its 4 phases as children; collector column mapping.
    const q = query(store);
    const roots = await q<{
      SpanId: string;
      SpanKind: string;
      ServiceName: string;
      StatusCode: string;
      svc: string;
      inst: string;
      port: string;
      children: string;
      ev: string[];
    }>(
      `SELECT p.SpanId AS SpanId, SpanKind, ServiceName, StatusCode, ResourceAttributes['service.version'] AS svc,
         ResourceAttributes['service.instance.id'] AS inst, SpanAttributes['server.port'] AS port,
         c.children AS children, Events.Name AS ev
       FROM otel_traces p
       LEFT JOIN (SELECT TraceId, ParentSpanId, count() AS children FROM otel_traces GROUP BY TraceId, ParentSpanId) c
         ON c.TraceId = p.TraceId AND c.ParentSpanId = p.SpanId
       WHERE p.ParentSpanId = '' AND p.ResourceAttributes['service.instance.id'] = {n:String}
       ORDER BY p.Timestamp LIMIT 20`,
      { n: nodeId },
    );
    assert.equal(roots.length, Math.min(20, opts.tunnels));
    for (const r of roots) {
      assert.equal(r.SpanKind, 'SPAN_KIND_SERVER');
      assert.equal(r.ServiceName, 'gatewatch-gateway');
      assert.equal(r.svc, '0.1.0-test');
      assert.equal(r.inst, nodeId);
      assert.equal(r.port, '443');
      assert.equal(Number(r.children), 4);
      assert.deepEqual(r.ev, ['103', '107']);
      assert.ok(['STATUS_CODE_OK', 'STATUS_CODE_ERROR'].includes(r.StatusCode));
    }
    const [dur] = await q<{ bad: string }>(
      `SELECT countIf(Duration > 60000000000 OR Timestamp < now64() - INTERVAL 1 HOUR) AS bad FROM otel_traces
       WHERE ResourceAttributes['service.instance.id'] = {n:String}`,
      { n: nodeId },
    );
    assert.equal(Number(dur?.bad), 0, 'span timestamps/durations are in ns and recent');
    // Event records point at their span.
    const [linked] = await q<{ n: string }>(
      `SELECT count() AS n FROM gateway_events e WHERE nodeId = {n:String} AND spanId IN
         (SELECT SpanId FROM otel_traces WHERE ParentSpanId = '' AND ResourceAttributes['service.instance.id'] = {n:String})`,
      { n: nodeId },
    );
    assert.equal(Number(linked?.n), out.recordIds.length);
    return { ingesterMetrics: ingester.metrics() };
  } finally {
    await tel.shutdown(2000);
    await ingester.stop();
  }
}
