/**
 * Seeds a DATA_DIR for the browser tests, in its own process (one process per chDB directory): 24 h of
 * fixture telemetry for 12 nodes ending now, a node that went down 2 h ago, one traced 105 record
 * with its spans, and alert state from the real alerter (shipped rules) evaluated over that data, plus a
 * silence and a failed webhook delivery. Writes what the tests need to know to E2E_INFO (JSON), then closes the store.
 */
import { writeFileSync } from 'node:fs';
import { createAlerter, createSilence, loadDefaultRules, writeNotifications } from '@gatewatch/alerting';
import { EVENT, workspaceHosts } from '@gatewatch/events';
import {
  insertCounters,
  insertEvents,
  insertSpans,
  loadFixture,
  openStore,
  type SpanRow,
} from '@gatewatch/store';
import { seedUsage } from './seed-usage.ts';

const dataDir = process.env.DATA_DIR;
const infoPath = process.env.E2E_INFO;
if (!dataDir || !infoPath) {
  console.error('seed: set DATA_DIR and E2E_INFO (run through `npm run test:e2e`)');
  process.exit(2);
}

const HOUR = 3_600_000;
const now = Date.now();
// Data ends at a whole minute and the alerter evaluates there, so the Overview's "last complete minute"
// is the alerter's last evaluated one.
const end = Math.floor(now / 60_000) * 60_000;
const store = await openStore({ dataDir });
try {
  const summary = await loadFixture(store, {
    seed: 11,
    nodes: 12,
    hours: 24,
    start: end - 24 * HOUR,
    connectRate: 0.2,
    rejectionRate: 0.3,
    errorRate: 0.03,
    restartEveryHours: 8,
  });
  const fx = summary.fixture;

  // A node that stopped reporting two hours ago (status "down").
  const downNode = 'gw-old';
  const downSamples = Array.from({ length: 60 }, (_, i) => ({
    nodeId: downNode,
    ts: end - 3 * HOUR + i * 60_000,
    startedAt: end - 5 * HOUR,
    version: '0.9.0',
    configVersion: 'cfg-0',
    configPath: '/etc/gatewatch/old.yaml',
    activeClientConnections: 3,
    connectedClients: 2,
    errorCount: i,
    rejectionCount: 0,
    rejectionsByReason: {},
    bytesUp: 0,
    bytesDown: 0,
    telemetryDropped: 0,
  }));
  await insertCounters(store, downSamples);

  // A node whose rejections spike now: 1/min for two hours, then SPIKE_PER_MIN for the last 10 minutes
  // (a sample every 10 s) — what the Overview's rate tiles and the rejection-spike rules must show.
  const spikeNode = 'gw-spike';
  const SPIKE_PER_MIN = 150;
  let rejections = 0;
  const spikeSamples = Array.from({ length: 2 * 360 }, (_, i) => {
    const ts = end - 2 * HOUR + i * 10_000;
    rejections += ts >= end - 10 * 60_000 ? SPIKE_PER_MIN / 6 : i % 6 === 0 ? 1 : 0;
    return {
      nodeId: spikeNode,
      ts,
      startedAt: end - 3 * HOUR,
      version: '1.0.0',
      configVersion: 'cfg-1',
      configPath: '/srv/gatewatch/gateway.yaml',
      activeClientConnections: 5,
      connectedClients: 4,
      errorCount: 0,
      rejectionCount: rejections,
      rejectionsByReason: {},
      bytesUp: 0,
      bytesDown: 0,
      telemetryDropped: 0,
    };
  });
  await insertCounters(store, spikeSamples);

  // One refused tunnel with its trace, to follow record → trace.
  const traceId = 'ab12cd34ef56ab12cd34ef56ab12cd34';
  const ws = fx.unconfiguredWorkspaces[0] as string;
  const host = workspaceHosts(ws)[0] as string;
  const ts = end - 5 * 60_000;
  await insertEvents(store, [
    {
      recordId: '0b7e4a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      ts,
      nodeId: fx.nodeIds[0] as string,
      eventId: EVENT.DESTINATION_NOT_ALLOWED,
      workspaceId: ws,
      clientAddress: '192.0.2.77',
      targetHost: host,
      targetPort: 443,
      tlsVersion: '',
      sni: '',
      reason: 'workspace_not_configured',
      message: `Workspace ${ws} is not configured on this gateway`,
      traceId,
      spanId: '00f067aa0ba902b7',
    },
  ]);
  const iso = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}000000`;
  const span = (spanId: string, parent: string, name: string, startMs: number, durMs: number): SpanRow => ({
    Timestamp: iso(startMs),
    TraceId: traceId,
    SpanId: spanId,
    ParentSpanId: parent,
    TraceState: '',
    SpanName: name,
    SpanKind: parent ? 'Internal' : 'Server',
    ServiceName: 'gatewatch-gateway',
    ResourceAttributes: { 'service.name': 'gatewatch-gateway' },
    ScopeName: 'gatewatch',
    ScopeVersion: '1.0.0',
    SpanAttributes: parent ? { 'gatewatch.phase': name } : { 'server.address': host, 'server.port': '443' },
    Duration: String(durMs * 1_000_000),
    StatusCode: parent ? 'Unset' : 'Error',
    StatusMessage: parent ? '' : 'workspace_not_configured',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
  });
  await insertSpans(store, [
    span('00f067aa0ba902b7', '', `CONNECT ${host}:443`, ts, 4),
    span('00f067aa0ba902b8', '00f067aa0ba902b7', 'policy', ts + 1, 2),
  ]);

  // Alerts: the shipped rules over the seeded data, three ticks ending now. The down node's
  // NodeStoppedReporting goes pending, then firing (for: 1m); its silence is recorded with the changes.
  const silence = await createSilence(
    store,
    {
      matchers: [{ name: 'node', value: downNode }],
      endsAt: new Date(end + 24 * HOUR).toISOString(),
      createdBy: 'e2e',
      comment: 'decommissioned',
    },
    end - 10 * 60_000,
  );
  const alerter = createAlerter({
    store,
    rules: loadDefaultRules().rules,
    receivers: [],
    externalUrl: 'http://dashboard.example:3000',
  });
  const tick = Math.floor(end / 60_000) * 60_000;
  for (const t of [tick - 2 * 60_000, tick - 60_000, tick]) {
    const r = await alerter.evaluateAt(t);
    if (r.errors.length)
      throw new Error(`seed: alert evaluation at ${new Date(t).toISOString()}: ${r.errors.join('; ')}`);
  }
  const failedReceiver = 'ops-webhook';
  await writeNotifications(store, [
    {
      ts: tick - 30_000,
      receiver: failedReceiver,
      groupKey: '{}:{alertname="NodeStoppedReporting"}',
      rule: 'NodeStoppedReporting',
      fingerprint: '',
      status: 'firing',
      startsAt: tick - 60_000,
      idempotencyKey: 'e2e-failed-1',
      outcome: 'failed',
      attempts: 4,
      httpStatus: 503,
      error: 'HTTP 503 from http://127.0.0.1:9/hook, "retry later"',
      payload: '{}',
    },
  ]);

  // Usage for the Workspaces and Agents pages; the refused client above is one of the agents.
  const usage = await seedUsage(store, {
    end,
    nodeIds: fx.nodeIds,
    workspaces: fx.configuredWorkspaces,
    refusedClient: '192.0.2.77',
  });
  writeFileSync(
    infoPath,
    JSON.stringify({
      end,
      nodeIds: [...fx.nodeIds, downNode, spikeNode],
      downNode,
      spikeNode,
      spikePerMin: SPIKE_PER_MIN,
      unconfiguredWorkspaces: fx.unconfiguredWorkspaces,
      configuredWorkspaces: fx.configuredWorkspaces,
      traceId,
      silenceId: silence.id,
      failedReceiver,
      tracedClient: '192.0.2.77',
      usage,
      tracedHost: host,
      counters: summary.counters,
      events: summary.events,
    }),
  );
  console.log(`seed: ${summary.counters} counter samples, ${summary.events} events in ${dataDir}`);
} finally {
  await store.close();
}
