/** Limits: slowloris and a connection flood do not stop a well-behaved agent; every refusal is an event and counted. */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { EVENT } from '@gatewatch/events';
import {
  agentUpload,
  closed,
  rawConnect,
  startGateway,
  WS,
  WS_HOST,
  waitFor,
  workspaceSuite,
} from './helpers.ts';

describe('limits', () => {
  const ctx = workspaceSuite();

  it('slowloris + flood from one address do not stop an agent on another address', async () => {
    const gw = await startGateway(ctx.cleanup, {
      workspaces: [WS],
      resolve: ctx.resolve,
      limits: {
        headerTimeoutMs: 500,
        maxConnectionsPerClient: 30,
        perClientConnectionsPerSecond: 20,
        perClientBurst: 40,
      },
    });
    const attackers: Socket[] = [];
    let stop = false;
    // Slowloris: 25 connections dribbling a header one byte every 100 ms.
    const header = Buffer.from(`CONNECT ${WS_HOST}:443 HTTP/1.1\r\nHost: x\r\n\r\n`);
    for (let i = 0; i < 25; i++) {
      const s = connect(gw.info.port, '127.0.0.1');
      s.on('error', () => {});
      attackers.push(s);
      let pos = 0;
      const drip = setInterval(() => {
        if (stop || s.destroyed || pos >= header.length) return clearInterval(drip);
        s.write(header.subarray(pos, ++pos));
      }, 100);
    }
    // Flood: 300 connection attempts as fast as possible.
    const flood = (async () => {
      for (let i = 0; i < 300 && !stop; i++) {
        const s = connect(gw.info.port, '127.0.0.1');
        s.on('error', () => {});
        attackers.push(s);
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    // The agent uploads 200 KB ten times while all that goes on.
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      const r = await agentUpload(gw.info.port, WS_HOST, ctx.pki.caCert, 200_000, '127.0.0.2');
      assert.equal(r.status, 200);
    }
    const agentMs = Date.now() - started;
    await flood;
    // Slowloris connections are cut at the header deadline.
    await waitFor(
      () => (gw.gateway.counters().rejectionsByReason.header_timeout ?? 0) >= 20,
      5000,
      'header timeouts',
    );
    stop = true;
    for (const s of attackers) s.destroy();
    const c = gw.gateway.counters();
    const limited = (c.rejectionsByReason.connection_limit ?? 0) + (c.rejectionsByReason.rate_limited ?? 0);
    assert.ok(limited > 100, `flood refused: ${JSON.stringify(c.rejectionsByReason)}`);
    assert.ok(agentMs < 20_000, `agent uploads took ${agentMs} ms`);
    assert.ok(gw.events.some((e) => e.reason === 'header_timeout' && e.eventId === EVENT.NOT_CONNECT));
    assert.ok(
      gw.events.some(
        (e) =>
          (e.reason === 'rate_limited' || e.reason === 'connection_limit') &&
          e.eventId === EVENT.GENERAL_INFO,
      ),
    );
    assert.equal(
      c.rejectionCount,
      Object.values(c.rejectionsByReason).reduce((a, b) => a + (b ?? 0), 0),
    );
  });

  it('max connections answers 503, an oversized header 431, an idle tunnel is closed', async () => {
    const gw = await startGateway(ctx.cleanup, {
      workspaces: [WS],
      resolve: ctx.resolve,
      limits: { maxConnections: 3, maxHeaderBytes: 1024, idleTimeoutMs: 300 },
    });
    const held: Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const s = connect(gw.info.port, '127.0.0.1');
      await new Promise((r) => s.once('connect', r));
      held.push(s);
    }
    await waitFor(() => gw.gateway.counters().activeClientConnections === 3);
    const fourth = await rawConnect(gw.info.port, `${WS_HOST}:443`);
    assert.equal(fourth.status, 503);
    await gw.waitEvent((e) => e.reason === 'connection_limit');
    for (const s of held) s.destroy();
    await waitFor(() => gw.gateway.counters().activeClientConnections === 0);

    const big = await new Promise<string>((resolve) => {
      const s = connect(gw.info.port, '127.0.0.1', () => {
        s.write(`CONNECT ${WS_HOST}:443 HTTP/1.1\r\nX-Pad: ${'a'.repeat(2000)}\r\n\r\n`);
      });
      let out = '';
      s.on('data', (c) => {
        out += c;
      });
      s.on('close', () => resolve(out));
      s.on('error', () => {});
    });
    assert.match(big, /^HTTP\/1\.1 431/);
    await gw.waitEvent((e) => e.reason === 'header_too_large' && e.eventId === EVENT.NOT_CONNECT);

    // An established tunnel with no traffic is closed after idleTimeoutMs.
    const { socket } = await rawConnect(gw.info.port, `${WS_HOST}:443`);
    const { nodeHello } = await import('./hellos.ts');
    socket.write(await nodeHello('TLSv1.3', WS_HOST));
    await gw.waitEvent((e) => e.eventId === EVENT.TLS_SESSION_VERIFIED);
    assert.ok(await closed(socket, 3000), 'idle tunnel closed');
    await gw.waitEvent((e) => e.eventId === EVENT.GENERAL_INFO && /Idle tunnel/.test(e.message));
  });
});
