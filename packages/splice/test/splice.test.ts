import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { spliceStats, spliceTunnel, spliceUnavailable } from '../src/index.ts';
import { collect, connected, exchange, open, openFds, send, sha } from './relay.ts';

describe('spliceTunnel', { skip: process.platform !== 'linux' && 'splice(2) is Linux-only' }, () => {
  it('is built and loaded (npm ci builds it; a failed build must not pass unnoticed)', () => {
    assert.equal(spliceUnavailable(), undefined);
  });

  it('leaves sockets it cannot take (closed, or with bytes still queued) to the caller', async () => {
    const [accepted, connecting] = await connected();
    accepted.destroy();
    const untouched = spliceTunnel(accepted, connecting, {
      idleTimeoutMs: 0,
      onEnd: () => assert.fail('no end'),
    });
    assert.equal(untouched, undefined);
    assert.equal(connecting.destroyed, false, 'the other socket is not touched');
    connecting.destroy();
  });

  it('carries every byte both ways, the pending bytes first, and counts them', async () => {
    const prefix = randomBytes(517);
    const p = await open(0, prefix);
    const up = randomBytes(6_000_000);
    const down = randomBytes(3_500_000);
    const gotUp = collect(p.target);
    const gotDown = collect(p.client);
    await Promise.all([send(p.client, up), send(p.target, down)]);
    const [u, d] = await Promise.all([gotUp, gotDown]);
    assert.equal(sha(u), sha(Buffer.concat([prefix, up])));
    assert.equal(sha(d), sha(down));
    const { end, bytes } = await p.ended;
    assert.deepEqual(end, { reason: 'closed' });
    assert.deepEqual(bytes, { up: prefix.length + up.length, down: down.length });
    assert.ok(p.relayClient.destroyed && p.relayUpstream.destroyed, 'both sockets destroyed at the end');
    p.client.destroy();
    p.target.destroy();
  });

  it('leaves no descriptor behind (pipes are pooled, sockets closed)', async () => {
    const run = async () => {
      const p = await open();
      const got = collect(p.target);
      await send(p.client, randomBytes(200_000));
      await got;
      p.target.end();
      await p.ended;
      p.client.destroy();
      p.target.destroy();
    };
    await run(); // the pool holds the pipes one tunnel needs from here on
    await new Promise((r) => setTimeout(r, 50));
    const before = openFds();
    for (let i = 0; i < 20; i++) await run();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(openFds(), before);
  });

  it('passes a half-close on and keeps the other direction open', async () => {
    const p = await open();
    const gotUp = collect(p.target);
    p.client.end('request');
    assert.equal((await gotUp).toString(), 'request');
    // The client has finished sending; the answer still comes back, then the target closes.
    const gotDown = collect(p.client);
    p.target.end(Buffer.alloc(300_000, 7));
    assert.equal((await gotDown).length, 300_000);
    const { end, bytes } = await p.ended;
    assert.equal(end.reason, 'closed');
    assert.deepEqual(bytes, { up: 7, down: 300_000 });
  });

  it('ends both sides when one resets, naming the error', async () => {
    const p = await open();
    p.client.on('error', () => {});
    const clientClosed = once(p.client, 'end'); // the tunnel's end reaches the agent as EOF
    p.target.write('x');
    await once(p.client, 'data');
    p.target.resetAndDestroy();
    const { end } = await p.ended;
    assert.deepEqual(end, { reason: 'error', code: 'ECONNRESET' });
    await clientClosed;
  });

  it('ends an idle tunnel after its idle timeout, not before', async () => {
    const p = await open(400);
    const t0 = Date.now();
    p.client.on('error', () => {});
    const clientClosed = once(p.client, 'end');
    p.client.write('a');
    await once(p.target, 'data');
    const { end } = await p.ended;
    const waited = Date.now() - t0;
    assert.equal(end.reason, 'idle');
    assert.ok(waited >= 400 && waited < 2_500, `idle end after ${waited} ms`);
    await clientClosed;
  });

  it('close() and destroy() of either socket end it at once, once', async () => {
    const a = await open();
    a.client.on('error', () => {});
    a.tunnel.close();
    assert.deepEqual((await a.ended).end, { reason: 'aborted' });
    assert.ok(a.relayClient.destroyed && a.relayUpstream.destroyed);
    await once(a.client, 'end');

    const b = await open();
    b.client.on('error', () => {});
    b.relayUpstream.destroy();
    assert.deepEqual((await b.ended).end, { reason: 'aborted' });
    assert.ok(b.relayClient.destroyed);
    await once(b.client, 'end');
    b.target.destroy();
    a.target.destroy();
  });

  it('waits for a slow reader (backpressure) without losing bytes', async () => {
    const p = await open();
    p.target.pause();
    const data = randomBytes(24_000_000);
    const sent = send(p.client, data);
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(p.tunnel.bytes().up < data.length, 'the tunnel stopped while the reader did not read');
    const got = collect(p.target);
    p.target.resume();
    await sent;
    assert.equal(sha(await got), sha(data));
    p.target.end();
    assert.equal((await p.ended).bytes.up, data.length);
  });

  it('serves 200 concurrent tunnels with random sizes and close orders', async () => {
    const before = openFds();
    const pairs = await Promise.all(Array.from({ length: 200 }, () => open()));
    await Promise.all(
      pairs.map(async (p, i) => {
        const up = randomBytes(Math.floor(Math.random() * 400_000));
        const down = randomBytes(Math.floor(Math.random() * 400_000));
        let result: Awaited<typeof p.ended>;
        if (i % 2) {
          // The target answers only after the client has finished and its bytes have all arrived.
          const gotUp = collect(p.target);
          const gotDown = collect(p.client);
          await send(p.client, up);
          assert.equal(sha(await gotUp), sha(up));
          await send(p.target, down);
          assert.equal(sha(await gotDown), sha(down));
          result = await p.ended;
        } else result = await exchange(p, up, down);
        assert.equal(result.end.reason, 'closed');
        assert.deepEqual(result.bytes, { up: up.length, down: down.length });
        p.client.destroy();
        p.target.destroy();
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    // Pipes return to a pool of at most 256 (512 descriptors): none are held per tunnel.
    assert.ok(openFds() <= before + 512, `descriptors ${before} → ${openFds()}`);
    assert.equal(spliceStats().pipesInUse, 0);
    assert.equal(spliceStats().pipeWaits, 0, 'far below the default limit nothing waits');
  });
});
