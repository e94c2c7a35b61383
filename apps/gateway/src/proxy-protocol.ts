/**
 * PROXY protocol (v1 text and v2 binary, as HAProxy's `send-proxy` / `send-proxy-v2` write it) in front of the
 * proxy port, so counters and per-client limits see the agent's address instead of the load balancer's.
 * Framing and bounds are ours; the header itself is parsed by proxy-protocol-js.
 */
import { isIP } from 'node:net';
import {
  Command,
  IPv4ProxyAddress,
  IPv6ProxyAddress,
  V1ProxyProtocol,
  V2ProxyProtocol,
} from 'proxy-protocol-js';

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_SIGNATURE = Buffer.from('PROXY ');
/** v1 lines are at most 107 bytes; v2 headers we accept up to this size (addresses + a few TLVs). */
const V1_MAX = 107;
const V2_MAX = 16 + 512;

export type ProxyHeaderResult =
  | { kind: 'incomplete' }
  /** `length` bytes are the header; `source` is absent for LOCAL / UNKNOWN (health checks). */
  | { kind: 'header'; length: number; source?: { address: string; port: number } }
  | { kind: 'error'; message: string };

const isPrefix = (buf: Buffer, sig: Buffer) =>
  buf.subarray(0, sig.length).equals(sig.subarray(0, Math.min(buf.length, sig.length)));

export function readProxyHeader(buf: Buffer): ProxyHeaderResult {
  if (buf.length === 0) return { kind: 'incomplete' };
  if (isPrefix(buf, V2_SIGNATURE)) return readV2(buf);
  if (isPrefix(buf, V1_SIGNATURE)) return readV1(buf);
  return { kind: 'error', message: 'connection does not start with a PROXY protocol header' };
}

function readV1(buf: Buffer): ProxyHeaderResult {
  const end = buf.indexOf('\r\n');
  if (end < 0) {
    return buf.length > V1_MAX
      ? { kind: 'error', message: 'PROXY v1 line longer than 107 bytes' }
      : { kind: 'incomplete' };
  }
  const line = buf.subarray(0, end + 2).toString('latin1');
  if (line.startsWith('PROXY UNKNOWN')) return { kind: 'header', length: end + 2 };
  try {
    const p = V1ProxyProtocol.parse(line);
    const address = p.source.ipAddress;
    if (!isIP(address) || p.source.port > 65535) throw new Error('bad source');
    return { kind: 'header', length: end + 2, source: { address, port: p.source.port } };
  } catch {
    return { kind: 'error', message: `invalid PROXY v1 line ${JSON.stringify(line.slice(0, 60))}` };
  }
}

function readV2(buf: Buffer): ProxyHeaderResult {
  if (buf.length < 16) return { kind: 'incomplete' };
  const length = 16 + buf.readUInt16BE(14);
  if (length > V2_MAX) return { kind: 'error', message: `PROXY v2 header of ${length} bytes is too large` };
  if (buf.length < length) return { kind: 'incomplete' };
  try {
    const p = V2ProxyProtocol.parse(buf.subarray(0, length));
    if (p.command === Command.LOCAL) return { kind: 'header', length };
    const a = p.proxyAddress;
    if (a instanceof IPv4ProxyAddress) {
      return {
        kind: 'header',
        length,
        source: { address: a.sourceAddress.address.join('.'), port: a.sourcePort },
      };
    }
    if (a instanceof IPv6ProxyAddress) {
      const b = Buffer.from(a.sourceAddress.address);
      const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16));
      return { kind: 'header', length, source: { address: groups.join(':'), port: a.sourcePort } };
    }
    return { kind: 'header', length };
  } catch (err) {
    return { kind: 'error', message: `invalid PROXY v2 header: ${(err as Error).message}` };
  }
}
