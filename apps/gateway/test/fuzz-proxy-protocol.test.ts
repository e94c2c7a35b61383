/**
 * Property-based fuzzing of the PROXY protocol v1/v2 reader (fast-check): random bytes, headers built from
 * the spec (haproxy.org/download/2.9/doc/proxy-protocol.txt) and mutations of them, whole and split.
 * A failure prints seed and path (replay: FUZZ_SEED, FUZZ_PATH); FUZZ_RUNS=<n> for longer runs.
 */
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import { fuzzConfig } from '@gatewatch/simulator';
import fc from 'fast-check';
import { type ProxyHeaderResult, readProxyHeader } from '../src/proxy-protocol.ts';

fc.configureGlobal(fuzzConfig(3000));

const V2_SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const final = (r: ProxyHeaderResult) => r.kind !== 'incomplete';

function sane(r: ProxyHeaderResult, input: Buffer) {
  assert.ok(['incomplete', 'header', 'error'].includes(r.kind));
  if (r.kind !== 'header') return;
  assert.ok(r.length > 0 && r.length <= input.length, `length ${r.length} of ${input.length} bytes`);
  assert.ok(r.length <= 16 + 512, `header of ${r.length} bytes`);
  if (r.source) {
    assert.ok(isIP(r.source.address), `source ${r.source.address}`);
    assert.ok(Number.isInteger(r.source.port) && r.source.port >= 0 && r.source.port <= 65535);
  }
}

/** A verdict reached on a prefix is the verdict on the whole (the gateway reads as bytes arrive). */
function prefixesAgree(input: Buffer) {
  const whole = readProxyHeader(input);
  sane(whole, input);
  for (let k = 1; k < input.length; k++) {
    const part = readProxyHeader(input.subarray(0, k));
    sane(part, input.subarray(0, k));
    if (!final(part)) continue;
    if (part.kind === 'header' || whole.kind === 'header') assert.deepEqual(whole, part, `prefix ${k}`);
    else
      assert.equal(whole.kind, part.kind, `prefix ${k}: ${JSON.stringify(part)} vs ${JSON.stringify(whole)}`);
  }
  return whole;
}

// ---- Headers from the spec ----

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
const ipv6 = fc.array(fc.nat(65535), { minLength: 8, maxLength: 8 });
const port = fc.nat(65535);
const tlvs = fc.array(fc.record({ type: fc.nat(255), value: fc.uint8Array({ maxLength: 30 }) }), {
  maxLength: 4,
});

interface V2Model {
  command: 'PROXY' | 'LOCAL';
  family: 4 | 6;
  src: number[];
  dst: number[];
  sport: number;
  dport: number;
  tlvs: { type: number; value: Uint8Array }[];
}

const v2Model: fc.Arbitrary<V2Model> = fc.oneof(
  fc.record({
    command: fc.constantFrom('PROXY' as const, 'LOCAL' as const),
    family: fc.constant(4 as const),
    src: ipv4,
    dst: ipv4,
    sport: port,
    dport: port,
    tlvs,
  }),
  fc.record({
    command: fc.constantFrom('PROXY' as const, 'LOCAL' as const),
    family: fc.constant(6 as const),
    src: ipv6,
    dst: ipv6,
    sport: port,
    dport: port,
    tlvs,
  }),
);

function buildV2(m: V2Model): Buffer {
  const addr = (a: number[]) =>
    m.family === 4 ? Buffer.from(a) : Buffer.concat(a.map((g) => Buffer.from([g >> 8, g & 255])));
  const ports = Buffer.from([m.sport >> 8, m.sport & 255, m.dport >> 8, m.dport & 255]);
  const tlv = Buffer.concat(
    m.tlvs.map((t) =>
      Buffer.concat([Buffer.from([t.type, t.value.length >> 8, t.value.length & 255]), t.value]),
    ),
  );
  const body = Buffer.concat([addr(m.src), addr(m.dst), ports, tlv]);
  return Buffer.concat([
    V2_SIG,
    Buffer.from([
      m.command === 'PROXY' ? 0x21 : 0x20,
      m.family === 4 ? 0x11 : 0x21,
      body.length >> 8,
      body.length & 255,
    ]),
    body,
  ]);
}

function expectV2(m: V2Model, length: number): ProxyHeaderResult {
  if (m.command === 'LOCAL') return { kind: 'header', length };
  const address = m.family === 4 ? m.src.join('.') : m.src.map((g) => g.toString(16)).join(':');
  return { kind: 'header', length, source: { address, port: m.sport } };
}

/** v1 addresses as a sender writes them: IPv4 dotted quads, IPv6 in full or with `::`. */
const v1Line = fc.oneof(
  fc.tuple(ipv4, ipv4, port, port).map(([s, d, sp, dp]) => ({
    line: `PROXY TCP4 ${s.join('.')} ${d.join('.')} ${sp} ${dp}\r\n`,
    address: s.join('.'),
    port: sp,
  })),
  fc.tuple(ipv6, ipv6, port, port, fc.boolean()).map(([s, d, sp, dp, compress]) => {
    const text = (a: number[]) => {
      const full = a.map((g) => g.toString(16)).join(':');
      return compress ? full.replace(/(^|:)0(:0)+(:|$)/, '::') : full;
    };
    return { line: `PROXY TCP6 ${text(s)} ${text(d)} ${sp} ${dp}\r\n`, address: text(s), port: sp };
  }),
);

describe('PROXY protocol reader (property-based)', () => {
  it('random bytes, also behind either signature: never throws, sane, prefixes agree', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([Buffer.from('PROXY '), b])),
      fc
        .tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ maxLength: 120 }))
        .map(([head, rest]) => Buffer.concat([V2_SIG, head, rest])),
    );
    fc.assert(fc.property(bytes, (b) => void prefixesAgree(Buffer.from(b))));
  });

  it('v2 headers (PROXY/LOCAL, IPv4/IPv6, TLVs) with the request behind: the source read back, the length exact, "need more" before', () => {
    fc.assert(
      fc.property(v2Model, fc.uint8Array({ maxLength: 40 }), (m, after) => {
        const header = buildV2(m);
        const input = Buffer.concat([header, after]);
        assert.deepEqual(prefixesAgree(input), expectV2(m, header.length));
        for (let k = 0; k < header.length; k++)
          assert.equal(readProxyHeader(input.subarray(0, k)).kind, 'incomplete', `prefix ${k}`);
      }),
    );
  });

  it('v1 lines (TCP4, TCP6 full and compressed, UNKNOWN) with the request behind: read back, "need more" before the CRLF', () => {
    const line = fc.oneof(v1Line, fc.constant({ line: 'PROXY UNKNOWN\r\n', address: '', port: 0 }));
    fc.assert(
      fc.property(line, fc.string({ maxLength: 40 }), (l, after) => {
        const input = Buffer.from(`${l.line}${after}`, 'latin1');
        const length = Buffer.byteLength(l.line);
        const expected: ProxyHeaderResult = l.address
          ? { kind: 'header', length, source: { address: l.address, port: l.port } }
          : { kind: 'header', length };
        assert.deepEqual(prefixesAgree(input), expected);
        for (let k = 0; k < length - 1; k++)
          assert.equal(readProxyHeader(input.subarray(0, k)).kind, 'incomplete', `prefix ${k}`);
      }),
    );
  });

  it('mutated v1 and v2 headers: sane, prefixes agree', () => {
    const header = fc.oneof(
      v2Model.map(buildV2),
      v1Line.map((l) => Buffer.from(l.line)),
    );
    fc.assert(
      fc.property(
        header,
        fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('set', 'insert', 'delete')), {
          minLength: 1,
          maxLength: 4,
        }),
        (h, muts) => {
          let b = Buffer.from(h);
          for (const [at0, value, op] of muts) {
            const at = at0 % (b.length + 1);
            if (op === 'set' && at < b.length) b[at] = value;
            else if (op === 'insert')
              b = Buffer.concat([b.subarray(0, at), Buffer.from([value]), b.subarray(at)]);
            else b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
          }
          prefixesAgree(b);
        },
      ),
    );
  });
});
