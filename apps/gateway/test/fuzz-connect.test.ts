/**
 * Property-based fuzzing of CONNECT targets (fast-check): the authority parser (host:port, IPv6 brackets,
 * ports out of range, percent and non-ASCII bytes), the destination policy on what it yields, and raw request
 * heads against a running gateway. Seed and path are printed on failure (replay: FUZZ_SEED, FUZZ_PATH);
 * FUZZ_RUNS=<n> for longer runs.
 */
import assert from 'node:assert/strict';
import { isIP, connect as netConnect } from 'node:net';
import { describe, it } from 'node:test';
import { normalizeHost } from '@gatewatch/events';
import { fuzzConfig } from '@gatewatch/simulator';
import fc from 'fast-check';
import { createPolicy, parseConfig } from '../src/index.ts';
import { parseAuthority } from '../src/tunnel.ts';
import { Cleanup, makePki, rawConnect, startGateway, startTarget, tempDir } from './helpers.ts';

fc.configureGlobal(fuzzConfig(3000));

const label = fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,15}[a-zA-Z0-9])?$/);
const hostName = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
const ipv6 = fc.ipV6();
/** Authority-ish text: the shapes agents and attackers send, and their near misses. */
const authority = fc.oneof(
  fc.tuple(hostName, fc.integer({ min: 0, max: 99999 })).map(([h, p]) => `${h}:${p}`),
  fc.tuple(hostName, fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}.:${p}`),
  fc.tuple(ipv6, fc.integer({ min: 0, max: 70000 })).map(([a, p]) => `[${a}]:${p}`),
  fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([a, p]) => `${a}:${p}`),
  fc.tuple(fc.stringMatching(/^[0-9a-fA-F:.]{1,20}$/), fc.nat(65535)).map(([a, p]) => `[${a}]:${p}`),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(hostName, fc.string({ maxLength: 8 }), fc.nat(99999)).map(([h, x, p]) => `${h}${x}:${p}`),
  fc
    .tuple(hostName, fc.nat(65535))
    .map(([h, p]) => `${encodeURIComponent(h).replace(/./, (c) => `%${c.charCodeAt(0).toString(16)}`)}:${p}`),
  fc.constantFrom(
    '.:443',
    '..:443',
    '[]:443',
    '[::1]',
    ':443',
    'a:',
    'a:0',
    'a:65536',
    'a:00443',
    '[::1]:443',
    '[cafe]:443',
    'user@a:443',
    'a/b:443',
  ),
);

describe('CONNECT targets (property-based)', () => {
  it('parseAuthority never throws; what it accepts is a real host (IPv6 only in brackets) and a port 1–65535', () => {
    fc.assert(
      fc.property(authority, (a) => {
        const r = parseAuthority(a);
        if (!r) return;
        assert.ok(Number.isInteger(r.port) && r.port >= 1 && r.port <= 65535, `port ${r.port}`);
        assert.ok(r.host.length > 0, `empty host from ${JSON.stringify(a)}`);
        assert.equal(r.host, normalizeHost(r.host), 'normalised');
        assert.doesNotMatch(r.host, /[\s/@[\]]/);
        if (a.startsWith('[')) assert.equal(isIP(r.host), 6, `bracketed ${JSON.stringify(a)} → ${r.host}`);
        else assert.doesNotMatch(r.host, /:/);
      }),
    );
  });

  it('regressions the fuzzer found: brackets around a non-IPv6, names with an empty label', () => {
    for (const a of ['[:]:1', '[cafe]:443', '[1.2.3.4]:443', '.:443', '..:443', 'a..b:443', '.a:443'])
      assert.equal(parseAuthority(a), null, a);
    assert.deepEqual(parseAuthority('[::1]:443'), { host: '::1', port: 443 });
    assert.deepEqual(parseAuthority('A.example.:443'), { host: 'a.example', port: 443 });
  });

  it('host:port, [v6]:port read back exactly; ports outside 1–65535 and missing ports are refused', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostName.map((h) => ({ text: h, host: h.toLowerCase() })),
          ipv6.map((a) => ({ text: `[${a}]`, host: a.toLowerCase() })),
        ),
        fc.integer({ min: 0, max: 99999 }),
        ({ text, host }, port) => {
          const r = parseAuthority(`${text}:${port}`);
          if (port >= 1 && port <= 65535) assert.deepEqual(r, { host, port });
          else assert.equal(r, null);
          assert.equal(parseAuthority(text), null);
        },
      ),
    );
  });

  it('policy: case and one trailing dot never change a verdict; a wildcard allows only hosts under it', () => {
    const policy = createPolicy(
      parseConfig({ allowedHosts: ['*.contoso.com', 'api.example.org', '10.1.2.3'], workspaces: [] }),
    );
    const host = fc.oneof(
      hostName,
      hostName.map((h) => `${h}.contoso.com`),
      hostName.map((h) => `${h}contoso.com`),
      fc.constantFrom(
        'contoso.com',
        'api.example.org',
        'API.EXAMPLE.ORG',
        '10.1.2.3',
        'global.handler.control.monitor.azure.com',
      ),
    );
    fc.assert(
      fc.property(host, fc.constantFrom(443, 80, 8443), (h, port) => {
        const d = policy.check(h, port);
        assert.equal(policy.check(h.toUpperCase(), port).allowed, d.allowed);
        assert.equal(policy.check(`${h}.`, port).allowed, d.allowed);
        if (!d.allowed) return;
        assert.equal(port, 443);
        const n = normalizeHost(h);
        assert.ok(
          n === 'api.example.org' ||
            n === '10.1.2.3' ||
            n === 'global.handler.control.monitor.azure.com' ||
            (n.endsWith('.contoso.com') && n.length > '.contoso.com'.length),
          `${h} allowed`,
        );
      }),
    );
  });

  it('a running gateway answers every request head (random targets, methods, bytes) with a status or a close, and keeps serving', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const pki = await makePki(tempDir(cleanup), ['api.contoso.test']);
    const target = await startTarget(pki);
    cleanup.after(() => target.server.close());
    const gw = await startGateway(t, {
      allowedHosts: ['api.contoso.test'],
      resolve: { 'api.contoso.test:443': `127.0.0.1:${target.port}` },
      limits: { headerTimeoutMs: 300, clientHelloTimeoutMs: 300, perClientConnectionsPerSecond: 0 }, // incomplete heads end quickly
    });
    const port = gw.info.port;
    const head = fc.oneof(
      authority.map((a) => `CONNECT ${a} HTTP/1.1\r\nHost: ${a}\r\n\r\n`),
      fc
        .tuple(
          fc.constantFrom('GET', 'POST', 'CONNECT', 'connect', 'PRI', ''),
          authority,
          fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2', ''),
        )
        .map(([m, a, v]) => `${m} ${a} ${v}\r\n\r\n`),
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => `${s}\r\n\r\n`),
    );
    await fc.assert(
      fc.asyncProperty(head, async (text) => {
        const reply = await exchange(port, Buffer.from(text, 'latin1'));
        assert.ok(
          reply.closed || /^HTTP\/1\.[01] \d{3}/.test(reply.head),
          `no answer to ${JSON.stringify(text)}: ${JSON.stringify(reply)}`,
        );
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(reply.head)?.[1] ?? 0);
        // Only an allowed CONNECT opens a tunnel.
        if (status === 200) assert.match(text, /^CONNECT api\.contoso\.test\.?:0*443 HTTP\/1\.[01]\r\n/i);
      }),
      { numRuns: Math.min(300, fuzzConfig(300).numRuns ?? 300) },
    );
    const ok = await rawConnect(port, 'api.contoso.test:443');
    assert.equal(ok.status, 200, 'still serving');
    ok.socket.destroy();
  });
});

/** Send `bytes`, read until the head's end, the close, or 5 s (a hang). */
function exchange(port: number, bytes: Buffer): Promise<{ head: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = netConnect({ port, host: '127.0.0.1' });
    let got = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ head: got.split('\r\n')[0] ?? '', closed });
    };
    const timer = setTimeout(() => done(false), 5000);
    s.on('error', () => {});
    s.on('connect', () => s.write(bytes));
    s.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      if (got.includes('\r\n\r\n')) done(false);
    });
    s.on('close', () => done(true));
  });
}
