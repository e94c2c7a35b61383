/** Real peers: squid as the relay proxy (Basic auth), the mTLS listener with openssl-made certificates, and the
 * SSRF guard against loopback / private / metadata / IPv4-mapped destinations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENT } from '@gatewatch/events';
import { startSquid } from '@gatewatch/simulator';
import {
  rawConnect,
  reconfigure,
  run,
  startGateway,
  type TestGateway,
  WS,
  WS_HOST,
  waitFor,
  workspaceSuite,
} from './helpers.ts';

describe('relay proxy, mTLS listener and SSRF guard with real peers', () => {
  const ctx = workspaceSuite();

  const curl = async (args: string[]) => {
    try {
      const { stdout } = await run('curl', ['-sS', '--max-time', '10', '--cacert', ctx.pki.caCert, ...args]);
      return { code: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('relays through squid with Basic auth, reports a clear 403 on bad credentials, and goes direct when cleared', async () => {
    const squid = await startSquid({
      auth: { username: 'gwrelay', password: 'Rel@y-s3cret' },
      connectPorts: [ctx.target.port],
      accessLog: true,
    });
    ctx.cleanup.after(() => squid.close());
    const gw = await startGateway(ctx.cleanup, { workspaces: [WS], resolve: ctx.resolve });
    const proxy = ['-x', `http://127.0.0.1:${gw.info.port}`];
    const withRelay = (password: string) =>
      reconfigure(gw, {
        relayProxy: { address: `http://127.0.0.1:${squid.port}`, username: 'gwrelay', password },
      });

    // Direct first: squid sees nothing.
    assert.equal((await curl([...proxy, `https://${WS_HOST}/`])).stdout, `ok ${WS_HOST}\n`);

    withRelay('Rel@y-s3cret');
    const ok = await curl([...proxy, `https://${WS_HOST}/a`]);
    assert.equal(ok.stdout, `ok ${WS_HOST}\n`, ok.stderr);
    await waitFor(() => /CONNECT 127\.0\.0\.1:\d+ gwrelay/.test(squid.accessLog()), 5000, 'squid access log');
    const relayedLines = squid.accessLog().split('\n').filter(Boolean).length;

    withRelay('wrong-password');
    const bad = await curl([...proxy, `https://${WS_HOST}/b`]);
    assert.match(bad.stderr, /CONNECT tunnel failed, response 502/);
    const ev = await gw.waitEvent((e) => e.eventId === EVENT.NETWORKING_ERROR);
    assert.match(ev.message, /relay proxy 127\.0\.0\.1:\d+ answered 407/);
    assert.match(ev.message, /credentials/);

    reconfigure(gw, { relayProxy: null });
    const again = await curl([...proxy, `https://${WS_HOST}/c`]);
    assert.equal(again.stdout, `ok ${WS_HOST}\n`);
    // Only the failed attempt reached squid after the relayed one.
    assert.equal(squid.accessLog().split('\n').filter(Boolean).length, relayedLines + 1);

    const logged = gw.lines.join('\n');
    for (const secret of [
      'Rel@y-s3cret',
      'wrong-password',
      Buffer.from('gwrelay:Rel@y-s3cret').toString('base64'),
    ]) {
      assert.ok(!logged.includes(secret), 'credentials must never be logged');
    }
  });

  it('mTLS listener: allowed subject tunnels, other subjects / rogue CA / no certificate get 105', async () => {
    const good = await ctx.pki.client('agent01');
    const other = await ctx.pki.client('agent02');
    const rogue = await ctx.pki.client('agent01', { rogue: true });
    const gw = await startGateway(ctx.cleanup, {
      workspaces: [WS],
      resolve: ctx.resolve,
      allowedClientCertificates: ['CN=agent01'],
      tlsListener: {
        port: 0,
        host: '127.0.0.1',
        certFile: ctx.pki.serverCert,
        keyFile: ctx.pki.serverKey,
        caFile: ctx.pki.caCert,
      },
    });
    const port = gw.info.tlsPort;
    assert.ok(port);
    const via = (cert?: { cert: string; key: string }) => [
      '--proxy',
      `https://127.0.0.1:${port}`,
      '--proxy-cacert',
      ctx.pki.caCert,
      ...(cert ? ['--proxy-cert', cert.cert, '--proxy-key', cert.key] : []),
      `https://${WS_HOST}/`,
    ];
    const ok = await curl(via(good));
    assert.equal(ok.stdout, `ok ${WS_HOST}\n`, ok.stderr);
    // Its usage names the agent by its certificate subject.
    const usage = await waitFor(() => gw.usage.find((u) => u.closed), 5000, 'the tunnel closing');
    assert.equal(usage.clientSubject, 'O=Contoso, CN=agent01');
    assert.ok(usage.bytesUp > 0 && usage.workspaceId === WS);

    const denied = await curl(via(other));
    assert.match(denied.stderr, /403/);
    const ev = await gw.waitEvent((e) => e.reason === 'client_certificate_invalid');
    assert.equal(ev.eventId, EVENT.DESTINATION_NOT_ALLOWED);
    assert.match(ev.message, /^Invalid client certificate: CN=agent02/);

    const before = gw.gateway.counters().rejectionsByReason.client_certificate_invalid ?? 0;
    assert.match((await curl(via(rogue))).stderr, /403/);
    assert.match((await curl(via())).stderr, /403/);
    assert.equal((gw.gateway.counters().rejectionsByReason.client_certificate_invalid ?? 0) - before, 2);

    // Adding the subject at runtime lets agent02 in.
    reconfigure(gw, { allowedClientCertificates: ['CN=agent01', 'O=Contoso, CN=agent02'] });
    assert.equal((await curl(via(other))).stdout, `ok ${WS_HOST}\n`);
  });

  it('SSRF guard refuses loopback, private, metadata and IPv4-mapped addresses, literal or resolved', async () => {
    const gw = await startGateway(ctx.cleanup, {
      allowedHosts: [
        'localhost',
        '127.0.0.1',
        '::ffff:127.0.0.1',
        '169.254.169.254',
        '10.0.0.1',
        '100.64.0.1',
        '::1',
        '127.0.0.2',
      ],
      allowPrivateAddresses: ['127.0.0.2/32'],
    });
    for (const target of [
      'localhost:443',
      '127.0.0.1:443',
      '[::ffff:127.0.0.1]:443',
      '169.254.169.254:443',
      '10.0.0.1:443',
      '100.64.0.1:443',
      '[::1]:443',
    ]) {
      const seen = gw.events.length;
      const { status, socket } = await rawConnect(gw.info.port, target);
      socket.destroy();
      assert.equal(status, 403, target);
      const ev = await gw.waitEvent(
        (e) => gw.events.indexOf(e) >= seen && e.eventId === EVENT.DESTINATION_NOT_ALLOWED,
      );
      assert.equal(ev.reason, 'address_not_allowed', `${target}: ${ev.message}`);
    }
    // An explicitly allowed CIDR passes the guard and the checked address is dialled (nothing listens on :443).
    const seen = gw.events.length;
    const { status, socket } = await rawConnect(gw.info.port, '127.0.0.2:443');
    socket.destroy();
    assert.equal(status, 502);
    const ev = await gw.waitEvent(
      (e) => gw.events.indexOf(e) >= seen && e.eventId === EVENT.NETWORKING_ERROR,
    );
    assert.match(ev.message, /cannot connect to 127\.0\.0\.2:443: ECONNREFUSED/);
  });

  it('reports DNS failures as 403 with 502', async () => {
    const gw: TestGateway = await startGateway(ctx.cleanup, { allowedHosts: ['no-such-host.invalid'] });
    const { status, socket } = await rawConnect(gw.info.port, 'no-such-host.invalid:443');
    socket.destroy();
    assert.equal(status, 502);
    const ev = await gw.waitEvent((e) => e.eventId === EVENT.NETWORKING_ERROR);
    assert.match(ev.message, /DNS lookup of no-such-host\.invalid failed: (ENOTFOUND|EAI_AGAIN)/);
  });
});
