/**
 * Pipeline benchmark: event records/s from the emitter (a gateway's telemetry sink) to a queryable row in
 * ClickHouse, p50/p99 emit→queryable latency (the row's insertedAt − its ts), lost and duplicated counts.
 * Kafka mode runs the emitter in its own process (as a gateway is) and the ingester + embedded chDB here;
 * then the same with the kafkajs producer's batching off (one message per request) and prints the ratios.
 *
 *   npm run bench:pipeline -- [--seconds 60] [--rate 55000] [--off-seconds 10] [--bus kafka|inprocess]
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStore, type Store } from '@gatewatch/store';
import { type Bus, brokersFromEnv, InProcessBus, KafkaBus, runIngester } from '../src/index.ts';
import { reachable } from '../test/support/helpers.ts';
import { emit } from './emitter.ts';

// The default offer is 10% above the goal: a pipeline that only just keeps up with exactly 50,000/s would
// measure a little under it (the last records' latency stretches the window).
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string', default: '55000' },
    'off-seconds': { type: 'string', default: '10' },
    'off-rate': { type: 'string', default: '2000' },
    bus: { type: 'string' },
    partitions: { type: 'string', default: '4' },
  },
});
const brokers = brokersFromEnv();
const EMITTER = join(dirname(fileURLToPath(import.meta.url)), 'emitter.ts');

interface Result {
  run: string;
  'target/s': number;
  's emitting': number;
  emitted: number;
  dropped: number;
  lost: number;
  duplicated: number;
  'records/s to queryable': number;
  'p50 ms': number;
  'p99 ms': number;
  'CPU µs/record emitter': number | string;
  'ingester+chDB': number;
  broker: number | string;
}

async function stats(store: Store, nodeId: string) {
  const rs = await store.client.query({
    query: `SELECT count() AS rows, uniqExact(recordId) AS distinct,
              toUnixTimestamp64Milli(min(ts)) AS first, toUnixTimestamp64Milli(max(insertedAt)) AS last,
              quantiles(0.5, 0.99)(toUnixTimestamp64Milli(insertedAt) - toUnixTimestamp64Milli(ts)) AS q
            FROM gateway_events WHERE nodeId = {n:String}`,
    query_params: { n: nodeId },
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{ rows: string; distinct: string; first: string; last: string; q: number[] }>();
  return {
    rows: Number(r?.rows),
    distinct: Number(r?.distinct),
    first: Number(r?.first),
    last: Number(r?.last),
    p50: Math.round(r?.q[0] ?? Number.NaN),
    p99: Math.round(r?.q[1] ?? Number.NaN),
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined when unreadable. */
function procCpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return undefined;
  }
}

/** The broker's pid when it was started by infra/kafka/kafka.sh on this machine. */
function brokerPid(): number | undefined {
  try {
    return Number(readFileSync(join(dirname(EMITTER), '../../../infra/kafka/run/kafka.pid'), 'utf8').trim());
  } catch {
    return undefined;
  }
}

const ownCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function emitInChild(
  env: Record<string, string>,
): Promise<{ emitted: number; dropped: number; cpuSeconds?: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=gatewatch-source', '--import', 'tsx', EMITTER], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line));
      else reject(new Error(`bench emitter exited ${code}: ${out.slice(-500)}`));
    });
  });
}

async function run(o: {
  label: string;
  store: Store;
  bus: Bus;
  kafka: boolean;
  prefix: string;
  rate: number;
  seconds: number;
  batchSize: number;
  spoolDir: string;
}): Promise<Result> {
  const nodeId = `bench-${o.label}-${randomUUID().slice(0, 8)}`;
  await o.bus.start();
  const ingester = await runIngester({ bus: o.bus, store: o.store, groupId: `${nodeId}-ing`, log: () => {} });
  process.stdout.write(`${o.label}: ${o.rate} records/s for ${o.seconds} s `);
  const cpu0 = { own: ownCpuSeconds(), broker: o.kafka ? procCpuSeconds(brokerPid()) : undefined };
  const elu0 = performance.eventLoopUtilization();
  const { emitted, dropped, cpuSeconds } = o.kafka
    ? await emitInChild({
        KAFKA_BROKERS: brokers.join(','),
        PREFIX: o.prefix,
        PARTITIONS: args.partitions as string,
        NODE_ID: nodeId,
        RATE: String(o.rate),
        SECONDS: String(o.seconds),
        BATCH: String(o.batchSize),
        SPOOL_DIR: o.spoolDir,
      })
    : await emit({
        bus: o.bus,
        nodeId,
        rate: o.rate,
        seconds: o.seconds,
        batchSize: o.batchSize,
        spoolDir: o.spoolDir,
        progress: (s) => process.stdout.write(s),
      });
  process.stdout.write(' draining');
  const deadline = Date.now() + 300_000;
  let s = await stats(o.store, nodeId);
  while (s.distinct < emitted - dropped && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    s = await stats(o.store, nodeId);
  }
  await new Promise((r) => setTimeout(r, 1000));
  s = await stats(o.store, nodeId);
  // In-process runs emit in this process too: its CPU is then emitter + ingester + chDB together.
  const perRecord = (seconds: number | undefined) =>
    seconds === undefined ? '–' : Math.round((seconds * 1e6) / Math.max(1, emitted));
  const brokerNow = o.kafka ? procCpuSeconds(brokerPid()) : undefined;
  const cpu = {
    emitter: perRecord(cpuSeconds),
    ingester: perRecord(ownCpuSeconds() - cpu0.own) as number,
    broker: perRecord(
      brokerNow === undefined || cpu0.broker === undefined ? undefined : brokerNow - cpu0.broker,
    ),
  };
  const m = ingester.metrics();
  const sum = Number(/gatewatch_ingester_insert_seconds_sum (\S+)/.exec(ingester.metricsText())?.[1]);
  console.log(
    ` done (${m.inserts} inserts, ${Math.round(m.rows.events / Math.max(1, m.inserts))} rows and ` +
      `${Math.round((sum / Math.max(1, m.inserts)) * 1000)} ms per insert; ingester event loop ` +
      `${Math.round(performance.eventLoopUtilization(elu0).utilization * 100)}% busy)`,
  );
  await ingester.stop();
  return {
    run: o.label,
    'target/s': o.rate,
    's emitting': o.seconds,
    emitted,
    dropped,
    lost: emitted - s.distinct,
    duplicated: s.rows - s.distinct,
    'records/s to queryable': Math.round(s.distinct / Math.max(0.001, (s.last - s.first) / 1000)),
    'p50 ms': s.p50,
    'p99 ms': s.p99,
    'CPU µs/record emitter': cpu.emitter,
    'ingester+chDB': cpu.ingester,
    broker: cpu.broker,
  };
}

const dataDir = await mkdtemp(join(tmpdir(), 'gatewatch-bench-pipeline-'));
const store = await openStore({ dataDir: join(dataDir, 'data') });
const kafka = args.bus ? args.bus === 'kafka' : await reachable(brokers[0] as string);
if (!kafka && args.bus !== 'inprocess') {
  console.warn(
    `Kafka not reachable at ${brokers.join(',')}: benchmarking the in-process bus (start it: infra/kafka/kafka.sh start)`,
  );
}
const partitions = Number(args.partitions);
const mkBus = (prefix: string): Bus =>
  kafka ? new KafkaBus({ brokers, prefix, partitions, clientId: 'bench' }) : new InProcessBus({ partitions });
const results: Result[] = [];
try {
  const runs = [
    { label: 'batching-on', rate: Number(args.rate), seconds: Number(args.seconds), batchSize: 10_000 },
  ];
  if (kafka && Number(args['off-seconds']) > 0) {
    runs.push({
      label: 'batching-off',
      rate: Number(args['off-rate']),
      seconds: Number(args['off-seconds']),
      batchSize: 1,
    });
  }
  for (const r of runs) {
    const prefix = `bench_${Date.now().toString(36)}_${r.label.replace('-', '_')}_`;
    const bus = mkBus(prefix);
    try {
      results.push(await run({ ...r, store, bus, kafka, prefix, spoolDir: join(dataDir, 'spool') }));
    } finally {
      await bus.close();
    }
  }
  console.log(
    `\nbus: ${kafka ? `Kafka ${brokers.join(',')}, ${partitions} partitions` : 'in-process'}; store: embedded chDB`,
  );
  console.table(results);
  const [on, off] = results;
  if (on && off) {
    const t = (r: Result) => r['records/s to queryable'];
    console.log(
      `batching on vs off: ×${(t(on) / Math.max(1, t(off))).toFixed(1)} records/s ` +
        `(off ran at ${off['target/s']}/s: one produce request per record cannot go faster)`,
    );
  }
  if (on) {
    const ok =
      on['records/s to queryable'] >= 50_000 && on['p99 ms'] < 5000 && on.lost === 0 && on.duplicated === 0;
    console.log(`goal ≥ 50,000 records/s, p99 < 5 s, 0 lost, 0 duplicated: ${ok ? 'met' : 'NOT met'}`);
  }
} finally {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}
