/** The executables: main.ts (401 + exit code on bad config, live reload, SIGHUP, SIGTERM → 102) and the admin CLI. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EVENT } from '@gatewatch/events';
import { freePort } from '@gatewatch/simulator';
import { runAdmin } from '../src/admin.ts';
import {
  Cleanup,
  makePki,
  type Pki,
  rawConnect,
  startTarget,
  tempDir,
  WS,
  WS_HOST,
  waitFor,
} from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

type Line = { eventId?: number; msg?: string; reason?: string };

function startMain(args: string[], env: NodeJS.ProcessEnv = {}) {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  let stderr = '';
  let buf = '';
  proc.stdout?.on('data', (c: Buffer) => {
    buf += c;
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Line);
  });
  proc.stderr?.on('data', (c: Buffer) => {
    stderr += c;
  });
  // 'close', not 'exit': stdout may still hold the last lines when the process has exited.
  const exit = new Promise<number | null>((r) => proc.once('close', (code) => r(code)));
  return { proc, lines, stderr: () => stderr, exit };
}

describe('gateway executable', () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());
  let dir: string;
  let pki: Pki;
  let targetPort: number;

  before(async () => {
    dir = tempDir(cleanup);
    pki = await makePki(dir, [WS_HOST, 'api.contoso.test']);
    const target = await startTarget(pki);
    targetPort = target.port;
    cleanup.after(() => target.server.close());
  });

  for (const [name, content, field] of [
    ['bad port', 'listenPort: 70000\n', 'listenPort'],
    ['text port', 'listenPort: text\n', 'listenPort'],
    [
      '11 workspaces',
      `workspaces:\n${Array.from({ length: 11 }, (_, i) => `  - ${String(i).padStart(8, '0')}-1111-2222-3333-444444444444\n`).join('')}`,
      'workspaces',
    ],
    ['unknown key', 'listenPrt: 8080\n', 'listenPrt'],
  ] as const) {
    it(`invalid config (${name}) → event 401 naming ${field}, exit code 2`, async () => {
      const file = join(dir, `bad-${name.replace(/\W/g, '')}.yaml`);
      writeFileSync(file, content);
      const m = startMain(['--config', file]);
      assert.equal(await m.exit, 2);
      const ev = m.lines.find((l) => l.eventId === EVENT.WRONG_CONFIGURATION);
      assert.ok(ev, `no 401 line; stderr: ${m.stderr()}`);
      assert.match(ev.msg ?? '', new RegExp(`${field}: `));
      assert.doesNotMatch(m.stderr(), /\n\s+at /, 'no stack trace');
    });
  }

  it('env and flags are validated too', async () => {
    const m = startMain(['--admin-port', '0'], { GATEWATCH_LISTEN_PORT: 'abc' });
    assert.equal(await m.exit, 2);
    assert.match(m.lines.find((l) => l.eventId === 401)?.msg ?? '', /listenPort/);
  });

  it('runs, reloads on admin edits, keeps the last good config on a bad edit, stops on SIGTERM with 102', async () => {
    const port = await freePort();
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      `# Gatewatch test config\nlistenHost: 127.0.0.1\nlistenPort: ${port}\nadminPort: 0\nnodeId: proc-test\nworkspaces: [${WS}]\nresolve:\n  "api.contoso.test:443": "127.0.0.1:${targetPort}"\n`,
    );
    const m = startMain(['--config', file]);
    cleanup.after(() => {
      if (m.proc.exitCode === null) m.proc.kill('SIGKILL');
    });
    await waitFor(() => m.lines.some((l) => l.eventId === EVENT.SERVICE_STARTED), 15_000, 'event 101');
    await waitFor(
      () => m.stderr().includes(`listening on 127.0.0.1:${port}`),
      5000,
      'the listening line on stderr',
    );

    assert.equal((await rawConnect(port, 'api.contoso.test:443')).status, 403);

    const out: string[] = [];
    assert.equal(
      runAdmin(['--config', file, 'allowed-host', 'add', 'api.contoso.test'], (l) => out.push(l)),
      0,
    );
    assert.match(readFileSync(file, 'utf8'), /^# Gatewatch test config/, 'YAML comments kept');
    await waitFor(
      () => m.lines.some((l) => l.eventId === 100 && /Configuration reloaded/.test(l.msg ?? '')),
      5000,
      'reload',
    );
    const ok = await rawConnect(port, 'api.contoso.test:443');
    assert.equal(ok.status, 200);
    ok.socket.destroy();

    // A hand edit that breaks the file: 401 naming the field, old config kept.
    writeFileSync(file, readFileSync(file, 'utf8').replace(`listenPort: ${port}`, 'listenPort: text'));
    await waitFor(() => m.lines.find((l) => l.eventId === 401), 5000, 'event 401 on reload');
    assert.match(
      m.lines.find((l) => l.eventId === 401)?.msg ?? '',
      /listenPort: .*keeping the running configuration/,
    );
    const still = await rawConnect(port, 'api.contoso.test:443');
    assert.equal(still.status, 200);
    still.socket.destroy();
    // The admin CLI refuses to write an invalid value and says which field.
    assert.equal(
      runAdmin(
        ['--config', file, 'config', 'set', 'limits.maxConnections', '0'],
        () => {},
        {},
        () => {},
      ),
      2,
    );
    assert.equal(
      runAdmin(
        ['--config', file, 'config', 'set', 'listenPort', String(port)],
        () => {},
        {},
        () => {},
      ),
      0,
    );

    m.proc.kill('SIGHUP');
    await waitFor(
      () => m.lines.some((l) => /SIGHUP: configuration unchanged/.test(l.msg ?? '')),
      5000,
      'SIGHUP',
    );

    m.proc.kill('SIGTERM');
    assert.equal(await m.exit, 0);
    assert.equal(m.lines.at(-1)?.eventId, EVENT.SERVICE_STOPPED);
  });
});

describe('admin CLI', () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());
  const admin = (file: string, ...args: string[]) => {
    const out: string[] = [];
    const code = runAdmin(
      ['--config', file, ...args],
      (l) => out.push(l),
      {},
      (l) => out.push(l),
    );
    return { code, out: out.join('\n') };
  };

  it('mirrors the original cmdlets on a JSON file', () => {
    const file = join(tempDir(cleanup), 'gw.json');
    assert.equal(admin(file, 'allowed-host', 'add', '*.contoso.com', 'api.example.org').code, 0);
    assert.equal(admin(file, 'allowed-host', 'add', '*.CONTOSO.com').code, 0);
    assert.equal(admin(file, 'allowed-host', 'list').out, '*.contoso.com\napi.example.org');
    assert.equal(admin(file, 'allowed-host', 'remove', 'api.example.org').code, 0);
    assert.equal(admin(file, 'allowed-host', 'remove', 'nope.example').code, 2);
    assert.equal(admin(file, 'allowed-client-certificate', 'add', 'CN=agent01').code, 0);
    assert.equal(admin(file, 'allowed-client-certificate', 'list').out, 'CN=agent01');
    assert.equal(admin(file, 'config', 'set', 'workspaces', `${WS}`).code, 0);
    assert.equal(admin(file, 'config', 'set', 'limits.idleTimeoutMs', '60000').code, 0);
    assert.equal(admin(file, 'config', 'get', 'limits.idleTimeoutMs').out, '60000');
    assert.equal(admin(file, 'config', 'set', 'listenPort', '0').code, 2);
    assert.equal(admin(file, 'relay-proxy', 'get').out, 'none');
    assert.equal(
      admin(
        file,
        'relay-proxy',
        'set',
        '--address',
        'http://relay.local:3128',
        '--username',
        'u',
        '--password',
        'pw-secret',
      ).code,
      0,
    );
    assert.equal(admin(file, 'relay-proxy', 'get').out, 'http://relay.local:3128 (user u, password set)');
    assert.doesNotMatch(admin(file, 'config', 'get').out, /pw-secret/);
    assert.equal(admin(file, 'relay-proxy', 'clear').code, 0);
    assert.equal(admin(file, 'relay-proxy', 'get').out, 'none');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(saved, {
      allowedHosts: ['*.contoso.com'],
      allowedClientCertificates: ['CN=agent01'],
      workspaces: [WS],
      limits: { idleTimeoutMs: 60000 },
      relayProxy: null,
    });
  });
});
