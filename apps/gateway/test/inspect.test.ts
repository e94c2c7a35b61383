/** ClientHello inspection inside real tunnels: each version / garbage, split at several offsets (including bytes
 * sent together with the CONNECT head); the event id and the counter change are asserted for each. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EVENT, type RejectionReason } from '@gatewatch/events';
import { GARBAGE, nodeHello, ssl2Hello, ssl3Hello } from './hellos.ts';
import {
  Cleanup,
  closed,
  makePki,
  rawConnect,
  startGateway,
  startTarget,
  type TestGateway,
  tempDir,
  WS,
  WS_HOST,
} from './helpers.ts';

type Expect = { event: number; reason?: RejectionReason };

describe('ClientHello inspection in the tunnel', () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());
  let gw: TestGateway;
  let legacy: TestGateway;
  const hellos: Record<string, Buffer> = {};

  before(async () => {
    const dir = tempDir(cleanup);
    const pki = await makePki(dir, [WS_HOST]);
    const target = await startTarget(pki);
    cleanup.after(() => target.server.close());
    const resolve = { [`${WS_HOST}:443`]: `127.0.0.1:${target.port}` };
    gw = await startGateway(cleanup, { workspaces: [WS], resolve, limits: { clientHelloTimeoutMs: 1500 } });
    legacy = await startGateway(cleanup, { workspaces: [WS], resolve, minTlsVersion: 'TLS1.0' });
    hellos.tls10 = await nodeHello('TLSv1', WS_HOST);
    hellos.tls11 = await nodeHello('TLSv1.1', WS_HOST);
    hellos.tls12 = await nodeHello('TLSv1.2', WS_HOST);
    hellos.tls13 = await nodeHello('TLSv1.3', WS_HOST);
    hellos.ssl3 = ssl3Hello();
    hellos.ssl2 = ssl2Hello();
    hellos.garbage = GARBAGE;
    hellos.mismatch = await nodeHello('TLSv1.3', 'somewhere-else.example');
  });

  const cases: [string, Expect, Expect][] = [
    // name, default gateway (min TLS 1.2), legacy gateway (min TLS 1.0)
    ['tls10', { event: 106, reason: 'tls_version_unsupported' }, { event: 107 }],
    ['tls11', { event: 106, reason: 'tls_version_unsupported' }, { event: 107 }],
    ['tls12', { event: 107 }, { event: 107 }],
    ['tls13', { event: 107 }, { event: 107 }],
    [
      'ssl3',
      { event: 106, reason: 'tls_version_unsupported' },
      { event: 106, reason: 'tls_version_unsupported' },
    ],
    [
      'ssl2',
      { event: 106, reason: 'tls_version_unsupported' },
      { event: 106, reason: 'tls_version_unsupported' },
    ],
    ['garbage', { event: 402, reason: 'tls_parse_error' }, { event: 402, reason: 'tls_parse_error' }],
    ['mismatch', { event: 105, reason: 'sni_mismatch' }, { event: 105, reason: 'sni_mismatch' }],
  ];

  /** Send the hello split at `cut` (0 = whole hello in the CONNECT packet); return the new terminal event. */
  async function attempt(g: TestGateway, hello: Buffer, cut: number) {
    const seen = g.events.length;
    const beforeCounters = g.gateway.counters();
    const { status, socket } = await rawConnect(
      g.info.port,
      `${WS_HOST}:443`,
      cut === 0 ? { extra: hello } : {},
    );
    assert.equal(status, 200);
    if (cut > 0) {
      socket.write(hello.subarray(0, cut));
      await new Promise((r) => setTimeout(r, 15));
      socket.write(hello.subarray(cut));
    }
    const ev = await g.waitEvent(
      (e) => g.events.indexOf(e) >= seen && [105, 106, 107, 402].includes(e.eventId),
      4000,
    );
    socket.destroy();
    await closed(socket);
    return { ev, before: beforeCounters, after: g.gateway.counters() };
  }

  for (const [name, strict, lenient] of cases) {
    it(`${name}: default gateway → ${strict.event}${strict.reason ? ` ${strict.reason}` : ''}; min TLS1.0 → ${lenient.event}`, async () => {
      const hello = hellos[name] as Buffer;
      for (const [g, expect] of [
        [gw, strict],
        [legacy, lenient],
      ] as const) {
        for (const cut of [0, 1, 3, 5, 6, Math.floor(hello.length / 2), hello.length - 1]) {
          const { ev, before: b, after: a } = await attempt(g, hello, cut);
          const where = `${name} cut ${cut}`;
          assert.equal(ev.eventId, expect.event, `${where}: ${ev.message}`);
          assert.equal(ev.reason, expect.reason ?? '', where);
          assert.equal(ev.workspaceId, WS, where);
          const rejected = expect.reason ? 1 : 0;
          assert.equal(a.rejectionCount - b.rejectionCount, rejected, where);
          if (expect.reason) {
            assert.equal(
              (a.rejectionsByReason[expect.reason] ?? 0) - (b.rejectionsByReason[expect.reason] ?? 0),
              1,
              where,
            );
          } else {
            assert.equal(a.tunnelsEstablished - b.tunnelsEstablished, 1, where);
          }
          assert.equal(a.errorCount - b.errorCount, expect.event === 402 ? 1 : 0, where);
        }
      }
    });
  }

  it('a tunnel that never sends a ClientHello is closed with 402 after clientHelloTimeoutMs', async () => {
    const { status, socket } = await rawConnect(gw.info.port, `${WS_HOST}:443`);
    assert.equal(status, 200);
    const seen = gw.events.length;
    socket.write(Buffer.from([0x16, 0x03, 0x01]));
    assert.ok(await closed(socket, 4000));
    const ev = gw.events.slice(seen).find((e) => e.eventId === EVENT.TLS_HANDSHAKE_PARSE_ERROR);
    assert.ok(ev);
    assert.match(ev.message, /no complete ClientHello within 1500 ms/);
  });
});
