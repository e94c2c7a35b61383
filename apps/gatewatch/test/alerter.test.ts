/** `gatewatch alerter` refuses a bad rules file at start: exit 1, one line naming file, rule and field. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort, launch } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatewatch-alerter-bad-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a bad rules file exits 1 with one line naming the rule and field', { timeout: 60_000 }, async () => {
  const file = join(dir, 'rules.yaml');
  writeFileSync(
    file,
    'rules:\n  - { name: X, metric: rejection_rate, scope: node, condition: { spike: { floor: -1 } }, annotations: { summary: s } }\n',
  );
  const port = String(await freePort());
  const run = launch(['alerter', '--rules', file, '--data-dir', join(dir, 'data'), '--metrics-port', port], {
    KAFKA_BROKERS: '',
  });
  assert.equal(await run.exited, 1, run.output());
  assert.match(
    run.output().trim().split('\n').at(-1) ?? '',
    /^gatewatch: .*rules\.yaml: rules\[0\] "X" field condition\.spike\.floor: /,
  );
  assert.doesNotMatch(run.output(), /\n\s+at /, 'no stack trace');
});
