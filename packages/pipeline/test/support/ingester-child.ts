/**
 * An ingester in its own process, for the SIGKILL test. Prints `inserted <token> <rows>` after each
 * insert (then optionally pauses before the commit, so a kill lands between insert and commit) and
 * `metrics <json>` every 300 ms. SIGTERM stops it cleanly.
 */
import { openStore } from '@gatewatch/store';
import { type IngestWriter, KafkaBus, runIngester, storeWriter } from '../../src/index.ts';

const env = process.env;
const store = await openStore({ dataDir: env.DATA_DIR as string });
const bus = new KafkaBus({
  brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  prefix: env.PREFIX as string,
  clientId: 'ingester-child',
  sessionTimeoutMs: 6000,
});
const real = storeWriter(store);
const pause = Number(env.PAUSE_AFTER_INSERT_MS ?? 0);
const wrap =
  <T>(insert: (rows: T[], token: string) => Promise<void>) =>
  async (rows: T[], token: string) => {
    await insert(rows, token);
    console.log(`inserted ${token} ${rows.length}`);
    if (pause) await new Promise((r) => setTimeout(r, pause));
  };
const writer: IngestWriter = {
  events: wrap(real.events),
  counters: wrap(real.counters),
  usage: wrap(real.usage),
  spans: wrap(real.spans),
};
const ingester = await runIngester({
  bus,
  writer,
  groupId: env.GROUP as string,
  batch: { maxRows: Number(env.MAX_ROWS ?? 20_000) },
  log: (_level, msg) => console.log(msg),
});
console.log('ready');
const timer = setInterval(() => console.log(`metrics ${JSON.stringify(ingester.metrics())}`), 300);
process.once('SIGTERM', async () => {
  clearInterval(timer);
  await ingester.stop();
  await bus.close();
  await store.close();
  process.exit(0);
});
