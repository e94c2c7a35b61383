/**
 * Property-based fuzzing of the ClientHello parser (fast-check). A failure prints the seed and path; replay
 * with FUZZ_SEED=<seed> FUZZ_PATH=<path> and --test-name-pattern. FUZZ_RUNS=<n> runs each property n times.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { fuzzConfig } from '@gatewatch/simulator';
import fc from 'fast-check';
import {
  ClientHelloReader,
  type ClientHelloResult,
  MAX_HELLO_BYTES,
  parseClientHello,
} from '../src/clienthello.ts';
import { nodeHello, opensslHello, ssl2Hello, ssl3Hello } from './hellos.ts';

fc.configureGlobal(fuzzConfig(3000));

const KINDS = new Set(['incomplete', 'hello', 'ssl2', 'error']);
const final = (r: ClientHelloResult) => r.kind !== 'incomplete';

/** The invariants of one verdict: a known kind, and no exception caught inside (a read past the buffer). */
function sane(r: ClientHelloResult, input: Buffer) {
  assert.ok(KINDS.has(r.kind), `unknown kind ${r.kind}`);
  if (r.kind === 'error') assert.doesNotMatch(r.message, /^parser error/, `on ${input.toString('hex')}`);
  if (r.kind === 'hello') assert.match(r.sni, /^[\x21-\x7e]*$/);
}

/** Verdict of the whole input vs of its prefixes: a prefix is "need more" or already the whole's verdict. */
function prefixesAgree(input: Buffer, cuts: Iterable<number>) {
  const whole = parseClientHello(input);
  sane(whole, input);
  for (const k of cuts) {
    const part = parseClientHello(input.subarray(0, k));
    sane(part, input);
    if (final(part)) assert.deepEqual(whole, part, `prefix ${k} of ${input.length} bytes`);
  }
  return whole;
}

/** Feed `input` in the given chunk sizes; the verdicts on the way are "need more" or the final one. */
function chunked(input: Buffer, sizes: number[]): ClientHelloResult {
  const reader = new ClientHelloReader();
  const seen: ClientHelloResult[] = [];
  let pos = 0;
  for (const n of sizes) {
    if (pos >= input.length) break;
    seen.push(reader.push(input.subarray(pos, pos + n)));
    pos += n;
    if (final(seen[seen.length - 1] as ClientHelloResult)) break; // the gateway stops reading here
  }
  if (pos < input.length && !seen.some(final)) seen.push(reader.push(input.subarray(pos)));
  const last = seen[seen.length - 1] ?? reader.result();
  for (const r of seen.slice(0, -1)) assert.equal(r.kind, 'incomplete');
  return last;
}

// ---- A model of a ClientHello: the bytes are built from it, the parser must read the model back ----

const GREASE = fc.integer({ min: 0, max: 15 }).map((i) => (i << 12) | 0x0a00 | (i << 4) | 0x0a);
const VERSIONS = [0x0300, 0x0301, 0x0302, 0x0303, 0x0304] as const;
const NAME: Record<number, string> = {
  768: 'SSL3.0',
  769: 'TLS1.0',
  770: 'TLS1.1',
  771: 'TLS1.2',
  772: 'TLS1.3',
};
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const hostName = fc.array(label, { minLength: 1, maxLength: 5 }).map((l) => l.join('.'));

interface HelloModel {
  legacy: number;
  supported: number[] | null; // null: no supported_versions extension
  sni: string | null;
  alpn: string[] | null;
  others: { type: number; body: Uint8Array }[];
  order: number[];
  sessionId: Uint8Array;
  suites: number;
  fragments: number[];
  recordVersion: number;
}

const helloModel: fc.Arbitrary<HelloModel> = fc.record({
  legacy: fc.constantFrom(...VERSIONS),
  supported: fc.option(
    fc.array(fc.oneof(fc.constantFrom(...VERSIONS), GREASE), { minLength: 1, maxLength: 6 }),
  ),
  sni: fc.option(hostName),
  alpn: fc.option(fc.array(fc.stringMatching(/^[\x21-\x7e]{1,12}$/), { minLength: 1, maxLength: 4 })),
  // Unknown and GREASE extension types the parser must skip (none of 0, 16, 43; unique).
  others: fc.uniqueArray(
    fc.record({
      type: fc.oneof(
        fc.integer({ min: 1, max: 65535 }).filter((t) => t !== 16 && t !== 43),
        GREASE,
      ),
      body: fc.uint8Array({ maxLength: 40 }),
    }),
    { selector: (e) => e.type, maxLength: 8 },
  ),
  order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
  sessionId: fc.uint8Array({ maxLength: 32 }),
  suites: fc.integer({ min: 1, max: 60 }),
  fragments: fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 6 }),
  recordVersion: fc.constantFrom(0x0300, 0x0301, 0x0303),
});

const u16 = (n: number) => Buffer.from([n >> 8, n & 255]);
const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);
const ext = (type: number, body: Buffer) => Buffer.concat([u16(type), vec16(body)]);

function buildHello(m: HelloModel): Buffer {
  const exts: Buffer[] = m.others.map((e) => ext(e.type, Buffer.from(e.body)));
  if (m.sni !== null) {
    const name = Buffer.from(m.sni, 'latin1');
    exts.push(ext(0, vec16(Buffer.concat([Buffer.from([0]), vec16(name)]))));
  }
  if (m.alpn !== null) {
    const list = Buffer.concat(
      m.alpn.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])),
    );
    exts.push(ext(16, vec16(list)));
  }
  if (m.supported !== null) {
    const list = Buffer.concat(m.supported.map(u16));
    exts.push(ext(43, Buffer.concat([Buffer.from([list.length]), list])));
  }
  // Shuffle the extensions by the drawn keys (the order must not matter).
  const keyed = exts.map((e, i) => ({ e, k: m.order[i % m.order.length] ?? 0, i }));
  keyed.sort((a, b) => a.k - b.k || a.i - b.i);
  const body = Buffer.concat([
    u16(m.legacy),
    Buffer.alloc(32, 7),
    Buffer.from([m.sessionId.length]),
    Buffer.from(m.sessionId),
    vec16(Buffer.alloc(m.suites * 2, 0x13)),
    Buffer.from([1, 0]),
    vec16(Buffer.concat(keyed.map((x) => x.e))),
  ]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 255]), body]);
  // Split the handshake message over several records, as a client may.
  const records: Buffer[] = [];
  let pos = 0;
  for (const n of [...m.fragments, hs.length]) {
    if (pos >= hs.length) break;
    const frag = hs.subarray(pos, pos + n);
    records.push(Buffer.concat([Buffer.from([0x16]), u16(m.recordVersion), u16(frag.length), frag]));
    pos += frag.length;
  }
  return Buffer.concat(records);
}

function expected(m: HelloModel): ClientHelloResult {
  const offered = (m.supported ?? []).filter((v) => NAME[v]);
  const best = offered.length ? Math.max(...offered) : m.legacy;
  return { kind: 'hello', version: NAME[best] as never, sni: m.sni ?? '', alpn: m.alpn ?? [] };
}

describe('ClientHello parser (property-based)', () => {
  const corpus: Buffer[] = [];
  before(async () => {
    corpus.push(
      await nodeHello('TLSv1', 'a.example.test'),
      await nodeHello('TLSv1.1', 'a.example.test'),
      await nodeHello('TLSv1.2', 'a.example.test', ['h2', 'http/1.1']),
      await nodeHello('TLSv1.3', 'a.example.test', ['http/1.1']),
      await opensslHello('-tls1_3', 'b.example.test'),
      await nodeHello('TLSv1.2', ''), // no SNI
      ssl3Hello(),
      ssl2Hello(),
    );
  });

  it('random bytes: never throws, never reads past the buffer, prefixes agree with the whole', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      // A plausible record header first, so the parser gets past the first byte.
      fc
        .tuple(fc.constantFrom(0x16, 0x80, 0x81), fc.constantFrom(3, 2, 0), fc.uint8Array({ maxLength: 600 }))
        .map(([a, b, rest]) => Uint8Array.from([a, b, ...rest])),
    );
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), { maxLength: 8 }), (raw, cuts) => {
        const input = Buffer.from(raw);
        prefixesAgree(
          input,
          cuts.map((c) => c % (input.length + 1)),
        );
      }),
    );
  });

  it('model hellos (TLS 1.0–1.3, GREASE, with/without SNI and ALPN, split over records): read back exactly; every strict prefix needs more', () => {
    fc.assert(
      fc.property(helloModel, (m) => {
        const bytes = buildHello(m);
        fc.pre(bytes.length <= MAX_HELLO_BYTES);
        const r = parseClientHello(bytes);
        assert.deepEqual(r, expected(m));
        for (let k = 0; k < bytes.length; k += 1 + (k % 7))
          assert.equal(parseClientHello(bytes.subarray(0, k)).kind, 'incomplete', `prefix ${k}`);
      }),
    );
  });

  it('model hellos in random chunks give the verdict of the whole', () => {
    fc.assert(
      fc.property(helloModel, fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 40 }), (m, sizes) => {
        const bytes = buildHello(m);
        fc.pre(bytes.length <= MAX_HELLO_BYTES);
        assert.deepEqual(chunked(bytes, sizes), expected(m));
      }),
    );
  });

  it('real hellos split at every byte boundary: "need more" before the end (SSL 2 after 5 bytes), the same verdict whole', () => {
    for (const hello of corpus) {
      const whole = parseClientHello(hello);
      assert.ok(whole.kind === 'hello' || whole.kind === 'ssl2');
      for (let cut = 1; cut < hello.length; cut++) {
        const reader = new ClientHelloReader();
        const first = reader.push(hello.subarray(0, cut));
        if (whole.kind === 'ssl2' && cut >= 5) assert.deepEqual(first, whole);
        else assert.equal(first.kind, 'incomplete', `cut ${cut}`);
        assert.deepEqual(final(first) ? first : reader.push(hello.subarray(cut)), whole, `cut ${cut}`);
      }
    }
  });

  it('mutated real hellos (flips, length fields, insertions, deletions, truncation): sane, prefixes agree, chunking agrees', () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ op: fc.constant('u16' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 65535 }) }),
      fc.record({
        op: fc.constant('insert' as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
      }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 20 }),
        (which, muts, sizes) => {
          let b = Buffer.from(corpus[which % corpus.length] as Buffer);
          for (const m of muts) {
            const at = m.at % (b.length + 1);
            if (m.op === 'flip' && at < b.length) b[at] = m.value;
            else if (m.op === 'u16' && at + 1 < b.length) b.writeUInt16BE(m.value, at);
            else if (m.op === 'insert')
              b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
            else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
            else if (m.op === 'truncate') b = b.subarray(0, at);
          }
          const whole = prefixesAgree(
            b,
            [0, 1, 4, 5, 6, 9, 10, 43, b.length >> 1, b.length - 1].filter((k) => k >= 0),
          );
          const viaReader = chunked(b, sizes);
          if (final(viaReader)) assert.deepEqual(viaReader, whole);
        },
      ),
    );
  });
});
