/** Spans: with an SDK provider registered, each tunnel is a SERVER span `CONNECT <host>` with phase children,
 * semantic-convention attributes, `gatewatch.event` span events, and its ids on the event records. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EVENT } from '@gatewatch/events';
import { spliceUnavailable } from '@gatewatch/splice';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { agentUpload, rawConnect, WS, WS_HOST, waitFor, workspaceSuite } from './helpers.ts';

describe('OpenTelemetry spans', () => {
  const exporter = new InMemorySpanExporter();
  // Registered before the suite's gateway starts, removed after it stopped.
  before(() => {
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
  });
  after(() => trace.disable());
  const ctx = workspaceSuite({ allowedHosts: ['localhost'] });

  const spansOf = (root: ReadableSpan) =>
    exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === root.spanContext().traceId);
  const parentId = (s: ReadableSpan) => s.parentSpanContext?.spanId;

  it('an accepted tunnel: span tree, attributes, events and ids on the records', async () => {
    const up = await agentUpload(ctx.gw.info.port, WS_HOST, ctx.pki.caCert, 4096);
    const root = await waitFor(() =>
      exporter.getFinishedSpans().find((s) => s.name === `CONNECT ${WS_HOST}`),
    );
    assert.equal(root.kind, SpanKind.SERVER);
    const a = root.attributes;
    assert.equal(a['client.address'], '127.0.0.1');
    assert.equal(typeof a['client.port'], 'number');
    assert.equal(a['server.address'], WS_HOST);
    assert.equal(a['server.port'], 443);
    assert.equal(a['network.peer.address'], '127.0.0.1');
    assert.equal(a['gatewatch.workspace_id'], WS);
    assert.match(String(a['tls.protocol.version']), /^1\.[23]$/);
    assert.equal(a['tls.server_name'], WS_HOST);
    assert.equal(a['gatewatch.bytes_up'], up.tunnelUp);
    assert.equal(a['gatewatch.bytes_down'], up.tunnelDown);
    assert.equal(
      a['gatewatch.zero_copy'],
      spliceUnavailable() === undefined,
      'bytes moved by splice(2) where it exists',
    );
    assert.equal(a['gatewatch.event_id'], EVENT.TLS_SESSION_VERIFIED);
    assert.notEqual(root.status.code, SpanStatusCode.ERROR);
    const children = spansOf(root).filter((s) => parentId(s) === root.spanContext().spanId);
    assert.deepEqual(children.map((s) => s.name).sort(), ['policy', 'tls.inspect', 'upstream.connect']);
    assert.deepEqual(
      root.events.map((e) => e.attributes?.['event.id']),
      [EVENT.CONNECT_RECEIVED, EVENT.TLS_SESSION_VERIFIED],
    );
    const records = ctx.gw.events.filter((e) => e.traceId === root.spanContext().traceId);
    assert.deepEqual(
      records.map((e) => e.eventId),
      [EVENT.CONNECT_RECEIVED, EVENT.TLS_SESSION_VERIFIED],
    );
    assert.ok(records.every((e) => e.spanId === root.spanContext().spanId));
  });

  it('a refused tunnel: ERROR status, reason attribute, dns child span', async () => {
    const { status, socket } = await rawConnect(ctx.gw.info.port, 'localhost:443');
    socket.destroy();
    assert.equal(status, 403);
    const root = await waitFor(() => exporter.getFinishedSpans().find((s) => s.name === 'CONNECT localhost'));
    assert.equal(root.status.code, SpanStatusCode.ERROR);
    assert.equal(root.attributes['gatewatch.reason'], 'address_not_allowed');
    assert.equal(root.attributes['gatewatch.event_id'], EVENT.DESTINATION_NOT_ALLOWED);
    assert.deepEqual(
      spansOf(root)
        .map((s) => s.name)
        .sort(),
      ['CONNECT localhost', 'dns', 'policy'],
    );
    const ev = root.events.find((e) => e.attributes?.['event.id'] === EVENT.DESTINATION_NOT_ALLOWED);
    assert.equal(ev?.name, 'gatewatch.event');
    assert.equal(ev?.attributes?.['gatewatch.reason'], 'address_not_allowed');
  });
});
