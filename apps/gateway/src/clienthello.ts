/**
 * A small, bounded TLS ClientHello parser (RFC 5246 / 8446 record + handshake framing, SNI, ALPN,
 * supported_versions) with SSL 2.0 / SSL 3.0 detection. It never throws: every input yields a result, and it
 * stops buffering at MAX_HELLO_BYTES.
 */

export const MAX_HELLO_BYTES = 16 * 1024;

export type ProtocolVersion = 'SSL2.0' | 'SSL3.0' | 'TLS1.0' | 'TLS1.1' | 'TLS1.2' | 'TLS1.3';

export type ClientHelloResult =
  | { kind: 'incomplete' }
  | { kind: 'hello'; version: ProtocolVersion; sni: string; alpn: string[] }
  /** SSL 2.0 framing (also SSLv2-compatible hellos of old SSL3/TLS1.0 stacks). */
  | { kind: 'ssl2'; version: ProtocolVersion }
  | { kind: 'error'; message: string };

const VERSION_NAMES: Record<number, ProtocolVersion> = {
  2: 'SSL2.0',
  768: 'SSL3.0',
  769: 'TLS1.0',
  770: 'TLS1.1',
  771: 'TLS1.2',
  772: 'TLS1.3',
};

const ORDER: ProtocolVersion[] = ['SSL2.0', 'SSL3.0', 'TLS1.0', 'TLS1.1', 'TLS1.2', 'TLS1.3'];

/** -1 / 0 / 1 like a comparator. */
export function compareVersions(a: ProtocolVersion, b: ProtocolVersion): number {
  return Math.sign(ORDER.indexOf(a) - ORDER.indexOf(b));
}

const isGrease = (v: number) => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);

class Fail extends Error {}

/** Cursor over a buffer with bounds checks that fail with a parse error instead of a RangeError. */
class Reader {
  constructor(
    private readonly buf: Buffer,
    public pos = 0,
    private readonly end = buf.length,
  ) {}
  get left(): number {
    return this.end - this.pos;
  }
  need(n: number, what: string): void {
    if (n > this.left) throw new Fail(`truncated ${what}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++] as number;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u24(what: string): number {
    this.need(3, what);
    const v = this.buf.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }
  sub(n: number, what: string): Reader {
    this.need(n, what);
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

/**
 * Parse what has arrived so far. Returns `incomplete` while more bytes could finish a valid hello,
 * otherwise a final verdict.
 */
export function parseClientHello(data: Buffer): ClientHelloResult {
  try {
    return parse(data);
  } catch (err) {
    return { kind: 'error', message: err instanceof Fail ? err.message : `parser error: ${String(err)}` };
  }
}

function parse(data: Buffer): ClientHelloResult {
  if (data.length === 0) return { kind: 'incomplete' };
  const first = data[0] as number;
  if (first & 0x80) return parseSsl2(data);
  if (first !== 0x16)
    return { kind: 'error', message: `not a TLS handshake record (first byte 0x${hex(first)})` };

  // Collect the handshake message from one or more handshake records.
  const fragments: Buffer[] = [];
  let have = 0;
  let needed = -1; // total handshake bytes (4-byte header + body) once known
  let pos = 0;
  while (needed < 0 || have < needed) {
    if (data.length - pos < 5) return incompleteOrCap(data);
    const type = data[pos] as number;
    const major = data[pos + 1] as number;
    const len = data.readUInt16BE(pos + 3);
    if (type !== 0x16)
      return { kind: 'error', message: `unexpected record type ${type} inside the ClientHello` };
    if (major !== 3) return { kind: 'error', message: `bad record version ${major}.${data[pos + 2]}` };
    if (len === 0 || len > 16384 + 2048) return { kind: 'error', message: `bad record length ${len}` };
    if (data.length - pos - 5 < len) return incompleteOrCap(data);
    fragments.push(data.subarray(pos + 5, pos + 5 + len));
    have += len;
    pos += 5 + len;
    if (needed < 0 && have >= 4) {
      const hs = Buffer.concat(fragments);
      if (hs[0] !== 1)
        return { kind: 'error', message: `first handshake message is type ${hs[0]}, not ClientHello` };
      needed = 4 + hs.readUIntBE(1, 3);
      if (needed > MAX_HELLO_BYTES)
        return { kind: 'error', message: `ClientHello of ${needed} bytes exceeds ${MAX_HELLO_BYTES}` };
    }
  }
  const hs = Buffer.concat(fragments).subarray(0, needed);
  return parseHelloBody(new Reader(hs, 4));
}

function incompleteOrCap(data: Buffer): ClientHelloResult {
  return data.length >= MAX_HELLO_BYTES
    ? { kind: 'error', message: `no complete ClientHello within ${MAX_HELLO_BYTES} bytes` }
    : { kind: 'incomplete' };
}

function parseHelloBody(r: Reader): ClientHelloResult {
  const clientVersion = r.u16('client_version');
  r.bytes(32, 'random');
  const sidLen = r.u8('session_id length');
  if (sidLen > 32) throw new Fail(`session_id length ${sidLen} > 32`);
  r.bytes(sidLen, 'session_id');
  const csLen = r.u16('cipher_suites length');
  if (csLen < 2 || csLen % 2) throw new Fail(`bad cipher_suites length ${csLen}`);
  r.bytes(csLen, 'cipher_suites');
  const compLen = r.u8('compression_methods length');
  if (compLen < 1) throw new Fail('empty compression_methods');
  r.bytes(compLen, 'compression_methods');

  let sni = '';
  let alpn: string[] = [];
  let supported: number[] = [];
  if (r.left > 0) {
    const exts = r.sub(r.u16('extensions length'), 'extensions');
    const seen = new Set<number>();
    while (exts.left > 0) {
      const type = exts.u16('extension type');
      const body = exts.sub(exts.u16('extension length'), `extension ${type}`);
      if (seen.has(type)) throw new Fail(`duplicate extension ${type}`);
      seen.add(type);
      if (type === 0) sni = parseSni(body);
      else if (type === 16) alpn = parseAlpn(body);
      else if (type === 43) supported = parseSupportedVersions(body);
    }
  }
  const offered = supported.filter((v) => !isGrease(v) && VERSION_NAMES[v]);
  const best = offered.length ? Math.max(...offered) : clientVersion;
  const version = VERSION_NAMES[best];
  if (!version || best < 0x0300) {
    throw new Fail(`unknown protocol version 0x${hex(best >> 8)}${hex(best & 255)}`);
  }
  return { kind: 'hello', version, sni, alpn };
}

function parseSni(r: Reader): string {
  const list = r.sub(r.u16('server_name list length'), 'server_name list');
  let name = '';
  while (list.left > 0) {
    const type = list.u8('server_name type');
    const value = list.bytes(list.u16('server_name length'), 'server_name');
    if (type === 0 && !name) {
      name = value.toString('latin1');
      if (!/^[\x21-\x7e]+$/.test(name)) throw new Fail('server_name is not a printable host name');
    }
  }
  return name;
}

function parseAlpn(r: Reader): string[] {
  const list = r.sub(r.u16('ALPN list length'), 'ALPN list');
  const out: string[] = [];
  while (list.left > 0) {
    const len = list.u8('ALPN protocol length');
    if (len === 0) throw new Fail('empty ALPN protocol');
    out.push(list.bytes(len, 'ALPN protocol').toString('latin1'));
  }
  return out;
}

function parseSupportedVersions(r: Reader): number[] {
  const list = r.sub(r.u8('supported_versions length'), 'supported_versions');
  const out: number[] = [];
  while (list.left > 0) out.push(list.u16('supported version'));
  return out;
}

/** SSL 2.0 CLIENT-HELLO: 2-byte header with the high bit set, msg type 1, then the version (RFC 6101 E.2). */
function parseSsl2(data: Buffer): ClientHelloResult {
  if (data.length < 5) return { kind: 'incomplete' };
  const len = ((data[0] as number) & 0x7f) * 256 + (data[1] as number);
  if (data[2] !== 1) return { kind: 'error', message: 'SSL 2.0 record is not a CLIENT-HELLO' };
  if (len < 9) return { kind: 'error', message: `SSL 2.0 CLIENT-HELLO too short (${len})` };
  const v = data.readUInt16BE(3);
  const version = VERSION_NAMES[v];
  if (!version)
    return {
      kind: 'error',
      message: `SSL 2.0 CLIENT-HELLO with unknown version 0x${hex(v >> 8)}${hex(v & 255)}`,
    };
  return { kind: 'ssl2', version };
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** Accumulates tunnel bytes until the parser reaches a verdict; keeps what it read so it can be forwarded. */
export class ClientHelloReader {
  private chunks: Buffer[] = [];
  private size = 0;

  /** Feed one chunk; returns the verdict so far. */
  push(chunk: Buffer): ClientHelloResult {
    if (chunk.length === 0) return this.result();
    this.chunks.push(chunk);
    this.size += chunk.length;
    return this.result();
  }

  result(): ClientHelloResult {
    if (this.size === 0) return { kind: 'incomplete' };
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    const buf = this.chunks[0] as Buffer;
    const res = parseClientHello(buf.length > MAX_HELLO_BYTES ? buf.subarray(0, MAX_HELLO_BYTES) : buf);
    if (res.kind === 'incomplete' && buf.length >= MAX_HELLO_BYTES) {
      return { kind: 'error', message: `no complete ClientHello within ${MAX_HELLO_BYTES} bytes` };
    }
    return res;
  }

  /** Every byte received so far (to forward upstream once accepted). */
  buffered(): Buffer {
    return this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
  }
}
