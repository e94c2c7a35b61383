/**
 * Store bench: load a generated fleet into a temp embedded store and time inserts and dashboard queries.
 * `npm run bench -w @gatewatch/store -- [nodes] [hours]` (default 10 nodes × 24 h).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  counterSeries,
  eventCountsOverTime,
  fleetCounterSeries,
  latestEvents,
  loadFixture,
  openStore,
  topRejections,
} from '../src/index.ts';

const nodes = Number(process.argv[2] ?? 10);
const hours = Number(process.argv[3] ?? 24);
const dataDir = await mkdtemp(join(tmpdir(), 'gatewatch-store-bench-'));
const store = await openStore({ dataDir });
try {
  let t = performance.now();
  const loaded = await loadFixture(store, { seed: 1, nodes, hours });
  const loadMs = performance.now() - t;
  const rows = loaded.counters + loaded.events;
  console.log(
    `load: ${loaded.counters} samples + ${loaded.events} events in ${(loadMs / 1000).toFixed(1)} s (${Math.round(rows / (loadMs / 1000))} rows/s), RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`,
  );
  const { start } = loaded.fixture.options;
  const end = loaded.fixture.end;
  const cases: [string, () => Promise<unknown>][] = [
    ['fleet 1 h (raw)', () => fleetCounterSeries(store, { from: end - 3_600_000, to: end })],
    ['per-node 6 h (raw)', () => counterSeries(store, { from: end - 6 * 3_600_000, to: end })],
    ['fleet whole range (auto)', () => fleetCounterSeries(store, { from: start, to: end })],
    ['per-node whole range (auto)', () => counterSeries(store, { from: start, to: end })],
    ['event counts whole range (auto)', () => eventCountsOverTime(store, { from: start, to: end })],
    ['105 top workspaces whole range', () => topRejections(store, { from: start, to: end, by: 'workspace' })],
    ['105 top clients whole range', () => topRejections(store, { from: start, to: end, by: 'client' })],
    ['latest 100 events', () => latestEvents(store, { limit: 100 })],
  ];
  for (const [name, run] of cases) {
    await run();
    t = performance.now();
    const reps = 3;
    for (let i = 0; i < reps; i++) await run();
    console.log(`${name}: ${((performance.now() - t) / reps).toFixed(0)} ms`);
  }
} finally {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}
