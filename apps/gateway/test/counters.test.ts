/** Counters against the ground truth of a scripted mix of accepted and refused connections; /metrics, /healthz,
 * counter samples, graceful stop. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { EVENT, parseCounterSample, parseEventRecord } from '@gatewatch/events';
import { GARBAGE, nodeHello } from './hellos.ts';
import {
  agentUpload,
  Cleanup,
  closed,
  httpGet,
  OTHER_WS,
  processSeries,
  rawConnect,
  startGateway,
  startWorkspaceTarget,
  WS,
  WS_HOST,
  waitFor,
  workspaceSuite,
} from './helpers.ts';

// Every data path: the native front with spliced tunnels (the default on Linux), Node sockets with spliced
// tunnels (as behind PROXY protocol), and Node streams.
const PATHS = [
  { name: 'native front, zero-copy', zeroCopy: true, nativeFront: true },
  { name: 'Node sockets, zero-copy', zeroCopy: true, nativeFront: false },
  { name: 'streams', zeroCopy: false, nativeFront: false },
];
for (const { name, zeroCopy, nativeFront } of PATHS)
  describe(`counters equal the ground truth (${name})`, () => {
    const ctx = workspaceSuite({ counterIntervalMs: 200, zeroCopy, nativeFront });

    it('a scripted mix gives exact counters, reasons, bytes and the same figures on /metrics', async () => {
      const truth = { up: 0, down: 0 };
      const uploads = [10_000, 200_000, 1, 65_536, 3_333];
      for (const size of uploads) {
        const r = await agentUpload(ctx.gw.info.port, WS_HOST, ctx.pki.caCert, size);
        assert.equal(r.status, 200);
        truth.up += r.tunnelUp;
        truth.down += r.tunnelDown;
      }
      const refuse = async (target: string) => (await rawConnect(ctx.gw.info.port, target)).socket.destroy();
      for (let i = 0; i < 3; i++) await refuse('denied.example:443');
      for (let i = 0; i < 2; i++) await refuse(`${WS_HOST}:80`);
      await refuse(`${OTHER_WS}.ods.opinsights.azure.com:443`);
      for (let i = 0; i < 4; i++) await httpGet(ctx.gw.info.port, '/');
      for (let i = 0; i < 2; i++) {
        const { socket } = await rawConnect(ctx.gw.info.port, `${WS_HOST}:443`, { extra: GARBAGE });
        await closed(socket);
      }

      const c = await waitFor(
        () => {
          const s = ctx.gw.gateway.counters();
          return s.activeClientConnections === 0 && s.bytesDown === truth.down && s.bytesUp === truth.up && s;
        },
        5000,
        `bytes to settle (truth ${JSON.stringify(truth)}, now ${JSON.stringify(ctx.gw.gateway.counters())})`,
      );
      assert.equal(c.tunnelsEstablished, uploads.length);
      assert.equal(c.rejectionCount, 3 + 2 + 1 + 4 + 2);
      assert.deepEqual(c.rejectionsByReason, {
        host_not_allowed: 3,
        port_not_allowed: 2,
        workspace_not_configured: 1,
        method_not_allowed: 4,
        tls_parse_error: 2,
      });
      assert.equal(c.errorCount, 2);
      assert.equal(c.connectedClients, 0);

      const metrics = (await httpGet(ctx.gw.info.adminPort ?? 0, '/metrics')).body;
      const value = (name: string) =>
        Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
      assert.equal(value('gatewatch_rejections_total'), 12);
      assert.equal(value('gatewatch_errors_total'), 2);
      assert.equal(value('gatewatch_bytes_up_total'), truth.up);
      assert.equal(value('gatewatch_bytes_down_total'), truth.down);
      assert.equal(value('gatewatch_tunnels_zero_copy_total'), zeroCopy ? uploads.length : 0);
      assert.equal(value('gatewatch_splice_pipe_waits_total'), 0);
      assert.match(
        metrics,
        /gatewatch_rejections_by_reason_total\{node="test-node",reason="host_not_allowed"\} 3/,
      );
      assert.match(metrics, /# TYPE gatewatch_active_client_connections gauge/);
      // This process's own cost (the gateway runs in the test's process here), read at the scrape.
      const series = processSeries(metrics);
      assert.deepEqual([...series.keys()], [process.pid]);
      const self = series.get(process.pid);
      assert.equal(self?.node, 'test-node');
      assert.equal(self?.role, 'gateway');
      const own = (name: string) => self?.get(name) ?? Number.NaN;
      const cpu = process.cpuUsage();
      assert.ok(own('process_cpu_seconds_total') > 0);
      assert.ok(own('process_cpu_seconds_total') <= (cpu.user + cpu.system) / 1e6);
      assert.ok(Math.abs(own('process_open_fds') - (readdirSync('/proc/self/fd').length - 1)) <= 10);
      const limit = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
      assert.equal(own('process_max_fds'), Number(limit));
      assert.ok(own('process_resident_memory_bytes') > own('nodejs_heap_size_used_bytes'));

      // Every event record validates against the shared schema; the 105s carry the reason.
      for (const e of ctx.gw.events) parseEventRecord(e);
      assert.equal(ctx.gw.events.filter((e) => e.eventId === EVENT.DESTINATION_NOT_ALLOWED).length, 6);
    });

    it('Active Client Connection and Connected Client count open sockets and distinct addresses', async () => {
      const open = async (localAddress: string) => {
        const s = connect({ port: ctx.gw.info.port, host: '127.0.0.1', localAddress });
        await new Promise((r) => s.once('connect', r));
        return s;
      };
      const socks = [
        await open('127.0.0.1'),
        await open('127.0.0.1'),
        await open('127.0.0.2'),
        await open('127.0.0.3'),
      ];
      const c = await waitFor(
        () => ctx.gw.gateway.counters().activeClientConnections === 4 && ctx.gw.gateway.counters(),
      );
      assert.equal(c.connectedClients, 3);
      for (const s of socks) s.destroy();
      await waitFor(() => ctx.gw.gateway.counters().activeClientConnections === 0);
      assert.equal(ctx.gw.gateway.counters().connectedClients, 0);
    });

    it('emits valid counter samples with the config version, and /healthz', async () => {
      const s = await waitFor(() => ctx.gw.samples.at(-1));
      parseCounterSample(s);
      assert.equal(s.configVersion, ctx.gw.gateway.configVersion());
      assert.equal(s.nodeId, 'test-node');
      const health = await httpGet(ctx.gw.info.adminPort ?? 0, '/healthz');
      assert.equal(health.status, 200);
      assert.equal(JSON.parse(health.body).status, 'ok');
    });

    it('graceful stop drains an open tunnel, then emits 102', async () => {
      const g = await startGateway(ctx.cleanup, {
        workspaces: [WS],
        resolve: ctx.gw.gateway.config().resolve,
        zeroCopy,
        nativeFront,
      });
      const upload = agentUpload(g.info.port, WS_HOST, ctx.pki.caCert, 500_000);
      await g.waitEvent((e) => e.eventId === EVENT.TLS_SESSION_VERIFIED);
      const stopped = g.gateway.stop(5000);
      const r = await upload;
      assert.equal(r.status, 200);
      await stopped;
      assert.equal(g.events.at(-1)?.eventId, EVENT.SERVICE_STOPPED);
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect(g.info.port, '127.0.0.1');
        s.once('error', () => resolve(true));
        s.once('connect', () => resolve(false));
      });
      assert.ok(refused, 'no longer accepting');
    });

    it('at the drain deadline an open tunnel is closed, and its bytes are counted', async () => {
      const g = await startGateway(ctx.cleanup, {
        workspaces: [WS],
        resolve: ctx.gw.gateway.config().resolve,
        zeroCopy,
        nativeFront,
      });
      const hello = await nodeHello('TLSv1.2', WS_HOST);
      const { socket } = await rawConnect(g.info.port, `${WS_HOST}:443`, { extra: hello });
      await g.waitEvent((e) => e.eventId === EVENT.TLS_SESSION_VERIFIED);
      const t0 = Date.now();
      await g.gateway.stop(300);
      assert.ok(await closed(socket, 2000), 'the agent sees its tunnel closed');
      assert.ok(Date.now() - t0 < 1500, `stopped in ${Date.now() - t0} ms`);
      const c = await waitFor(
        () => g.gateway.counters().activeClientConnections === 0 && g.gateway.counters(),
      );
      assert.equal(c.bytesUp, hello.length);
      assert.ok(c.bytesDown > 0, 'the server answered the ClientHello');
    });
  });

describe('telemetry never breaks the data plane', () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());
  it('a sink that throws is counted as dropped telemetry and the tunnel still works', async () => {
    const ws = await startWorkspaceTarget(cleanup);
    const pki = ws.pki;
    const { createGateway } = await import('../src/gateway.ts');
    const { parseConfig } = await import('../src/config.ts');
    const { pino } = await import('pino');
    const config = parseConfig({
      listenHost: '127.0.0.1',
      adminPort: 0,
      workspaces: [WS],
      resolve: ws.resolve,
    });
    const gateway = createGateway(
      { ...config, listenPort: 0 },
      {
        logger: pino({ level: 'silent' }),
        sink: {
          event: () => {
            throw new Error('bus down');
          },
          counters: () => {
            throw new Error('bus down');
          },
        },
      },
    );
    const info = await gateway.start();
    cleanup.after(() => gateway.stop(100));
    const r = await agentUpload(info.port, WS_HOST, pki.caCert, 50_000);
    assert.equal(r.status, 200);
    gateway.sampleCounters();
    const c = gateway.counters();
    assert.ok(c.telemetryDropped >= 4, `dropped ${c.telemetryDropped}`);
    assert.equal(c.tunnelsEstablished, 1);
  });
});

describe('start', () => {
  it('reports a counter sample at start, not one interval later (the node is in the fleet at once)', async (t) => {
    const gw = await startGateway(t, { counterIntervalMs: 3_600_000 });
    assert.equal(gw.samples.length, 1);
    const s = parseCounterSample(gw.samples[0]);
    assert.equal(s.nodeId, 'test-node');
    assert.equal(s.activeClientConnections, 0);
    assert.equal(s.configVersion, gw.gateway.configVersion());
  });
});

describe('embedding options', () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());
  it('extraMetrics are appended to /metrics; a busy port is a ListenError with its code', async () => {
    const { createGateway, ListenError } = await import('../src/gateway.ts');
    const { parseConfig } = await import('../src/config.ts');
    const { pino } = await import('pino');
    const config = parseConfig({ listenHost: '127.0.0.1', adminPort: 0 });
    const logger = pino({ level: 'silent' });
    const a = createGateway(
      { ...config, listenPort: 0 },
      { logger, extraMetrics: () => 'pipeline_spool_bytes 42' },
    );
    const info = await a.start();
    cleanup.after(() => a.stop(100));
    assert.match((await httpGet(info.adminPort ?? 0, '/metrics')).body, /\npipeline_spool_bytes 42\n$/);
    const b = createGateway({ ...config, listenPort: info.port }, { logger });
    await assert.rejects(b.start(), (err: unknown) => {
      assert.ok(err instanceof ListenError);
      assert.equal(err.code, 'EADDRINUSE');
      assert.equal(err.port, info.port);
      return true;
    });
  });
});
