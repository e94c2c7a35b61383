/**
 * One CONNECT tunnel, in data-path order: client certificate → policy → resolve + SSRF guard → upstream
 * connect → 200 → ClientHello inspection → byte pump. Every refusal is one event, one counted reason, one
 * span status; every socket is destroyed on every exit path.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  EVENT,
  type EventId,
  extractWorkspaceId,
  normalizeHost,
  REJECTION_REASONS,
  type RejectionReason,
} from '@gatewatch/events';
import {
  context,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { compareVersions } from './clienthello.ts';
import type { GatewayConfig } from './config.ts';
import type { Counters } from './counters.ts';
import type { ClientLink } from './links.ts';
import type { Policy } from './policy.ts';
import type { AddressGuard } from './ssrf.ts';
import type { Emitter, EventFields } from './telemetry.ts';
import { UpstreamError } from './upstream.ts';
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

export async function handleConnect(
  ctx: TunnelContext,
  link: ClientLink,
  url: string | undefined,
  head: Buffer,
): Promise<void> {
  const state = ctx.state();
  const { config } = state;
  const { clientAddress, clientPort } = link;
  let clientClosed = false;
  link.onClose(() => {
    clientClosed = true;
  });

  const target = parseAuthority(url);
  if (!target) {
    ctx.counters.reject('bad_request');
    ctx.emitter.emit(EVENT.NOT_CONNECT, {
      clientAddress,
      reason: 'bad_request',
      message: `Malformed CONNECT target "${String(url).slice(0, 200)}"; expected host:port`,
    });
    link.respond(400);
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
    if (status) link.respond(status, `X-Gatewatch-Reason: ${reason}\r\n`);
    else link.destroy();
    throw new Rejected(message);
  };

  try {
    emit(EVENT.CONNECT_RECEIVED, { message: `CONNECT ${host}:${port} from ${clientAddress}` });

    // Client certificate (mTLS listener only).
    const tls = link.tls;
    if (tls) {
      const subjects = certificateSubjects(tls);
      clientSubject = subjects[0] ?? '';
      const shown = subjects[subjects.length - 1] ?? '(none)';
      if (!tls.authorized) {
        reject(
          'client_certificate_invalid',
          `Invalid client certificate: ${shown} (${tls.authorizationError ?? 'no certificate'})`,
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
    let upstream: { address: string; port: number };
    try {
      // Through a relay the relay resolves; a resolve mapping still chooses what the relay is asked for.
      upstream = await link.dial(
        relay
          ? { relay, host: mapped ? dialHost : host, port: dialPort }
          : { host: dialHost, port: dialPort },
        config.limits.connectTimeoutMs,
      );
    } catch (err) {
      upSpan.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      upSpan.end(link.dialedAt());
      return fail((err as Error).message, err instanceof UpstreamError ? err.status : 502);
    }
    upSpan.setAttribute('network.peer.address', upstream.address);
    upSpan.end(link.dialedAt());
    root.setAttributes({
      'network.peer.address': upstream.address,
      'network.peer.port': upstream.port,
      'gatewatch.relay': Boolean(relay),
    });
    if (clientClosed) {
      link.destroy();
      return finishQuiet();
    }

    const tlsSpan = ctx.tracer.startSpan('tls.inspect', { startTime: link.dialedAt() }, rootCtx);
    const { result, buffered, closed } = await link.readHello(head, config.limits.clientHelloTimeoutMs);
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
      link.destroy();
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
    const pump = link.pump({
      zeroCopy: config.zeroCopy,
      buffered,
      idleTimeoutMs: config.limits.idleTimeoutMs,
      onIdle: idle,
      onShortage: (code, fix) =>
        emit(EVENT.APPLICATION_ERROR, { message: `Tunnel to ${host}:${port} cut (${code}): ${fix}` }),
    });
    root.setAttribute('gatewatch.zero_copy', pump.zeroCopy);
    if (pump.zeroCopy) ctx.counters.tunnelsZeroCopy++;
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
      link.destroy();
    }
    finishSpan();
  }

  /** Networking failure before 200: event 403, answer 502/504. */
  function fail(message: string, status: number): void {
    emit(EVENT.NETWORKING_ERROR, { message });
    root.setStatus({ code: SpanStatusCode.ERROR, message });
    link.respond(status);
    finishSpan();
  }
  function finishQuiet(): void {
    if (!rejected) finishSpan();
  }
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
