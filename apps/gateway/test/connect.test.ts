/** Real clients (curl, openssl s_client) through the gateway to a local TLS server reached by Azure-style names. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EVENT } from '@gatewatch/events';
import {
  Cleanup,
  closed,
  httpGet,
  makePki,
  OTHER_WS,
  type Pki,
  rawConnect,
  run,
  startGateway,
  startTarget,
  type TestGateway,
  tempDir,
  WS,
  WS_HOST,
} from './helpers.ts';

const NAMES = [
  WS_HOST,
  'api.contoso.test',
  'contoso.test',
  'global.handler.control.monitor.azure.com',
  'evil.test',
];

describe('CONNECT through the gateway with curl and openssl', () => {
  let pki: Pki;
  let gw: TestGateway;
  let proxy: string;

  const cleanup = new Cleanup();
  after(() => cleanup.run());
  before(async () => {
    const dir = tempDir(cleanup);
    pki = await makePki(dir, [...NAMES, `${OTHER_WS}.ods.opinsights.azure.com`]);
    const target = await startTarget(pki);
    cleanup.after(() => target.server.close());
    const resolve = Object.fromEntries(
      [...NAMES, `${OTHER_WS}.ods.opinsights.azure.com`].map((n) => [`${n}:443`, `127.0.0.1:${target.port}`]),
    );
    gw = await startGateway(cleanup, {
      workspaces: [WS],
      allowedHosts: ['*.contoso.test'],
      resolve,
    });
    proxy = `http://127.0.0.1:${gw.info.port}`;
  });

  const curl = async (url: string, extra: string[] = []) => {
    try {
      const { stdout } = await run('curl', [
        '-sS',
        '--max-time',
        '10',
        '-x',
        proxy,
        '--cacert',
        pki.caCert,
        ...extra,
        url,
      ]);
      return { code: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('tunnels to a configured workspace host and reports 103 then 107 with the workspace id', async () => {
    const before = gw.gateway.counters();
    const res = await curl(`https://${WS_HOST}/upload`, ['--data-binary', 'x'.repeat(5000)]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, `ok ${WS_HOST}\n`);
    const e107 = await gw.waitEvent(
      (e) => e.eventId === EVENT.TLS_SESSION_VERIFIED && e.targetHost === WS_HOST,
    );
    assert.equal(e107.workspaceId, WS);
    assert.equal(e107.sni, WS_HOST);
    assert.match(e107.tlsVersion, /^TLS1\.[23]$/);
    assert.ok(
      gw.events.some(
        (e) => e.eventId === EVENT.CONNECT_RECEIVED && e.targetHost === WS_HOST && e.workspaceId === WS,
      ),
    );
    const after = await waitCounters(
      gw,
      (c) => c.bytesUp - before.bytesUp > 5000 && c.activeClientConnections === 0,
    );
    assert.ok(after.bytesDown > before.bytesDown);
    assert.equal(after.rejectionCount, before.rejectionCount);
  });

  it('allows *.suffix wildcards and the global handler, not the bare suffix', async () => {
    assert.equal((await curl('https://api.contoso.test/')).stdout, 'ok api.contoso.test\n');
    assert.equal((await curl('https://global.handler.control.monitor.azure.com/')).code, 0);
    const bare = await curl('https://contoso.test/');
    assert.match(bare.stderr, /403/);
    const ev = await gw.waitEvent(
      (e) => e.eventId === EVENT.DESTINATION_NOT_ALLOWED && e.targetHost === 'contoso.test',
    );
    assert.equal(ev.reason, 'host_not_allowed');
  });

  it('refuses a host that is not allowed with 403 and event 105 host_not_allowed', async () => {
    const before = gw.gateway.counters();
    const res = await curl('https://evil.test/');
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /CONNECT tunnel failed, response 403/);
    const ev = await gw.waitEvent(
      (e) => e.eventId === EVENT.DESTINATION_NOT_ALLOWED && e.targetHost === 'evil.test',
    );
    assert.equal(ev.reason, 'host_not_allowed');
    assert.match(ev.message, /allowed-host add evil\.test/);
    const after = gw.gateway.counters();
    assert.equal(after.rejectionCount - before.rejectionCount, 1);
    assert.equal(
      (after.rejectionsByReason.host_not_allowed ?? 0) - (before.rejectionsByReason.host_not_allowed ?? 0),
      1,
    );
  });

  it('refuses a port other than 443 (port_not_allowed)', async () => {
    const res = await curl('https://api.contoso.test:8443/');
    assert.match(res.stderr, /403/);
    const ev = await gw.waitEvent((e) => e.reason === 'port_not_allowed');
    assert.equal(ev.targetPort, 8443);
  });

  it('refuses an unconfigured workspace with workspace_not_configured and its workspace id', async () => {
    const host = `${OTHER_WS}.ods.opinsights.azure.com`;
    const res = await curl(`https://${host}/`);
    assert.match(res.stderr, /403/);
    const ev = await gw.waitEvent((e) => e.reason === 'workspace_not_configured');
    assert.equal(ev.workspaceId, OTHER_WS);
    assert.equal(ev.eventId, EVENT.DESTINATION_NOT_ALLOWED);
  });

  it('normalises case and a trailing dot; IP literals are never matched by name rules', async () => {
    const ok = await rawConnect(gw.info.port, 'API.Contoso.TEST.:443');
    assert.equal(ok.status, 200);
    ok.socket.destroy();
    const ip = await rawConnect(gw.info.port, '127.0.0.1:443');
    assert.equal(ip.status, 403);
    ip.socket.destroy();
  });

  it('works with openssl s_client -proxy and verifies the server certificate', async () => {
    const { stdout, stderr } = await run(
      'sh',
      [
        '-c',
        `echo | openssl s_client -proxy 127.0.0.1:${gw.info.port} -connect ${WS_HOST}:443 -servername ${WS_HOST} -CAfile ${pki.caCert} -brief 2>&1`,
      ],
      { timeout: 10_000 },
    );
    assert.match(stdout + stderr, /Verification: OK/);
    await gw.waitEvent((e) => e.eventId === EVENT.TLS_SESSION_VERIFIED && e.tlsVersion === 'TLS1.3');
  });

  it('answers a plain HTTP request with 405 and event 104', async () => {
    const before = gw.gateway.counters();
    const res = await httpGet(gw.info.port, '/index.html');
    assert.equal(res.status, 405);
    const ev = await gw.waitEvent(
      (e) => e.eventId === EVENT.NOT_CONNECT && e.reason === 'method_not_allowed',
    );
    assert.match(ev.message, /GET \/index\.html/);
    assert.equal(gw.gateway.counters().rejectionCount - before.rejectionCount, 1);
  });

  it('answers a TCP health probe on the proxy port without counting a refusal', async () => {
    const before = gw.gateway.counters();
    const { connect } = await import('node:net');
    const s = connect(gw.info.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.end();
    await closed(s);
    const after = await waitCounters(gw, (c) => c.activeClientConnections === 0);
    assert.equal(after.rejectionCount, before.rejectionCount);
    assert.equal(after.errorCount, before.errorCount);
  });
});

export async function waitCounters(
  gw: TestGateway,
  pred: (c: ReturnType<TestGateway['gateway']['counters']>) => boolean,
  timeoutMs = 5000,
) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const c = gw.gateway.counters();
    if (pred(c) || Date.now() > end) return c;
    await new Promise((r) => setTimeout(r, 10));
  }
}
