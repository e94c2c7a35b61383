import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  createPersistentAgent,
  type Squid,
  startSquid,
  startTlsEndpoint,
  type TlsEndpoint,
} from '../src/index.ts';

// Real agents keep one tunnel and one TLS session: checked through a real squid and straight to the endpoint.
let ca: CertificateAuthority;
let endpoint: TlsEndpoint;
let squid: Squid;

before(async () => {
  ca = await createCertificateAuthority();
  endpoint = await startTlsEndpoint(await ca.issue({ subject: '/CN=localhost', names: ['localhost'] }));
  squid = await startSquid({ connectPorts: [endpoint.port] });
});
after(async () => {
  await squid?.close();
  await endpoint?.close();
});

test('a persistent agent reuses one tunnel for many uploads (through squid and direct)', async () => {
  const body = Buffer.alloc(200_000, 0x61);
  const before = endpoint.stats.uploads;
  for (const proxy of [{ host: '127.0.0.1', port: squid.port }, undefined]) {
    const agent = createPersistentAgent({
      proxy,
      direct: { host: '127.0.0.1', port: endpoint.port },
      host: 'localhost',
      port: endpoint.port,
      ca: ca.cert,
    });
    for (let i = 0; i < 3; i++) {
      const r = await agent.upload(body);
      assert.equal(r.ok, true, JSON.stringify(r));
    }
    assert.equal(agent.connections, 1);
    agent.close();
  }
  assert.equal(endpoint.stats.uploads - before, 6);
});

test('a refusal and an untrusted certificate fail with their stage', async () => {
  const refusing = createPersistentAgent({
    proxy: { host: '127.0.0.1', port: squid.port },
    host: 'localhost',
    port: 1,
    ca: ca.cert,
  });
  const refused = await refusing.upload(Buffer.from('x'));
  assert.equal(!refused.ok && refused.stage, 'proxy');
  refusing.close();
  const other = await createCertificateAuthority('Other CA');
  const untrusting = createPersistentAgent({
    direct: { host: '127.0.0.1', port: endpoint.port },
    host: 'localhost',
    port: endpoint.port,
    ca: other.cert,
  });
  const r = await untrusting.upload(Buffer.from('x'));
  assert.equal(!r.ok && r.stage, 'tls');
  untrusting.close();
});
