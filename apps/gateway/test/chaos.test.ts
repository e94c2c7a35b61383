/** Clients hanging up at every possible byte (mid-header, mid-dial, mid-ClientHello, mid-tunnel; FIN or RST):
 * no leaked connection, no spurious refusal or error, and the gateway keeps serving. */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { nodeHello } from './hellos.ts';
import { agentUpload, WS_HOST, waitFor, workspaceSuite } from './helpers.ts';

describe('clients that hang up anywhere', () => {
  const ctx = workspaceSuite({
    allowedHosts: ['dead.test'],
    resolve: { 'dead.test:443': '127.0.0.1:1' },
    limits: { clientHelloTimeoutMs: 5000, headerTimeoutMs: 5000 },
  });

  it('400 random aborts leave no open connection and no spurious event', async () => {
    const hello = await nodeHello('TLSv1.3', WS_HOST);
    const one = (i: number) =>
      new Promise<void>((resolve) => {
        const s = connect(ctx.gw.info.port, '127.0.0.1');
        const guard = setTimeout(() => s.destroy(), 3000);
        s.on('error', () => {});
        s.resume(); // read whatever comes, so the gateway's FIN is seen
        s.on('close', () => {
          clearTimeout(guard);
          resolve();
        });
        const host = i % 7 === 0 ? 'dead.test' : WS_HOST;
        const bytes = Buffer.concat([Buffer.from(`CONNECT ${host}:443 HTTP/1.1\r\n\r\n`), hello]);
        s.on('connect', () => {
          s.write(bytes.subarray(0, randomInt(bytes.length + 100)));
          setTimeout(
            () => [() => s.destroy(), () => s.end(), () => s.resetAndDestroy()][i % 3]?.(),
            randomInt(30),
          );
        });
      });
    for (let round = 0; round < 4; round++)
      await Promise.all(Array.from({ length: 100 }, (_, i) => one(round * 100 + i)));
    const c = await waitFor(
      () => {
        const s = ctx.gw.gateway.counters();
        return s.activeClientConnections === 0 && s;
      },
      5000,
      'all connections to close',
    );
    assert.equal(c.connectedClients, 0);
    assert.deepEqual(c.rejectionsByReason, {});
    const ids = new Set(ctx.gw.events.map((e) => e.eventId));
    for (const id of ids) assert.ok([101, 103, 107, 403].includes(id), `unexpected event ${id}`);
    assert.equal(c.errorCount, ctx.gw.events.filter((e) => e.eventId === 403).length);
    const r = await agentUpload(ctx.gw.info.port, WS_HOST, ctx.pki.caCert, 100_000);
    assert.equal(r.status, 200);
  });
});
