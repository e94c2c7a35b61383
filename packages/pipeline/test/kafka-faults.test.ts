import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openStore, type Store } from '@gatewatch/store';
import { createTelemetry, KafkaBus, runIngester } from '../src/index.ts';
import {
  complete,
  emitCounters,
  emitTunnel,
  emptyEmitted,
  exactlyOnceReport,
  freePort,
  kafkaSkipReason,
  stored,
  tempDir,
  uniquePrefix,
  waitFor,
} from './support/helpers.ts';

const run = promisify(execFile);
const KAFKA_SH = resolve(dirname(fileURLToPath(import.meta.url)), '../../../infra/kafka/kafka.sh');
const skip = await kafkaSkipReason();
const OUTAGE_MS = Number(process.env.PIPELINE_OUTAGE_MS ?? 20_000);

describe('faults: a private broker stopped mid-run', { skip }, () => {
  let tmp: { dir: string; remove: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let brokers: string[];
  const kafka = async (cmd: 'start' | 'stop') => {
    try {
      await run(KAFKA_SH, [cmd], { env, timeout: 180_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`kafka.sh ${cmd} failed: ${e.stderr || e.stdout || e.message}`);
    }
  };

  before(async () => {
    tmp = await tempDir('faults');
    const port = await freePort();
    const cport = await freePort();
    env = {
      ...process.env,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(cport),
      KAFKA_DIR: `${tmp.dir}/kafka`,
      KAFKA_HEAP: '384m',
    };
    brokers = [`127.0.0.1:${port}`];
    await kafka('start');
  });
  after(async () => {
    await kafka('stop').catch((err) => console.warn(String(err)));
    await tmp.remove();
  });

  test(`broker down ${OUTAGE_MS / 1000} s: emitters never block, the spool drains, 0 lost, 0 duplicated`, async () => {
    const t0 = Date.now();
    const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
    const store: Store = await openStore({ dataDir: `${tmp.dir}/data` });
    const bus = new KafkaBus({ brokers, prefix: uniquePrefix('outage'), partitions: 2, clientId: 'outage' });
    await bus.start();
    const ingesterLog: string[] = []; // its last lines are shown when an assertion about it fails
    const lastWords = () => ingesterLog.slice(-8).join(' | ') || 'nothing logged';
    const ingester = await runIngester({
      bus,
      store,
      groupId: 'outage',
      retryBackoffMs: 200,
      log: (level, m) => ingesterLog.push(`${elapsed()} ${level} ${m}`),
    });
    const warnings: string[] = [];
    const tel = await createTelemetry({
      nodeId: 'outage-node',
      serviceVersion: '0.1.0',
      bus,
      spoolDir: `${tmp.dir}/spool`,
      registerGlobal: false,
      retryMs: 500,
      spans: { scheduledDelayMillis: 200 },
      warn: (m) => warnings.push(m),
    });
    const out = emptyEmitted('outage-node');
    let i = 0;
    let maxEmitMs = 0;
    let emitting = true;
    let sample = Date.now();
    // ~40 tunnels/s (80 events, 200 spans) and one counter sample per 250 ms, all the time.
    const emitter = (async () => {
      while (emitting) {
        const t0 = performance.now();
        emitTunnel(tel, out, i++);
        emitTunnel(tel, out, i++);
        if (i % 10 === 0) {
          sample += 10_000;
          emitCounters(tel, out, sample);
        }
        maxEmitMs = Math.max(maxEmitMs, performance.now() - t0);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    let spooledDuringOutage = 0;
    const phases: string[] = [];
    const mark = (what: string) => phases.push(`${what} ${elapsed()}`);
    try {
      await new Promise((r) => setTimeout(r, 3000));
      await kafka('stop');
      mark('stopped');
      const downAt = Date.now();
      await waitFor('telemetry to notice the outage', () => !tel.metrics().busAvailable, 30_000);
      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
      spooledDuringOutage = tel.metrics().spooled;
      await kafka('start');
      mark('restarted');
      await new Promise((r) => setTimeout(r, 3000));
      emitting = false;
      await emitter;
      assert.ok(await tel.flush(150_000), `spool drained: ${JSON.stringify(tel.metrics())}`);
      mark('spool drained');
      await waitFor(
        'all rows in ClickHouse',
        async () => complete(await stored(store, out.nodeId), out),
        150_000,
      ).catch(async (err) => {
        const report = exactlyOnceReport(await stored(store, out.nodeId), out);
        throw new Error(
          `${err.message}: ${report.join('; ')}; telemetry ${JSON.stringify(tel.metrics())}; ${phases.join(', ')}; ingester: ${lastWords()}`,
        );
      });
      mark('all stored');
      await new Promise((r) => setTimeout(r, 1000));
      const s = await stored(store, out.nodeId);
      assert.deepEqual(exactlyOnceReport(s, out), []);
      const m = tel.metrics();
      assert.ok(spooledDuringOutage > 0, 'records went to the disk spool during the outage');
      assert.ok(m.spooledTotal > 0 && m.spooled === 0 && m.dropped === 0, JSON.stringify(m));
      // Emits are synchronous pushes; the bound only allows for a starved CPU / GC pause, not for I/O waits.
      assert.ok(maxEmitMs < 250, `emitting never waited on Kafka (slowest emit ${maxEmitMs.toFixed(1)} ms)`);
      assert.ok(warnings.some((w) => /spooling to disk/.test(w)));
      // The consumer crashed during the outage and was restarted by KafkaBus (kafkajs itself would not
      // restart every kind of crash); the restarts are what brought the rows above in.
      const restarts = ingesterLog.filter((l) =>
        /Kafka consumer stopped .*restarting in \d+ ms/.test(l),
      ).length;
      assert.ok(restarts > 0, `ingester reported its consumer's crashes: ${lastWords()}`);
      assert.equal(ingester.metrics().consumerRestarts, restarts);
      assert.match(
        ingester.metricsText(),
        new RegExp(`gatewatch_ingester_consumer_restarts_total ${restarts}\n`),
      );
      console.log(
        `outage: ${out.recordIds.length} events, ${out.spanIds.length} spans, ${out.counterTs.length} samples; ` +
          `${m.spooledTotal} spooled, slowest emit ${maxEmitMs.toFixed(2)} ms, ${restarts} consumer restarts; ${phases.join(', ')}`,
      );
    } finally {
      emitting = false;
      await emitter;
      await tel.shutdown(1000);
      await ingester.stop();
      await bus.close();
      await store.close();
    }
  });
});
