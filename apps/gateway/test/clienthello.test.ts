/** ClientHello parser: real hellos of every version, split anywhere (property-based: fuzz-clienthello.test.ts). */
import assert from 'node:assert/strict';
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
});
