/**
 * The alerter role as `gatewatch alerter` and the all-in-one process run it (startAlerterRole on an open store):
 * its API serves alerts and rules, the rules file is editable over the API (validated) and hot-reloaded when
 * edited on disk, and a bad rules file stops the start with one line naming rule and field.
 * The process itself (flags, /metrics, signals) is tested in apps/gatewatch.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openStore, type Store } from '@gatewatch/store';
import { toNodeListener } from '../src/api.ts';
import { DEFAULT_RULES_YAML } from '../src/default-rules.ts';
import { type AlerterRole, alerterConfigFromEnv, startAlerterRole } from '../src/role.ts';
import { loadDefaultRules } from '../src/rules.ts';

const SHIPPED = loadDefaultRules().rules.map((r) => r.name);

let dir: string;
let store: Store;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatewatch-alerter-role-'));
  store = await openStore({ dataDir: join(dir, 'store') });
});
after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The role on the shared store with its API on a loopback port, stopped at the end of the test. */
async function serve(t: { after(fn: () => Promise<void>): void }, rulesFile?: string) {
  const env = rulesFile ? { ALERT_RULES_FILE: rulesFile, ALERT_INTERVAL: '1m' } : { ALERT_INTERVAL: '1m' };
  const role: AlerterRole = await startAlerterRole({ store, config: alerterConfigFromEnv(env) });
  const server: Server = createServer(toNodeListener(role.api));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await role.stop();
  });
  return { role, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const get = async <T>(url: string) => (await (await fetch(url)).json()) as T;
const ruleNames = async (url: string) =>
  (await get<{ rules: { name: string }[] }>(`${url}/api/alerts/rules`)).rules.map((r) => r.name);

test('the role evaluates at start and serves alerts and rules', { timeout: 60_000 }, async (t) => {
  const { role, url } = await serve(t);
  // The first evaluation runs in the background right after start.
  for (let i = 0; i < 300 && !/^gatewatch_alerting_evaluations_total 1$/m.test(role.alerter.metrics()); i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.match(
    role.alerter.metrics(),
    /^gatewatch_alerting_evaluations_total 1$/m,
    'evaluated once at start',
  );
  const alerts = await get<{ alerts: unknown[]; lastEvaluation: number }>(`${url}/api/alerts`);
  assert.deepEqual(alerts.alerts, []);
  assert.ok(Math.abs(alerts.lastEvaluation - Date.now()) < 120_000, 'evaluated on start, on the minute grid');
  assert.deepEqual(await ruleNames(url), SHIPPED);
  assert.deepEqual(role.receivers, [], 'no receivers unless configured');
});

test('a bad rules file: the start fails with one line naming the file, rule and field', async () => {
  const file = join(dir, 'bad-rules.yaml');
  await writeFile(
    file,
    'rules:\n  - { name: X, metric: rejection_rate, scope: node, condition: { spike: { floor: -1 } }, annotations: { summary: s } }\n',
  );
  await assert.rejects(
    startAlerterRole({ store, config: alerterConfigFromEnv({ ALERT_RULES_FILE: file }) }),
    (err) => {
      assert.equal((err as Error).name, 'RulesError');
      assert.match((err as Error).message, /bad-rules\.yaml: rules\[0\] "X" field condition\.spike\.floor: /);
      assert.equal((err as Error).message.split('\n').length, 1);
      return true;
    },
  );
});

test('the rules file is editable over the API (validated) and hot-reloaded when edited on disk', {
  timeout: 60_000,
}, async (t) => {
  const file = join(dir, 'rules.yaml');
  await writeFile(file, DEFAULT_RULES_YAML);
  const { url } = await serve(t, file);
  const original = await readFile(file, 'utf8');
  assert.equal((await get<{ yaml: string }>(`${url}/api/alerts/rules/file`)).yaml, original);

  const bad = await fetch(`${url}/api/alerts/rules/file`, {
    method: 'PUT',
    body: original.replace('floor: 10', 'floor: -10'),
  });
  assert.equal(bad.status, 400);
  assert.match(
    ((await bad.json()) as { error: string }).error,
    /rules\[0\] "RejectionSpikePerNode" field condition\.spike\.floor/,
  );
  assert.equal(await readFile(file, 'utf8'), original, 'an invalid edit is not written');

  const onlyFirst = original.slice(0, original.indexOf('  - name: RejectionSpikeFleet'));
  const ok = await fetch(`${url}/api/alerts/rules/file`, { method: 'PUT', body: onlyFirst });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ruleNames(url), ['RejectionSpikePerNode']);

  // Edited on disk: picked up by the file watch within a few seconds.
  await writeFile(file, original);
  let now: string[] = [];
  for (let i = 0; i < 150 && now.length !== SHIPPED.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    now = await ruleNames(url);
  }
  assert.deepEqual(now, SHIPPED);
});
