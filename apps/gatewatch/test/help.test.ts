/** `npm start -- --help` (gatewatch --help) lists the default command's options, not only the commands. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CLI } from './helpers.ts';

test('gatewatch --help shows the options of the default command (all)', () => {
  const r = spawnSync(process.execPath, ['--conditions=gatewatch-source', '--import', 'tsx', CLI, '--help'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Commands:$/m);
  for (const option of [
    '--data-dir',
    '--config',
    '--dashboard-host',
    '--insecure-no-auth',
    '--rules',
    '--demo',
  ])
    assert.match(r.stdout, new RegExp(`^\\s+(-\\w, )?${option}\\b`, 'm'), option);
});
