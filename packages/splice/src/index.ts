/**
 * Zero-copy tunnels: after the gateway has inspected a tunnel's first bytes, `spliceTunnel` hands its two
 * sockets to the addon (`splice.c`), which moves every further byte in the kernel with splice(2) on one
 * epoll thread. Node keeps owning the sockets: it stops reading them here, and closes them only once the
 * addon has let go (its end callback, or a synchronous abort from `close()`/`destroy()`).
 * `listenFront` goes further: the same thread accepts, reads the request head and dials (front.c), so a
 * tunnel served that way never has a Node socket at all.
 */
import { createRequire } from 'node:module';
import { type Server, Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';

/** What the addon's thread tells JS (engine.h NOTE_*). */
const NOTE = { END: 0, HEAD: 1, GONE: 2, DIALED: 3, DATA: 4, FULL: 5, ACCEPT: 6 } as const;

interface Native {
  start(onNote: (kind: number, id: number, ...args: unknown[]) => void, maxPipes: number): void;
  add(
    id: number,
    clientFd: number,
    upstreamFd: number,
    counts: Float64Array,
    idleMs: number,
    pendingUp: Buffer,
    pendingDown: Buffer,
  ): void;
  abort(id: number): boolean;
  stats(): [inUse: number, pooled: number, waits: number];
  frontListen(fd: number, maxHeaderBytes: number, headerTimeoutMs: number, maxPending: number): number;
  frontConfigure(listener: number, headerTimeoutMs: number, maxPending: number): void;
  frontUnlisten(listener: number): void;
  frontDial(id: number, ip: string, port: number, timeoutMs: number): number;
  frontRespond(id: number, bytes: Buffer): void;
  frontClose(id: number): void;
  frontSplice(id: number, tunnelId: number, counts: Float64Array, idleMs: number): boolean;
  frontAdopt(id: number): [client: number, upstream: number, buffered: Buffer];
}

/** How a spliced tunnel ended: both sides closed, one failed (`code`: ECONNRESET, …), idle, or closed by us. */
export type SpliceEnd = { reason: 'closed' | 'idle' | 'aborted' } | { reason: 'error'; code: string };

export interface TunnelBytes {
  up: number;
  down: number;
}

export interface SplicedTunnel {
  /** Bytes moved so far (client → upstream, upstream → client), read without a call into the addon. */
  bytes(): TunnelBytes;
  /** Ends the tunnel now and destroys both sockets (also what `destroy()` on either socket does). */
  close(): void;
}

export interface SpliceOptions {
  /** Bytes already read from the client that the upstream has not been sent yet (e.g. the ClientHello). */
  pendingUp?: Buffer;
  /** Ends the tunnel after this long without a byte either way; 0 = never. */
  idleTimeoutMs: number;
  /** Called once, after both sockets are destroyed. */
  onEnd(end: SpliceEnd, bytes: TunnelBytes): void;
}

interface SocketInternals {
  _handle?: { fd?: number; readStop(): number; reading?: boolean } | null;
  _destroy(err: Error | null, cb: (err: Error | null) => void): void;
}

/**
 * Pipes in use at once per process (default 1024 = 2,048 descriptors). Past it a direction with bytes to move
 * waits for a pipe to come back; its bytes wait in the socket meanwhile (TCP flow control), nothing fails.
 */
const MAX_PIPES_ENV = 'GATEWATCH_SPLICE_MAX_PIPES';
const maxPipes = Number(process.env[MAX_PIPES_ENV] ?? 1024);

const require = createRequire(import.meta.url);
let native: Native | undefined;
let unavailable: string | undefined;
if (process.platform !== 'linux') unavailable = `splice(2) is Linux-only (this is ${process.platform})`;
else if (!Number.isInteger(maxPipes) || maxPipes < 1) {
  unavailable = `${MAX_PIPES_ENV}=${process.env[MAX_PIPES_ENV]} is not a whole number of pipes ≥ 1 (unset it for 1024)`;
} else {
  try {
    native = require('../build/Release/splice.node') as Native;
  } catch (err) {
    unavailable = `the addon is not built (${(err as Error).message.split('\n')[0]}); run: npm rebuild @gatewatch/splice`;
  }
}

export interface SpliceStats {
  /** Pipes holding a tunnel's bytes in flight right now. */
  pipesInUse: number;
  /** Empty pipes kept for reuse. */
  pipesPooled: number;
  /** Times a tunnel direction had to wait for a pipe (the process was at its pipe limit). */
  pipeWaits: number;
}

/** This process's pipe use (all zero before the first spliced tunnel, or where splicing is unavailable). */
export function spliceStats(): SpliceStats {
  const [pipesInUse, pipesPooled, pipeWaits] = native?.stats() ?? [0, 0, 0];
  return { pipesInUse, pipesPooled, pipeWaits };
}

/** Why tunnels cannot be spliced here, or undefined when they can. */
export function spliceUnavailable(): string | undefined {
  return unavailable;
}

/** The file descriptor of a plain TCP socket Node is not writing to, or undefined (TLS, pipes, pending writes). */
function spliceableFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as SocketInternals)._handle?.fd;
  return typeof fd === 'number' && fd >= 0 && socket.writableLength === 0 && !socket.destroyed
    ? fd
    : undefined;
}

const live = new Map<number, (end: SpliceEnd) => void>();
let nextId = 0;

let started = false;
function start(n: Native): void {
  if (started) return;
  started = true;
  n.start((kind, id, ...a) => {
    if (kind === NOTE.END) {
      const [reason, errno] = a as ['closed' | 'error' | 'idle', number];
      live.get(id)?.(reason === 'error' ? { reason, code: getSystemErrorName(-errno) } : { reason });
    } else frontNote(kind, id, a);
  }, maxPipes);
}

function newTunnelId(): number {
  nextId = nextId >= 0xffffffff ? 1 : nextId + 1;
  return nextId;
}

/** Everything Node has read from `socket` and not delivered yet; then Node stops reading it for good. */
function takeOver(socket: Socket): Buffer {
  socket.pause();
  const chunks: Buffer[] = [];
  for (let chunk = socket.read() as Buffer | null; chunk; chunk = socket.read() as Buffer | null)
    chunks.push(chunk);
  const handle = (socket as unknown as SocketInternals)._handle;
  handle?.readStop();
  if (handle) handle.reading = false;
  return Buffer.concat(chunks);
}

/**
 * Moves the rest of a tunnel in the kernel. Undefined, with nothing changed, when a socket cannot be handed over
 * (not plain TCP, closed, or Node still has bytes to write to it): the caller keeps it on its own data path.
 * Throws when the addon is unavailable (`spliceUnavailable`).
 */
export function spliceTunnel(
  client: Socket,
  upstream: Socket,
  opts: SpliceOptions,
): SplicedTunnel | undefined {
  const n = native;
  if (!n) throw new Error(`cannot splice: ${unavailable}`);
  const clientFd = spliceableFd(client);
  const upstreamFd = spliceableFd(upstream);
  if (clientFd === undefined || upstreamFd === undefined) return undefined;
  start(n);
  const id = newTunnelId();
  const counts = new Float64Array(2);
  const bytes = () => ({ up: counts[0] ?? 0, down: counts[1] ?? 0 });
  const pendingUp = Buffer.concat([opts.pendingUp ?? Buffer.alloc(0), takeOver(client)]);
  const pendingDown = takeOver(upstream);

  let ended = false;
  const finish = (end: SpliceEnd) => {
    if (ended) return;
    ended = true;
    live.delete(id);
    client.destroy();
    upstream.destroy();
    opts.onEnd(end, bytes());
  };
  // Whoever destroys a socket (a drain deadline, an error handler), the addon lets go of it first: the
  // descriptor must not be closed, and reused by a new connection, while the epoll thread still uses it.
  for (const socket of [client, upstream]) {
    const s = socket as unknown as SocketInternals;
    const destroy = s._destroy;
    s._destroy = function (this: Socket, err, cb) {
      if (!ended && n.abort(id)) queueMicrotask(() => finish({ reason: 'aborted' }));
      destroy.call(this, err, cb);
    };
  }
  live.set(id, finish);
  try {
    n.add(id, clientFd, upstreamFd, counts, opts.idleTimeoutMs, pendingUp, pendingDown);
  } catch (err) {
    ended = true; // nothing was handed over: the caller still owns both sockets
    live.delete(id);
    throw err;
  }
  return {
    bytes,
    close() {
      if (!ended && n.abort(id)) finish({ reason: 'aborted' });
    },
  };
}

// ---- The native front (front.c): accept, request head, dial, 200 and first bytes without Node sockets ----

/** A request head as the front read it (checked by llhttp), or why none came. */
export type FrontHead =
  | { method: string; url: string; rest: Buffer }
  /** `HPE_*` (llhttp's error name; `HPE_HEADER_OVERFLOW` past maxHeaderBytes) or `TIMEOUT` (headerTimeoutMs). */
  | { error: string };

export interface FrontOptions {
  maxHeaderBytes: number;
  headerTimeoutMs: number;
  /** Connections still sending their head at once; past it a new one gets 503 before its head is read. */
  maxPending: number;
}

export interface FrontHandlers {
  /** A connection was accepted: its head is being read (`onHead` says when it is there, `onGone` if it left). */
  accept(conn: FrontConn): void;
  /** A connection was refused with 503 at accept: `maxPending` connections were still sending their heads. */
  full(clientAddress: string): void;
}

/** The upstream the front connected to, and when (wall-clock ms). */
export interface FrontDialed {
  address: string;
  port: number;
  at: number;
}

/** A failed dial: the errno name (ECONNREFUSED, ETIMEDOUT, …). */
export class FrontDialError extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = 'FrontDialError';
  }
}

/**
 * One client connection held by the front. Exactly one of respond/close/splice/adopt ends JS's hold on it;
 * until then `onHead` gives its request head, `onGone` says when the client hangs up and `onData` (after a
 * dial) gives the tunnel's first bytes.
 */
export class FrontConn {
  /** The client hung up (or failed) while JS held the connection. */
  gone = false;
  onHead?: (head: FrontHead) => void;
  onGone?: () => void;
  /** Bytes after the 200 (each batch the thread read), then `eof` once the client finished or failed. */
  onData?: (chunk: Buffer, eof: boolean) => void;
  private dialing?: { resolve(d: FrontDialed): void; reject(err: FrontDialError): void };
  private released = false;

  constructor(
    private readonly n: Native,
    readonly id: number,
    readonly clientAddress: string,
    readonly clientPort: number,
  ) {}

  /** Connects to `ip:port`; on success the front answers the client 200 and starts reading its bytes. */
  dial(ip: string, port: number, timeoutMs: number): Promise<FrontDialed> {
    return new Promise((resolve, reject) => {
      const errno = this.n.frontDial(this.id, ip, port, timeoutMs);
      if (errno) return reject(new FrontDialError(getSystemErrorName(-errno)));
      this.dialing = { resolve, reject };
    });
  }

  /** Sends `bytes` (an HTTP answer), closes once the client has read it. */
  respond(bytes: string): void {
    if (this.release()) this.n.frontRespond(this.id, Buffer.from(bytes, 'latin1'));
  }

  /** Closes both sockets now. */
  close(): void {
    if (this.release()) this.n.frontClose(this.id);
  }

  /**
   * The rest of the tunnel moves in the kernel (as spliceTunnel): the bytes read so far go to the upstream
   * first. Undefined when the connection is no longer there to splice (it was closed).
   */
  splice(opts: Omit<SpliceOptions, 'pendingUp'>): SplicedTunnel | undefined {
    if (!this.release()) return undefined;
    const id = newTunnelId();
    const counts = new Float64Array(2);
    const bytes = () => ({ up: counts[0] ?? 0, down: counts[1] ?? 0 });
    let ended = false;
    const finish = (end: SpliceEnd) => {
      if (ended) return;
      ended = true;
      live.delete(id);
      opts.onEnd(end, bytes());
    };
    live.set(id, finish);
    if (!this.n.frontSplice(this.id, id, counts, opts.idleTimeoutMs)) {
      live.delete(id);
      return undefined;
    }
    return {
      bytes,
      close: () => {
        if (!ended && this.n.abort(id)) finish({ reason: 'aborted' });
      },
    };
  }

  /**
   * Hands the sockets to Node (e.g. to dial through a relay proxy): the front forgets them. `buffered` is every
   * byte it read after the head, which the upstream is owed.
   */
  adopt(): { client?: Socket; upstream?: Socket; buffered: Buffer } {
    if (!this.release()) return { buffered: Buffer.alloc(0) };
    const [client, upstream, buffered] = this.n.frontAdopt(this.id);
    const wrap = (fd: number) =>
      fd >= 0 ? new Socket({ fd, readable: true, writable: true, allowHalfOpen: true }) : undefined;
    return { client: wrap(client), upstream: wrap(upstream), buffered };
  }

  /** @internal */
  note(kind: number, a: unknown[]): void {
    if (kind === NOTE.HEAD) {
      const [what, url, rest] = a as [string, string | undefined, Buffer];
      this.onHead?.(url === undefined ? { error: what } : { method: what, url, rest });
    } else if (kind === NOTE.GONE) {
      if (a[0]) this.release(); // it left mid-head: the thread has closed it already
      this.gone = true;
      this.onGone?.();
    } else if (kind === NOTE.DIALED) {
      const [errno, address, port, at] = a as [number, string, number, number];
      const d = this.dialing;
      this.dialing = undefined;
      if (errno) d?.reject(new FrontDialError(getSystemErrorName(-errno)));
      else d?.resolve({ address, port, at });
    } else if (kind === NOTE.DATA) {
      const [chunk, eof] = a as [Buffer, boolean];
      if (eof) this.gone = true;
      this.onData?.(chunk, eof);
    }
  }

  private release(): boolean {
    if (this.released) return false;
    this.released = true;
    conns.delete(this.id);
    return true;
  }
}

const conns = new Map<number, FrontConn>();
const listeners = new Map<number, FrontHandlers>();

function frontNote(kind: number, id: number, a: unknown[]): void {
  if (kind === NOTE.ACCEPT) {
    const [address, port] = a as [string, number];
    const conn = new FrontConn(native as Native, id, address, port);
    conns.set(id, conn);
    const handlers = listeners.get(a[4] as number);
    if (handlers) handlers.accept(conn);
    else conn.close();
  } else if (kind === NOTE.FULL) {
    listeners.get(a[4] as number)?.full(a[0] as string);
  } else {
    conns.get(id)?.note(kind, a);
  }
}

export interface FrontListener {
  /** Live settings (a config reload). */
  configure(opts: Omit<FrontOptions, 'maxHeaderBytes'>): void;
  /** Stops accepting; connections already accepted carry on. */
  close(): void;
}

/**
 * Serves connections of a listening socket on the addon's thread: `server` must be listening (its address
 * is kept: the front takes a duplicate of the socket, and the server is closed).
 */
export function listenFront(server: Server, opts: FrontOptions, handlers: FrontHandlers): FrontListener {
  const n = native;
  if (!n) throw new Error(`cannot serve natively: ${unavailable}`);
  const handle = (server as unknown as { _handle?: { fd?: number; close(): void } })._handle;
  const fd = handle?.fd;
  if (!handle || typeof fd !== 'number' || fd < 0)
    throw new Error('cannot serve natively: the server has no listening socket');
  start(n);
  const id = n.frontListen(fd, opts.maxHeaderBytes, opts.headerTimeoutMs, opts.maxPending);
  listeners.set(id, handlers);
  // Node stops polling its copy. In a cluster worker, the handle's own close() would also tell the primary to
  // drop the shared socket, and the next worker could not bind the port again: the primary keeps it (and drops
  // it once its workers have exited).
  handle.close = Object.getPrototypeOf(handle).close;
  server.close();
  let open = true;
  return {
    configure(o) {
      if (open) n.frontConfigure(id, o.headerTimeoutMs, o.maxPending);
    },
    close() {
      if (!open) return;
      open = false;
      n.frontUnlisten(id);
      listeners.delete(id);
    },
  };
}
