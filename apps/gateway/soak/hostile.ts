/**
 * The hostile clients a soak mixes in, one of each kind per round. Each must be refused: the gateway answers
 * with an error status or closes the connection, never a 200 / a TLS session. `reason` is the rejection
 * counter (`gatewatch_rejections_by_reason_total`) the refusal must show up under, where it is fixed.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { ssl3Hello } from '../test/hellos.ts';

export const HOSTILE_KINDS = [
  'garbage',
  'sslv3',
  'slowloris',
  'disallowed-host',
  'port-80',
  'half-open',
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** Where each kind's refusal is counted (any of the listed reasons); half-open has none of its own. */
export const HOSTILE_REASONS: Record<HostileKind, string[]> = {
  garbage: ['bad_request', 'method_not_allowed'],
  sslv3: ['tls_version_unsupported'],
  slowloris: ['header_timeout'],
  'disallowed-host': ['host_not_allowed'],
  'port-80': ['port_not_allowed'],
  'half-open': [],
};

export interface HostileOutcome {
  kind: HostileKind;
  refused: boolean;
  /** What the client saw, for the report when it was not refused. */
  detail: string;
}

export interface HostileTarget {
  port: number;
  /** An allowed host (the agents' one). */
  host: string;
  /** How long the slow and half-open clients wait for the gateway to close on them. */
  waitMs: number;
}

export function runHostile(kind: HostileKind, t: HostileTarget): Promise<HostileOutcome> {
  const connectLine = (host: string, port: number) =>
    `CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`;
  switch (kind) {
    case 'garbage':
      return exchange(kind, t, (s) => s.write(Buffer.concat([randomBytes(64), Buffer.from('\r\n\r\n')])));
    case 'disallowed-host':
      return exchange(kind, t, (s) => s.write(connectLine('evil.example.com', 443)));
    case 'port-80':
      return exchange(kind, t, (s) => s.write(connectLine(t.host, 80)));
    case 'half-open':
      // Half a request, then the client's side shuts (FIN): the gateway must not keep the socket.
      return exchange(kind, t, (s) => s.end(`CONNECT ${t.host}:443 HTTP/1.1\r\n`));
    case 'slowloris':
      // One header line every second, never the blank line: the header timeout must end it.
      return exchange(kind, t, (s) => {
        s.write(`CONNECT ${t.host}:443 HTTP/1.1\r\n`);
        const drip = setInterval(() => s.write(`X-Drip-${Date.now()}: 1\r\n`), 1000);
        s.once('close', () => clearInterval(drip));
      });
    case 'sslv3':
      // A CONNECT that is allowed, then an SSL 3.0 ClientHello inside the tunnel: no session may result.
      return exchange(kind, t, (s) => s.write(connectLine(t.host, 443)), ssl3Hello());
  }
}

/**
 * Open a connection, let `start` write, collect what comes back until the gateway closes (or `waitMs`).
 * With `afterOk`, a 200 is expected first and `afterOk` is sent into the tunnel; refused then means the
 * tunnel closed without a TLS ServerHello.
 */
function exchange(
  kind: HostileKind,
  t: HostileTarget,
  start: (s: Socket) => void,
  afterOk?: Buffer,
): Promise<HostileOutcome> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: t.port });
    let got = Buffer.alloc(0);
    let tunnelAt = -1;
    const done = (refused: boolean, detail: string) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ kind, refused, detail });
    };
    const timer = setTimeout(() => done(false, `still open after ${t.waitMs} ms`), t.waitMs);
    s.on('error', () => {}); // a reset is a refusal too: 'close' follows
    s.on('connect', () => start(s));
    s.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (afterOk && tunnelAt < 0) {
        const end = got.indexOf('\r\n\r\n');
        if (end >= 0 && got.subarray(0, 12).toString() === 'HTTP/1.1 200') {
          tunnelAt = end + 4;
          s.write(afterOk);
        }
      }
    });
    s.on('close', () => {
      const head = got.subarray(0, 40).toString('latin1').split('\r\n')[0] ?? '';
      if (!afterOk) return done(!head.startsWith('HTTP/1.1 200'), head || 'closed without a reply');
      if (tunnelAt < 0) return done(true, head || 'closed without a reply'); // refused before the tunnel
      const inTunnel = got.subarray(tunnelAt);
      const serverHello = inTunnel[0] === 0x16 && inTunnel[5] === 0x02;
      done(!serverHello, serverHello ? 'got a ServerHello' : `tunnel closed after ${inTunnel.length} bytes`);
    });
  });
}
