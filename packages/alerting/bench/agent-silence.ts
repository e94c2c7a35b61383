/**
 * `node --conditions=gatewatch-source --import tsx bench/agent-silence.ts [--agents 100000] [--hours 30]`:
 * how long AgentStoppedReporting's query takes on a fleet. Writes one usage record per agent and hour
 * through `gateway_usage` (so the hourly agent rollup is filled by its view, as in production), 50 agents
 * skipping the last hour, on a fresh embedded store; then times agentSilence() as the rule calls it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '@gatewatch/store';
import { agentSilence } from '../src/queries.ts';

const { values } = parseArgs({
  options: { agents: { type: 'string', default: '100000' }, hours: { type: 'string', default: '30' } },
});
const agents = Number(values.agents);
const hours = Number(values.hours);
const SILENT = 50;
const H = 3_600_000;
const now = Math.floor(Date.now() / H) * H + 12 * 60_000; // 12 minutes into the current hour
const start = now - (hours - 1) * H - 12 * 60_000; // the first hour; every upload in the first 10 minutes of an hour

const dir = await mkdtemp(join(tmpdir(), 'gatewatch-agent-silence-'));
const store = await openStore({ dataDir: dir });
try {
  const t0 = performance.now();
  await store.client.command({
    query: `INSERT INTO gateway_usage (recordId, ts, nodeId, workspaceId, clientAddress, bytesUp, bytesDown, durationMs, opened, closed)
      SELECT generateUUIDv4(), fromUnixTimestamp64Milli(toInt64({start:Int64} + intDiv(number, {agents:UInt32}) * 3600000 + (number % 600) * 1000)),
        concat('gw-', toString(number % 1000)), concat('ws-', toString(number % 40)),
        concat('agent-', toString(number % {agents:UInt32})), 5000, 300, 2000, true, true
      FROM numbers({rows:UInt64})
      WHERE NOT (number % {agents:UInt32} < {silent:UInt32} AND intDiv(number, {agents:UInt32}) = {last:UInt32})`,
    query_params: { start, agents, rows: agents * hours, silent: SILENT, last: hours - 1 },
  });
  const loaded = (performance.now() - t0) / 1000;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const rows = await agentSilence(store, {
      fromMs: now - hours * H,
      toMs: now,
      silentBeforeMs: now - 15 * 60_000,
      hours: 6,
      known: ['agent-777'],
    });
    times.push(performance.now() - t);
    assert.equal(rows.length, SILENT + 1, 'the silent agents and the known one');
  }
  times.sort((a, b) => a - b);
  process.stdout.write(
    `agent-silence: ${agents} agents × ${hours} h (${agents * hours} records, loaded in ${loaded.toFixed(0)} s): ` +
      `query ${times.map((t) => t.toFixed(0)).join(', ')} ms (median ${times[2]?.toFixed(0)} ms); ` +
      `${new Date().toISOString()}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
  );
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
