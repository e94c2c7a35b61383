/** The byte pump of an established tunnel against a raw TCP peer: half-close in both directions, backpressure
 * with a slow reader, exact byte counters, and a reset that takes both sides down without a leaked socket. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { nodeHello } from './hellos.ts';
import {
  Cleanup,
  closed,
  rawConnect,
  startGateway,
  type TestGateway,
  WS,
  WS_HOST,
  waitFor,
} from './helpers.ts';

/** Everything a socket sends until its FIN (rejects on reset). */
function readAll(socket: Socket, first: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts = [first];
    socket.on('data', (c: Buffer) => parts.push(c));
    socket.once('end', () => resolve(Buffer.concat(parts)));
    socket.once('error', reject);
  });
}

describe('tunnel byte pump', { timeout: 60_000 }, () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());
  let gw: TestGateway;
  let hello: Buffer;
  let target: Server;
  /** What the next accepted target connection does with its socket. */
  let onTarget: (s: Socket) => void = () => {};

  before(async () => {
    hello = await nodeHello('TLSv1.3', WS_HOST);
    target = createServer({ allowHalfOpen: true }, (s) => onTarget(s));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    cleanup.after(() => target.close());
    const port = (target.address() as AddressInfo).port;
    gw = await startGateway(cleanup, {
      workspaces: [WS],
      resolve: { [`${WS_HOST}:443`]: `127.0.0.1:${port}` },
    });
  });

  const settled = (before: ReturnType<TestGateway['gateway']['counters']>, up: number, down: number) =>
    waitFor(
      () => {
        const c = gw.gateway.counters();
        return (
          c.activeClientConnections === 0 &&
          c.bytesUp - before.bytesUp === up &&
          c.bytesDown - before.bytesDown === down &&
          c
        );
      },
      5000,
      `exact byte counters (+${up} up, +${down} down; now ${JSON.stringify(gw.gateway.counters())})`,
    );

  it('client FIN first: the target still answers after it, every byte counted exactly', async () => {
    const before = gw.gateway.counters();
    const upload = randomBytes(3_000_000);
    const answer = randomBytes(700_000);
    const received = new Promise<Buffer>((resolve) => {
      onTarget = (s) => {
        // Answer only after the client's FIN arrived: the tunnel must carry a half-closed connection.
        readAll(s).then((got) => {
          resolve(got);
          s.end(answer);
        });
      };
    });
    const { status, socket, rest } = await rawConnect(gw.info.port, `${WS_HOST}:443`, { extra: hello });
    assert.equal(status, 200);
    const answered = readAll(socket, rest);
    socket.end(upload);
    assert.deepEqual(await received, Buffer.concat([hello, upload]));
    assert.deepEqual(await answered, answer);
    await closed(socket);
    await settled(before, hello.length + upload.length, answer.length);
  });

  it('target FIN first with a slow client: the client gets all of it, then can still upload', async () => {
    const before = gw.gateway.counters();
    const answer = randomBytes(4_000_000);
    const late = randomBytes(100_000);
    const received = new Promise<Buffer>((resolve) => {
      onTarget = (s) => {
        readAll(s).then(resolve);
        s.end(answer); // far more than the socket buffers hold: the gateway must pause and resume
      };
    });
    const { status, socket, rest } = await rawConnect(gw.info.port, `${WS_HOST}:443`, { extra: hello });
    assert.equal(status, 200);
    socket.allowHalfOpen = true; // keep sending after the target's FIN
    socket.pause();
    await new Promise((r) => setTimeout(r, 300)); // let the gateway hit backpressure
    const answered = readAll(socket, rest);
    socket.resume();
    assert.deepEqual(await answered, answer);
    socket.end(late);
    assert.deepEqual(await received, Buffer.concat([hello, late]));
    await closed(socket);
    await settled(before, hello.length + late.length, answer.length);
  });

  it('a reset on one side closes the other, and nothing stays open', async () => {
    const targetSide = new Promise<Socket>((resolve) => {
      onTarget = (s) => {
        s.on('error', () => {});
        s.once('data', () => resolve(s));
      };
    });
    const { socket } = await rawConnect(gw.info.port, `${WS_HOST}:443`, { extra: hello });
    socket.on('error', () => {});
    const t = await targetSide;
    t.resetAndDestroy();
    assert.ok(await closed(socket), 'client side closed after the target reset');
    await waitFor(() => gw.gateway.counters().activeClientConnections === 0, 5000, 'no open connection');

    const targetSide2 = new Promise<Socket>((resolve) => {
      onTarget = (s) => {
        s.on('error', () => {});
        s.once('data', () => resolve(s));
      };
    });
    const second = await rawConnect(gw.info.port, `${WS_HOST}:443`, { extra: hello });
    const t2 = await targetSide2;
    const t2Ended = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      t2.resume();
      t2.once('end', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    second.socket.resetAndDestroy();
    assert.ok(await t2Ended, 'target side closed after the client reset');
    await waitFor(() => gw.gateway.counters().activeClientConnections === 0, 5000, 'no open connection');
  });
});
