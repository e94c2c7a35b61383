/**
 * Restarting the alerter (e.g. `npm start -- --demo` again) on the same store: the previous run stopped
 * cleanly, so the new one must not report it as a second alerter. Real processes, real embedded chDB.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, freePort } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatewatch-alerter-restart-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function metric(port: number, name: string): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : -1;
}

/** One alerter process until it has evaluated `evaluations` times; SIGINT; its whole output. */
async function runAlerter(
  evaluations: number,
): Promise<{ code: number | null; output: string; others: number }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--conditions=gatewatch-source', '--import', 'tsx', CLI, 'alerter', '--alert-interval', '1'],
    {
      env: { ...process.env, DATA_DIR: dir, METRICS_PORT: String(port), KAFKA_BROKERS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 60_000;
  while ((await metric(port, 'gatewatch_alerting_evaluations_total')) < evaluations) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the alerter did not evaluate ${evaluations} times; output:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const others = await metric(port, 'gatewatch_alerting_other_alerters');
  child.kill('SIGINT');
  return { code: await exited, output, others };
}

test('an alerter restarted after a clean stop does not report "another alerter"', async () => {
  const first = await runAlerter(2);
  assert.equal(first.code, 0, first.output);
  // At once: the new run's catch-up and first ticks fall within the previous run's last marks.
  const second = await runAlerter(4);
  assert.equal(second.code, 0, second.output);
  assert.equal(second.others, 0, second.output);
  assert.doesNotMatch(second.output, /another alerter/);
});
