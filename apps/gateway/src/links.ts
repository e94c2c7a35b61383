/**
 * What carries a tunnel's client side: Node sockets (`SocketLink`: the mTLS listener, PROXY protocol, no addon)
 * or a connection of the addon's native front (`FrontLink`: the default plain listener, no Node socket at all
 * unless the tunnel goes through a relay proxy). tunnel.ts decides; a link only moves bytes and reports.
 */
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { TLSSocket } from 'node:tls';
import {
  type FrontConn,
  FrontDialError,
  type FrontHead,
  spliceTunnel,
  spliceUnavailable,
} from '@gatewatch/splice';
import { ClientHelloReader, type ClientHelloResult } from './clienthello.ts';
import type { RelayProxyConfig } from './config.ts';
import type { TunnelBytes } from './counters.ts';
import { unmapIPv4 } from './ssrf.ts';
import { dialDirect, dialViaRelay, UpstreamError } from './upstream.ts';

/** Where a tunnel is dialled: an address (direct), or a host the relay proxy resolves. */
export type DialTarget = { host: string; port: number; relay?: RelayProxyConfig };

export interface HelloRead {
  result: ClientHelloResult;
  /** Every tunnel byte read so far (the upstream gets them first). */
  buffered: Buffer;
  /** The client hung up while we read. */
  closed: boolean;
}

export interface PumpOptions {
  zeroCopy: boolean;
  buffered: Buffer;
  idleTimeoutMs: number;
  onIdle(): void;
  /** The tunnel was cut by the gateway's own shortage (out of descriptors or memory): its fix. */
  onShortage(code: string, fix: string): void;
}

export interface Pump {
  zeroCopy: boolean;
  measure(): TunnelBytes;
  close(): void;
  /** Resolves once both sockets are closed. */
  closed: Promise<void>;
}

export interface ClientLink {
  /** The address counted and limited (the load balancer's PROXY header wins); IPv4-mapped shown as IPv4. */
  readonly clientAddress: string;
  readonly clientPort: number;
  /** The mTLS listener's socket (its client certificate). */
  readonly tls?: TLSSocket;
  /** Called once when the client hangs up before the tunnel is pumping. */
  onClose(cb: () => void): void;
  /** Answers before the 200, then closes. */
  respond(status: number, extra?: string): void;
  /** Closes both sides now. */
  destroy(): void;
  /** Opens the upstream side; rejects with an UpstreamError naming the cause. */
  dial(target: DialTarget, timeoutMs: number): Promise<{ address: string; port: number }>;
  /** Wall-clock ms the dial finished (undefined: now). */
  dialedAt(): number | undefined;
  /** Answers 200 and reads tunnel bytes (after `head`, those that came with the request) until the reader decides. */
  readHello(head: Buffer, timeoutMs: number): Promise<HelloRead>;
  /** Moves the rest of the tunnel. */
  pump(opts: PumpOptions): Pump;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** A bodiless answer that closes the connection. */
export function answer(status: number, extra = ''): string {
  return `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`;
}

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

export function respond(socket: Socket, status: number, extra = ''): void {
  if (socket.destroyed) return;
  socket.end(answer(status, extra));
  socket.destroySoon?.();
  setTimeout(() => socket.destroy(), 1000).unref();
}

const peerAddresses = new WeakMap<Socket, string>();

/** The real client behind a load balancer, from its PROXY protocol header. */
export function setPeerAddress(socket: Socket, address: string): void {
  peerAddresses.set(socket, unmapIPv4(address));
}

/** Client address as counted and limited (kept past close); IPv4-mapped IPv6 shown as IPv4. */
export function peerAddress(socket: Socket): string {
  let addr = peerAddresses.get(socket);
  if (addr === undefined) {
    addr = unmapIPv4(socket.remoteAddress ?? '');
    if (socket.remoteAddress) peerAddresses.set(socket, addr);
  }
  return addr;
}

/** Splice errors that are the gateway's own shortage, not a peer going away (ECONNRESET, EPIPE, …): their fix. */
const SHORTAGES: Record<string, string> = {
  EMFILE:
    'the gateway process is out of file descriptors; raise its open-file limit (ulimit -n, LimitNOFILE)',
  ENFILE: 'the system is out of file descriptors; raise fs.file-max',
  ENOMEM: 'the kernel is out of memory for socket buffers and pipes',
  ENOBUFS: 'the kernel is out of memory for socket buffers and pipes',
};

/** The end of a spliced tunnel, as the pump's callbacks see it. */
function spliceEnded(opts: PumpOptions, done: () => void) {
  return (end: { reason: string; code?: string }) => {
    if (end.reason === 'idle') opts.onIdle();
    const fix = end.reason === 'error' && end.code && SHORTAGES[end.code];
    if (fix && end.code) opts.onShortage(end.code, fix);
    done();
  };
}

/** A tunnel carried by two Node sockets. */
export class SocketLink implements ClientLink {
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly tls?: TLSSocket;

  constructor(
    private readonly client: Socket,
    private upstream?: Socket,
  ) {
    this.clientAddress = peerAddress(client);
    this.clientPort = client.remotePort ?? 0;
    if (client instanceof TLSSocket) this.tls = client;
    // The two pipelines, inspection and the tunnel's own close handling watch 'close'.
    client.setMaxListeners(32);
    client.once('close', () => this.upstream?.destroy());
  }

  onClose(cb: () => void): void {
    this.client.once('close', cb);
  }

  respond(status: number, extra = ''): void {
    respond(this.client, status, extra);
  }

  destroy(): void {
    this.client.destroy();
    this.upstream?.destroy();
  }

  async dial(target: DialTarget, timeoutMs: number) {
    const up = target.relay
      ? await dialViaRelay(target.relay, target.host, target.port, timeoutMs)
      : await dialDirect(target.host, target.port, timeoutMs);
    this.upstream = up;
    up.setMaxListeners(32);
    up.on('error', () => up.destroy());
    if (this.client.destroyed) up.destroy();
    return { address: up.remoteAddress ?? '', port: up.remotePort ?? 0 };
  }

  dialedAt(): undefined {
    return undefined;
  }

  readHello(head: Buffer, timeoutMs: number): Promise<HelloRead> {
    this.client.write(ESTABLISHED);
    return readClientHello(this.client, head, timeoutMs);
  }

  pump(opts: PumpOptions): Pump {
    const up = this.upstream as Socket;
    const spliced =
      opts.zeroCopy && !this.tls && !spliceUnavailable() ? spliceBytes(this.client, up, opts) : undefined;
    return spliced ?? streamBytes(this.client, up, opts);
  }
}

/**
 * A connection of the native front: the addon's thread accepted it, read its head, dials, answers 200 and
 * reads its first bytes; JS only decides. A relay proxy (or zeroCopy off) hands the sockets to Node.
 */
export class FrontLink implements ClientLink {
  readonly clientAddress: string;
  readonly clientPort: number;
  private closeCbs: (() => void)[] = [];
  /** Its request head has arrived (or failed). */
  headed = false;
  private dialed?: number;
  /** Node sockets once the tunnel left the front (relay, streams). */
  private node?: SocketLink;

  constructor(
    private readonly conn: FrontConn,
    /** Called once when the connection is over (answered, closed, or its tunnel ended). */
    private readonly onDone: () => void,
  ) {
    this.clientAddress = unmapIPv4(conn.clientAddress);
    this.clientPort = conn.clientPort;
    conn.onGone = () => {
      if (!this.headed) return this.destroy(); // left before its head: nothing else waits for it
      for (const cb of this.closeCbs.splice(0)) cb();
    };
  }

  /** The request head (or why none came). */
  onHead(cb: (head: FrontHead) => void): void {
    this.conn.onHead = (head) => {
      this.headed = true;
      cb(head);
    };
  }

  onClose(cb: () => void): void {
    if (this.node) this.node.onClose(cb);
    else this.closeCbs.push(cb);
  }

  respond(status: number, extra = ''): void {
    if (this.node) this.node.respond(status, extra);
    else this.answer(answer(status, extra));
  }

  /** Sends a whole HTTP answer, then closes. */
  answer(bytes: string): void {
    this.conn.respond(bytes);
    this.done();
  }

  destroy(): void {
    if (this.node) this.node.destroy();
    else {
      this.conn.close();
      this.done();
    }
  }

  async dial(target: DialTarget, timeoutMs: number) {
    if (target.relay) return this.toNode().dial(target, timeoutMs);
    try {
      const d = await this.conn.dial(target.host, target.port, timeoutMs);
      this.dialed = d.at;
      return d;
    } catch (err) {
      const code = err instanceof FrontDialError ? err.code : String(err);
      this.dialed = Date.now();
      throw code === 'ETIMEDOUT'
        ? new UpstreamError(`connect to ${target.host}:${target.port} timed out after ${timeoutMs} ms`, 504)
        : new UpstreamError(`cannot connect to ${target.host}:${target.port}: ${code}`, 502);
    }
  }

  dialedAt(): number | undefined {
    return this.node ? undefined : this.dialed;
  }

  readHello(head: Buffer, timeoutMs: number): Promise<HelloRead> {
    if (this.node) return this.node.readHello(head, timeoutMs);
    // The front answered 200 when the dial succeeded and reads on its own.
    return readHello(head, timeoutMs, (data, end) => {
      this.conn.onData = (chunk, eof) => {
        if (chunk.length) data(chunk);
        if (eof) end();
      };
      if (this.conn.gone) end();
      return () => {
        this.conn.onData = undefined;
      };
    });
  }

  pump(opts: PumpOptions): Pump {
    if (!opts.zeroCopy && !this.node) {
      // Streams: the sockets become Node's, with every byte the front read still owed to the upstream.
      const { client, upstream, buffered } = this.conn.adopt();
      if (!client || !upstream) return this.gone();
      return this.adopted(client, upstream).pump({ ...opts, buffered });
    }
    if (this.node) return this.node.pump(opts);
    let ended!: () => void;
    const closed = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const tunnel = this.conn.splice({
      idleTimeoutMs: opts.idleTimeoutMs,
      onEnd: spliceEnded(opts, () => {
        this.done();
        ended();
      }),
    });
    if (!tunnel) return this.gone();
    return { zeroCopy: true, measure: tunnel.bytes, close: tunnel.close, closed };
  }

  /** The connection was closed before it could pump (a stop, a drain deadline). */
  private gone(): Pump {
    this.done();
    return { zeroCopy: false, measure: () => ({ up: 0, down: 0 }), close() {}, closed: Promise.resolve() };
  }

  private toNode(): SocketLink {
    const { client } = this.conn.adopt();
    if (!client) throw new UpstreamError('the client connection is gone', 502);
    return this.adopted(client);
  }

  private adopted(client: Socket, upstream?: Socket): SocketLink {
    setPeerAddress(client, this.clientAddress);
    client.on('error', () => client.destroy());
    client.once('close', () => this.done());
    this.node = new SocketLink(client, upstream);
    for (const cb of this.closeCbs.splice(0)) this.node.onClose(cb);
    return this.node;
  }

  private finished = false;
  private done(): void {
    if (this.finished) return;
    this.finished = true;
    this.onDone();
  }
}

/**
 * The kernel moves the bytes (splice(2) on the addon's epoll thread): none pass through JS. Undefined when a
 * socket cannot be handed over (Node still has bytes to write to it), so the caller falls back to streams.
 */
function spliceBytes(client: Socket, up: Socket, opts: PumpOptions): Pump | undefined {
  let ended!: () => void;
  const closed = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const tunnel = spliceTunnel(client, up, {
    pendingUp: opts.buffered,
    idleTimeoutMs: opts.idleTimeoutMs,
    onEnd: spliceEnded(opts, () => ended()),
  });
  return tunnel && { zeroCopy: true, measure: tunnel.bytes, close: tunnel.close, closed };
}

/**
 * Node streams move the bytes, with backpressure; half-close passes through; an error destroys both sides.
 * Bytes are read from the upstream socket's own counters (from here on: the relay's answer and the CONNECT
 * to it are not tunnel bytes), so the data path does no per-chunk accounting.
 */
function streamBytes(client: Socket, up: Socket, opts: PumpOptions): Pump {
  const sentBefore = up.bytesWritten;
  const receivedBefore = up.bytesRead;
  up.write(opts.buffered);
  pipeline(client, up, (err) => {
    if (err) up.destroy();
  });
  pipeline(up, client, (err) => {
    if (err) client.destroy();
  });
  const close = () => {
    client.destroy();
    up.destroy();
  };
  client.setTimeout(opts.idleTimeoutMs, () => {
    opts.onIdle();
    close();
  });
  const closed = Promise.all(
    [client, up].map((s) => (s.closed ? undefined : new Promise((r) => s.once('close', r)))),
  ).then(() => {});
  return {
    zeroCopy: false,
    measure: () => ({ up: up.bytesWritten - sentBefore, down: up.bytesRead - receivedBefore }),
    close,
    closed,
  };
}

/**
 * Reads tunnel bytes (those that came with the CONNECT head first) until the ClientHello parser decides, the
 * client ends or the timeout passes. `listen` feeds the chunks and the end, and returns how to stop listening.
 */
function readHello(
  head: Buffer,
  timeoutMs: number,
  listen: (data: (chunk: Buffer) => void, end: () => void) => () => void,
): Promise<HelloRead> {
  const reader = new ClientHelloReader();
  const first = reader.push(head);
  if (first.kind !== 'incomplete')
    return Promise.resolve({ result: first, buffered: reader.buffered(), closed: false });
  return new Promise((resolve) => {
    let stop: (() => void) | undefined;
    let done = false;
    const finish = (result: ClientHelloResult, closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stop?.();
      resolve({ result, buffered: reader.buffered(), closed });
    };
    const timer = setTimeout(() => finish(reader.result(), false), timeoutMs);
    stop = listen(
      (chunk) => {
        const r = reader.push(chunk);
        if (r.kind !== 'incomplete') finish(r, false);
      },
      () => finish(reader.result(), true),
    );
    if (done) stop(); // it ended while listen() was still setting up
  });
}

/** The ClientHello from a Node socket (paused again once decided: the pump takes over). */
function readClientHello(client: Socket, head: Buffer, timeoutMs: number): Promise<HelloRead> {
  return readHello(head, timeoutMs, (data, end) => {
    client.on('data', data);
    client.once('end', end);
    client.once('close', end);
    client.resume();
    // net emits 'end' at EOF even while paused: the client may have hung up while we were dialling.
    if (client.readableEnded || client.destroyed) end();
    return () => {
      client.off('data', data);
      client.off('end', end);
      client.off('close', end);
      client.pause();
    };
  });
}
