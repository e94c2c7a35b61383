/**
 * One CONNECT tunnel, in data-path order: client certificate → policy → resolve + SSRF guard → upstream
 * connect → 200 → ClientHello inspection → byte pump. Every refusal is one event, one counted reason, one
 * span status; every socket is destroyed on every exit path.
 */
import { lookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { TLSSocket } from 'node:tls';
import {
  EVENT,
  type EventId,
  extractWorkspaceId,
  normalizeHost,
  REJECTION_REASONS,
  type RejectionReason,
} from '@gatewatch/events';
import { spliceTunnel, spliceUnavailable } from '@gatewatch/splice';
import {
  context,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { ClientHelloReader, type ClientHelloResult, compareVersions } from './clienthello.ts';
import type { GatewayConfig } from './config.ts';
import type { Counters, TunnelBytes } from './counters.ts';
import type { Policy } from './policy.ts';
import { type AddressGuard, unmapIPv4 } from './ssrf.ts';
import type { Emitter, EventFields } from './telemetry.ts';
import { dialDirect, dialViaRelay, UpstreamError } from './upstream.ts';
import type { UsageMeter } from './usage.ts';

export interface RuntimeState {
  config: GatewayConfig;
  policy: Policy;
  guard: AddressGuard;
  allowedSubjects: Set<string>;
}

export interface TunnelContext {
  state(): RuntimeState;
  counters: Counters;
  usage: UsageMeter;
  emitter: Emitter;
  tracer: Tracer;
  /** Registers an open tunnel for draining; returns its unregister function. */
  track(close: () => void): () => void;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

/** `host:port` / `[v6]:port` → parts; null when malformed. */
export function parseAuthority(url: string | undefined): { host: string; port: number } | null {
  if (!url) return null;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/[\]@]+)):(\d{1,5})$/.exec(url);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[1] !== undefined && isIP(m[1]) !== 6) return null; // brackets hold an IPv6 address, nothing else
  const host = normalizeHost(m[1] ?? m[2] ?? '');
  // `.:443`, `a..b:443`: a name with an empty label names no host (400, not a 403 suggesting to allow it)
  if (m[1] === undefined && host.split('.').includes('')) return null;
  return { host, port };
}

/** Normalised subject strings of a client certificate: `CN=x` and the full `K=v, K=v` form. */
export function certificateSubjects(socket: TLSSocket): string[] {
  const cert = socket.getPeerCertificate();
  if (!cert?.subject) return [];
  const parts = Object.entries(cert.subject).flatMap(([k, v]) =>
    (Array.isArray(v) ? v : [v]).map((x) => `${k}=${x}`),
  );
  const out = [parts.join(', ')];
  const cn = cert.subject.CN;
  if (cn) out.push(`CN=${Array.isArray(cn) ? cn[0] : cn}`);
  return out;
}

export function normalizeSubject(s: string): string {
  return s
    .split(',')
    .map((p) => p.trim().replace(/\s*=\s*/, '='))
    .filter(Boolean)
    .join(', ')
    .toLowerCase();
}

const VERSION_ATTR: Record<string, string> = {
  'SSL2.0': '2.0',
  'SSL3.0': '3.0',
  'TLS1.0': '1.0',
  'TLS1.1': '1.1',
  'TLS1.2': '1.2',
  'TLS1.3': '1.3',
};

class Rejected extends Error {}

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

export async function handleConnect(
  ctx: TunnelContext,
  req: IncomingMessage,
  client: Socket,
  head: Buffer,
): Promise<void> {
  const state = ctx.state();
  const { config } = state;
  const clientAddress = peerAddress(client);
  const clientPort = client.remotePort ?? 0;
  let upstream: Socket | undefined;
  let clientClosed = false;
  client.setMaxListeners(32); // the two pipelines, inspection and the tunnel's own close handling watch 'close'
  client.once('close', () => {
    clientClosed = true;
    upstream?.destroy();
  });

  const target = parseAuthority(req.url);
  if (!target) {
    ctx.counters.reject('bad_request');
    ctx.emitter.emit(EVENT.NOT_CONNECT, {
      clientAddress,
      reason: 'bad_request',
      message: `Malformed CONNECT target "${String(req.url).slice(0, 200)}"; expected host:port`,
    });
    respond(client, 400);
    return;
  }
  const { host, port } = target;
  const workspaceId = extractWorkspaceId(host);
  const root = ctx.tracer.startSpan(`CONNECT ${host}`, {
    kind: SpanKind.SERVER,
    attributes: {
      'client.address': clientAddress,
      'client.port': clientPort,
      'server.address': host,
      'server.port': port,
      'gatewatch.workspace_id': workspaceId,
      'gatewatch.node_id': config.nodeId,
    },
  });
  const rootCtx = trace.setSpan(context.active(), root);
  const child = (name: string) => ctx.tracer.startSpan(name, {}, rootCtx);
  const base: EventFields = { clientAddress, targetHost: host, targetPort: port, workspaceId, span: root };
  let lastEvent: EventId = EVENT.CONNECT_RECEIVED;
  const emit = (id: EventId, f: EventFields = {}) => {
    lastEvent = id;
    return ctx.emitter.emit(id, { ...base, ...f });
  };
  let bytes = { up: 0, down: 0 };
  let rejected = false;
  let clientSubject = '';
  const finishSpan = () => {
    root.setAttributes({
      'gatewatch.event_id': lastEvent,
      'gatewatch.bytes_up': bytes.up,
      'gatewatch.bytes_down': bytes.down,
    });
    root.end();
  };
  /** Refuse: count, one event, span ERROR, answer (before 200) or close (after). */
  const reject = (
    reason: RejectionReason,
    message: string,
    status: number | null,
    f: EventFields = {},
  ): never => {
    rejected = true;
    ctx.counters.reject(reason);
    emit(REJECTION_REASONS[reason].eventId, { ...f, reason, message });
    root.setAttribute('gatewatch.reason', reason);
    root.setStatus({ code: SpanStatusCode.ERROR, message });
    if (status) respond(client, status, `X-Gatewatch-Reason: ${reason}\r\n`);
    else client.destroy();
    throw new Rejected(message);
  };

  try {
    emit(EVENT.CONNECT_RECEIVED, { message: `CONNECT ${host}:${port} from ${clientAddress}` });

    // Client certificate (mTLS listener only).
    if (client instanceof TLSSocket) {
      const subjects = certificateSubjects(client);
      clientSubject = subjects[0] ?? '';
      const shown = subjects[subjects.length - 1] ?? '(none)';
      if (!client.authorized) {
        reject(
          'client_certificate_invalid',
          `Invalid client certificate: ${shown} (${client.authorizationError ?? 'no certificate'})`,
          403,
        );
      }
      if (!subjects.some((s) => state.allowedSubjects.has(normalizeSubject(s)))) {
        reject(
          'client_certificate_invalid',
          `Invalid client certificate: ${shown} is not on the allowed list; add it with: npm run admin -- allowed-client-certificate add "${shown}"`,
          403,
        );
      }
    }

    const policySpan = child('policy');
    const decision = state.policy.check(host, port);
    policySpan.setAttribute('gatewatch.allowed', decision.allowed);
    policySpan.end();
    if (!decision.allowed && decision.reason) reject(decision.reason, decision.message, 403);

    // Resolve once, check the address, dial exactly that address.
    const mapped = config.resolve[`${host}:${port}`];
    const relay = config.relayProxy;
    let dialHost = host;
    let dialPort = port;
    if (mapped) {
      const i = mapped.lastIndexOf(':');
      dialHost = mapped.slice(0, i).replace(/^\[|\]$/g, '');
      dialPort = Number(mapped.slice(i + 1));
    } else if (!relay) {
      const dnsSpan = child('dns');
      try {
        dialHost = isIP(host) ? host : await resolveOne(host, config.limits.dnsTimeoutMs);
        dnsSpan.setAttribute('network.peer.address', dialHost);
      } catch (err) {
        dnsSpan.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        dnsSpan.end();
        return fail(`DNS lookup of ${host} failed: ${(err as Error).message}`, 502);
      }
      dnsSpan.end();
      const verdict = state.guard.check(dialHost);
      if (!verdict.allowed) {
        reject(
          'address_not_allowed',
          `Destination ${host} resolves to ${dialHost}, a ${verdict.label} address; allow it explicitly with allowPrivateAddresses or resolve`,
          403,
        );
      }
    }
    if (clientClosed) return finishQuiet();

    const upSpan = child('upstream.connect');
    try {
      // Through a relay the relay resolves; a resolve mapping still chooses what the relay is asked for.
      upstream = relay
        ? await dialViaRelay(relay, mapped ? dialHost : host, dialPort, config.limits.connectTimeoutMs)
        : await dialDirect(dialHost, dialPort, config.limits.connectTimeoutMs);
    } catch (err) {
      upSpan.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      upSpan.end();
      return fail((err as Error).message, err instanceof UpstreamError ? err.status : 502);
    }
    upSpan.setAttribute('network.peer.address', upstream.remoteAddress ?? '');
    upSpan.end();
    root.setAttributes({
      'network.peer.address': upstream.remoteAddress ?? '',
      'network.peer.port': upstream.remotePort ?? 0,
      'gatewatch.relay': Boolean(relay),
    });
    const up = upstream;
    up.setMaxListeners(32);
    up.on('error', () => up.destroy());
    if (clientClosed) {
      up.destroy();
      return finishQuiet();
    }

    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');

    const tlsSpan = child('tls.inspect');
    const { result, buffered, closed } = await readClientHello(
      client,
      head,
      config.limits.clientHelloTimeoutMs,
    );
    if (result.kind === 'hello') {
      tlsSpan.setAttributes({
        'tls.protocol.version': VERSION_ATTR[result.version] ?? '',
        'tls.server_name': result.sni,
      });
      if (result.alpn.length) tlsSpan.setAttribute('tls.client.supported_alpn', result.alpn);
      root.setAttributes({
        'tls.protocol.version': VERSION_ATTR[result.version] ?? '',
        'tls.server_name': result.sni,
      });
    }
    tlsSpan.end();
    // The client hung up before finishing its ClientHello: it went away, it was not refused.
    if (closed && result.kind === 'incomplete') {
      client.destroy();
      up.destroy();
      return finishQuiet();
    }
    if (result.kind === 'ssl2' || (result.kind === 'hello' && result.version === 'SSL3.0')) {
      reject(
        'tls_version_unsupported',
        result.kind === 'ssl2'
          ? `SSL 2.0-format ClientHello (offering ${result.version}) from ${clientAddress}; SSL is refused`
          : `Unsupported protocol SSL3.0 from ${clientAddress}; SSL is refused`,
        null,
        { tlsVersion: result.kind === 'ssl2' ? 'SSL2.0' : result.version },
      );
    }
    if (result.kind !== 'hello') {
      const why =
        result.kind === 'error'
          ? result.message
          : `no complete ClientHello within ${config.limits.clientHelloTimeoutMs} ms (limits.clientHelloTimeoutMs)`;
      reject('tls_parse_error', `TLS handshake parse error from ${clientAddress}: ${why}`, null);
      return;
    }
    const tlsFields = { tlsVersion: result.version, sni: result.sni };
    if (compareVersions(result.version, config.minTlsVersion) < 0) {
      reject(
        'tls_version_unsupported',
        `${result.version} is below the minimum ${config.minTlsVersion}; upgrade the agent's TLS stack`,
        null,
        tlsFields,
      );
    }
    if (result.sni && normalizeHost(result.sni) !== host) {
      reject('sni_mismatch', `SNI ${result.sni} does not match the CONNECT host ${host}`, null, tlsFields);
    }
    ctx.counters.tunnelsEstablished++;
    emit(EVENT.TLS_SESSION_VERIFIED, {
      ...tlsFields,
      message: `${result.version} session to ${host}:${port} verified (SNI ${result.sni || 'none'}${result.alpn.length ? `, ALPN ${result.alpn.join(',')}` : ''})`,
    });

    const idle = () =>
      ctx.emitter.emit(EVENT.GENERAL_INFO, {
        ...base,
        message: `Idle tunnel to ${host}:${port} closed after ${config.limits.idleTimeoutMs} ms without traffic`,
      });
    const spliced =
      config.zeroCopy && !(client instanceof TLSSocket) && !spliceUnavailable()
        ? spliceBytes(client, up, buffered, config.limits.idleTimeoutMs, idle, (code, fix) =>
            emit(EVENT.APPLICATION_ERROR, { message: `Tunnel to ${host}:${port} cut (${code}): ${fix}` }),
          )
        : undefined;
    root.setAttribute('gatewatch.zero_copy', spliced !== undefined);
    if (spliced) ctx.counters.tunnelsZeroCopy++;
    const pump = spliced ?? streamBytes(client, up, buffered, config.limits.idleTimeoutMs, idle);
    const closeBytes = ctx.counters.carry(pump.measure);
    const sc = root.spanContext();
    const traced = isSpanContextValid(sc);
    const closeUsage = ctx.usage.start(
      {
        traceId: traced ? sc.traceId : '',
        spanId: traced ? sc.spanId : '',
        workspaceId,
        clientAddress,
        clientSubject,
        targetHost: host,
      },
      pump.measure,
    );
    const untrack = ctx.track(pump.close);
    pump.closed.then(() => {
      untrack();
      bytes = closeBytes();
      closeUsage(bytes);
      finishSpan();
    });
  } catch (err) {
    if (!(err instanceof Rejected)) {
      const message = `Unexpected error in tunnel to ${host}:${port}: ${(err as Error)?.message ?? String(err)}`;
      emit(EVENT.APPLICATION_ERROR, { message });
      root.setStatus({ code: SpanStatusCode.ERROR, message });
      client.destroy();
      upstream?.destroy();
    }
    finishSpan();
  }

  /** Networking failure before 200: event 403, answer 502/504. */
  function fail(message: string, status: number): void {
    emit(EVENT.NETWORKING_ERROR, { message });
    root.setStatus({ code: SpanStatusCode.ERROR, message });
    respond(client, status);
    finishSpan();
  }
  function finishQuiet(): void {
    if (!rejected) finishSpan();
  }
}

interface Pump {
  measure(): TunnelBytes;
  close(): void;
  /** Resolves once both sockets are closed. */
  closed: Promise<void>;
}

/** Splice errors that are the gateway's own shortage, not a peer going away (ECONNRESET, EPIPE, …): their fix. */
const SHORTAGES: Record<string, string> = {
  EMFILE:
    'the gateway process is out of file descriptors; raise its open-file limit (ulimit -n, LimitNOFILE)',
  ENFILE: 'the system is out of file descriptors; raise fs.file-max',
  ENOMEM: 'the kernel is out of memory for socket buffers and pipes',
  ENOBUFS: 'the kernel is out of memory for socket buffers and pipes',
};

/**
 * The kernel moves the bytes (splice(2) on the addon's epoll thread): none pass through JS. Undefined when a
 * socket cannot be handed over (Node still has bytes to write to it), so the caller falls back to streams.
 */
function spliceBytes(
  client: Socket,
  up: Socket,
  buffered: Buffer,
  idleTimeoutMs: number,
  onIdle: () => void,
  onShortage: (code: string, fix: string) => void,
): Pump | undefined {
  let ended!: () => void;
  const closed = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const tunnel = spliceTunnel(client, up, {
    pendingUp: buffered,
    idleTimeoutMs,
    onEnd(end) {
      if (end.reason === 'idle') onIdle();
      const fix = end.reason === 'error' && SHORTAGES[end.code];
      if (fix) onShortage(end.code, fix);
      ended();
    },
  });
  return tunnel && { measure: tunnel.bytes, close: tunnel.close, closed };
}

/**
 * Node streams move the bytes, with backpressure; half-close passes through; an error destroys both sides.
 * Bytes are read from the upstream socket's own counters (from here on: the relay's answer and the CONNECT
 * to it are not tunnel bytes), so the data path does no per-chunk accounting.
 */
function streamBytes(
  client: Socket,
  up: Socket,
  buffered: Buffer,
  idleTimeoutMs: number,
  onIdle: () => void,
): Pump {
  const sentBefore = up.bytesWritten;
  const receivedBefore = up.bytesRead;
  up.write(buffered);
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
  client.setTimeout(idleTimeoutMs, () => {
    onIdle();
    close();
  });
  const closed = Promise.all(
    [client, up].map((s) => (s.closed ? undefined : new Promise((r) => s.once('close', r)))),
  ).then(() => {});
  return {
    measure: () => ({ up: up.bytesWritten - sentBefore, down: up.bytesRead - receivedBefore }),
    close,
    closed,
  };
}

async function resolveOne(host: string, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const res = await Promise.race([lookup(host, { verbatim: true }), timeout]);
    return res.address;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(e.code ?? e.message);
  } finally {
    clearTimeout(timer);
  }
}

/** Read tunnel bytes (starting with whatever came with the CONNECT head) until the parser decides. */
function readClientHello(
  client: Socket,
  head: Buffer,
  timeoutMs: number,
): Promise<{ result: ClientHelloResult; buffered: Buffer; closed: boolean }> {
  const reader = new ClientHelloReader();
  const first = reader.push(head);
  if (first.kind !== 'incomplete')
    return Promise.resolve({ result: first, buffered: reader.buffered(), closed: false });
  return new Promise((resolve) => {
    const finish = (result: ClientHelloResult, closed: boolean) => {
      clearTimeout(timer);
      client.off('data', onData);
      client.off('end', onEnd);
      client.off('close', onEnd);
      client.pause();
      resolve({ result, buffered: reader.buffered(), closed });
    };
    const onData = (chunk: Buffer) => {
      const r = reader.push(chunk);
      if (r.kind !== 'incomplete') finish(r, false);
    };
    const onEnd = () => finish(reader.result(), true);
    const timer = setTimeout(() => finish(reader.result(), false), timeoutMs);
    client.on('data', onData);
    client.once('end', onEnd);
    client.once('close', onEnd);
    client.resume();
    // net emits 'end' at EOF even while paused: the client may have hung up while we were dialling.
    if (client.readableEnded || client.destroyed) onEnd();
  });
}

export function respond(socket: Socket, status: number, extra = ''): void {
  if (socket.destroyed) return;
  const text = STATUS_TEXT[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`);
  socket.destroySoon?.();
  setTimeout(() => socket.destroy(), 1000).unref();
}
