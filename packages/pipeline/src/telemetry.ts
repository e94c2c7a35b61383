import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  COUNTER_SCHEMA,
  type CounterSample,
  EVENT,
  EVENT_SCHEMA,
  type EventRecord,
  encodeRecord,
  frameRecords,
  parseEventRecord,
  SCHEMA_HEADER,
  USAGE_SCHEMA,
  type UsageRecord,
} from '@gatewatch/events';
import { trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { type Bus, type BusMessage, errorMessage } from './bus.ts';
import { BusSpanExporter } from './span-exporter.ts';
import { Spool, type SpooledMessage } from './spool.ts';

/** What the gateway's data plane calls; never blocks, never throws. */
export interface TelemetrySink {
  event(r: EventRecord): void;
  counters(s: CounterSample): void;
  usage(r: UsageRecord): void;
}

export interface TelemetryOptions {
  nodeId: string;
  serviceVersion: string;
  bus: Bus;
  /** Parent directory of the per-node spool (`<spoolDir>/<nodeId>`). */
  spoolDir: string;
  /** In-memory messages before new ones are dropped (default 100,000). */
  maxQueue?: number;
  /** Disk spool bound (default 256 MiB); beyond it messages are dropped and counted. */
  maxSpoolBytes?: number;
  /** Messages taken from the queue per forwarding step (default 10,000). */
  batchSize?: number;
  /** Bytes per produce request at most (default 900 kB: under Kafka's default message.max.bytes of 1 MB). */
  maxBatchBytes?: number;
  /** Event/counter records per Kafka message are packed up to this many bytes (default 64 KiB). */
  maxMessageBytes?: number;
  /**
   * How long a record may wait in memory for others to join its produce request (default 1000 ms, like Kafka's
   * linger.ms): one request, and one compression, per window instead of per arrival. A full batch goes at once.
   */
  lingerMs?: number;
  /** Produce requests in flight at once on the live path (default 4; the spool replays one at a time). */
  inFlight?: number;
  /** Wait before retrying a bus that failed (default 1000 ms). */
  retryMs?: number;
  /** BatchSpanProcessor tuning. */
  spans?: { maxQueueSize?: number; maxExportBatchSize?: number; scheduledDelayMillis?: number };
  /** Register the provider as the global OTel tracer provider (default true). */
  registerGlobal?: boolean;
  /** Where pipeline trouble is reported (default: console.warn). */
  warn?(message: string): void;
}

export interface TelemetryMetrics {
  /** Messages waiting in memory. */
  queued: number;
  /** Messages / bytes waiting in the disk spool. */
  spooled: number;
  spoolBytes: number;
  /** Messages the bus accepted (first try or replayed from the spool). */
  sent: number;
  /** Messages that went through the spool. */
  spooledTotal: number;
  /** Messages dropped (queue or spool full); cumulative. */
  dropped: number;
  produceFailures: number;
  busAvailable: boolean;
}

export interface Telemetry {
  sink: TelemetrySink;
  tracerProvider: BasicTracerProvider;
  /** Queue an encoded span batch made by another process of this node (a gateway worker's spanProvider). */
  forwardSpans(message: BusMessage): void;
  metrics(): TelemetryMetrics;
  /** Prometheus text lines for the gateway's /metrics. */
  metricsText(): string;
  /** Waits until everything queued/spooled was delivered, or the timeout passed; true when drained. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes spans, delivers what it can within timeoutMs (default 5 s), spools the rest, stops. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * The gateway's tracer provider: spans batched and serialized as OTLP requests (BusSpanExporter), handed to
 * `deliver` — the telemetry queue, or in a gateway worker process the pipe to the node's primary.
 */
export function spanProvider(
  opts: Pick<TelemetryOptions, 'nodeId' | 'serviceVersion' | 'spans'> & {
    deliver(message: BusMessage): void;
  },
): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: 'gatewatch-gateway',
      'service.instance.id': opts.nodeId,
      [ATTR_SERVICE_VERSION]: opts.serviceVersion,
    }),
    spanProcessors: [
      new BatchSpanProcessor(new BusSpanExporter({ key: opts.nodeId, deliver: opts.deliver }), {
        maxQueueSize: opts.spans?.maxQueueSize ?? 8192,
        maxExportBatchSize: opts.spans?.maxExportBatchSize ?? 512,
        scheduledDelayMillis: opts.spans?.scheduledDelayMillis ?? 1000,
      }),
    ],
  });
}

const RECORD_SCHEMAS = new Set([EVENT_SCHEMA, COUNTER_SCHEMA, USAGE_SCHEMA]);

/**
 * Consecutive event/counter/usage records with the same key and schema become one message of JSON lines
 * (frameRecords), up to maxBytes; span messages (already one OTLP request each) pass through as they are.
 */
function pack(msgs: readonly SpooledMessage[], maxBytes: number): BusMessage[] {
  const out: BusMessage[] = [];
  let run: SpooledMessage[] = [];
  let bytes = 0;
  const flush = () => {
    const [first] = run;
    if (first) {
      out.push({
        key: first.key,
        headers: first.headers,
        value: run.length === 1 ? first.value : frameRecords(run.map((m) => m.value)),
      });
    }
    run = [];
    bytes = 0;
  };
  for (const m of msgs) {
    const schema = m.headers[SCHEMA_HEADER];
    const [first] = run;
    const joins =
      first !== undefined &&
      schema !== undefined &&
      RECORD_SCHEMAS.has(schema) &&
      first.key === m.key &&
      first.headers[SCHEMA_HEADER] === schema &&
      bytes + m.value.length + 1 <= maxBytes;
    if (!joins) flush();
    run.push(m);
    bytes += m.value.length + 1;
  }
  flush();
  return out;
}

/**
 * The gateway's telemetry: event records, counter samples, usage records and OTel spans go through one
 * bounded in-memory queue to the bus; when the bus is slow or down they spill to an on-disk spool and are
 * replayed in order when it returns. The data plane only ever pushes into an array.
 */
export async function createTelemetry(opts: TelemetryOptions): Promise<Telemetry> {
  const { bus, nodeId } = opts;
  const maxQueue = opts.maxQueue ?? 100_000;
  const batchSize = opts.batchSize ?? 10_000;
  const maxBatchBytes = opts.maxBatchBytes ?? 900_000;
  const maxMessageBytes = opts.maxMessageBytes ?? 64 * 1024;
  const inFlight = opts.inFlight ?? 4;
  const lingerMs = opts.lingerMs ?? 1000;
  const retryMs = opts.retryMs ?? 1000;
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const spool = new Spool(join(opts.spoolDir, nodeId), { maxBytes: opts.maxSpoolBytes });
  await spool.open();
  const topics = {
    events: bus.topic('events'),
    counters: bus.topic('counters'),
    usage: bus.topic('usage'),
    spans: bus.topic('spans'),
  };

  const queue: SpooledMessage[] = [];
  let dropped = 0;
  let reportedDrops = 0;
  let lastDropReport = 0;
  let sent = 0;
  let spooledTotal = 0;
  let produceFailures = 0;
  let busUp = true;
  let nextRetry = 0;
  let stopping = false;
  /** Set while flush() waits: queued records go at once, not after the linger. */
  let flushing = 0;
  /** When the oldest record of the live queue arrived (the linger window runs from there). */
  let queuedSince = 0;
  let wake: (() => void) | undefined;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const enqueue = (m: SpooledMessage) => {
    if (stopping || queue.length >= maxQueue) {
      dropped++;
      return;
    }
    queue.push(m);
    if (queue.length === 1) queuedSince = Date.now();
    // The first record wakes the loop to time its linger; a full batch goes at once.
    if (queue.length === 1 || queue.length >= batchSize) notify();
  };
  /** Time left before the live queue should be sent (0 = now). */
  const lingerLeft = () =>
    queue.length >= batchSize || stopping || flushing > 0 || !busUp
      ? 0
      : Math.max(0, queuedSince + lingerMs - Date.now());

  const sink: TelemetrySink = {
    event(r) {
      enqueue({
        topic: topics.events,
        key: nodeId,
        headers: { [SCHEMA_HEADER]: EVENT_SCHEMA },
        value: encodeRecord(r),
      });
    },
    counters(s) {
      const sample = { ...s, telemetryDropped: Math.max(s.telemetryDropped ?? 0, dropped) };
      enqueue({
        topic: topics.counters,
        key: nodeId,
        headers: { [SCHEMA_HEADER]: COUNTER_SCHEMA },
        value: encodeRecord(sample),
      });
    },
    usage(r) {
      enqueue({
        topic: topics.usage,
        key: nodeId,
        headers: { [SCHEMA_HEADER]: USAGE_SCHEMA },
        value: encodeRecord(r),
      });
    },
  };

  const forwardSpans = (m: BusMessage) =>
    enqueue({ topic: topics.spans, key: m.key ?? nodeId, headers: m.headers ?? {}, value: m.value });
  const tracerProvider = spanProvider({ ...opts, deliver: forwardSpans });
  if (opts.registerGlobal ?? true) trace.setGlobalTracerProvider(tracerProvider);

  /** Splits into requests under maxBatchBytes (Kafka's default limit even uncompressed); topics share one. */
  const requests = (msgs: SpooledMessage[]): SpooledMessage[][] => {
    const out: SpooledMessage[][] = [];
    let cur: SpooledMessage[] = [];
    let bytes = 0;
    for (const m of msgs) {
      const size = m.value.length + 100;
      if (cur.length > 0 && bytes + size > maxBatchBytes) {
        out.push(cur);
        cur = [];
        bytes = 0;
      }
      cur.push(m);
      bytes += size;
    }
    if (cur.length > 0) out.push(cur);
    return out;
  };

  /** One produce request for all topics of a linger window (per request, not per topic, is what Kafka costs). */
  const send = async (req: SpooledMessage[]): Promise<boolean> => {
    const byTopic = new Map<string, SpooledMessage[]>();
    for (const m of req) {
      const list = byTopic.get(m.topic);
      if (list) list.push(m);
      else byTopic.set(m.topic, [m]);
    }
    try {
      await bus.produceMany(
        [...byTopic].map(([topic, msgs]) => ({ topic, messages: pack(msgs, maxMessageBytes) })),
      );
    } catch (err) {
      produceFailures++;
      if (busUp) warn(`telemetry: bus unavailable, spooling to disk (${errorMessage(err)})`);
      busUp = false;
      nextRetry = Date.now() + retryMs;
      return false;
    }
    if (!busUp) warn('telemetry: bus is back, replaying the spool');
    busUp = true;
    sent += req.length;
    return true;
  };

  /** Spool replay: strictly in order, one request at a time; returns how many were accepted. */
  const produceInOrder = async (msgs: SpooledMessage[]): Promise<number> => {
    let done = 0;
    for (const req of requests(msgs)) {
      if (!(await send(req))) return done;
      done += req.length;
    }
    return done;
  };

  /** Live path: up to `inFlight` requests at once (throughput); returns what was refused, in order. */
  const produceConcurrently = async (msgs: SpooledMessage[]): Promise<SpooledMessage[]> => {
    const reqs = requests(msgs);
    const refused: SpooledMessage[][] = [];
    for (let i = 0; i < reqs.length; i += inFlight) {
      const group = reqs.slice(i, i + inFlight);
      const ok = await Promise.all(group.map(send));
      group.forEach((r, j) => {
        if (!ok[j]) refused.push(r);
      });
    }
    return refused.flat();
  };

  const toSpool = async (msgs: SpooledMessage[]) => {
    if (msgs.length === 0) return;
    const fitted = await spool.append(msgs).catch((err) => {
      warn(
        `telemetry: spool write failed (${errorMessage(err)}); check free space and permissions of ${opts.spoolDir}`,
      );
      return 0;
    });
    spooledTotal += fitted;
    dropped += msgs.length - fitted;
  };

  /** Drops are reported as an event (at most every 10 s), so they are never silent. */
  const reportDrops = () => {
    // Only once the bus takes messages again: a report spooled behind a full spool would be dropped too.
    if (
      !busUp ||
      dropped === reportedDrops ||
      Date.now() - lastDropReport < 10_000 ||
      queue.length >= maxQueue
    ) {
      return;
    }
    const n = dropped - reportedDrops;
    reportedDrops = dropped;
    lastDropReport = Date.now();
    const message = `telemetry dropped ${n} record(s) (${dropped} since start): memory queue (${maxQueue}) or disk spool (${opts.maxSpoolBytes ?? 256 * 1024 * 1024} bytes) was full because the bus was down or slow; restore Kafka or raise maxSpoolBytes`;
    warn(`telemetry: ${message}`);
    sink.event(
      parseEventRecord({
        recordId: randomUUID(),
        ts: Date.now(),
        nodeId,
        eventId: EVENT.APPLICATION_ERROR,
        message,
      }),
    );
  };

  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const step = async (): Promise<boolean> => {
    reportDrops();
    const canTry = busUp || Date.now() >= nextRetry;
    if (!spool.empty) {
      // Keep arrival order: while the spool has data, everything new goes behind it.
      if (queue.length > 0) await toSpool(queue.splice(0, queue.length));
      if (!canTry) return false;
      const read = await spool.read(batchSize);
      if (!read) return false;
      let end = -1;
      const msgs = read.messages.map((m) => m.message);
      const ok = await produceInOrder(msgs);
      if (ok > 0) end = (read.messages[ok - 1] as { end: number }).end;
      if (end >= 0) await read.commit(end);
      return ok > 0 || read.messages.length === 0;
    }
    if (queue.length === 0 || lingerLeft() > 0) return false;
    const chunk = queue.splice(0, batchSize);
    queuedSince = Date.now(); // what stays behind (past batchSize) starts a new window
    if (!canTry) {
      await toSpool(chunk);
      return true;
    }
    await toSpool(await produceConcurrently(chunk));
    return true;
  };

  const loop = (async () => {
    for (;;) {
      let progressed = false;
      try {
        progressed = await step();
      } catch (err) {
        warn(`telemetry: forwarding failed (${errorMessage(err)}); retrying`);
      }
      if (stopping && queue.length === 0 && (spool.empty || !busUp)) return;
      if (!progressed) {
        const linger = queue.length > 0 ? lingerLeft() : 200;
        await idle(
          busUp ? Math.max(1, Math.min(200, linger)) : Math.max(20, Math.min(200, nextRetry - Date.now())),
        );
      }
    }
  })();

  const metrics = (): TelemetryMetrics => ({
    queued: queue.length,
    spooled: spool.count,
    spoolBytes: spool.bytes,
    sent,
    spooledTotal,
    dropped,
    produceFailures,
    busAvailable: busUp,
  });

  const flush = async (timeoutMs = 10_000): Promise<boolean> => {
    const until = Date.now() + timeoutMs;
    flushing++;
    try {
      await tracerProvider.forceFlush();
      while (Date.now() < until) {
        if (queue.length === 0 && spool.empty) return true;
        notify();
        await new Promise((r) => setTimeout(r, 50));
      }
      return queue.length === 0 && spool.empty;
    } finally {
      flushing--;
    }
  };

  return {
    sink,
    tracerProvider,
    forwardSpans,
    metrics,
    metricsText() {
      const m = metrics();
      const line = (name: string, type: string, help: string, v: number) =>
        `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${v}\n`;
      return [
        line('gatewatch_telemetry_queued', 'gauge', 'Telemetry messages waiting in memory.', m.queued),
        line(
          'gatewatch_telemetry_spool_messages',
          'gauge',
          'Telemetry messages waiting in the disk spool.',
          m.spooled,
        ),
        line('gatewatch_telemetry_spool_bytes', 'gauge', 'Bytes waiting in the disk spool.', m.spoolBytes),
        line('gatewatch_telemetry_sent_total', 'counter', 'Telemetry messages accepted by the bus.', m.sent),
        line(
          'gatewatch_telemetry_spooled_total',
          'counter',
          'Telemetry messages written to the spool.',
          m.spooledTotal,
        ),
        line(
          'gatewatch_telemetry_dropped_total',
          'counter',
          'Telemetry messages dropped (queue/spool full).',
          m.dropped,
        ),
        line(
          'gatewatch_telemetry_produce_failures_total',
          'counter',
          'Failed produce attempts.',
          m.produceFailures,
        ),
        line(
          'gatewatch_telemetry_bus_up',
          'gauge',
          '1 when the last produce succeeded.',
          m.busAvailable ? 1 : 0,
        ),
      ].join('');
    },
    flush,
    async shutdown(timeoutMs = 5000) {
      await tracerProvider
        .shutdown()
        .catch((err) => warn(`telemetry: span flush failed (${errorMessage(err)})`));
      await flush(timeoutMs);
      stopping = true;
      // Whatever could not be delivered in time stays on disk for the next start.
      if (queue.length > 0) await toSpool(queue.splice(0, queue.length));
      busUp = false;
      notify();
      await loop;
      await spool.close();
    },
  };
}
