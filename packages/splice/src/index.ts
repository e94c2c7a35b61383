/**
 * Zero-copy tunnels: after the gateway has inspected a tunnel's first bytes, `spliceTunnel` hands its two
 * sockets to the addon (`splice.c`), which moves every further byte in the kernel with splice(2) on one
 * epoll thread. Node keeps owning the sockets: it stops reading them here, and closes them only once the
 * addon has let go (its end callback, or a synchronous abort from `close()`/`destroy()`).
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';

interface Native {
  start(
    onEnd: (id: number, reason: 'closed' | 'error' | 'idle', errno: number) => void,
    maxPipes: number,
  ): void;
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

function start(n: Native): void {
  n.start(
    (id, reason, errno) =>
      live.get(id)?.(reason === 'error' ? { reason, code: getSystemErrorName(-errno) } : { reason }),
    maxPipes,
  );
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
  if (nextId === 0) start(n);
  nextId = nextId >= 0xffffffff ? 1 : nextId + 1;
  const id = nextId;
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
