/** Behind a real HAProxy (TCP mode, send-proxy and send-proxy-v2): events, Connected Client and per-client limits
 * see the agent's address, not the balancer's; a connection without the header is refused. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { EVENT } from '@gatewatch/events';
import { freePort } from '@gatewatch/simulator';
import { readProxyHeader } from '../src/proxy-protocol.ts';
import { agentUpload, closed, WS_HOST, waitFor, workspaceSuite } from './helpers.ts';

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

describe('PROXY protocol behind HAProxy', () => {
  const ctx = workspaceSuite({ proxyProtocol: true, limits: { headerTimeoutMs: 1000 } });
  const lb = { v1: 0, v2: 0 };

  before(async () => {
    lb.v1 = await freePort();
    lb.v2 = await freePort();
    const conf = join(ctx.dir, 'haproxy.cfg');
    writeFileSync(
      conf,
      [
        'global',
        '    maxconn 200',
        'defaults',
        '    mode tcp',
        '    timeout connect 2s',
        '    timeout client 10s',
        '    timeout server 10s',
        `frontend v1`,
        `    bind 127.0.0.1:${lb.v1}`,
        '    default_backend gw_v1',
        `frontend v2`,
        `    bind 127.0.0.1:${lb.v2}`,
        '    default_backend gw_v2',
        'backend gw_v1',
        `    server gw 127.0.0.1:${ctx.gw.info.port} send-proxy`,
        'backend gw_v2',
        `    server gw 127.0.0.1:${ctx.gw.info.port} send-proxy-v2`,
        '',
      ].join('\n'),
    );
    const proc: ChildProcess = spawn('haproxy', ['-db', '-f', conf], { stdio: 'ignore' });
    const exited = new Promise((r) => proc.once('exit', r));
    ctx.cleanup.after(async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    });
    for (let i = 0; i < 100 && !((await canConnect(lb.v1)) && (await canConnect(lb.v2))); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  for (const version of ['v1', 'v2'] as const) {
    it(`send-proxy${version === 'v2' ? '-v2' : ''}: the agent's address is on events and counters`, async () => {
      const seen = ctx.gw.events.length;
      const r = await agentUpload(
        lb[version],
        WS_HOST,
        ctx.pki.caCert,
        50_000,
        version === 'v1' ? '127.0.0.2' : '127.0.0.3',
      );
      assert.equal(r.status, 200);
      const ev = await ctx.gw.waitEvent(
        (e) => ctx.gw.events.indexOf(e) >= seen && e.eventId === EVENT.TLS_SESSION_VERIFIED,
      );
      assert.equal(ev.clientAddress, version === 'v1' ? '127.0.0.2' : '127.0.0.3');
    });
  }

  it('Connected Client counts agents behind the balancer', async () => {
    const open = async (localAddress: string) => {
      const s = connect({ port: lb.v1, host: '127.0.0.1', localAddress });
      s.on('error', () => {});
      await new Promise((r) => s.once('connect', r));
      s.write('CON'); // HAProxy connects to the gateway once the client speaks
      return s;
    };
    const socks = [await open('127.0.0.4'), await open('127.0.0.5'), await open('127.0.0.5')];
    const c = await waitFor(
      () => ctx.gw.gateway.counters().activeClientConnections === 3 && ctx.gw.gateway.counters(),
    );
    assert.equal(c.connectedClients, 2);
    for (const s of socks) s.destroy();
    await waitFor(() => ctx.gw.gateway.counters().activeClientConnections === 0);
  });

  it('a direct connection without the header is refused with 104; a bare TCP probe is not', async () => {
    const before = ctx.gw.gateway.counters().rejectionCount;
    const probe = connect(ctx.gw.info.port, '127.0.0.1');
    await new Promise((r) => probe.once('connect', r));
    probe.end();
    await closed(probe);
    const s = connect(ctx.gw.info.port, '127.0.0.1');
    s.on('error', () => {});
    s.write(`CONNECT ${WS_HOST}:443 HTTP/1.1\r\n\r\n`);
    assert.ok(await closed(s));
    const ev = await ctx.gw.waitEvent((e) => e.reason === 'bad_request' && /PROXY protocol/.test(e.message));
    assert.equal(ev.eventId, EVENT.NOT_CONNECT);
    assert.equal(ctx.gw.gateway.counters().rejectionCount - before, 1);
  });

  it('parses v1/v2 headers, incomplete prefixes and junk without throwing', () => {
    assert.deepEqual(readProxyHeader(Buffer.from('PROXY TCP6 ::1 ::2 1000 443\r\nX')), {
      kind: 'header',
      length: 29,
      source: { address: '::1', port: 1000 },
    });
    assert.equal(readProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4')).kind, 'incomplete');
    assert.equal(readProxyHeader(Buffer.from('PROXY TCP4 x y 1 2\r\n')).kind, 'error');
    assert.equal(readProxyHeader(Buffer.from([0x0d, 0x0a, 0x0d])).kind, 'incomplete');
    assert.equal(readProxyHeader(Buffer.from(`PROXY ${'A'.repeat(200)}`)).kind, 'error');
    const local = Buffer.from([
      0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0x00, 0x00,
    ]);
    assert.deepEqual(readProxyHeader(local), { kind: 'header', length: 16 });
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.concat([
        local.subarray(0, 12),
        Buffer.from(Array.from({ length: i % 64 }, () => (i * 31 + 7) % 256)),
      ]);
      assert.ok(['incomplete', 'header', 'error'].includes(readProxyHeader(junk).kind));
    }
  });
});
