/**
 * Per-tunnel usage end to end: simulated agents → real gateway (zero-copy where available) → telemetry →
 * in-process bus → real ingester → embedded chDB. "Bytes up" is what an agent wrote into its tunnel after the
 * CONNECT exchange (its TLS stream, ClientHello on), counted on the agent's own socket: per workspace the
 * store must hold exactly that, and a tunnel kept open shows its volume per counter interval.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { createGateway, type Gateway, parseConfig } from '@gatewatch/gateway';
import {
  createTelemetry,
  type Ingester,
  InProcessBus,
  runIngester,
  type Telemetry,
} from '@gatewatch/pipeline';
import {
  createCertificateAuthority,
  openTunnel,
  startTlsEndpoint,
  type TlsEndpoint,
} from '@gatewatch/simulator';
import { openStore, type Store } from '@gatewatch/store';
import { pino } from 'pino';

const WS_A = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
const WS_B = '0b2c4a1e-5d6f-4a7b-8c9d-0e1f2a3b4c5d';
const host = (ws: string) => `${ws}.ods.opinsights.azure.com`;

let dir: string;
let store: Store;
let bus: InProcessBus;
let ingester: Ingester;
let telemetry: Telemetry;
let endpoint: TlsEndpoint;
let gateway: Gateway;
let port: number;
let ca: string;

/** An agent with one persistent tunnel and TLS session, counting the bytes on its side of the tunnel. */
async function tunnelAgent(ws: string, localAddress: string) {
  const t = await openTunnel({ proxy: { host: '127.0.0.1', port }, host: host(ws), localAddress });
  if (!('socket' in t)) throw new Error(t.error);
  const raw: Socket = t.socket;
  const head = { written: raw.bytesWritten, read: raw.bytesRead };
  const tls = tlsConnect({ socket: raw, servername: host(ws), ca });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  (agent as unknown as { createConnection: () => unknown }).createConnection = () => tls;
  return {
    upload: (size: number) =>
      new Promise<void>((resolve, reject) => {
        const req = httpsRequest(
          { host: host(ws), path: '/upload', method: 'POST', agent, headers: { 'content-length': size } },
          (res) =>
            res.resume().on('end', () => (res.statusCode === 200 ? resolve() : reject(res.statusCode))),
        );
        req.on('error', reject);
        req.end(Buffer.alloc(size, 0x61));
      }),
    /** Bytes written into the tunnel so far. */
    sent: () => raw.bytesWritten - head.written,
    /** Ends the session (reading to the server's close) and returns the tunnel's bytes as the agent saw them. */
    async close() {
      tls.end();
      if (!raw.closed) await new Promise((r) => raw.once('close', r));
      agent.destroy();
      return { up: raw.bytesWritten - head.written, down: raw.bytesRead - head.read };
    },
  };
}

async function query<T>(sql: string): Promise<T[]> {
  const rs = await store.client.query({ query: sql, format: 'JSONEachRow' });
  return rs.json<T>();
}

/**
 * Polls the store, after each delivery, until `sql`'s value `v` is `want`: what the gateway records a moment later
 * (a tunnel's close reaches JS after the agent sees it; an interval sweep runs on its timer). Fails after 20 s.
 */
async function stored(sql: string, want: number, what: string, { sweep = true } = {}): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await delivered({ sweep });
    const [r] = await query<{ v: string }>(sql);
    if (Number(r?.v) === want) return;
    assert.ok(Date.now() < deadline, `${what}: ${r?.v}, not ${want}, after 20 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Everything the gateway emitted so far is in the store (after a usage sweep, unless told not to). */
async function delivered({ sweep = true } = {}): Promise<void> {
  if (sweep) gateway.sweepUsage();
  assert.ok(await telemetry.flush(10_000), 'telemetry flushed');
  const deadline = Date.now() + 20_000;
  while (ingester.metrics().lag > 0) {
    assert.ok(Date.now() < deadline, 'ingester caught up');
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatewatch-usage-'));
  store = await openStore({ dataDir: join(dir, 'data') });
  bus = new InProcessBus({ partitions: 2 });
  ingester = await runIngester({ bus, store, log: () => {} });
  telemetry = await createTelemetry({ nodeId: 'usage-gw', serviceVersion: 'test', bus, spoolDir: dir });
  const authority = await createCertificateAuthority('Usage Test CA');
  ca = authority.cert;
  endpoint = await startTlsEndpoint(
    await authority.issue({ subject: '/CN=azure-stand-in', names: ['*.ods.opinsights.azure.com'] }),
  );
  const config = parseConfig({
    nodeId: 'usage-gw',
    listenHost: '127.0.0.1',
    listenPort: 1,
    adminPort: 0,
    workspaces: [WS_A, WS_B],
    resolve: { [`${host(WS_A)}:443`]: endpoint.address, [`${host(WS_B)}:443`]: endpoint.address },
    counterIntervalMs: 500,
  });
  // Port 0 (any free one) is not a valid config value, but the listener takes it.
  gateway = createGateway(
    { ...config, listenPort: 0 },
    { sink: telemetry.sink, logger: pino({ enabled: false }) },
  );
  port = (await gateway.start()).port;
});

after(async () => {
  await gateway?.stop(500);
  await telemetry?.shutdown(2000);
  await ingester?.stop();
  await bus?.close();
  await endpoint?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

test('bytes per workspace in ClickHouse equal exactly what the agents sent, per tunnel and per agent', async () => {
  const plan: { ws: string; address: string; sizes: number[] }[] = [
    { ws: WS_A, address: '127.0.1.1', sizes: [200_000, 1_000, 37_000] },
    { ws: WS_A, address: '127.0.1.2', sizes: [5] },
    { ws: WS_A, address: '127.0.1.3', sizes: [64 * 1024, 64 * 1024] },
    { ws: WS_B, address: '127.0.1.4', sizes: [120_000, 3] },
    { ws: WS_B, address: '127.0.1.4', sizes: [9_999] }, // the same agent again, a second tunnel
  ];
  const truth = new Map<string, { up: number; down: number }>();
  const perAgent = new Map<string, { up: number; tunnels: number }>();
  await Promise.all(
    plan.map(async (p) => {
      const a = await tunnelAgent(p.ws, p.address);
      for (const size of p.sizes) await a.upload(size);
      const b = await a.close();
      const w = truth.get(p.ws) ?? { up: 0, down: 0 };
      truth.set(p.ws, { up: w.up + b.up, down: w.down + b.down });
      const g = perAgent.get(p.address) ?? { up: 0, tunnels: 0 };
      perAgent.set(p.address, { up: g.up + b.up, tunnels: g.tunnels + 1 });
    }),
  );
  await stored('SELECT countIf(closed) AS v FROM gateway_usage', plan.length, 'tunnel closes stored');

  const byWorkspace = await query<{ workspaceId: string; up: string; down: string }>(
    `SELECT workspaceId, sum(bytesUp) AS up, sum(bytesDown) AS down FROM gateway_usage_1m
     GROUP BY workspaceId ORDER BY workspaceId`,
  );
  assert.deepEqual(
    byWorkspace,
    [...truth]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([ws, t]) => ({ workspaceId: ws, up: String(t.up), down: String(t.down) })),
  );
  const agents = await query<{ agent: string; up: string; opened: string; nodes: string[] }>(
    `SELECT agent, sum(bytesUp) AS up, sum(tunnelsOpened) AS opened, groupUniqArrayMerge(nodes) AS nodes
     FROM gateway_usage_clients_1h GROUP BY agent ORDER BY agent`,
  );
  assert.deepEqual(
    agents,
    [...perAgent]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([agent, g]) => ({
        agent,
        up: String(g.up),
        opened: String(g.tunnels),
        nodes: ['usage-gw'],
      })),
  );
  // Every tunnel: one opened and one closed record under its span's ids, which name its stored span.
  const tunnels = await query<{ traceId: string; opened: string; closed: string; spans: string }>(
    `SELECT traceId, toString(countIf(opened)) AS opened, toString(countIf(closed)) AS closed,
       toString(countIf((traceId, spanId) IN (SELECT TraceId, SpanId FROM otel_traces))) AS spans
     FROM gateway_usage GROUP BY traceId`,
  );
  assert.equal(tunnels.length, plan.length);
  for (const t of tunnels) {
    assert.match(t.traceId, /^[0-9a-f]{32}$/);
    assert.equal(t.opened, '1');
    assert.equal(t.closed, '1');
    assert.ok(Number(t.spans) >= 1, `the tunnel span of ${t.traceId} is stored`);
  }
  const [counted] = await query<{ up: string }>('SELECT toString(sum(bytesUp)) AS up FROM gateway_usage');
  assert.equal(Number(counted?.up), gateway.counters().bytesUp, "the gateway's own bytes-up counter");
});

test('a long-lived tunnel shows its volume in each counter interval, not only at its close', async () => {
  const a = await tunnelAgent(WS_A, '127.0.1.9');
  const uploads = 6;
  for (let i = 0; i < uploads; i++) {
    await a.upload(50_000);
    // The 500 ms interval sweep alone (no manual sweep) stores every byte sent so far while the tunnel is open.
    await stored(
      "SELECT sum(bytesUp) AS v FROM gateway_usage WHERE clientAddress = '127.0.1.9'",
      a.sent(),
      `bytes up stored after upload ${i + 1}`,
      { sweep: false },
    );
  }
  const open = await query<{ up: string; opened: boolean; closed: boolean }>(
    `SELECT toString(bytesUp) AS up, opened, closed FROM gateway_usage
     WHERE clientAddress = '127.0.1.9' ORDER BY ts`,
  );
  assert.ok(open.length >= uploads, `a record per interval that moved bytes: ${JSON.stringify(open)}`);
  assert.equal(open[0]?.opened, true);
  assert.ok(open.every((r) => !r.closed));

  const b = await a.close();
  await stored(
    "SELECT countIf(closed) AS v FROM gateway_usage WHERE clientAddress = '127.0.1.9'",
    1,
    'its close stored',
  );
  const [total] = await query<{ up: string; down: string; n: string }>(
    `SELECT toString(sum(bytesUp)) AS up, toString(sum(bytesDown)) AS down, toString(countIf(closed)) AS n
     FROM gateway_usage WHERE clientAddress = '127.0.1.9'`,
  );
  assert.deepEqual(total, { up: String(b.up), down: String(b.down), n: '1' });
  const minutes = await query<{ up: string }>(
    `SELECT toString(sum(bytesUp)) AS up FROM gateway_usage_clients_1h WHERE agent = '127.0.1.9'`,
  );
  assert.deepEqual(minutes, [{ up: String(b.up) }]);
});
