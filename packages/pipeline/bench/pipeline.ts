/**
 * Pipeline benchmark: event records/s from the emitter (telemetry sink) to a queryable ClickHouse row,
 * with p50/p99 emit→queryable latency (from probe records, 1 in 500) and lost/duplicated counts; then
 * the same with the kafkajs producer batching off (one message per request), and the ratios.
 *
 *   npm run bench:pipeline -- [--seconds 60] [--rate 50000] [--off-seconds 10] [--bus kafka|inprocess]
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EVENT, type EventRecord } from '@gatewatch/events';
import { openStore, type Store } from '@gatewatch/store';
import {
  type Bus,
  brokersFromEnv,
  createTelemetry,
  InProcessBus,
  KafkaBus,
  runIngester,
} from '../src/index.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string', default: '50000' },
    'off-seconds': { type: 'string', default: '10' },
    bus: { type: 'string' },
    partitions: { type: 'string', default: '4' },
  },
});

const brokers = brokersFromEnv();

function reachable(hostPort: string): Promise<boolean> {
  const i = hostPort.lastIndexOf(':');
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('error', () => done(false));
    s.connect(Number(hostPort.slice(i + 1)), hostPort.slice(0, i), () => done(true));
  });
}

interface Result {
  label: string;
  seconds: number;
  emitted: number;
  stored: number;
  distinct: number;
  lost: number;
  duplicated: number;
  dropped: number;
  /** Records/s from first emit to last row queryable. */
  throughput: number;
  p50: number;
  p99: number;
}

const pct = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number) : Number.NaN;

async function count(store: Store, nodeId: string): Promise<{ rows: number; distinct: number }> {
  const rs = await store.client.query({
    query:
      'SELECT count() AS rows, uniqExact(recordId) AS distinct FROM gateway_events WHERE nodeId = {n:String}',
    query_params: { n: nodeId },
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{ rows: string; distinct: string }>();
  return { rows: Number(r?.rows), distinct: Number(r?.distinct) };
}

async function run(opts: {
  label: string;
  store: Store;
  mkBus: () => Bus;
  spoolDir: string;
  seconds: number;
  rate: number;
  batchSize: number;
}): Promise<Result> {
  const nodeId = `bench-${opts.label}-${randomUUID().slice(0, 8)}`;
  const bus = opts.mkBus();
  await bus.start();
  const ingester = await runIngester({ bus, store: opts.store, groupId: `${nodeId}-ing`, log: () => {} });
  const tel = await createTelemetry({
    nodeId,
    serviceVersion: 'bench',
    bus,
    spoolDir: opts.spoolDir,
    registerGlobal: false,
    batchSize: opts.batchSize,
    maxQueue: 200_000,
    warn: () => {},
  });

  // Probes: every 500th record; polled by id to time emit → queryable.
  const probes = new Map<string, number>();
  const latencies: number[] = [];
  let polling = true;
  let stopPollingAt = Number.POSITIVE_INFINITY;
  const poller = (async () => {
    while (polling || probes.size > 0) {
      const ids = [...probes.keys()].slice(0, 2000);
      if (ids.length > 0) {
        const rs = await opts.store.client.query({
          query: 'SELECT toString(recordId) AS id FROM gateway_events WHERE recordId IN {ids:Array(UUID)}',
          query_params: { ids },
          format: 'JSONEachRow',
        });
        const now = Date.now();
        for (const { id } of await rs.json<{ id: string }>()) {
          const t = probes.get(id);
          if (t !== undefined) latencies.push(now - t);
          probes.delete(id);
        }
      }
      if (!polling && Date.now() > stopPollingAt) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  const base: Omit<EventRecord, 'recordId' | 'ts'> = {
    nodeId,
    eventId: EVENT.CONNECT_RECEIVED,
    workspaceId: '0b5b1e8e-6b8f-4c8e-9d1a-2f3c4d5e6f70',
    clientAddress: '10.1.2.3',
    targetHost: '0b5b1e8e-6b8f-4c8e-9d1a-2f3c4d5e6f70.ods.opinsights.azure.com',
    targetPort: 443,
    tlsVersion: '',
    sni: '',
    reason: '',
    message: '',
    traceId: '',
    spanId: '',
  };
  const start = Date.now();
  const end = start + opts.seconds * 1000;
  let emitted = 0;
  let dots = 0;
  process.stdout.write(`${opts.label}: emitting ${opts.rate}/s for ${opts.seconds}s `);
  while (Date.now() < end) {
    // Catch up to the target rate in 10 ms ticks.
    const due = Math.floor(((Date.now() - start) / 1000) * opts.rate);
    for (; emitted < due; emitted++) {
      const r: EventRecord = { ...base, recordId: randomUUID(), ts: Date.now() };
      if (emitted % 500 === 0) probes.set(r.recordId, r.ts);
      tel.sink.event(r);
    }
    if (Date.now() - start >= (dots + 1) * 1000) {
      dots++;
      process.stdout.write('.');
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  process.stdout.write(' draining');
  await tel.flush(120_000);
  const deadline = Date.now() + 120_000;
  let c = await count(opts.store, nodeId);
  const expected = emitted - tel.metrics().dropped;
  while (c.distinct < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    c = await count(opts.store, nodeId);
  }
  const doneAt = Date.now();
  stopPollingAt = Date.now() + 2000;
  polling = false;
  await poller;
  await new Promise((r) => setTimeout(r, 500));
  c = await count(opts.store, nodeId);
  const dropped = tel.metrics().dropped;
  const im = ingester.metrics();
  const text = ingester.metricsText();
  const sum = Number(/gatewatch_ingester_insert_seconds_sum (\S+)/.exec(text)?.[1]);
  process.stdout.write(
    ` (${im.inserts} inserts, ${Math.round(im.rows.events / Math.max(1, im.inserts))} rows/insert, ${((sum / Math.max(1, im.inserts)) * 1000).toFixed(0)} ms/insert)`,
  );
  await tel.shutdown(1000);
  await ingester.stop();
  await bus.close();
  console.log(' done');
  latencies.sort((a, b) => a - b);
  return {
    label: opts.label,
    seconds: opts.seconds,
    emitted,
    stored: c.rows,
    distinct: c.distinct,
    lost: emitted - c.distinct,
    duplicated: c.rows - c.distinct,
    dropped,
    throughput: Math.round(c.distinct / ((doneAt - start) / 1000)),
    p50: pct(latencies, 0.5),
    p99: pct(latencies, 0.99),
  };
}

const dataDir = await mkdtemp(join(tmpdir(), 'gatewatch-bench-pipeline-'));
const store = await openStore({ dataDir: join(dataDir, 'data') });
const useKafka = args.bus ? args.bus === 'kafka' : await reachable(brokers[0] as string);
if (!useKafka && args.bus !== 'inprocess') {
  console.warn(
    `Kafka not reachable at ${brokers.join(',')}: benchmarking the in-process bus (infra/kafka/kafka.sh start for Kafka)`,
  );
}
const prefix = `bench_${Date.now().toString(36)}_`;
const mkBus = (tag: string) => () =>
  useKafka
    ? new KafkaBus({
        brokers,
        prefix: `${prefix}${tag}_`,
        partitions: Number(args.partitions),
        clientId: 'bench',
      })
    : new InProcessBus({ partitions: Number(args.partitions) });
const rate = Number(args.rate);
try {
  const results: Result[] = [];
  results.push(
    await run({
      label: 'batching-on',
      store,
      mkBus: mkBus('on'),
      spoolDir: join(dataDir, 'spool'),
      seconds: Number(args.seconds),
      rate,
      batchSize: Number(process.env.BENCH_BATCH ?? 10_000),
    }),
  );
  if (useKafka && Number(args['off-seconds']) > 0) {
    results.push(
      await run({
        label: 'batching-off',
        store,
        mkBus: mkBus('off'),
        spoolDir: join(dataDir, 'spool'),
        seconds: Number(args['off-seconds']),
        rate,
        batchSize: 1,
      }),
    );
  }
  console.log(`\nbus: ${useKafka ? `Kafka ${brokers.join(',')}` : 'in-process'}, target ${rate} records/s`);
  console.table(
    results.map((r) => ({
      run: r.label,
      'duration s': r.seconds,
      emitted: r.emitted,
      'stored (distinct)': r.distinct,
      'records/s to queryable': r.throughput,
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      'dropped (spool/queue full)': r.dropped,
      lost: r.lost,
      duplicated: r.duplicated,
    })),
  );
  const [on, off] = results;
  if (on && off) {
    console.log(
      `batching on/off: throughput ×${(on.throughput / Math.max(1, off.throughput)).toFixed(1)}, p99 ×${(off.p99 / on.p99).toFixed(1)} lower`,
    );
  }
  if (on) {
    const ok = on.throughput >= 50_000 && on.p99 < 5000 && on.lost === 0 && on.duplicated === 0;
    console.log(`goal (≥ 50,000 records/s, p99 < 5 s, 0 lost, 0 duplicated): ${ok ? 'met' : 'NOT met'}`);
  }
} finally {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}
