/** ClientHello parser: real hellos of every version, split anywhere, and a bounded fuzz run. */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { ClientHelloReader, MAX_HELLO_BYTES, parseClientHello } from '../src/clienthello.ts';
import { GARBAGE, nodeHello, opensslHello, ssl2Hello, ssl3Hello } from './hellos.ts';

describe('ClientHello parser', () => {
  const corpus: Record<string, Buffer> = {};
  before(async () => {
    corpus.tls10 = await nodeHello('TLSv1', 'a.example.test');
    corpus.tls11 = await nodeHello('TLSv1.1', 'a.example.test');
    corpus.tls12 = await nodeHello('TLSv1.2', 'a.example.test', ['h2', 'http/1.1']);
    corpus.tls13 = await nodeHello('TLSv1.3', 'a.example.test', ['http/1.1']);
    corpus.osslTls1 = await opensslHello('-tls1', 'b.example.test');
    corpus.osslTls13 = await opensslHello('-tls1_3', 'b.example.test');
    corpus.ssl3 = ssl3Hello();
    corpus.ssl2 = ssl2Hello();
  });

  it('reads version, SNI and ALPN of real hellos (supported_versions for TLS 1.3)', () => {
    const expect: [string, string, string][] = [
      ['tls10', 'TLS1.0', 'a.example.test'],
      ['tls11', 'TLS1.1', 'a.example.test'],
      ['tls12', 'TLS1.2', 'a.example.test'],
      ['tls13', 'TLS1.3', 'a.example.test'],
      ['osslTls1', 'TLS1.0', 'b.example.test'],
      ['osslTls13', 'TLS1.3', 'b.example.test'],
    ];
    for (const [name, version, sni] of expect) {
      const r = parseClientHello(corpus[name] as Buffer);
      assert.equal(r.kind, 'hello', name);
      if (r.kind !== 'hello') continue;
      assert.equal(r.version, version, name);
      assert.equal(r.sni, sni, name);
    }
    const r12 = parseClientHello(corpus.tls12 as Buffer);
    assert.deepEqual(r12.kind === 'hello' && r12.alpn, ['h2', 'http/1.1']);
  });

  it('detects SSL 3.0 and SSL 2.0, and rejects non-TLS bytes at the first byte', () => {
    assert.deepEqual(parseClientHello(corpus.ssl3 as Buffer), {
      kind: 'hello',
      version: 'SSL3.0',
      sni: '',
      alpn: [],
    });
    assert.deepEqual(parseClientHello(corpus.ssl2 as Buffer), { kind: 'ssl2', version: 'SSL2.0' });
    const g = parseClientHello(GARBAGE.subarray(0, 1));
    assert.equal(g.kind, 'error');
    assert.match(g.kind === 'error' ? g.message : '', /first byte 0x47/);
  });

  it('gives the same verdict whatever the split into reads, and incomplete before the end', () => {
    for (const [name, hello] of Object.entries(corpus)) {
      const whole = parseClientHello(hello);
      for (const cut of [1, 2, 5, 6, 9, 43, Math.floor(hello.length / 2), hello.length - 1]) {
        if (cut >= hello.length) continue;
        const reader = new ClientHelloReader();
        const first = reader.push(hello.subarray(0, cut));
        if (name !== 'ssl2' || cut < 5) assert.equal(first.kind, 'incomplete', `${name} cut ${cut}`);
        const end = reader.push(hello.subarray(cut));
        assert.deepEqual(end, whole, `${name} cut ${cut}`);
        assert.deepEqual(reader.buffered(), hello);
      }
    }
  });

  it('handles a hello split across two TLS records', () => {
    const hello = corpus.tls12 as Buffer;
    const hs = hello.subarray(5);
    const rec = (b: Buffer) =>
      Buffer.concat([Buffer.from([0x16, 0x03, 0x01, b.length >> 8, b.length & 255]), b]);
    const two = Buffer.concat([rec(hs.subarray(0, 3)), rec(hs.subarray(3))]);
    assert.deepEqual(parseClientHello(two), parseClientHello(hello));
  });

  it('stops buffering at the cap', () => {
    const reader = new ClientHelloReader();
    // A record header announcing the largest allowed record, then a stream of filler.
    let r = reader.push(Buffer.from([0x16, 0x03, 0x01, 0x48, 0x00, 0x01, 0x00, 0xff, 0xff]));
    for (let i = 0; i < 40 && r.kind === 'incomplete'; i++) r = reader.push(Buffer.alloc(1024));
    assert.equal(r.kind, 'error');
    assert.ok(reader.buffered().length <= MAX_HELLO_BYTES + 1024);
  });

  it('fuzz: 20k mutated/truncated hellos never throw, hang or return an unknown kind', () => {
    const seeds = Object.values(corpus);
    const kinds = new Set(['incomplete', 'hello', 'ssl2', 'error']);
    const started = Date.now();
    const seen: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) {
      const seed = seeds[i % seeds.length] as Buffer;
      const b = Buffer.from(seed);
      let input: Buffer = b;
      switch (i % 5) {
        case 0: // flip random bytes
          for (let k = randomInt(1, 8); k > 0; k--) b[randomInt(b.length)] = randomInt(256);
          break;
        case 1: // truncate
          input = b.subarray(0, randomInt(b.length));
          break;
        case 2: // corrupt a length field near the front
          b.writeUInt16BE(randomInt(65536), randomInt(Math.min(60, b.length - 1)));
          break;
        case 3: // splice random bytes in
          input = Buffer.concat([
            b.subarray(0, randomInt(b.length)),
            Buffer.alloc(randomInt(1, 300), randomInt(256)),
            b,
          ]);
          break;
        default: // pure noise with a plausible record header
          input = Buffer.concat([
            Buffer.from([0x16, 0x03, randomInt(5)]),
            Buffer.from(Array.from({ length: randomInt(600) }, () => randomInt(256))),
          ]);
      }
      const reader = new ClientHelloReader();
      let r = parseClientHello(input);
      assert.ok(kinds.has(r.kind));
      // Same bytes fed in random pieces must end in the same verdict.
      let pos = 0;
      let rr = reader.result();
      while (pos < input.length) {
        const n = randomInt(1, 400);
        rr = reader.push(input.subarray(pos, pos + n));
        pos += n;
        if (rr.kind !== 'incomplete') break;
      }
      if (pos >= input.length) assert.deepEqual(rr, r);
      seen[r.kind] = (seen[r.kind] ?? 0) + 1;
      r = rr;
    }
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 30_000, `fuzz took ${elapsed} ms`);
    assert.ok((seen.error ?? 0) > 1000 && (seen.hello ?? 0) > 100, JSON.stringify(seen));
  });
});
