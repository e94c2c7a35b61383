/**
 * Bench emitter (a gateway's telemetry side, in its own process): event records at RATE/s for SECONDS
 * through createTelemetry → Kafka, then flush. Prints `{"emitted":N,"dropped":N}` on stdout.
 * In-process runs call `emit()` directly.
 */
import { randomUUID } from 'node:crypto';
import { EVENT, type EventRecord } from '@gatewatch/events';
import { type Bus, createTelemetry, KafkaBus } from '../src/index.ts';

export async function emit(o: {
  bus: Bus;
  nodeId: string;
  rate: number;
  seconds: number;
  batchSize: number;
  spoolDir: string;
  progress?: (s: string) => void;
}): Promise<{ emitted: number; dropped: number; cpuSeconds?: number }> {
  const tel = await createTelemetry({
    nodeId: o.nodeId,
    serviceVersion: 'bench',
    bus: o.bus,
    spoolDir: o.spoolDir,
    registerGlobal: false,
    batchSize: o.batchSize,
    inFlight: o.batchSize === 1 ? 1 : 4,
    maxQueue: 500_000,
    warn: () => {},
  });
  const base: Omit<EventRecord, 'recordId' | 'ts'> = {
    nodeId: o.nodeId,
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
  const end = start + o.seconds * 1000;
  let emitted = 0;
  let secs = 0;
  while (Date.now() < end) {
    // Catch up to the target rate every 5 ms.
    const due = Math.floor(((Date.now() - start) / 1000) * o.rate);
    for (; emitted < due; emitted++) tel.sink.event({ ...base, recordId: randomUUID(), ts: Date.now() });
    if (Date.now() - start >= (secs + 1) * 1000) {
      secs++;
      o.progress?.('.');
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await tel.flush(300_000);
  const dropped = tel.metrics().dropped;
  await tel.shutdown(1000);
  return { emitted, dropped };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) {
  const env = process.env;
  const bus = new KafkaBus({
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    prefix: env.PREFIX as string,
    partitions: Number(env.PARTITIONS ?? 4),
    clientId: 'bench-emitter',
  });
  await bus.start();
  const result = await emit({
    bus,
    nodeId: env.NODE_ID as string,
    rate: Number(env.RATE),
    seconds: Number(env.SECONDS),
    batchSize: Number(env.BATCH ?? 10_000),
    spoolDir: env.SPOOL_DIR as string,
    progress: (s) => process.stderr.write(s),
  });
  await bus.close();
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ ...result, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
}
