import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import {
  type CounterSample,
  EVENT,
  type EventRecord,
  parseCounterSample,
  parseEventRecord,
  parseUsageRecord,
} from '@gatewatch/events';
import { freePort } from '@gatewatch/simulator';
import { openStore, type Store } from '@gatewatch/store';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Telemetry } from '../../src/index.ts';

export { freePort };

export const CI = process.env.CI === 'true';
export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function reachable(hostPort: string, timeoutMs = 1000): Promise<boolean> {
  const i = hostPort.lastIndexOf(':');
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('error', () => done(false));
    s.connect(Number(hostPort.slice(i + 1)), hostPort.slice(0, i), () => done(true));
  });
}

/**
 * Skip reason when the shared broker is missing (said loudly), or undefined when it is there.
 * With CI=true a missing broker is a failure, not a skip.
 */
export async function kafkaSkipReason(): Promise<string | undefined> {
  if (await reachable(BROKERS[0] as string)) return undefined;
  const msg = `Kafka not reachable at ${BROKERS.join(',')}: start it with infra/kafka/kafka.sh start (or set KAFKA_BROKERS)`;
  if (CI) throw new Error(`${msg}; CI=true requires a broker`);
  console.warn(`\n!!!!!!!! SKIPPING KAFKA TESTS: ${msg} !!!!!!!!\n`);
  return msg;
}

export function uniquePrefix(tag: string): string {
  return `t_${tag}_${Date.now().toString(36)}_${randomUUID().slice(0, 6)}_`;
}

export async function tempDir(tag: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `gatewatch-pipeline-${tag}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A temp dir with an embedded store (in `<dir>/data`) for the enclosing `describe`: made before its tests,
 * closed and removed after.
 */
export function suiteStore(tag: string): { store: Store; dir: string } {
  const suite = {} as { store: Store; dir: string };
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  before(async () => {
    tmp = await tempDir(tag);
    suite.dir = tmp.dir;
    suite.store = await openStore({ dataDir: `${tmp.dir}/data` });
  });
  after(async () => {
    await suite.store?.close();
    await tmp?.remove();
  });
  return suite;
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 250,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export interface Emitted {
  nodeId: string;
  recordIds: string[];
  counterTs: number[];
  usageIds: string[];
  spanIds: string[];
  rootSpanIds: string[];
}

export function emptyEmitted(nodeId: string): Emitted {
  return { nodeId, recordIds: [], counterTs: [], usageIds: [], spanIds: [], rootSpanIds: [] };
}

const HOST = '0b5b1e8e-6b8f-4c8e-9d1a-2f3c4d5e6f70.ods.opinsights.azure.com';

/**
 * What the gateway emits for one tunnel: a `CONNECT <host>` server span with policy/dns/upstream
 * connect/tls inspect children and the event ids as span events, plus event records 103 and 107 and its
 * usage record.
 */
export function emitTunnel(tel: Telemetry, out: Emitted, i: number): void {
  const tracer = tel.tracerProvider.getTracer('gatewatch-gateway', '0.1.0');
  const root = tracer.startSpan(`CONNECT ${HOST}`, {
    kind: SpanKind.SERVER,
    attributes: {
      'client.address': `10.0.0.${i % 250}`,
      'server.address': HOST,
      'server.port': 443,
      'network.transport': 'tcp',
    },
  });
  const ctx = trace.setSpan(context.active(), root);
  for (const [name, kind] of [
    ['policy', SpanKind.INTERNAL],
    ['dns', SpanKind.CLIENT],
    ['upstream connect', SpanKind.CLIENT],
    ['tls inspect', SpanKind.INTERNAL],
  ] as const) {
    const child = tracer.startSpan(name, { kind }, ctx);
    child.setAttribute('gatewatch.phase', name);
    child.end();
    out.spanIds.push(child.spanContext().spanId);
  }
  const { traceId, spanId } = root.spanContext();
  for (const eventId of [EVENT.CONNECT_RECEIVED, EVENT.TLS_SESSION_VERIFIED] as const) {
    root.addEvent(String(eventId), { 'gatewatch.event_id': eventId });
    const r: EventRecord = parseEventRecord({
      recordId: randomUUID(),
      ts: Date.now(),
      nodeId: out.nodeId,
      eventId,
      targetHost: HOST,
      targetPort: 443,
      workspaceId: HOST.split('.')[0],
      clientAddress: `10.0.0.${i % 250}`,
      tlsVersion: eventId === EVENT.TLS_SESSION_VERIFIED ? 'TLSv1.3' : '',
      traceId,
      spanId,
    });
    tel.sink.event(r);
    out.recordIds.push(r.recordId);
  }
  const usage = parseUsageRecord({
    recordId: randomUUID(),
    ts: Date.now(),
    nodeId: out.nodeId,
    traceId,
    spanId,
    workspaceId: HOST.split('.')[0],
    clientAddress: `10.0.0.${i % 250}`,
    targetHost: HOST,
    bytesUp: 1000 + i,
    bytesDown: 100,
    durationMs: 5,
    opened: true,
    closed: true,
  });
  tel.sink.usage(usage);
  out.usageIds.push(usage.recordId);
  root.setAttribute('network.io.bytes_up', 1000 + i);
  root.setStatus({ code: i % 10 === 0 ? SpanStatusCode.ERROR : SpanStatusCode.OK });
  root.end();
  out.spanIds.push(spanId);
  out.rootSpanIds.push(spanId);
}

export function emitCounters(tel: Telemetry, out: Emitted, ts: number): void {
  const s: CounterSample = parseCounterSample({
    nodeId: out.nodeId,
    ts,
    startedAt: 1_700_000_000_000,
    version: '0.1.0',
    activeClientConnections: 3,
    connectedClients: 2,
    errorCount: 0,
    rejectionCount: 1,
    rejectionsByReason: { host_not_allowed: 1 },
    bytesUp: 10,
    bytesDown: 20,
  });
  tel.sink.counters(s);
  out.counterTs.push(ts);
}

async function q<T>(store: Store, query: string, params: Record<string, unknown>): Promise<T[]> {
  const rs = await store.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

export interface Stored {
  events: number;
  eventIds: Set<string>;
  counters: number;
  counterTs: Set<number>;
  usage: number;
  usageIds: Set<string>;
  spans: number;
  spanIds: Set<string>;
}

/** What the store holds for one node (rows, and distinct ids). */
export async function stored(store: Store, nodeId: string): Promise<Stored> {
  const ev = await q<{ id: string }>(
    store,
    'SELECT toString(recordId) AS id FROM gateway_events WHERE nodeId = {n:String}',
    {
      n: nodeId,
    },
  );
  const co = await q<{ ts: string | number }>(
    store,
    'SELECT toUnixTimestamp64Milli(ts) AS ts FROM gateway_counters WHERE nodeId = {n:String}',
    { n: nodeId },
  );
  const us = await q<{ id: string }>(
    store,
    'SELECT toString(recordId) AS id FROM gateway_usage WHERE nodeId = {n:String}',
    { n: nodeId },
  );
  const sp = await q<{ id: string }>(
    store,
    "SELECT SpanId AS id FROM otel_traces WHERE ResourceAttributes['service.instance.id'] = {n:String}",
    { n: nodeId },
  );
  return {
    events: ev.length,
    eventIds: new Set(ev.map((r) => r.id)),
    counters: co.length,
    counterTs: new Set(co.map((r) => Number(r.ts))),
    usage: us.length,
    usageIds: new Set(us.map((r) => r.id)),
    spans: sp.length,
    spanIds: new Set(sp.map((r) => r.id)),
  };
}

export function complete(s: Stored, e: Emitted): boolean {
  return (
    s.events >= e.recordIds.length &&
    s.counters >= e.counterTs.length &&
    s.usage >= e.usageIds.length &&
    s.spans >= e.spanIds.length
  );
}

/** Exactly once: same counts as emitted, every emitted id present, no row twice. */
export function exactlyOnceReport(s: Stored, e: Emitted): string[] {
  const problems: string[] = [];
  const check = (
    what: string,
    rows: number,
    distinct: Set<string | number>,
    expected: (string | number)[],
  ) => {
    const lost = expected.flatMap((id, i) => (distinct.has(id) ? [] : [i]));
    // Where in the emitted sequence: tells which phase of a test (before, during, after an outage) lost them.
    if (lost.length)
      problems.push(
        `${what}: ${lost.length} of ${expected.length} lost (emitted #${lost[0]}–#${lost.at(-1)})`,
      );
    if (rows !== distinct.size) problems.push(`${what}: ${rows - distinct.size} duplicated rows`);
    if (distinct.size !== expected.length)
      problems.push(`${what}: ${distinct.size} distinct vs ${expected.length} emitted`);
  };
  check('events', s.events, s.eventIds, e.recordIds);
  check('counters', s.counters, s.counterTs, e.counterTs);
  check('usage', s.usage, s.usageIds, e.usageIds);
  check('spans', s.spans, s.spanIds, e.spanIds);
  return problems;
}
