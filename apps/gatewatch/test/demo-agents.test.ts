/**
 * The demo's stopping agents (for AgentStoppedReporting and the /agents page): they upload, go silent, and
 * come back, on the cycle GATEWATCH_DEMO_SILENT_AFTER_S / _SILENT_FOR_S set; and the demo's rules file holds
 * the shortened rule and keeps an operator's edits across restarts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { agentSettings, loadRulesFile } from '@gatewatch/alerting';
import type { UsageRecord } from '@gatewatch/events';
import { createGateway, type Gateway, loadConfig } from '@gatewatch/gateway';
import { pino } from 'pino';
import { startDemoAgents } from '../src/demo/agents.ts';
import { type DemoEnvironment, startDemoEnvironment } from '../src/demo/environment.ts';
import { freePort } from './helpers.ts';

let dir: string;
let demo: DemoEnvironment;
let gateway: Gateway;
let port: number;
const usage: UsageRecord[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatewatch-demo-agents-'));
  demo = await startDemoEnvironment(join(dir, 'demo'), await freePort(), await freePort());
  gateway = createGateway(loadConfig({ file: demo.configFile, env: {}, overrides: {} }), {
    logger: pino({ enabled: false }),
    sink: { event: () => {}, counters: () => {}, usage: (u) => usage.push(u) },
  });
  port = (await gateway.start()).port;
});

after(async () => {
  await gateway?.stop(500);
  await demo?.close();
  await rm(dir, { recursive: true, force: true });
});

test('the demo rules: AgentStoppedReporting after 5 minutes of an hourly sender; edits survive a restart', async () => {
  const rule = loadRulesFile(demo.rulesFile).rules.find((r) => r.name === 'AgentStoppedReporting');
  assert.ok(rule);
  assert.deepEqual('threshold' in rule.condition && rule.condition.threshold.value, 300);
  assert.equal(agentSettings(rule).historyMs, 3_600_000);
  const edited = (await readFile(demo.rulesFile, 'utf8')).replace('value: 300', 'value: 420');
  await writeFile(demo.rulesFile, edited);
  const again = await startDemoEnvironment(join(dir, 'demo'), await freePort(), await freePort());
  await again.close();
  assert.equal(await readFile(again.rulesFile, 'utf8'), edited);
});

test('stopping agents upload, go silent for the configured time, then come back', async () => {
  const agents = startDemoAgents({
    proxy: { host: '127.0.0.1', port },
    ca: demo.ca,
    burstAfterMs: 3_600_000,
    silentAfterMs: 6_000,
    silentForMs: 9_000,
  });
  const uploads = () => agents.stats.byKind['stops-and-resumes']?.ok ?? 0;
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  try {
    await wait(8_000); // sending for 6 s (an upload every ~5 s per agent), then silent until 15 s
    const beforeSilence = uploads();
    assert.ok(beforeSilence >= 1, 'they sent before stopping');
    await wait(5_000); // 13 s: still silent
    assert.equal(uploads(), beforeSilence, 'nothing while silent');
    await wait(9_000); // 22 s: back since 15 s
    assert.ok(uploads() > beforeSilence, `they came back (${uploads()} uploads)`);
  } finally {
    await agents.stop();
  }
  // Their tunnels are in the usage records like every agent's.
  assert.ok(usage.some((u) => u.opened && u.bytesUp >= 50_000));
});
