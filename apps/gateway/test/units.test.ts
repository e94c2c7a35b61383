/**
 * Pure logic: policy rules, the SSRF address table, config validation and precedence, the rate limiter, a
 * multi-core node's counter merge and limit shares.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { workerCount, workerExecArgv, workerShare } from '../src/cluster.ts';
import {
  ConfigError,
  type CounterSnapshot,
  Counters,
  configVersion,
  createAddressGuard,
  createPolicy,
  loadConfig,
  mergeCounters,
  parseConfig,
} from '../src/index.ts';
import { processMetricsText, processStats } from '../src/process-stats.ts';
import { RateLimiter } from '../src/ratelimit.ts';
import { unmapIPv4 } from '../src/ssrf.ts';
import { parseAuthority } from '../src/tunnel.ts';
import { OTHER_WS, tempDir, WS, WS_HOST } from './helpers.ts';

describe('policy', () => {
  const p = createPolicy({
    allowedHosts: ['*.Contoso.com', 'exact.example.org.', '10.1.2.3'],
    workspaces: [WS],
    regions: ['westeurope'],
  });
  const check = (h: string, port = 443) => p.check(h, port);

  it('matches exact names and *.suffix wildcards case-insensitively with a trailing dot', () => {
    assert.equal(check('a.contoso.com').allowed, true);
    assert.equal(check('A.B.CONTOSO.COM.').allowed, true);
    assert.equal(check('contoso.com').reason, 'host_not_allowed');
    assert.equal(check('evilcontoso.com').reason, 'host_not_allowed');
    assert.equal(check('EXACT.example.org').allowed, true);
    assert.equal(check('sub.exact.example.org').allowed, false);
  });

  it('allows configured workspaces, the global and region handlers; refuses unconfigured workspaces', () => {
    assert.equal(check(WS_HOST).allowed, true);
    assert.equal(check(`${WS}.agentsvc.azure-automation.net`).workspaceId, WS);
    assert.equal(check('global.handler.control.monitor.azure.com').allowed, true);
    assert.equal(check('westeurope.handler.control.monitor.azure.com').allowed, true);
    assert.equal(check('eastus.handler.control.monitor.azure.com').allowed, false);
    const d = check(`${OTHER_WS}.oms.opinsights.azure.com`);
    assert.deepEqual([d.allowed, d.reason, d.workspaceId], [false, 'workspace_not_configured', OTHER_WS]);
    assert.equal(check(`${WS}.ods.opinsights.azure.com.evil.test`).reason, 'host_not_allowed');
  });

  it('only port 443; IP literals only match an exact IP entry', () => {
    assert.equal(check('a.contoso.com', 80).reason, 'port_not_allowed');
    assert.equal(check(WS_HOST, 8443).workspaceId, WS);
    assert.equal(check('10.1.2.3').allowed, true);
    assert.equal(check('10.1.2.4').reason, 'host_not_allowed');
    assert.equal(
      createPolicy({ allowedHosts: ['*.1.2.3'], workspaces: [], regions: [] }).check('10.1.2.3', 443).allowed,
      false,
    );
  });

  it('parses CONNECT authorities', () => {
    assert.deepEqual(parseAuthority('Host.Example.:443'), { host: 'host.example', port: 443 });
    assert.deepEqual(parseAuthority('[::1]:443'), { host: '::1', port: 443 });
    for (const bad of ['host', 'host:0', 'host:99999', 'user@host:443', '/path', 'http://x:443', '']) {
      assert.equal(parseAuthority(bad), null, bad);
    }
  });
});

describe('SSRF guard', () => {
  const g = createAddressGuard(['10.9.0.0/16']);
  it('refuses non-public addresses, IPv4 and IPv6, including IPv4-mapped IPv6', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.5',
      '172.16.3.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.1.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '64:ff9b::7f00:1',
      'fd00:ec2::254',
    ]) {
      assert.equal(g.check(a).allowed, false, a);
    }
    assert.match(g.check('169.254.169.254').label, /metadata/);
  });
  it('lets public addresses and explicitly allowed CIDRs through', () => {
    for (const a of ['20.50.1.1', '8.8.8.8', '2603:1030::1', '::ffff:20.50.1.1', '10.9.3.4']) {
      assert.equal(g.check(a).allowed, true, a);
    }
    assert.equal(unmapIPv4('::ffff:a9fe:a9fe'), '169.254.169.254');
  });
});

describe('config', () => {
  const field = (input: unknown) => {
    try {
      parseConfig(input);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.field;
    }
    return 'valid';
  };
  it('names the bad field', () => {
    assert.equal(field({ listenPort: 0 }), 'listenPort');
    assert.equal(field({ listenPort: 70000 }), 'listenPort');
    assert.equal(field({ listenPort: 'text' }), 'listenPort');
    assert.equal(
      field({
        workspaces: Array.from(
          { length: 11 },
          (_, i) => `${String(i).padStart(8, '0')}-0000-0000-0000-000000000000`,
        ),
      }),
      'workspaces',
    );
    assert.equal(field({ workspaces: ['nope'] }), 'workspaces.0');
    assert.equal(field({ listenPortt: 1 }), 'listenPortt');
    assert.equal(field({ limits: { idleTimeout: 5 } }), 'limits.idleTimeout');
    assert.equal(field({ relayProxy: { address: 'socks5://x:1' } }), 'relayProxy.address');
    assert.equal(field({}), 'valid');
    assert.throws(
      () => parseConfig({ bogus: 1 }),
      /bogus: unknown key \(known keys: nodeId, listenHost, listenPort/,
    );
  });
  it('layers defaults < file < env < flags', (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'gw.yaml');
    writeFileSync(file, 'listenPort: 9000\nallowedHosts: ["a.example"]\nlimits:\n  idleTimeoutMs: 1234\n');
    const c = loadConfig({
      file,
      env: { GATEWATCH_LISTEN_PORT: '9100', GATEWATCH_RELAY_PROXY: 'http://u:p%40ss@relay.local:3128' },
      overrides: { listenPort: 9200 },
    });
    assert.equal(c.listenPort, 9200);
    assert.deepEqual(c.allowedHosts, ['a.example']);
    assert.equal(c.limits.idleTimeoutMs, 1234);
    assert.equal(c.limits.headerTimeoutMs, 10_000);
    assert.deepEqual(c.relayProxy, { address: 'http://relay.local:3128', username: 'u', password: 'p@ss' });
    assert.equal(loadConfig({ file, env: { GATEWATCH_LISTEN_PORT: '9100' } }).listenPort, 9100);
    assert.throws(() => loadConfig({ env: { GATEWATCH_LISTEN_PORT: 'abc' } }), /listenPort/);
    writeFileSync(join(dir, 'bad.json'), '{"listenPort": ');
    assert.throws(() => loadConfig({ file: join(dir, 'bad.json') }), /not valid JSON/);
  });
  it('refuses a wildcard across an ICANN public suffix, keeps private-section and own-domain wildcards', () => {
    for (const [entry, suffix] of [
      ['*.com', 'com'],
      ['*.co.uk', 'co.uk'],
      ['*.CO.UK.', 'co.uk'],
      ['*.foo.ck', 'foo.ck'], // the list's own wildcard rule *.ck
    ])
      assert.throws(
        () => parseConfig({ allowedHosts: ['api.example.org', entry] }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.field === 'allowedHosts.1' &&
          err.problem.startsWith(`'${entry}' would allow every host under the public suffix ${suffix}:`),
        entry,
      );
    for (const entry of ['*', '*.', '*..', '*..com'])
      assert.equal(field({ allowedHosts: [entry] }), 'allowedHosts.0', entry);
    for (const entry of [
      '*.blob.core.windows.net', // core.windows.net is in the list's private section
      '*.contoso.com',
      '*.contoso.co.uk',
      '*.github.io',
      '*.corp.internal', // not on the list at all
      'com', // an exact name is one host, not a wildcard
    ])
      assert.equal(field({ allowedHosts: [entry] }), 'valid', entry);
  });
  it('has a stable version hash that changes with the content', () => {
    const a = parseConfig({ allowedHosts: ['x.example'] });
    assert.equal(configVersion(a), configVersion(parseConfig({ allowedHosts: ['x.example'] })));
    assert.notEqual(configVersion(a), configVersion(parseConfig({ allowedHosts: ['y.example'] })));
  });
});

describe('rate limiter', () => {
  it('allows a burst then the refill rate, per key', () => {
    const r = new RateLimiter(10, 3);
    const t0 = 1_000_000;
    assert.deepEqual(
      [r.take('a', t0), r.take('a', t0), r.take('a', t0), r.take('a', t0)],
      [true, true, true, false],
    );
    assert.equal(r.take('b', t0), true);
    assert.equal(r.take('a', t0 + 100), true);
    assert.equal(r.take('a', t0 + 100), false);
  });
});

describe('multi-core node', () => {
  const snapshot = (o: Partial<CounterSnapshot>): CounterSnapshot => ({ ...new Counters().snapshot(), ...o });

  it('adds up the workers’ counters; Connected Client counts each address once over all workers', () => {
    const total = mergeCounters([
      {
        snapshot: snapshot({
          activeClientConnections: 3,
          connectedClients: 2,
          rejectionCount: 2,
          rejectionsByReason: { host_not_allowed: 2 },
          bytesUp: 10,
        }),
        clientAddresses: ['10.0.0.1', '10.0.0.2'],
      },
      {
        snapshot: snapshot({
          activeClientConnections: 1,
          connectedClients: 1,
          errorCount: 4,
          rejectionCount: 1,
          rejectionsByReason: { host_not_allowed: 1 },
          bytesUp: 5,
          tunnelsEstablished: 7,
        }),
        clientAddresses: ['10.0.0.2'],
      },
    ]);
    assert.deepEqual(total, {
      ...snapshot({
        activeClientConnections: 4,
        connectedClients: 2,
        errorCount: 4,
        rejectionCount: 3,
        bytesUp: 15,
        tunnelsEstablished: 7,
      }),
      rejectionsByReason: { host_not_allowed: 3 },
    });
  });

  it("keeps the node's open-connection limits in each worker, shares the rate; auto is one worker per core", () => {
    const c = parseConfig({
      workers: 3,
      limits: { maxConnections: 10, perClientConnectionsPerSecond: 30, perClientBurst: 10 },
    });
    const share = workerShare(c, 3).limits;
    assert.equal(share.maxConnections, 10, 'counted with the other workers connections');
    assert.equal(share.maxConnectionsPerClient, c.limits.maxConnectionsPerClient);
    assert.equal(share.perClientConnectionsPerSecond, 10);
    assert.equal(share.perClientBurst, 4);
    const off = parseConfig({ workers: 3, limits: { perClientConnectionsPerSecond: 0 } });
    assert.equal(workerShare(off, 3).limits.perClientConnectionsPerSecond, 0, 'off stays off');
    assert.equal(workerCount(c), 3);
    assert.equal(workerCount(parseConfig({ workers: 'auto' })), availableParallelism());
  });
});

describe('worker node flags', () => {
  it('give workers a 64 MB semi-space unless the operator chose one (command line or NODE_OPTIONS)', () => {
    assert.deepEqual(workerExecArgv(['--enable-source-maps'], ''), [
      '--max-semi-space-size=64',
      '--enable-source-maps',
    ]);
    assert.deepEqual(workerExecArgv(['--max-semi-space-size=8'], ''), ['--max-semi-space-size=8']);
    assert.deepEqual(workerExecArgv([], '--max-semi-space-size=128 --trace-gc'), []);
  });
});

describe('process figures on /metrics', () => {
  it('one series per process and figure, the caller labels first; a figure the platform lacks (-1) is left out', () => {
    const base = {
      cpuSeconds: 1.5,
      residentBytes: 9e7,
      heapUsedBytes: 2e7,
      openFds: 12,
      maxFds: 1024,
      startTimeSeconds: 1_790_000_000,
    };
    const text = processMetricsText(
      [
        { ...base, role: 'primary', pid: 10 },
        { ...base, role: 'worker', pid: 11, openFds: -1 },
      ],
      'node="n1"',
    );
    assert.match(text, /^# TYPE process_cpu_seconds_total counter$/m);
    assert.match(text, /^process_cpu_seconds_total\{node="n1",process="primary",pid="10"\} 1\.5$/m);
    assert.match(text, /^process_open_fds\{node="n1",process="primary",pid="10"\} 12$/m);
    assert.doesNotMatch(text, /^process_open_fds\{[^}]*pid="11"\}/m);
    assert.match(text, /^process_max_fds\{node="n1",process="worker",pid="11"\} 1024$/m);
    assert.equal(text.match(/^# HELP /gm)?.length, 6, 'each metric described once');
    assert.match(
      processMetricsText([{ ...base, role: 'ingester', pid: 7 }]),
      /^nodejs_heap_size_used_bytes\{process="ingester",pid="7"\} 20000000$/m,
    );
  });

  it("reads this process's own figures", () => {
    const s = processStats('gateway');
    assert.equal(s.pid, process.pid);
    assert.ok(
      s.cpuSeconds > 0 && s.residentBytes > s.heapUsedBytes && s.openFds > 0 && s.maxFds >= s.openFds,
    );
    // Against the kernel's own record: start time in clock ticks after boot (stat field 22), boot time (btime).
    const ticks = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ')[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    assert.ok(
      Math.abs(s.startTimeSeconds - (btime + ticks / 100)) <= 2,
      `${s.startTimeSeconds} vs ${btime + ticks / 100}`,
    );
  });
});
