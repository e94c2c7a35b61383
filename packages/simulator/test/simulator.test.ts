import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  type Squid,
  startSquid,
  startTlsEndpoint,
  type TlsEndpoint,
  uploadThroughGateway,
} from '../src/index.ts';

// The simulated agent is checked against a real peer proxy (squid), so the gateway's tests can trust it.
let ca: CertificateAuthority;
let endpoint: TlsEndpoint;
let squid: Squid;

before(async () => {
  ca = await createCertificateAuthority();
  endpoint = await startTlsEndpoint(
    await ca.issue({ subject: '/CN=localhost', names: ['localhost', '127.0.0.1'] }),
  );
  squid = await startSquid({ connectPorts: [endpoint.port] });
});
after(async () => {
  await squid?.close();
  await endpoint?.close();
});

test('an agent uploads through a real squid to the stand-in endpoint', async () => {
  const target = {
    proxy: { host: '127.0.0.1', port: squid.port },
    host: 'localhost',
    port: endpoint.port,
    ca: ca.cert,
  };
  const results = await Promise.all([1, 2, 3].map(() => uploadThroughGateway(target, 200_000)));
  for (const r of results) assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(endpoint.stats.uploads, 3);
  assert.equal(endpoint.stats.bytes, 600_000);
});

test('a refusal by the proxy and a bad certificate come back as failures with their stage', async () => {
  const proxy = { host: '127.0.0.1', port: squid.port };
  const refused = await uploadThroughGateway({ proxy, host: 'localhost', port: 1, ca: ca.cert }, 10);
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.stage, 'proxy');
  assert.equal(!refused.ok && refused.status, 403);
  const other = await createCertificateAuthority('Other CA');
  const untrusted = await uploadThroughGateway(
    { proxy, host: 'localhost', port: endpoint.port, ca: other.cert },
    10,
  );
  assert.equal(!untrusted.ok && untrusted.stage, 'tls');
});
