/**
 * The gateway as operators run it, `gatewatch gateway` (401 + exit code on bad config, live reload, SIGHUP,
 * SIGTERM → 102), the same as a multi-core node (workers: one port, one set of counters, reloads, a killed worker replaced) and the admin CLI.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EVENT } from '@gatewatch/events';
import { freePort } from '@gatewatch/simulator';
import { runAdmin } from '../src/admin.ts';
import {
  agentUpload,
  Cleanup,
  httpGet,
  makePki,
  type Pki,
  processSeries,
  rawConnect,
  startTarget,
  tempDir,
  WS,
  WS_HOST,
  waitFor,
} from './helpers.ts';

/** The one entry point of every role (apps/gatewatch), run from its sources like the rest of the tests. */
const CLI = fileURLToPath(new URL('../../gatewatch/src/cli.ts', import.meta.url));

type Line = { eventId?: number; msg?: string; reason?: string };

/** `gatewatch gateway <args>` with its own data directory (where it would write a default config). */
function startMain(args: string[], env: NodeJS.ProcessEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gw-process-'));
  const argv = ['--conditions=gatewatch-source', '--import', 'tsx', CLI, 'gateway', '--data-dir', dataDir];
  const proc: ChildProcess = spawn(process.execPath, [...argv, ...args], {
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
  const exit = new Promise<number | null>((r) =>
    proc.once('close', (code) => {
      rmSync(dataDir, { recursive: true, force: true });
      r(code);
    }),
  );
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

/** Gauges and counters of a /metrics page by name (the node's own series; by-reason keyed by reason). */
function metricValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^(gatewatch_\w+)\{[^}]*?(?:reason="(\w+)")?\} (\d+)$/gm)) {
    out[m[2] ? `${m[1]}:${m[2]}` : (m[1] as string)] = Number(m[3]);
  }
  return out;
}

/** Pids of a process's node children (the node's worker processes; not tsx's esbuild service). */
function childPids(pid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm === 'node')
    .map(([p]) => Number(p));
}

describe('multi-core node (workers: 2)', () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());

  it('serves one port from two workers with one set of exact counters, reloads all, replaces a killed worker', async () => {
    const dir = tempDir(cleanup);
    const pki = await makePki(dir, [WS_HOST, 'api.contoso.test']);
    const target = await startTarget(pki);
    cleanup.after(() => target.server.close());
    const port = await freePort();
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      `listenHost: 127.0.0.1\nlistenPort: ${port}\nadminPort: 0\nnodeId: multi\nworkers: 2\nworkspaces: [${WS}]\nresolve:\n  "${WS_HOST}:443": "127.0.0.1:${target.port}"\n  "api.contoso.test:443": "127.0.0.1:${target.port}"\n`,
    );
    const m = startMain(['--config', file]);
    cleanup.after(() => {
      if (m.proc.exitCode === null) m.proc.kill('SIGKILL');
    });
    const adminPort = Number(
      (
        await waitFor(
          () => /metrics http:\/\/127\.0\.0\.1:(\d+)/.exec(m.stderr()) ?? undefined,
          20_000,
          'listening line',
        )
      )[1],
    );
    const metrics = async () => metricValues((await httpGet(adminPort, '/metrics')).body);
    assert.equal(childPids(m.proc.pid as number).length, 2, 'two worker processes');
    for (const pid of childPids(m.proc.pid as number)) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      assert.ok(
        argv.includes('--max-semi-space-size=64'),
        `worker ${pid} runs with the larger young generation`,
      );
    }

    // Ground truth: 8 uploads from 4 addresses, 5 hosts and 3 ports refused, 3 tunnels held open from 2 addresses
    // (each worker accepts on the shared socket, so one address's tunnels may sit on both workers).
    let up = 0;
    for (let i = 0; i < 8; i++)
      up += (await agentUpload(port, WS_HOST, pki.caCert, 10_000 + i, `127.0.0.${2 + (i % 4)}`)).tunnelUp;
    for (let i = 0; i < 5; i++)
      assert.equal((await rawConnect(port, `denied${i}.example.com:443`)).status, 403);
    for (let i = 0; i < 3; i++) assert.equal((await rawConnect(port, `${WS_HOST}:${8443 + i}`)).status, 403);
    const held = [
      await rawConnect(port, `${WS_HOST}:443`, { localAddress: '127.0.0.7' }),
      await rawConnect(port, `${WS_HOST}:443`, { localAddress: '127.0.0.7' }),
      await rawConnect(port, `${WS_HOST}:443`, { localAddress: '127.0.0.8' }),
    ];
    assert.deepEqual(
      held.map((h) => h.status),
      [200, 200, 200],
    );
    await waitFor(
      async () => (await metrics()).gatewatch_bytes_up_total === up,
      5000,
      'closed tunnels counted',
    );
    const v = await metrics();
    assert.equal(v.gatewatch_active_client_connections, 3);
    assert.equal(v.gatewatch_connected_clients, 2, 'distinct addresses over both workers');
    assert.equal(v.gatewatch_rejections_total, 8);
    assert.equal(v['gatewatch_rejections_by_reason_total:host_not_allowed'], 5);
    assert.equal(v['gatewatch_rejections_by_reason_total:port_not_allowed'], 3);
    assert.equal(v.gatewatch_bytes_up_total, up);
    // The workers' events come out of the node's one log stream (written in batches, within ~100 ms).
    await waitFor(
      () => m.lines.filter((l) => l.eventId === EVENT.DESTINATION_NOT_ALLOWED).length === 8,
      5000,
      "the workers' 8 events in the node's log",
    );
    for (const h of held) h.socket.destroy();
    await waitFor(
      async () => (await metrics()).gatewatch_active_client_connections === 0,
      5000,
      'tunnels closed',
    );

    // A dead worker: event 400, a new one takes its place, its counts so far stay in the node's totals.
    const [victim] = childPids(m.proc.pid as number);
    process.kill(victim as number, 'SIGKILL');
    await waitFor(
      () => m.lines.find((l) => l.eventId === EVENT.APPLICATION_ERROR && /worker .*exited/.test(l.msg ?? '')),
      5000,
      'event 400',
    );
    await waitFor(
      async () => JSON.parse((await httpGet(adminPort, '/healthz')).body).workers?.running === 2,
      10_000,
      'a new worker',
    );
    const afterKill = await httpGet(adminPort, '/metrics');
    assert.equal(metricValues(afterKill.body).gatewatch_rejections_total, 8);
    assert.match(afterKill.body, /^gatewatch_worker_restarts_total\{node="multi"\} 1$/m);
    assert.match(afterKill.body, /^gatewatch_worker_processes\{node="multi",state="running"\} 2$/m);

    // Each live process's cost under the standard names, one series per pid: the killed worker's are gone.
    const workers = childPids(m.proc.pid as number);
    const series = processSeries((await httpGet(adminPort, '/metrics')).body);
    assert.deepEqual(
      [...series.keys()].sort(),
      [m.proc.pid as number, ...workers].sort(),
      'the primary and the two live workers',
    );
    assert.ok(!series.has(victim as number), 'no series left for the killed worker');
    for (const [pid, v] of series) {
      assert.equal(v.node, 'multi');
      assert.equal(v.role, pid === m.proc.pid ? 'primary' : 'worker');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      const cpu = (Number(stat[11]) + Number(stat[12])) / 100; // utime + stime, clock ticks
      assert.ok(
        v.get('process_cpu_seconds_total') > 0 && Math.abs(cpu - v.get('process_cpu_seconds_total')) < 0.5,
        `${pid} cpu`,
      );
      const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
      assert.ok(Math.abs(rss - v.get('process_resident_memory_bytes')) < rss * 0.25, `${pid} rss`);
      const fds = readdirSync(`/proc/${pid}/fd`).length;
      assert.ok(
        Math.abs(fds - v.get('process_open_fds')) <= 10,
        `${pid} fds ${fds} vs ${v.get('process_open_fds')}`,
      );
      assert.ok(
        v.get('nodejs_heap_size_used_bytes') > 1e6 && v.get('nodejs_heap_size_used_bytes') < rss,
        `${pid} heap`,
      );
    }

    // A reload reaches every worker: all connections to the newly allowed host pass.
    assert.equal((await rawConnect(port, 'api.contoso.test:443')).status, 403);
    assert.equal(
      runAdmin(['--config', file, 'allowed-host', 'add', 'api.contoso.test'], () => {}),
      0,
    );
    await waitFor(() => m.lines.some((l) => /Configuration reloaded/.test(l.msg ?? '')), 5000, 'reload');
    for (let i = 0; i < 6; i++) {
      const ok = await rawConnect(port, 'api.contoso.test:443');
      assert.equal(ok.status, 200, `connection ${i} after the reload`);
      ok.socket.destroy();
    }

    m.proc.kill('SIGTERM');
    assert.equal(await m.exit, 0);
    assert.equal(m.lines.filter((l) => l.eventId === EVENT.SERVICE_STARTED).length, 1, 'one 101 per node');
    assert.equal(m.lines.filter((l) => l.eventId === EVENT.SERVICE_STOPPED).length, 1, 'one 102 per node');
    assert.equal(m.lines.at(-1)?.eventId, EVENT.SERVICE_STOPPED);
  });

  it("holds the node's connection limits across workers (each counts the others' connections)", async () => {
    const dir = tempDir(cleanup);
    const port = await freePort();
    const file = join(dir, 'gateway.yaml');
    // 3 per client: a worker's share of it (2 each, as before) would let a fourth one through.
    writeFileSync(
      file,
      `listenHost: 127.0.0.1\nlistenPort: ${port}\nadminPort: 0\nnodeId: limits\nworkers: 2\nworkspaces: [${WS}]\nlimits: { maxConnectionsPerClient: 3, maxConnections: 5, headerTimeoutMs: 60000 }\n`,
    );
    const m = startMain(['--config', file]);
    cleanup.after(() => {
      if (m.proc.exitCode === null) m.proc.kill('SIGKILL');
    });
    await waitFor(() => /metrics http:/.test(m.stderr()), 20_000, 'listening line');
    const open: Socket[] = [];
    cleanup.after(() => {
      for (const s of open) s.destroy();
    });
    /** A connection that sends nothing yet (it counts from accept); resolves with what the gateway answered. */
    const connect = (localAddress: string) =>
      new Promise<{ socket: Socket; answer: Promise<string> }>((resolve, reject) => {
        const socket = netConnect({ port, host: '127.0.0.1', localAddress }, () => {
          let text = '';
          socket.on('data', (c) => {
            text += c;
          });
          resolve({ socket, answer: new Promise((r) => socket.once('close', () => r(text))) });
        });
        socket.once('error', reject);
        open.push(socket);
      });
    /** A worker's tally and the primary's answer take a second each (TALLY_MS); a margin for a busy machine. */
    const settle = () => new Promise((r) => setTimeout(r, 3500));
    for (let i = 0; i < 3; i++) await connect('127.0.0.9');
    await settle();
    const fourth = await connect('127.0.0.9');
    assert.match(await fourth.answer, /^HTTP\/1\.1 503/, 'the fourth connection of one client');
    await waitFor(
      () =>
        m.lines.some((l) =>
          /127\.0\.0\.9 refused: it already has 3 open \(limits\.maxConnectionsPerClient\)/.test(l.msg ?? ''),
        ),
      5000,
      'the refusal, naming the limit',
    );
    // Node-wide: 3 + 2 from another client fill maxConnections (5); the next one, from a third, is refused.
    for (let i = 0; i < 2; i++) await connect('127.0.0.10');
    await settle();
    const sixth = await connect('127.0.0.11');
    assert.match(await sixth.answer, /^HTTP\/1\.1 503/, 'past maxConnections of the node');
    // Closing frees room on the node, whichever worker held the connection.
    for (const s of open.splice(0, 3)) s.destroy();
    await settle();
    const again = await connect('127.0.0.9');
    const early = await Promise.race([again.answer, new Promise((r) => setTimeout(() => r('open'), 500))]);
    assert.equal(early, 'open', 'a connection after others closed is kept');
    m.proc.kill('SIGTERM');
    assert.equal(await m.exit, 0);
  });

  it('an invalid worker count is event 401 naming workers', async () => {
    const m = startMain(['--workers', 'many', '--admin-port', '0']);
    assert.equal(await m.exit, 2);
    assert.match(
      m.lines.find((l) => l.eventId === 401)?.msg ?? '',
      /workers: must be auto or a whole number/,
    );
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

describe('wildcards across a public suffix', () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());
  let dir: string;
  let targetPort: number;
  before(async () => {
    dir = tempDir(cleanup);
    const target = await startTarget(await makePki(dir, ['api.contoso.test']));
    targetPort = target.port;
    cleanup.after(() => target.server.close());
  });
  const config = (port: number, hosts: string[]) =>
    `listenHost: 127.0.0.1\nlistenPort: ${port}\nadminPort: 0\nnodeId: psl\nallowedHosts: ${JSON.stringify(hosts)}\nresolve:\n  "api.contoso.test:443": "127.0.0.1:${targetPort}"\n`;
  /** `gatewatch admin …` as its own process, as an operator types it. */
  const adminProcess = (file: string, ...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--conditions=gatewatch-source', '--import', 'tsx', CLI, 'admin', '--config', file, ...args],
      { encoding: 'utf8' },
    );

  it('the admin CLI exits 2 naming the entry and leaves the file as it was; a private-section wildcard is added', async () => {
    const file = join(dir, 'admin.yaml');
    writeFileSync(file, config(await freePort(), ['api.contoso.test']));
    const before = readFileSync(file, 'utf8');
    for (const [entry, suffix] of [
      ['*.co.uk', 'co.uk'],
      ['*.com', 'com'],
    ]) {
      const r = adminProcess(file, 'allowed-host', 'add', entry as string);
      assert.equal(r.status, 2, r.stderr);
      assert.ok(
        r.stderr.includes(
          `allowedHosts.1: '${entry}' would allow every host under the public suffix ${suffix}`,
        ),
        r.stderr,
      );
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(readFileSync(file, 'utf8'), before);
    }
    assert.equal(adminProcess(file, 'allowed-host', 'add', '*').status, 2);
    const ok = adminProcess(file, 'allowed-host', 'add', '*.blob.core.windows.net');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(
      adminProcess(file, 'allowed-host', 'list').stdout,
      'api.contoso.test\n*.blob.core.windows.net\n',
    );
  });

  it('a config file with one: event 401 naming the entry at start (exit 2); on reload the old config stays', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, config(await freePort(), ['*.com']));
    const refused = startMain(['--config', bad]);
    assert.equal(await refused.exit, 2);
    assert.match(
      refused.lines.find((l) => l.eventId === EVENT.WRONG_CONFIGURATION)?.msg ?? '',
      /allowedHosts\.0: '\*\.com' would allow every host under the public suffix com/,
    );

    const port = await freePort();
    const file = join(dir, 'running.yaml');
    writeFileSync(file, config(port, ['*.contoso.test']));
    const m = startMain(['--config', file]);
    cleanup.after(() => {
      if (m.proc.exitCode === null) m.proc.kill('SIGKILL');
    });
    await waitFor(() => m.stderr().includes(`listening on 127.0.0.1:${port}`), 15_000, 'the listening line');
    const before = await rawConnect(port, 'api.contoso.test:443');
    assert.equal(before.status, 200);
    before.socket.destroy();

    writeFileSync(file, config(port, ['*.contoso.test', '*.co.uk']));
    const ev = await waitFor(
      () => m.lines.find((l) => l.eventId === EVENT.WRONG_CONFIGURATION),
      5000,
      'event 401 on reload',
    );
    assert.match(
      ev.msg ?? '',
      /allowedHosts\.1: '\*\.co\.uk' would allow every host under the public suffix co\.uk/,
    );
    assert.match(ev.msg ?? '', /keeping the running configuration/);
    const still = await rawConnect(port, 'api.contoso.test:443');
    assert.equal(still.status, 200);
    still.socket.destroy();
    const refusedHost = await rawConnect(port, 'www.example.co.uk:443');
    assert.equal(refusedHost.status, 403);
    refusedHost.socket.destroy();
    m.proc.kill('SIGTERM');
    assert.equal(await m.exit, 0);
  });
});
