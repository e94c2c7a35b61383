/**
 * The gateway process: proxy listener (+ optional mTLS listener), admin listener, connection limits, counters,
 * periodic counter samples, live reconfiguration and graceful stop.
 */
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { EVENT, REJECTION_REASONS, type RejectionReason } from '@gatewatch/events';
import {
  type FrontConn,
  type FrontHead,
  type FrontListener,
  listenFront,
  spliceStats,
  spliceUnavailable,
} from '@gatewatch/splice';
import { trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { createAdminServer, joinMetrics } from './admin-server.ts';
import { type ConfigError, configVersion, type GatewayConfig } from './config.ts';
import { type CounterSnapshot, Counters, nodeLabel, prometheusText, toCounterSample } from './counters.ts';
import { answer, FrontLink, peerAddress, respond, SocketLink, setPeerAddress } from './links.ts';
import { createPolicy } from './policy.ts';
import { processMetricsText, processStats } from './process-stats.ts';
import { readProxyHeader } from './proxy-protocol.ts';
import { RateLimiter } from './ratelimit.ts';
import { createAddressGuard, unmapIPv4 } from './ssrf.ts';
import { createLogger, Emitter, type TelemetrySink } from './telemetry.ts';
import { handleConnect, normalizeSubject, type RuntimeState } from './tunnel.ts';
import { UsageMeter } from './usage.ts';

export const GATEWAY_VERSION = '0.1.0';

export interface GatewayOptions {
  sink?: TelemetrySink;
  logger?: Logger;
  /** Write the event log (JSON lines) to this file instead of stdout. */
  logFile?: string;
  /** More Prometheus text appended to /metrics (e.g. the telemetry pipeline's own counters). */
  extraMetrics?: () => string;
  /** Absolute path of the config file the node reads: in counter samples and /healthz, for the admin CLI. */
  configFile?: string;
  /**
   * One worker process of a multi-core node (cluster.ts): proxy listeners only. The primary process runs the
   * admin port, the counter samples and the node's start/stop/reload events.
   */
  worker?: boolean;
}

/** A listener could not be opened; `code` is the errno code (EADDRINUSE, EACCES, …). */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly host: string,
    readonly port: number,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

export interface ListenInfo {
  host: string;
  port: number;
  tlsPort?: number;
  adminPort?: number;
}

/** What runs a gateway node, in one process (createGateway) or several (startCluster). */
export interface GatewayNode {
  start(): Promise<ListenInfo>;
  /** Stop accepting, drain tunnels up to the deadline, close the rest; emits 102. */
  stop(drainTimeoutMs?: number): Promise<void>;
  /** Apply a new validated config live (listener addresses need a restart). */
  reload(config: GatewayConfig): void;
  /** Report an invalid configuration (event 401) while keeping the current one. */
  configError(err: ConfigError | Error): void;
  config(): GatewayConfig;
  configVersion(): string;
  readonly emitter: Emitter;
}

export interface Gateway extends GatewayNode {
  counters(): CounterSnapshot;
  /** Addresses with an open connection (Connected Client is their number). */
  clientAddresses(): string[];
  /** Open connections per client address (a multi-core node's workers share them for its limits). */
  connectionsByClient(): [string, number][];
  /** The other workers' open connections, counted against the node's connection limits (cluster.ts). */
  setPeerLoad(load: { connections: number; perClient: [string, number][] }): void;
  /** Emit a CounterSample to the sink now (also done every counterIntervalMs). */
  sampleCounters(): void;
  /** Emit the usage records of open tunnels that moved bytes (also done every counterIntervalMs). */
  sweepUsage(): void;
}

/** Open a listener; errors become a ListenError that says what to do. */
export function listenOn(server: Server | NetServer, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'ERROR';
      const hint =
        code === 'EADDRINUSE'
          ? ' (port in use: pick another port)'
          : code === 'EACCES'
            ? ' (privileged port: pick one above 1023)'
            : '';
      reject(new ListenError(`cannot listen on ${host}:${port}: ${code}${hint}`, code, host, port));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Settings that only apply when the listeners are opened again. */
const RESTART_KEYS = [
  'listenHost',
  'listenPort',
  'proxyProtocol',
  'adminHost',
  'adminPort',
  'tlsListener',
  'counterIntervalMs',
  'workers',
  'nativeFront',
] as const;

/** Event 100 text of a live reload, naming what waits for a restart. */
export function reloadNotice(before: GatewayConfig, after: GatewayConfig, version: string): string {
  const restart: string[] = RESTART_KEYS.filter(
    (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
  );
  if (before.limits.maxHeaderBytes !== after.limits.maxHeaderBytes) restart.push('limits.maxHeaderBytes');
  return `Configuration reloaded (version ${version})${restart.length ? `; ${restart.join(', ')} take effect after a restart` : ''}`;
}

/** Event 101 text, plus event 100 when old TLS versions are let through. */
export function announceStart(
  emitter: Emitter,
  c: GatewayConfig,
  info: ListenInfo,
  version: string,
  processes = '',
): void {
  const noSplice = spliceUnavailable();
  if (c.zeroCopy && noSplice) {
    emitter.emit(EVENT.GENERAL_INFO, {
      message: `Zero-copy tunnels unavailable: ${noSplice}; tunnel bytes go through Node streams (more CPU per GB)`,
    });
  }
  if (c.minTlsVersion === 'TLS1.0' || c.minTlsVersion === 'TLS1.1') {
    emitter.emit(EVENT.GENERAL_INFO, {
      message: `minTlsVersion is ${c.minTlsVersion}: TLS below 1.2 is accepted; raise it to TLS1.2 once agents are upgraded`,
    });
  }
  emitter.emit(EVENT.SERVICE_STARTED, {
    message: `Gatewatch gateway ${GATEWAY_VERSION} started on ${c.listenHost}:${info.port}${info.tlsPort ? ` (mTLS ${info.tlsPort})` : ''}, admin ${c.adminHost}:${info.adminPort}, config ${version}${processes}, ${nativeFront(c) ? 'native front, ' : ''}${c.zeroCopy && !noSplice ? 'zero-copy tunnels' : 'stream tunnels'}`,
  });
}

function buildState(config: GatewayConfig): RuntimeState {
  return {
    config,
    policy: createPolicy(config),
    guard: createAddressGuard(config.allowPrivateAddresses),
    allowedSubjects: new Set(config.allowedClientCertificates.map(normalizeSubject)),
  };
}

/**
 * Node reads every socket chunk into a fresh 64 KiB ArrayBuffer. V8 frees dead ones on a background thread
 * by default, and under relay load that kept starting mark-compacts (one every ~100 ms, half the gateway's
 * CPU per GB); freed on the main thread after each scavenge, they cost half as much (bench/README.md).
 * Set at start, so `npx gatewatch`, embedding processes and `src/main.ts` all get it without a node flag.
 */
function sweepArrayBuffersInPause(): void {
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
}

export function createGateway(initial: GatewayConfig, opts: GatewayOptions = {}): Gateway {
  sweepArrayBuffersInPause();
  let state = buildState(initial);
  let version = configVersion(initial);
  const counters = new Counters(() => spliceStats().pipeWaits);
  const logger =
    opts.logger ?? createLogger(initial.logLevel, () => counters.telemetryDropped++, opts.logFile);
  const emitter = new Emitter(logger, opts.sink, counters, initial.nodeId);
  const usage = new UsageMeter(
    (r) => emitter.usage(r),
    () => state.config.nodeId,
  );
  const tracer = trace.getTracer('gatewatch-gateway', GATEWAY_VERSION);
  const limiter = new RateLimiter(
    initial.limits.perClientConnectionsPerSecond,
    initial.limits.perClientBurst,
  );
  const startedAt = Date.now();
  const tunnels = new Set<() => void>();
  /** Client connections past the limits (Node sockets, or native front connections JS holds). */
  const sockets = new Set<{ destroy(): void }>();
  /** Other workers' open connections (a multi-core node): the limits are the node's. */
  let peers = { connections: 0, perClient: new Map<string, number>() };
  let stopping = false;
  let sampleTimer: NodeJS.Timeout | undefined;
  let usageTimer: NodeJS.Timeout | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;

  const ctx = {
    state: () => state,
    counters,
    usage,
    emitter,
    tracer,
    track(close: () => void) {
      tunnels.add(close);
      return () => tunnels.delete(close);
    },
  };

  /** One refusal: one counted reason and one event. */
  const reject = (clientAddress: string, { reason, message }: Refusal) => {
    counters.reject(reason);
    emitter.emit(REJECTION_REASONS[reason].eventId, { clientAddress, reason, message });
  };
  const refuse = (socket: Socket, reason: RejectionReason, message: string, status: number | null) => {
    reject(peerAddress(socket), { reason, message });
    if (status) respond(socket, status);
    else socket.destroy();
  };

  /** A request head the parser refused (llhttp's error code): 431 past maxHeaderBytes, else 400. */
  const headerError = (addr: string, code: string): Refusal & { status: number } =>
    code === 'HPE_HEADER_OVERFLOW'
      ? {
          reason: 'header_too_large',
          message: `Request header from ${addr} larger than ${state.config.limits.maxHeaderBytes} bytes (limits.maxHeaderBytes)`,
          status: 431,
        }
      : { reason: 'bad_request', message: `Malformed request from ${addr}: ${code}`, status: 400 };

  /** The node's connection limits for one more connection from `addr`: a refusal, or undefined. */
  const overLimit = (addr: string): (Refusal & { status: 503 | 429 }) | undefined => {
    const { limits } = state.config;
    if (sockets.size + peers.connections >= limits.maxConnections) {
      return {
        reason: 'connection_limit',
        message: `Connection from ${addr} refused: ${limits.maxConnections} connections open (limits.maxConnections)`,
        status: 503,
      };
    }
    const open = counters.connectionsOf(addr) + (peers.perClient.get(addr) ?? 0);
    if (open >= limits.maxConnectionsPerClient) {
      return {
        reason: 'connection_limit',
        message: `Connection from ${addr} refused: it already has ${open} open (limits.maxConnectionsPerClient)`,
        status: 503,
      };
    }
    if (!limiter.take(addr)) {
      return {
        reason: 'rate_limited',
        message: `Connection from ${addr} refused: more than ${limits.perClientConnectionsPerSecond}/s (limits.perClientConnectionsPerSecond)`,
        status: 429,
      };
    }
    return undefined;
  };

  /** Every accepted client socket passes here first: limits, counting, header deadline. */
  const onConnection = (socket: Socket, plainText: boolean) => {
    const addr = peerAddress(socket);
    socket.on('error', () => socket.destroy());
    if (stopping) {
      socket.destroy();
      return;
    }
    const { limits } = state.config;
    const refusal = overLimit(addr);
    if (refusal) return refuse(socket, refusal.reason, refusal.message, plainText ? refusal.status : null);
    sockets.add(socket);
    const release = counters.open(addr);
    const headerTimer = setTimeout(() => {
      if (!socket.destroyed) {
        refuse(socket, 'header_timeout', headerTimeoutMessage(addr, limits.headerTimeoutMs), null);
      }
    }, limits.headerTimeoutMs);
    headerTimers.set(socket, headerTimer);
    socket.once('close', () => {
      headerDone(socket);
      sockets.delete(socket);
      release();
    });
  };
  const headerTimers = new Map<Socket, NodeJS.Timeout>(); // sockets still waiting for a request header
  const headerDone = (socket: Socket) => {
    clearTimeout(headerTimers.get(socket));
    headerTimers.delete(socket);
  };

  const onConnect = (req: IncomingMessage, socket: Socket, head: Buffer) => {
    headerDone(socket);
    socket.on('error', () => socket.destroy());
    tunnel(new SocketLink(socket), req.url, head);
  };
  const tunnel = (link: SocketLink | FrontLink, url: string | undefined, head: Buffer) => {
    handleConnect(ctx, link, url, head).catch((err: unknown) => {
      emitter.emit(EVENT.APPLICATION_ERROR, {
        message: `Unexpected error: ${(err as Error)?.message ?? String(err)}`,
      });
      link.destroy();
    });
  };

  /** A native front connection: counted and limited at accept, as a Node socket is in onConnection. */
  const onFrontAccept = (conn: FrontConn) => {
    const addr = unmapIPv4(conn.clientAddress);
    if (stopping) return conn.close();
    const refusal = overLimit(addr);
    if (refusal) {
      reject(addr, refusal);
      return conn.respond(answer(refusal.status));
    }
    const release = counters.open(addr);
    const link = new FrontLink(conn, () => {
      sockets.delete(link);
      release();
    });
    sockets.add(link);
    link.onHead((head) => onFrontHead(link, head));
  };
  /** Its head, or why none came: the same checks, in the same order, as Node's parser path. */
  const onFrontHead = (link: FrontLink, head: FrontHead) => {
    const addr = link.clientAddress;
    if ('error' in head) {
      if (head.error === 'TIMEOUT') {
        const message = headerTimeoutMessage(addr, state.config.limits.headerTimeoutMs);
        reject(addr, { reason: 'header_timeout', message });
        return link.destroy();
      }
      const refusal = headerError(addr, head.error);
      reject(addr, refusal);
      return link.respond(refusal.status);
    }
    if (head.method !== 'CONNECT') {
      notConnect(addr, head.method, head.url);
      return link.answer(NOT_CONNECT_ANSWER);
    }
    tunnel(link, head.url, head.rest);
  };
  const onFrontFull = (address: string) => {
    const addr = unmapIPv4(address);
    const max = state.config.limits.maxConnections;
    reject(addr, {
      reason: 'connection_limit',
      message: `Connection from ${addr} refused: ${max} connections are still sending their request header (limits.maxConnections)`,
    });
  };
  let frontListener: FrontListener | undefined;

  const notConnect = (clientAddress: string, method: string, url: string) => {
    counters.reject('method_not_allowed');
    emitter.emit(EVENT.NOT_CONNECT, {
      clientAddress,
      reason: 'method_not_allowed',
      message: `${method} ${url.slice(0, 200)} refused: only CONNECT host:443 is supported`,
    });
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    headerDone(req.socket);
    notConnect(peerAddress(req.socket), String(req.method), String(req.url));
    res.shouldKeepAlive = false;
    res.writeHead(405, { allow: 'CONNECT', connection: 'close', 'content-type': 'text/plain' });
    res.end(NOT_CONNECT_BODY);
  };

  const onClientError = (err: NodeJS.ErrnoException, socket: Socket) => {
    headerDone(socket);
    // The client went away mid-header: nothing to refuse, nobody to answer.
    if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const refusal = headerError(peerAddress(socket), err.code ?? err.message);
    refuse(socket, refusal.reason, refusal.message, refusal.status);
  };

  const wire = (server: Server, plainText: boolean) => {
    server.on(plainText ? 'connection' : 'secureConnection', (s: Socket) => onConnection(s, plainText));
    server.on('connect', onConnect);
    server.on('request', onRequest);
    server.on('clientError', onClientError);
    server.requestTimeout = 0; // our own header deadline applies; tunnels have their idle timer
    server.headersTimeout = initial.limits.headerTimeoutMs + 1000;
    server.keepAliveTimeout = 1000;
  };

  const proxy = createHttpServer({ maxHeaderSize: initial.limits.maxHeaderBytes });
  wire(proxy, true);
  // With PROXY protocol a plain TCP listener reads the header, then hands the socket to the HTTP server.
  const front: Server | NetServer = initial.proxyProtocol
    ? createNetServer({ allowHalfOpen: true }, (socket) => acceptProxied(socket))
    : proxy;
  const acceptProxied = (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    let buf = Buffer.alloc(0);
    const timer = setTimeout(
      () => fail('no PROXY protocol header in time (limits.headerTimeoutMs)'),
      state.config.limits.headerTimeoutMs,
    );
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('end', onEnd);
    };
    const fail = (why: string) => {
      done();
      if (stopping || buf.length === 0) return socket.destroy(); // a bare TCP health probe is fine
      counters.reject('bad_request');
      emitter.emit(EVENT.NOT_CONNECT, {
        clientAddress: peerAddress(socket),
        reason: 'bad_request',
        message: `Connection from ${peerAddress(socket)} refused: ${why} (proxyProtocol is on: only the load balancer may connect)`,
      });
      socket.destroy();
    };
    const onClose = () => done();
    const onEnd = () => {
      done(); // hung up before a complete header: gone, not refused
      socket.destroy();
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const r = readProxyHeader(buf);
      if (r.kind === 'incomplete') return;
      if (r.kind === 'error') return fail(r.message);
      done();
      if (r.source) setPeerAddress(socket, r.source.address);
      proxy.emit('connection', socket);
      // The HTTP parser may read the handle natively (unshift would not reach it): hand it the bytes that
      // followed the header through its 'data' listener, synchronously, before any newer read.
      const rest = buf.subarray(r.length);
      if (rest.length && !socket.destroyed) socket.emit('data', rest);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('end', onEnd);
  };
  let tlsProxy: Server | undefined;
  if (initial.tlsListener) {
    const t = initial.tlsListener;
    tlsProxy = createHttpsServer({
      cert: readFileSync(t.certFile),
      key: readFileSync(t.keyFile),
      ca: readFileSync(t.caFile),
      requestCert: true,
      rejectUnauthorized: false, // we answer a clear 403 + event 105 instead of a bare handshake failure
      handshakeTimeout: initial.limits.headerTimeoutMs,
      maxHeaderSize: initial.limits.maxHeaderBytes,
    }) as unknown as Server;
    wire(tlsProxy, false);
    tlsProxy.on('tlsClientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      // A probe or a client that hangs up mid-handshake is not a refusal; anything else is a bad request.
      if (err.code === 'ECONNRESET' || err.code === 'ERR_SSL_WRONG_VERSION_NUMBER') return socket.destroy();
      counters.reject('bad_request');
      emitter.emit(EVENT.NOT_CONNECT, {
        clientAddress: peerAddress(socket),
        reason: 'bad_request',
        message: `TLS handshake on the mTLS listener failed: ${err.message.split('\n')[0]}`,
      });
      socket.destroy();
    });
  }

  const snapshot = () => counters.snapshot();
  const sample = () =>
    toCounterSample(snapshot(), {
      nodeId: state.config.nodeId,
      startedAt,
      version: GATEWAY_VERSION,
      configVersion: version,
      configPath: opts.configFile ?? '',
    });
  const admin = createAdminServer({
    metrics: () =>
      joinMetrics(
        prometheusText(snapshot(), { nodeId: state.config.nodeId, configVersion: version }),
        () =>
          processMetricsText([processStats('gateway')], nodeLabel(state.config.nodeId)) +
          (opts.extraMetrics?.() ?? ''),
      ),
    health: () => ({
      ok: !stopping,
      body: {
        status: stopping ? 'draining' : 'ok',
        nodeId: state.config.nodeId,
        version: GATEWAY_VERSION,
        configVersion: version,
        configPath: opts.configFile ?? '',
        uptimeMs: Date.now() - startedAt,
        activeClientConnections: snapshot().activeClientConnections,
      },
    }),
  });

  const closeServer = (server: Server | NetServer) =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  const gateway: Gateway = {
    emitter,
    async start() {
      const c = state.config;
      try {
        const port = await listenOn(front, c.listenPort, c.listenHost);
        if (nativeFront(c)) {
          frontListener = listenFront(proxy, frontOptions(c), { accept: onFrontAccept, full: onFrontFull });
        }
        const info: ListenInfo = { host: c.listenHost, port };
        if (tlsProxy && c.tlsListener)
          info.tlsPort = await listenOn(tlsProxy, c.tlsListener.port, c.tlsListener.host);
        pruneTimer = setInterval(() => limiter.prune(), 60_000);
        pruneTimer.unref();
        // Every process sweeps its own tunnels (a worker's records go to the primary like its events).
        usageTimer = setInterval(() => usage.sweep(), c.counterIntervalMs);
        usageTimer.unref();
        if (opts.worker) return info;
        info.adminPort = await listenOn(admin, c.adminPort, c.adminHost);
        sampleTimer = setInterval(() => emitter.counterSample(sample()), c.counterIntervalMs);
        sampleTimer.unref();
        announceStart(emitter, c, info, version);
        emitter.counterSample(sample()); // the node is in the fleet (and has a dashboard page) from its start
        return info;
      } catch (err) {
        await Promise.all([
          closeServer(proxy),
          tlsProxy ? closeServer(tlsProxy) : undefined,
          closeServer(admin),
        ]);
        throw err;
      }
    },
    async stop(drainTimeoutMs = state.config.limits.drainTimeoutMs) {
      if (stopping) return;
      stopping = true;
      frontListener?.close();
      const closed = Promise.all([closeServer(front), tlsProxy ? closeServer(tlsProxy) : undefined]);
      // Connections still waiting for a header are not tunnels yet: close them now.
      for (const s of headerTimers.keys()) s.destroy();
      for (const s of sockets) if (s instanceof FrontLink && !s.headed) s.destroy();
      const deadline = Date.now() + drainTimeoutMs;
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const close of tunnels) close();
      for (const s of sockets) s.destroy();
      await closed;
      clearInterval(sampleTimer);
      clearInterval(usageTimer);
      clearInterval(pruneTimer);
      if (!opts.worker) {
        emitter.counterSample(sample());
        emitter.emit(EVENT.SERVICE_STOPPED, { message: stoppedMessage(snapshot()) });
      }
      await closeServer(admin);
      await emitter.flush();
    },
    reload(config) {
      const before = state.config;
      const newVersion = configVersion(config);
      if (newVersion === version) return;
      state = buildState(config);
      version = newVersion;
      emitter.setNodeId(config.nodeId);
      limiter.configure(config.limits.perClientConnectionsPerSecond, config.limits.perClientBurst);
      frontListener?.configure(frontOptions(config));
      if (!opts.worker) emitter.emit(EVENT.GENERAL_INFO, { message: reloadNotice(before, config, version) });
    },
    configError(err) {
      emitter.emit(EVENT.WRONG_CONFIGURATION, {
        message: `${err.message}; keeping the running configuration (version ${version})`,
      });
    },
    config: () => state.config,
    configVersion: () => version,
    counters: snapshot,
    clientAddresses: () => counters.clientAddresses(),
    connectionsByClient: () => counters.connectionsByClient(),
    setPeerLoad(load) {
      peers = { connections: load.connections, perClient: new Map(load.perClient) };
    },
    sampleCounters: () => emitter.counterSample(sample()),
    sweepUsage: () => usage.sweep(),
  };
  return gateway;
}

const NOT_CONNECT_BODY = 'This is a CONNECT-only HTTPS proxy.\n';
const NOT_CONNECT_ANSWER = `HTTP/1.1 405 Method Not Allowed\r\nAllow: CONNECT\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${NOT_CONNECT_BODY.length}\r\n\r\n${NOT_CONNECT_BODY}`;

const headerTimeoutMessage = (addr: string, ms: number) =>
  `No complete request header from ${addr} within ${ms} ms (limits.headerTimeoutMs)`;

/** Why a connection is refused (its event and counted reason). */
type Refusal = { reason: RejectionReason; message: string };

/**
 * The plain listener is served by the addon's native front (no Node socket per connection) when tunnels are
 * spliced; PROXY protocol headers are read by Node's path.
 */
export function nativeFront(c: GatewayConfig): boolean {
  return c.nativeFront && c.zeroCopy && !c.proxyProtocol && !spliceUnavailable();
}

const frontOptions = (c: GatewayConfig) => ({
  maxHeaderBytes: c.limits.maxHeaderBytes,
  headerTimeoutMs: c.limits.headerTimeoutMs,
  maxPending: c.limits.maxConnections,
});

/** Event 102 text. */
export function stoppedMessage(s: CounterSnapshot): string {
  return `Gatewatch gateway stopped (${s.tunnelsEstablished} tunnels served, ${s.rejectionCount} refused)`;
}
