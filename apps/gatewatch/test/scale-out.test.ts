import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { workspaceHosts } from '@gatewatch/events';
import type { Ingester } from '@gatewatch/pipeline';
import { createCertificateAuthority, startTlsEndpoint, uploadThroughGateway } from '@gatewatch/simulator';
import { openStore } from '@gatewatch/store';
import { parse } from 'csv-parse/sync';
import { CLI, freePort, interrupt, type Launched, launch } from './helpers.ts';

// Scale-out: three gateway processes (one of them multi-core) behind HAProxy → Kafka → one backend process (two ingesters of one
// consumer group + the dashboard on one embedded chDB: no ClickHouse server exists here, and embedded chDB
// allows one process per data directory). One gateway is SIGKILLed mid-run.

const HAPROXY_CFG = fileURLToPath(new URL('../../../infra/haproxy/haproxy.cfg', import.meta.url));
// The shared broker (infra/kafka/kafka.sh); KAFKA_BROKERS=host:port points the test elsewhere.
const [brokerHost = '127.0.0.1', brokerPort = '9092'] =
  (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0]?.split(':') ?? [];
const BROKER = { host: brokerHost, port: Number(brokerPort) };
const WORKSPACE = '5a7c1e2d-3b4f-4c5d-8e6f-7a8b9c0d1e2f';
const NODES = ['gw-1', 'gw-2', 'gw-3'] as const;
const KILLED = 'gw-2';
const MULTI_CORE = 'gw-1';
/** Records the killed node produced this close to SIGKILL may be in its log but not yet on Kafka, or the reverse. */
const KILL_MARGIN_MS = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function brokerReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(BROKER);
    s.setTimeout(1000, () => s.destroy(new Error('timeout')));
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const CI = process.env.CI === 'true';
const kafkaUp = await brokerReachable();
// CI=true: a missing broker fails the test (below) instead of skipping it.
const skip =
  kafkaUp || CI
    ? false
    : `SKIPPED: no Kafka broker at ${BROKER.host}:${BROKER.port} (start one with infra/kafka/kafka.sh start; CI=true makes this fatal)`;
if (skip) process.stderr.write(`\n*** scale-out test ${skip} ***\n\n`);

const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
});

interface Proc {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr(): string;
}

/** `gatewatch gateway` with its event log (stdout, JSON lines) going straight to a file. */
function startGateway(args: string[], env: Record<string, string>, logFile: string): Launched {
  const fd = openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    ['--conditions=gatewatch-source', '--import', 'tsx', CLI, 'gateway', ...args],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', fd, 'pipe'],
    },
  );
  closeSync(fd);
  return wrap(child);
}

/** The same waiting helpers as `launch`, for a child spawned here. */
function wrap(child: ChildProcess): Launched {
  let text = '';
  child.stderr?.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  exited.then(() => {
    done = true;
  });
  return {
    child,
    output: () => text,
    exited,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = text.match(pattern);
        if (m) return m[0];
        if (done) throw new Error(`exited before printing ${pattern}; output:\n${text}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output:\n${text}`);
        await sleep(100);
      }
    },
  };
}

function startHaproxy(cfg: string, env: Record<string, string>): Proc {
  const child = spawn('haproxy', ['-f', cfg, '-db'], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => {
    text += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(-1));
  });
  return { child, exited, stderr: () => text };
}

/** The dashboard's CSV exports as one object per row, keyed by the header. */
function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

interface LogRecord {
  recordId: string;
  ts: number;
  nodeId: string;
  eventId: number;
  traceId: string;
}

async function readEventLog(file: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const r = JSON.parse(line) as Partial<LogRecord>;
      if (typeof r.recordId === 'string' && typeof r.nodeId === 'string')
        out.push({
          recordId: r.recordId,
          ts: Number(r.ts),
          nodeId: r.nodeId,
          eventId: Number(r.eventId),
          traceId: r.traceId ?? '',
        });
    } catch {
      // A SIGKILLed process may leave a torn last line.
    }
  }
  return out;
}

test('scale-out: 3 gateways behind HAProxy, one SIGKILLed mid-run; 2 ingesters; every record in ClickHouse exactly once', {
  skip,
  timeout: 420_000,
}, async () => {
  if (!kafkaUp)
    assert.fail(
      `CI=true but no Kafka broker at ${BROKER.host}:${BROKER.port}: run infra/kafka/kafka.sh start first`,
    );
  if (!(await hasCommand('haproxy', '-v')))
    assert.fail('haproxy not found on PATH: apt-get install -y haproxy');
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'gatewatch-scale-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const prefix = `scaleout-${Date.now()}-${process.pid}-`;
  const kafkaEnv = { KAFKA_BROKERS: `${BROKER.host}:${BROKER.port}`, KAFKA_TOPIC_PREFIX: prefix };

  // Stand-in for the workspace's Azure endpoint; the gateways map its names to it with `resolve`.
  const ca = await createCertificateAuthority('Gatewatch Scale-out CA');
  const host = `${WORKSPACE}.ods.opinsights.azure.com`;
  const endpoint = await startTlsEndpoint(await ca.issue({ subject: `/CN=${host}`, names: [host] }));
  cleanups.push(() => endpoint.close());

  // Backend first: it creates the topics and joins the consumer group while the fleet starts.
  const dashboardPort = await freePort();
  const metricsPort = await freePort();
  const backend = launch(
    [
      'ingester',
      '--ingesters',
      '2',
      '--with',
      'dashboard',
      '--data-dir',
      join(dir, 'backend'),
      '--dashboard-port',
      String(dashboardPort),
      '--metrics-port',
      String(metricsPort),
    ],
    // Gateways sample every 2 s here: a node is down 12 s after its last sample.
    { ...kafkaEnv, DASHBOARD_NODE_UP_WITHIN_S: '6', DASHBOARD_NODE_DOWN_AFTER_S: '12' },
  );
  cleanups.push(() => interrupt(backend, 15_000));
  await backend.waitFor(/Ready \(/, 300_000); // builds the dashboard unless the build is current
  assert.match(backend.output(), /Ingesters: 2 members of consumer group scaleout-/);
  const dash = `http://127.0.0.1:${dashboardPort}`;

  const gateways = new Map<string, { proc: Launched; port: number; admin: number; log: string }>();
  for (const nodeId of NODES) {
    const port = await freePort();
    const admin = await freePort();
    const config = join(dir, `${nodeId}.json`);
    await writeFile(
      config,
      JSON.stringify({
        nodeId,
        listenHost: '127.0.0.1',
        listenPort: port,
        adminPort: admin,
        proxyProtocol: true,
        workspaces: [WORKSPACE],
        resolve: Object.fromEntries(workspaceHosts(WORKSPACE).map((h) => [`${h}:443`, endpoint.address])),
        counterIntervalMs: 2000,
        // One multi-core node: its workers' records and spans must arrive like a one-process node's.
        ...(nodeId === MULTI_CORE && { workers: 2 }),
      }),
    );
    const log = join(dir, `${nodeId}.jsonl`);
    const proc = startGateway(['--config', config, '--data-dir', join(dir, nodeId)], kafkaEnv, log);
    cleanups.push(() => {
      proc.child.kill('SIGKILL');
      return proc.exited;
    });
    gateways.set(nodeId, { proc, port, admin, log });
  }
  for (const [, g] of gateways) await g.proc.waitFor(/Gateway listening on/, 60_000);

  const lbPort = await freePort();
  // A small maxconn: the default needs ~100k file descriptors, more than a CI runner allows.
  const lbEnv: Record<string, string> = {
    GATEWATCH_LB_BIND: `127.0.0.1:${lbPort}`,
    GATEWATCH_LB_MAXCONN: '2000',
  };
  NODES.forEach((n, i) => {
    const g = gateways.get(n);
    if (!g) return;
    lbEnv[`GATEWATCH_GW${i + 1}`] = `127.0.0.1:${g.port}`;
    lbEnv[`GATEWATCH_GW${i + 1}_ADMIN_PORT`] = String(g.admin);
  });
  const lb = startHaproxy(HAPROXY_CFG, lbEnv);
  cleanups.push(() => {
    lb.child.kill('SIGKILL');
    return lb.exited;
  });

  const target = (i: number) => ({
    proxy: { host: '127.0.0.1', port: lbPort },
    host,
    ca: ca.cert,
    localAddress: `127.0.0.${20 + i}`,
  });
  // HAProxy is ready once its health checks (rise 2, inter 1 s) put the gateways in rotation.
  for (let i = 0; ; i++) {
    if ((await uploadThroughGateway(target(0), 100)).ok) break;
    if (i > 100) assert.fail(`no upload went through HAProxy within 20 s; haproxy said:\n${lb.stderr()}`);
    await sleep(200);
  }

  // Agents: upload, on failure retry once 500 ms later (as agents back off); a failed retry is what must never
  // happen. Retrying at the very instant of the SIGKILL could meet the dying node's last accepted connections.
  const stats = { uploads: 0, retried: 0, failedTwice: [] as string[] };
  let running = true;
  const agents = Array.from({ length: 6 }, async (_, i) => {
    while (running) {
      let r = await uploadThroughGateway(target(i), 8192);
      if (!r.ok) {
        stats.retried++;
        await sleep(500);
        r = await uploadThroughGateway(target(i), 8192);
        if (!r.ok) stats.failedTwice.push(`${r.stage}: ${r.error}`);
      }
      if (r.ok) stats.uploads++;
      await sleep(50);
    }
  });

  await sleep(8000);
  const killed = gateways.get(KILLED);
  assert.ok(killed);
  const uploadsBeforeKill = stats.uploads;
  const killedAt = Date.now();
  killed.proc.child.kill('SIGKILL');
  await killed.proc.exited;
  await sleep(8000);
  // HAProxy's health checks took the dead node out of rotation (gw2 is the second server line).
  assert.match(
    lb.stderr(),
    /Server gateway_nodes\/gw2 is DOWN/,
    `HAProxy did not mark gw2 down:\n${lb.stderr()}`,
  );
  assert.doesNotMatch(lb.stderr(), /gateway_nodes\/gw[13] is DOWN/);
  assert.ok(
    stats.uploads > uploadsBeforeKill + 20,
    `uploads stalled after the kill: ${JSON.stringify(stats)}`,
  );

  // The overview: status by last sample age (up ≤ 6 s, down after 12 s with the thresholds set above);
  // agents keep uploading meanwhile.
  let nodes: Record<string, string>[] = [];
  for (const deadline = Date.now() + 90_000; ; ) {
    const res = await fetch(`${dash}/api/csv/nodes?range=15m`);
    nodes = res.ok ? parseCsv(await res.text()) : [];
    const status = Object.fromEntries(nodes.map((r) => [r.Node, r.Status]));
    if (status[KILLED] === 'down' && status['gw-1'] === 'up' && status['gw-3'] === 'up') break;
    if (Date.now() > deadline) assert.fail(`nodes never showed ${KILLED} down: ${JSON.stringify(nodes)}`);
    await sleep(2000);
  }
  const html = await (await fetch(`${dash}/?range=15m`)).text();
  const stat = html.match(/data-testid="stat-nodes"[\s\S]*?(\d+) \/ (\d+) \/ (\d+)/);
  assert.ok(stat, 'overview has no "Nodes up / stale / down" stat');
  assert.deepEqual(
    [Number(stat[1]), Number(stat[2]), Number(stat[3])],
    [2, 0, 1],
    `overview: ${stat[0].slice(-12)} (want 2 up, 0 stale, 1 down)`,
  );
  assert.deepEqual(nodes.map((r) => r.Node).sort(), [...NODES]);

  running = false;
  await Promise.all(agents);
  if (stats.failedTwice.length) {
    // What each side said, to tell a balancer race from a gateway that hung up: HAProxy's log and every
    // gateway event other than the routine 101/103/107.
    const said: string[] = [];
    for (const [node, g] of gateways) {
      const lines = (await readFile(g.log, 'utf8')).split('\n');
      const unusual = lines.filter((l) => l.startsWith('{') && !/"eventId":(101|103|107),/.test(l));
      said.push(
        `${node}: ${unusual.slice(-20).join('\n') || '(nothing unusual)'}\n${g.proc.output().slice(-2000)}`,
      );
    }
    assert.fail(
      `uploads failed even after one retry: ${JSON.stringify(stats)}\nhaproxy said:\n${lb.stderr()}\n${said.join('\n')}`,
    );
  }
  assert.ok(
    stats.retried <= 12,
    `more retries than tunnels on the killed node could explain: ${stats.retried}`,
  );

  // Survivors stop gracefully (SIGTERM): drain, flush telemetry, exit 0.
  for (const n of ['gw-1', 'gw-3']) {
    const g = gateways.get(n);
    g?.proc.child.kill('SIGTERM');
    assert.equal(await g?.proc.exited, 0, `${n} did not stop cleanly:\n${g?.proc.output()}`);
  }
  lb.child.kill('SIGTERM');
  await lb.exited;

  const logs = new Map<string, LogRecord[]>();
  for (const n of NODES) logs.set(n, await readEventLog(gateways.get(n)?.log ?? ''));
  // Wait (through the dashboard's CSV export) until the survivors' logged records are all ingested.
  for (const n of ['gw-1', 'gw-3']) {
    const want = logs.get(n)?.length ?? 0;
    for (const deadline = Date.now() + 60_000; ; ) {
      const res = await fetch(`${dash}/api/csv/event-totals?range=15m&node=${n}`);
      const got = res.ok ? parseCsv(await res.text()).reduce((a, r) => a + Number(r.Count), 0) : -1;
      if (got >= want) break;
      if (Date.now() > deadline) assert.fail(`${n}: ${got} of ${want} logged records reached ClickHouse`);
      await sleep(1000);
    }
  }
  // Both consumer-group members did work (the group gives each its own partitions).
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const consumed = (member: number) =>
    [
      ...metrics.matchAll(
        new RegExp(`^gatewatch_ingester_messages_total\\{member="${member}"[^}]*\\} (\\d+)`, 'gm'),
      ),
    ]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0);
  assert.ok(consumed(1) > 0 && consumed(2) > 0, `one ingester did all the work:\n${metrics}`);
  // And what the backend process itself costs, under the standard names.
  const own = (name: string) =>
    Number(
      new RegExp(`^${name}\\{process="ingester",pid="${backend.child.pid}"\\} (\\S+)$`, 'm').exec(
        metrics,
      )?.[1],
    );
  assert.ok(own('process_cpu_seconds_total') > 0, `no process_cpu_seconds_total:\n${metrics}`);
  assert.ok(own('process_resident_memory_bytes') > own('nodejs_heap_size_used_bytes'));
  assert.ok(own('process_open_fds') > 0 && own('process_open_fds') < own('process_max_fds'));
  assert.equal(await interrupt(backend, 30_000), 0, `backend did not stop cleanly:\n${backend.output()}`);

  // The backend released the store: compare record ids row by row.
  const store = await openStore({ dataDir: join(dir, 'backend', 'clickhouse') });
  const rows = await (
    await store.client.query({
      query:
        'SELECT toString(recordId) AS id, any(nodeId) AS node, toUInt64(any(toUnixTimestamp64Milli(ts))) AS ts, toUInt64(count()) AS n FROM gateway_events GROUP BY id',
      format: 'JSONEachRow',
    })
  ).json<{ id: string; node: string; ts: string | number; n: string | number }>();
  // Spans of the multi-core node's tunnels (made in its workers) are stored: every trace its events name.
  const traced = new Set((logs.get(MULTI_CORE) ?? []).map((r) => r.traceId).filter((t) => t !== ''));
  const spanRows = await (
    await store.client.query({
      query: `SELECT DISTINCT TraceId AS id FROM otel_traces WHERE ResourceAttributes['service.instance.id'] = '${MULTI_CORE}'`,
      format: 'JSONEachRow',
    })
  ).json<{ id: string }>();
  await store.close();
  const spanTraces = new Set(spanRows.map((r) => r.id));
  assert.ok(traced.size > 0, `${MULTI_CORE} logged no traced events`);
  const untraced = [...traced].filter((t) => !spanTraces.has(t));
  assert.deepEqual(
    untraced.slice(0, 5),
    [],
    `${MULTI_CORE}: ${untraced.length} of ${traced.size} traces have no spans`,
  );
  const dupes = rows.filter((r) => Number(r.n) !== 1);
  assert.deepEqual(dupes, [], 'records stored more than once');
  const stored = new Map(rows.map((r) => [r.id, r.node]));

  const figures: string[] = [];
  for (const n of NODES) {
    const logged = logs.get(n) ?? [];
    assert.ok(logged.length > 0, `${n} logged no events`);
    const mine = rows.filter((r) => r.node === n);
    const inStore = mine.map((r) => r.id);
    const loggedIds = new Set(logged.map((r) => r.recordId));
    if (n !== KILLED) {
      const missing = logged.filter((r) => !stored.has(r.recordId));
      assert.deepEqual(missing.slice(0, 5), [], `${n}: ${missing.length} logged records not in ClickHouse`);
      const extra = inStore.filter((id) => !loggedIds.has(id));
      assert.deepEqual(extra.slice(0, 5), [], `${n}: ${extra.length} stored records it never logged`);
    } else {
      // SIGKILL loses what was in memory: only records older than the margin must be in both places.
      const settled = logged.filter((r) => r.ts < killedAt - KILL_MARGIN_MS);
      const missing = settled.filter((r) => !stored.has(r.recordId));
      assert.deepEqual(missing.slice(0, 5), [], `${n}: ${missing.length} logged records not in ClickHouse`);
      assert.ok(settled.length > 0, `${n} logged nothing before the kill`);
      const unlogged = mine.filter((r) => !loggedIds.has(r.id) && Number(r.ts) < killedAt - KILL_MARGIN_MS);
      assert.deepEqual(unlogged.slice(0, 5), [], `${n}: stored records it never logged`);
    }
    figures.push(`${n}: ${logged.length} logged, ${inStore.length} stored`);
  }
  process.stderr.write(
    `scale-out: ingesters consumed ${consumed(1)} + ${consumed(2)} messages; ${stats.uploads} uploads, ${stats.retried} retried once, 0 failed twice; ${figures.join('; ')}; ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
});

const INFRA = fileURLToPath(new URL('../../../infra/', import.meta.url));

function hasCommand(cmd: string, versionFlag = '--version'): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(cmd, [versionFlag], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

const composeMissing = !(await hasCommand('docker-compose'));

test('infra/compose.yaml is valid (docker-compose config -q)', {
  skip: composeMissing && !CI && 'SKIPPED: docker-compose not installed (apt-get install -y docker-compose)',
}, async () => {
  if (composeMissing) assert.fail('CI=true but docker-compose is missing: apt-get install -y docker-compose');
  const child = spawn('docker-compose', ['-f', join(INFRA, 'compose.yaml'), 'config', '-q'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, `docker-compose config rejected infra/compose.yaml:\n${out}`);
  // Every role of the fleet is there, all from the one image.
  const compose = await readFile(join(INFRA, 'compose.yaml'), 'utf8');
  for (const svc of [
    'kafka',
    'clickhouse',
    'gw1',
    'gw2',
    'gw3',
    'haproxy',
    'ingester-1',
    'ingester-2',
    'dashboard',
    'alerter',
  ])
    assert.match(compose, new RegExp(`^  ${svc}:$`, 'm'), `service ${svc} missing`);
});

test('infra/clickhouse/cluster.sql is `gatewatch cluster-ddl` output and every statement parses', async () => {
  const { clusterDdl } = await import('../src/cluster-ddl.ts');
  const committed = await readFile(join(INFRA, 'clickhouse', 'cluster.sql'), 'utf8');
  assert.equal(
    committed,
    clusterDdl(),
    'infra/clickhouse/cluster.sql is stale: regenerate it with `npm run gatewatch -- cluster-ddl > infra/clickhouse/cluster.sql`',
  );
  const statements = committed
    .split('\n')
    .filter((l) => !l.startsWith('--'))
    .join('\n')
    .split(/;\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  assert.ok(statements.some((s) => s.includes('ENGINE = ReplicatedMergeTree(')));
  assert.ok(statements.some((s) => s.includes('ENGINE = ReplicatedAggregatingMergeTree(')));
  assert.ok(
    statements.some((s) => /ENGINE = Distributed\('\{cluster\}', gatewatch, gateway_events_local, /.test(s)),
  );
  assert.ok(statements.every((s) => s.startsWith('INSERT') || s.includes("ON CLUSTER '{cluster}'")));
  // Tables the store fills from stored rows start empty on a cluster; the per-shard fill is a comment.
  assert.ok(statements.every((s) => !/^CREATE TABLE[\s\S]*\bAS SELECT\b/.test(s)));
  assert.match(committed, /-- {3}INSERT INTO gatewatch\.gateway_events_fleet_1h_local SELECT/);
  assert.match(committed, /-- {3}FROM gatewatch\.gateway_events_local/);
  assert.match(
    statements.at(-1) ?? '',
    /^INSERT INTO gatewatch\.schema_migrations .*\(1, 'gateway_events'\)/,
  );
  // No ClickHouse server here: the embedded engine's parser checks the syntax (EXPLAIN AST runs nothing).
  const dir = await mkdtemp(join(tmpdir(), 'gatewatch-ddl-'));
  const store = await openStore({ dataDir: dir });
  try {
    for (const s of statements) {
      await store.client
        .query({ query: `EXPLAIN AST ${s.replace(/;$/, '')}`, format: 'TabSeparated' })
        .then((r) => r.text())
        .catch((err: Error) =>
          assert.fail(`does not parse: ${err.message.split('\n')[0]}\n${s.slice(0, 200)}`),
        );
    }
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('ingesterMetricsText: one member as is; several get a member label and one HELP/TYPE per metric', async () => {
  const { ingesterMetricsText } = await import('../src/metrics.ts');
  const fake = (text: string) => ({ metricsText: () => text }) as unknown as Ingester;
  const text = '# HELP m_total Msgs.\n# TYPE m_total counter\nm_total{topic="e"} 3\nlag 1\n';
  assert.equal(ingesterMetricsText([fake(text)]), text);
  assert.equal(ingesterMetricsText([]), '');
  assert.equal(
    ingesterMetricsText([fake(text), fake(text.replace(' 3', ' 4'))]),
    '# HELP m_total Msgs.\n# TYPE m_total counter\nm_total{member="1",topic="e"} 3\nlag{member="1"} 1\nm_total{member="2",topic="e"} 4\nlag{member="2"} 1\n',
  );
});
