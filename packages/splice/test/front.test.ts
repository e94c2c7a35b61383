/**
 * The native front on real loopback sockets: what a client sends, what JS hears (accept, head, dial, first
 * bytes, gone), what the client gets back, and that bytes and descriptors are accounted for.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  type FrontConn,
  FrontDialError,
  type FrontHead,
  type FrontListener,
  listenFront,
  type SpliceEnd,
  spliceStats,
  type TunnelBytes,
} from '../src/index.ts';
import { collect, openFds, sha } from './relay.ts';

interface Accepted {
  conn: FrontConn;
  head: Promise<FrontHead>;
  gone: Promise<void>;
}

/** A front on a fresh loopback port: every accepted connection, in order. */
async function front(
  opts: Partial<{ maxHeaderBytes: number; headerTimeoutMs: number; maxPending: number }> = {},
) {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted: Accepted[] = [];
  const waiting: ((a: Accepted) => void)[] = [];
  const full: string[] = [];
  let fullSeen: (addr: string) => void = () => {};
  /** The first connection refused as over maxPending: its note and the client's 503 travel separately. */
  const firstFull = new Promise<string>((r) => {
    fullSeen = r;
  });
  const held: FrontConn[] = [];
  const listener: FrontListener = listenFront(
    server,
    { maxHeaderBytes: 16384, headerTimeoutMs: 5000, maxPending: 100, ...opts },
    {
      accept(conn) {
        held.push(conn);
        const a: Accepted = {
          conn,
          head: new Promise((r) => {
            conn.onHead = r;
          }),
          gone: new Promise((r) => {
            conn.onGone = r;
          }),
        };
        const w = waiting.shift();
        if (w) w(a);
        else accepted.push(a);
      },
      full(addr) {
        full.push(addr);
        fullSeen(addr);
      },
    },
  );
  const next = () =>
    new Promise<Accepted>((r) => {
      const a = accepted.shift();
      if (a) r(a);
      else waiting.push(r);
    });
  const clients: Socket[] = [];
  const client = async (bytes?: string | Buffer) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    clients.push(s);
    await once(s, 'connect');
    if (bytes !== undefined) s.write(bytes);
    return s;
  };
  /** Closes the listener, every client and whatever connection JS still holds. */
  const done = () => {
    listener.close();
    for (const s of clients) s.destroy();
    for (const a of held) a.close();
  };
  return { port, listener, next, client, full, firstFull, done };
}

/** A target that records what it receives and answers with `reply` once it has `expect` bytes. */
async function target(): Promise<{ server: Server; port: number; sockets: Promise<Socket> }> {
  const server = createServer({ allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sockets = once(server, 'connection').then(([s]) => s as Socket);
  return { server, port: (server.address() as { port: number }).port, sockets };
}

/** Everything a client receives until the gateway closes. */
const answer = (s: Socket) => collect(s).then((b) => b.toString('latin1'));

describe('native front', { skip: process.platform !== 'linux' && 'Linux-only' }, () => {
  const closers: (() => void)[] = [];
  after(() => {
    for (const c of closers) c();
  });

  it('CONNECT: head, dial, 200, first bytes, then a spliced tunnel that carries and counts every byte', async () => {
    const f = await front();
    closers.push(f.done);
    const t = await target();
    closers.push(() => t.server.close());
    const fdsBefore = openFds();

    const hello = randomBytes(300);
    const c = await f.client(
      Buffer.concat([
        Buffer.from('CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n'),
        hello,
      ]),
    );
    const a = await f.next();
    assert.equal(a.conn.clientAddress, '127.0.0.1');
    assert.equal(a.conn.clientPort, c.localPort);
    const head = await a.head;
    assert.ok('method' in head);
    assert.equal(head.method, 'CONNECT');
    assert.equal(head.url, 'example.test:443');
    assert.equal(sha(head.rest), sha(hello), 'bytes after the head come with it');

    const more = randomBytes(5000);
    const data: Buffer[] = [];
    a.conn.onData = (chunk) => data.push(chunk);
    const dialed = await a.conn.dial('127.0.0.1', t.port, 2000);
    assert.equal(dialed.port, t.port);
    const upstream = await t.sockets;
    const established = await new Promise<string>((r) => c.once('data', (b) => r(b.toString())));
    assert.equal(established, 'HTTP/1.1 200 Connection Established\r\n\r\n');
    c.write(more);
    while (data.reduce((n, b) => n + b.length, 0) < more.length) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sha(Buffer.concat(data)), sha(more), 'the first tunnel bytes are told to JS');

    let end!: (v: { end: SpliceEnd; bytes: TunnelBytes }) => void;
    const ended = new Promise<{ end: SpliceEnd; bytes: TunnelBytes }>((r) => {
      end = r;
    });
    const tunnel = a.conn.splice({ idleTimeoutMs: 0, onEnd: (e, b) => end({ end: e, bytes: b }) });
    assert.ok(tunnel, 'a dialled connection splices');
    const up = randomBytes(1_000_000);
    const down = randomBytes(700_000);
    const atTarget = collect(upstream);
    const atClient = collect(c);
    c.end(up);
    upstream.end(down);
    assert.equal(
      sha(await atTarget),
      sha(Buffer.concat([hello, more, up])),
      'upstream got every byte, in order',
    );
    assert.equal(sha(await atClient), sha(down));
    const { end: how, bytes } = await ended;
    assert.equal(how.reason, 'closed');
    assert.deepEqual(bytes, { up: hello.length + more.length + up.length, down: down.length });
    c.destroy();
    upstream.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const pooled = spliceStats().pipesPooled * 2; // the tunnel's pipes wait in the pool for the next one
    assert.equal(openFds() - pooled, fdsBefore, 'the front and the tunnel closed their sockets');
  });

  it('answers what JS says (405 to a GET), then closes; malformed and oversized heads are named', async () => {
    const f = await front({ maxHeaderBytes: 1024 });
    closers.push(f.done);

    const get = await f.client('GET http://example.test/ HTTP/1.1\r\nHost: example.test\r\n\r\n');
    const a = await f.next();
    assert.deepEqual(await a.head, { method: 'GET', url: 'http://example.test/', rest: Buffer.alloc(0) });
    const got = answer(get);
    a.conn.respond('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    assert.match(await got, /^HTTP\/1\.1 405 /);

    // A head in pieces (each its own read) is the same head.
    const line = 'CONNECT split.test:443 HTTP/1.1\r\nHost: split.test:443\r\n\r\n';
    const split = await f.client(line.slice(0, 3));
    const b = await f.next();
    for (let i = 3; i < line.length; i += 7) {
      await new Promise((r) => setTimeout(r, 2));
      split.write(line.slice(i, i + 7));
    }
    assert.deepEqual(await b.head, { method: 'CONNECT', url: 'split.test:443', rest: Buffer.alloc(0) });
    b.conn.close();

    await f.client('HELLO\r\n\r\n');
    assert.deepEqual(await (await f.next()).head, { error: 'HPE_INVALID_METHOD' });

    await f.client(`CONNECT a.test:443 HTTP/1.1\r\nX-Big: ${'x'.repeat(2000)}\r\n\r\n`);
    assert.deepEqual(await (await f.next()).head, { error: 'HPE_HEADER_OVERFLOW' });
  });

  it('a head that never completes is TIMEOUT; a client that leaves mid-head is gone (and closed for JS)', async () => {
    const f = await front({ headerTimeoutMs: 200 });
    closers.push(f.done);
    const slow = await f.client('CONNECT a.test:443 HTTP/1.1\r\n');
    const a = await f.next();
    const started = Date.now();
    assert.deepEqual(await a.head, { error: 'TIMEOUT' });
    assert.ok(Date.now() - started >= 150, 'not before headerTimeoutMs');
    a.conn.close();
    await once(slow, 'end');

    const leaver = await f.client('CONNECT a.t');
    const b = await f.next();
    leaver.destroy();
    await b.gone;
    assert.equal(b.conn.gone, true);
  });

  it('a refused dial is an error naming the errno; the client is not answered 200', async () => {
    const f = await front();
    closers.push(f.done);
    const t = await target();
    const deadPort = t.port;
    t.server.close();
    await once(t.server, 'close');
    const c = await f.client('CONNECT a.test:443 HTTP/1.1\r\n\r\n');
    const a = await f.next();
    await a.head;
    await assert.rejects(a.conn.dial('127.0.0.1', deadPort, 2000), (err: unknown) => {
      assert.ok(err instanceof FrontDialError);
      assert.equal(err.code, 'ECONNREFUSED');
      return true;
    });
    const got = answer(c);
    a.conn.respond('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    assert.match(await got, /^HTTP\/1\.1 502 /);
  });

  it('adopt hands both sockets to Node with the bytes read after the head', async () => {
    const f = await front();
    closers.push(f.done);
    const t = await target();
    closers.push(() => t.server.close());
    const c = await f.client('CONNECT a.test:443 HTTP/1.1\r\n\r\nearly');
    const a = await f.next();
    await a.head;
    await a.conn.dial('127.0.0.1', t.port, 2000);
    await once(c, 'data'); // the 200
    const { client, upstream, buffered } = a.conn.adopt();
    assert.ok(client && upstream);
    assert.equal(buffered.toString(), 'early');
    const at = await t.sockets;
    upstream.end('through node');
    assert.equal((await collect(at)).toString(), 'through node');
    client.end('back');
    assert.equal((await collect(c)).toString(), 'back');
    at.destroy();
    c.destroy();
  });

  it('past maxPending connections still sending their heads, a new one gets 503 before its head is read', async () => {
    const f = await front({ maxPending: 1 });
    closers.push(f.done);
    const first = await f.client('CONNECT a.test:443 HTTP/1.1\r\n');
    const a = await f.next();
    const second = await f.client();
    assert.match(await answer(second), /^HTTP\/1\.1 503 /);
    assert.equal(await f.firstFull, '127.0.0.1');
    assert.deepEqual(f.full, ['127.0.0.1']);
    a.conn.close();
    await once(first, 'end');
  });

  it('close() stops accepting: the port refuses new connections', async () => {
    const f = await front();
    f.done();
    const s = connect({ port: f.port, host: '127.0.0.1' });
    const [err] = (await once(s, 'error')) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNREFUSED');
  });
});
