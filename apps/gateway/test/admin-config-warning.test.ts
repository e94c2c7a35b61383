/**
 * The admin CLI edits a file; a running gateway may read another one (the demo's, a --config one). Against
 * a real `gatewatch gateway` process: it reports its config file on /healthz, and `gatewatch admin` warns
 * in one stderr line (exit code unchanged) when the file it edits is not that one; silent otherwise.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '@gatewatch/simulator';

const CLI = fileURLToPath(new URL('../../gatewatch/src/cli.ts', import.meta.url));
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'gw-admin-warn-')));
const running = join(dir, 'running.yaml');
const other = join(dir, 'other.yaml');
let adminPort = 0;
let gateway: ChildProcess;

function admin(args: string[]) {
  return spawnSync(
    process.execPath,
    ['--conditions=gatewatch-source', '--import', 'tsx', CLI, 'admin', ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: dir },
      timeout: 60_000,
    },
  );
}

before(async () => {
  adminPort = await freePort();
  const config = `listenHost: 127.0.0.1\nlistenPort: ${await freePort()}\nadminPort: ${adminPort}\n`;
  writeFileSync(running, config);
  writeFileSync(other, config); // same admin port: the CLI finds the gateway from the file it edits
  gateway = spawn(
    process.execPath,
    [
      '--conditions=gatewatch-source',
      '--import',
      'tsx',
      CLI,
      'gateway',
      '--data-dir',
      dir,
      '--config',
      running,
    ],
    { stdio: 'ignore', env: { ...process.env, KAFKA_BROKERS: '' } },
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${adminPort}/healthz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline || gateway.exitCode !== null) throw new Error('the gateway did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
});

after(async () => {
  if (gateway.exitCode === null) {
    const exited = new Promise((r) => gateway.once('exit', r));
    gateway.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

test('/healthz names the config file the gateway reads', async () => {
  const body = (await (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).json()) as {
    configPath: string;
  };
  assert.equal(body.configPath, running);
});

test('editing another file: the edit is made, exit 0, and one warning line names the right file', () => {
  const r = admin(['--config', other, 'allowed-host', 'add', 'api.contoso.test']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'added api.contoso.test\n');
  assert.equal(
    r.stderr,
    `warning: the gateway on 127.0.0.1:${adminPort} reads ${running}, not ${other}: edits here do not reach it (use --config ${running})\n`,
  );
  assert.match(readFileSync(other, 'utf8'), /api\.contoso\.test/);
  // The default file (<DATA_DIR>/gateway.yaml, as `npm run admin` without --config) with --admin-port.
  const byDefault = admin(['--admin-port', String(adminPort), 'allowed-host', 'add', 'x.contoso.test']);
  assert.equal(byDefault.status, 0, byDefault.stderr);
  assert.match(byDefault.stderr, new RegExp(`reads ${running}, not ${join(dir, 'gateway.yaml')}:`));
});

test('editing the file the gateway reads, or with no gateway answering: no warning', async () => {
  const same = admin(['--config', running, 'allowed-host', 'add', 'api.contoso.test']);
  assert.equal(same.status, 0, same.stderr);
  assert.equal(same.stderr, '');
  const nobody = admin(['--config', other, '--admin-port', String(await freePort()), 'allowed-host', 'list']);
  assert.equal(nobody.status, 0, nobody.stderr);
  assert.equal(nobody.stdout, 'api.contoso.test\n');
  assert.equal(nobody.stderr, '');
});
