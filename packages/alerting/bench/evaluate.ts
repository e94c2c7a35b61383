/**
 * Evaluation cost on realistic data: the store's fixture fleet (N nodes × H hours, restarts included) in
 * a temp embedded chDB, the shipped rules, one evaluation per minute over the last part of the data.
 *   node --import tsx bench/evaluate.ts [--nodes 50] [--hours 2] [--evaluations 20]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadFixture, openStore } from '@gatewatch/store';
import { createAlerter } from '../src/alerter.ts';
import { loadDefaultRules } from '../src/rules.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '50' },
    hours: { type: 'string', default: '2' },
    evaluations: { type: 'string', default: '20' },
  },
});
const nodes = Number(values.nodes);
const hours = Number(values.hours);
const evaluations = Number(values.evaluations);

const dir = await mkdtemp(join(tmpdir(), 'gatewatch-alerting-bench-'));
const store = await openStore({ dataDir: dir });
try {
  const t0 = performance.now();
  const summary = await loadFixture(store, { nodes, hours });
  const loadMs = performance.now() - t0;
  const end = summary.fixture.end;
  const alerter = createAlerter({
    store,
    rules: loadDefaultRules().rules,
    receivers: [],
    externalUrl: 'http://localhost:3000',
    clock: () => end,
  });
  const durations: number[] = [];
  let firing = 0;
  let instances = 0;
  for (let i = evaluations; i > 0; i--) {
    const t = Math.floor(end / 60_000) * 60_000 - i * 60_000;
    const r = await alerter.evaluateAt(t);
    if (r.errors.length) throw new Error(r.errors.join('; '));
    durations.push(r.durationMs);
    firing = r.instances.filter((x) => x.state === 'firing').length;
    instances = r.instances.length;
  }
  durations.sort((a, b) => a - b);
  const q = (p: number) =>
    durations[Math.min(durations.length - 1, Math.floor(p * durations.length))]?.toFixed(0);
  console.log(
    JSON.stringify({
      nodes,
      hours,
      counters: summary.counters,
      events: summary.events,
      loadSeconds: +(loadMs / 1000).toFixed(1),
      evaluations,
      evaluationMs: { p50: Number(q(0.5)), p90: Number(q(0.9)), max: Number(q(1)) },
      rssMB: Math.round(process.memoryUsage().rss / 1e6),
      instancesAtEnd: instances,
      firingAtEnd: firing,
    }),
  );
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
