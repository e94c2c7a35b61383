/** The standalone alerter role as a real child process: serves metrics and the API, stops on SIGTERM. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { DEFAULT_RULES_YAML } from '../src/default-rules.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

const children = new Set<ReturnType<typeof spawn>>();
// A failed assertion must not leave a child alerter behind (it would keep the test file alive).
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function run(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  children.add(child);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, out: () => out, err: () => err };
}

test('alerter role: /healthz, /metrics, /api/alerts; SIGTERM exits 0', { timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatewatch-alerter-role-'));
  try {
    const p = run(['--listen', '127.0.0.1:0', '--interval', '1m'], { DATA_DIR: dataDir, CLICKHOUSE_URL: '' });
    let url = '';
    for (let i = 0; i < 600 && !url; i++) {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(p.out());
      if (m?.[1]) url = m[1];
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(url, `listening line in stdout; stderr: ${p.err()}`);
    assert.equal(await (await fetch(`${url}/healthz`)).text(), 'ok\n');
    // The first evaluation runs in the background right after start.
    let metrics = '';
    for (let i = 0; i < 300 && !/^gatewatch_alerting_evaluations_total 1$/m.test(metrics); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      metrics = await (await fetch(`${url}/metrics`)).text();
    }
    assert.match(metrics, /^gatewatch_alerting_evaluations_total 1$/m, 'evaluated once at start');
    const alerts = (await (await fetch(`${url}/api/alerts`)).json()) as {
      alerts: unknown[];
      lastEvaluation: number;
    };
    assert.deepEqual(alerts.alerts, []);
    assert.ok(
      Math.abs(alerts.lastEvaluation - Date.now()) < 120_000,
      'evaluated on start, on the minute grid',
    );
    const rules = (await (await fetch(`${url}/api/alerts/rules`)).json()) as { rules: { name: string }[] };
    assert.equal(rules.rules.length, 5);
    assert.match(p.out(), /no alert receivers configured/);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('alerter role: a bad rules file exits 1 with one line naming the rule and field', {
  timeout: 60_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gatewatch-alerter-bad-'));
  try {
    const file = join(dir, 'rules.yaml');
    await writeFile(
      file,
      'rules:\n  - { name: X, metric: rejection_rate, scope: node, condition: { spike: { floor: -1 } }, annotations: { summary: s } }\n',
    );
    const p = run(['--rules', file], { DATA_DIR: join(dir, 'data'), CLICKHOUSE_URL: '' });
    assert.equal(await p.exited, 1);
    assert.equal(p.err().trim().split('\n').length, 1, p.err());
    assert.match(
      p.err(),
      /^gatewatch-alerter: .*rules\.yaml: rules\[0\] "X" field condition\.spike\.floor: /,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('alerter role: the rules file is editable over the API (validated) and hot-reloaded when edited on disk', {
  timeout: 60_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gatewatch-alerter-rules-'));
  try {
    const file = join(dir, 'rules.yaml');
    await writeFile(file, DEFAULT_RULES_YAML);
    const p = run(['--listen', '127.0.0.1:0', '--rules', file], {
      DATA_DIR: join(dir, 'data'),
      CLICKHOUSE_URL: '',
    });
    let url = '';
    for (let i = 0; i < 600 && !url; i++) {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(p.out());
      if (m?.[1]) url = m[1];
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(url, p.err());
    const names = async () =>
      ((await (await fetch(`${url}/api/alerts/rules`)).json()) as { rules: { name: string }[] }).rules.map(
        (r) => r.name,
      );
    const original = await readFile(file, 'utf8');
    const got = (await (await fetch(`${url}/api/alerts/rules/file`)).json()) as { yaml: string };
    assert.equal(got.yaml, original);

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
    assert.deepEqual(await names(), ['RejectionSpikePerNode']);

    // Edited on disk: picked up by the file watch within a few seconds.
    await writeFile(file, original);
    let now: string[] = [];
    for (let i = 0; i < 150 && now.length !== 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await names();
    }
    assert.equal(now.length, 5);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
