import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '@gatewatch/store';
import { createTelemetry, KafkaBus } from '../src/index.ts';
import {
  BROKERS,
  emitCounters,
  emitTunnel,
  emptyEmitted,
  exactlyOnceReport,
  kafkaSkipReason,
  stored,
  tempDir,
  uniquePrefix,
  waitFor,
} from './support/helpers.ts';

const skip = await kafkaSkipReason();
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'support', 'ingester-child.ts');

interface Child {
  proc: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

function startChild(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--conditions=gatewatch-source', '--import', 'tsx', CHILD], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      if (code && code !== 0) console.warn(`ingester child exited ${code}: ${err.slice(-2000)}`);
      resolve(code);
    }),
  );
  return { proc, lines, exited };
}

describe('faults: ingester SIGKILLed between insert and commit', { skip }, () => {
  let tmp: { dir: string; remove: () => Promise<void> };
  before(async () => {
    tmp = await tempDir('kill');
  });
  after(async () => tmp.remove());

  test('restarted ingester replays the unit with the same dedup token: 0 lost, 0 duplicated', async () => {
    const prefix = uniquePrefix('kill');
    const bus = new KafkaBus({ brokers: BROKERS, prefix, partitions: 2, clientId: 'kill-producer' });
    await bus.start();
    const tel = await createTelemetry({
      nodeId: 'kill-node',
      serviceVersion: '0.1.0',
      bus,
      spoolDir: `${tmp.dir}/spool`,
      registerGlobal: false,
      warn: () => {},
    });
    const out = emptyEmitted('kill-node');
    for (let i = 0; i < 1000; i++) emitTunnel(tel, out, i);
    for (let i = 0; i < 50; i++) emitCounters(tel, out, Date.now() - i * 10_000);
    assert.ok(await tel.flush(30_000));
    await tel.shutdown();
    await bus.close();

    const env = {
      DATA_DIR: `${tmp.dir}/data`,
      PREFIX: prefix,
      GROUP: 'kill',
      KAFKA_BROKERS: BROKERS.join(','),
    };
    const first = startChild({ ...env, PAUSE_AFTER_INSERT_MS: '5000', MAX_ROWS: '300' });
    try {
      await waitFor(
        'two inserts by the first ingester',
        () => first.lines.filter((l) => l.startsWith('inserted')).length >= 2,
        150_000,
        20,
      );
    } finally {
      first.proc.kill('SIGKILL');
      await first.exited;
    }
    const killedAfter = first.lines.filter((l) => l.startsWith('inserted'));

    const second = startChild({ ...env, MAX_ROWS: '300' });
    try {
      let lastInserts = -1;
      let quietSince = Date.now();
      await waitFor(
        'the second ingester to catch up',
        () => {
          const inserts = second.lines.filter((l) => l.startsWith('inserted')).length;
          if (inserts !== lastInserts) {
            lastInserts = inserts;
            quietSince = Date.now();
          }
          const metrics = second.lines.filter((l) => l.startsWith('metrics ')).pop();
          const lag = metrics ? (JSON.parse(metrics.slice(8)) as { lag: number }).lag : -1;
          return inserts > 0 && lag === 0 && Date.now() - quietSince > 2000;
        },
        150_000,
        100,
      );
      // The replayed unit carries the token of the unit the killed ingester inserted last.
      const lastToken = killedAfter[killedAfter.length - 1]?.split(' ')[1];
      assert.ok(
        second.lines.some((l) => l.split(' ')[1] === lastToken),
        `unit ${lastToken} replayed with its token`,
      );
    } finally {
      second.proc.kill('SIGTERM');
      await second.exited;
    }

    const store = await openStore({ dataDir: `${tmp.dir}/data` });
    try {
      assert.deepEqual(exactlyOnceReport(await stored(store, out.nodeId), out), []);
    } finally {
      await store.close();
    }
  });
});
