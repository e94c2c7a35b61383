/**
 * Fleet generation inside ClickHouse: `INSERT … SELECT … FROM numbers(n)` in time-ordered chunks, so the
 * engine makes the rows (far faster than JS) and the store's materialized views fill the 1m/1h rollups as
 * it goes. A marker row (database gatewatch_bench) records the parameters once a fleet is complete, so a
 * later run on the same directory reuses it.
 */

import { loadavg } from 'node:os';
import { EVENT, EVENT_CATALOG, REJECTION_REASONS, WORKSPACE_HOST_SUFFIXES } from '@gatewatch/events';
import { REASON_WEIGHTS, type Store, TABLES } from '@gatewatch/store';

export interface FleetParams {
  nodes: number;
  days: number;
  events: number;
  /**
   * Days (the newest) stored as raw 10 s samples through the store's views. Older history goes straight
   * into the rollups through copies of the store's view queries: one sample per minute into 1m + 5m + 1h for
   * the 4 days before, one per hour into 1h before that (the dashboard reads 1m/5m only for ranges ≤ 3 d
   * and 1h beyond). = days: everything raw, rollups filled by the views only.
   */
  rawDays: number;
  /** End of the data (exclusive), epoch ms, multiple of 10 s. */
  endMs: number;
}

export const SAMPLE_MS = 10_000;
const MARKER = 'gatewatch_bench.fleet';
/** Rows per INSERT … SELECT: big enough for engine speed, small enough for the 2-core box's memory. */
const CHUNK_ROWS = 4_000_000;

/** Workspace ids are GUIDs: derive stable ones so drill-down URLs are the same on every run. */
const wsId = (kind: number, i: number) =>
  `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
export const CONFIGURED_WORKSPACES = Array.from({ length: 40 }, (_, i) => wsId(0xc0f16, i + 1));
export const UNCONFIGURED_WORKSPACES = Array.from({ length: 8 }, (_, i) => wsId(0xbad, i + 1));
const OTHER_HOSTS = [
  'evil.example',
  'www.bing.com',
  'login.microsoftonline.com',
  'storage.example.net',
  ...Array.from({ length: 36 }, (_, i) => `api-${i + 1}.contoso.example`),
];
const CLIENTS_PER_NODE = 50;

/** Event kinds and weights (per 1000 events): mostly connects, then refusals by reason (the store fixture's
 * weights), a few errors. */
const KINDS: { eventId: number; reason: string; weight: number }[] = [
  { eventId: EVENT.CONNECT_RECEIVED, reason: '', weight: 420 },
  { eventId: EVENT.TLS_SESSION_VERIFIED, reason: '', weight: 400 },
  // Refusals: 150 per 1000, split like the store fixture's reason weights.
  ...REASON_WEIGHTS.map(([reason, w]) => ({
    eventId: REJECTION_REASONS[reason].eventId,
    reason,
    weight: (150 * w) / 100,
  })),
  { eventId: EVENT.NETWORKING_ERROR, reason: '', weight: 18 },
  { eventId: EVENT.APPLICATION_ERROR, reason: '', weight: 8 },
  { eventId: EVENT.WRONG_CONFIGURATION, reason: '', weight: 0.5 },
  { eventId: EVENT.SERVICE_STOPPED, reason: '', weight: 1.5 },
  { eventId: EVENT.SERVICE_STARTED, reason: '', weight: 1.5 },
];

const lit = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const strArr = (xs: readonly string[]) => `[${xs.map(lit).join(',')}]`;
const numArr = (xs: readonly number[]) => `[${xs.join(',')}]`;

/** Node name for index k (0-based): gw-0001 … */
export const nodeName = (k: number) => `gw-${String(k + 1).padStart(4, '0')}`;
const NODE_SQL = "concat('gw-', leftPad(toString(k + 1), 4, '0'))";

async function ensureMarkerTable(store: Store): Promise<void> {
  await store.client.command({ query: 'CREATE DATABASE IF NOT EXISTS gatewatch_bench' });
  await store.client.command({
    query: `CREATE TABLE IF NOT EXISTS ${MARKER} (nodes UInt32, days UInt32, events UInt64, endMs Int64,
      samples UInt64, records UInt64, seconds Float64, createdAt DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY tuple()`,
  });
  await store.client.command({
    query: `ALTER TABLE ${MARKER} ADD COLUMN IF NOT EXISTS rawDays UInt32 DEFAULT 0`,
  });
}

export async function readMarker(store: Store): Promise<FleetParams | null> {
  await ensureMarkerTable(store);
  const rs = await store.client.query({
    query: `SELECT nodes, days, events, endMs, if(rawDays = 0, days, rawDays) AS rawDays FROM ${MARKER} ORDER BY createdAt DESC LIMIT 1`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<Record<string, string | number>>();
  return row
    ? {
        nodes: Number(row.nodes),
        days: Number(row.days),
        events: Number(row.events),
        rawDays: Number(row.rawDays),
        endMs: Number(row.endMs),
      }
    : null;
}

const fmtRate = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${Math.round(n / 1e3)} k`);
const fmtSec = (s: number) =>
  s >= 90 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(0)} s`;

/** Empty every fleet table (a previous run may have stopped half-way), then generate and mark. */
export async function generateFleet(
  store: Store,
  p: FleetParams,
  log: (line: string) => void,
): Promise<{ samples: number; records: number; seconds: number }> {
  const c = store.client;
  // Every gateway table (raw and rollups, including ones added by later migrations), not the views.
  const tables = await c.query({
    query: `SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'gateway_')
      AND engine != 'MaterializedView' ORDER BY name`,
    format: 'JSONEachRow',
  });
  for (const { name } of await tables.json<{ name: string }>()) {
    await c.command({ query: `TRUNCATE TABLE IF EXISTS ${name}` });
  }
  await ensureMarkerTable(store);
  await c.command({ query: `TRUNCATE TABLE ${MARKER}` });
  // Two insert threads: the box has two cores (other engineers' tests share them). No insert dedup: the
  // history goes through a Null table, whose view blocks would otherwise share dedup tokens and be dropped.
  await c.command({
    query:
      'SET max_insert_threads = 2, max_threads = 2, insert_deduplicate = 0, deduplicate_blocks_in_dependent_materialized_views = 0',
  });
  const t0 = performance.now();
  const intervals = Math.round((p.days * 86_400_000) / SAMPLE_MS);
  const startMs = p.endMs - intervals * SAMPLE_MS;
  const samples = fleetRows(p);
  const total = samples + p.events;
  let done = 0;
  const progress = (what: string, chunkRows: number, chunkStart: number) => {
    done += chunkRows;
    const el = (performance.now() - t0) / 1000;
    const rate = done / el;
    const chunkRate = chunkRows / ((performance.now() - chunkStart) / 1000);
    log(
      `  ${what}: ${((100 * done) / total).toFixed(1)}% (${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} rows), ` +
        `${fmtRate(chunkRate)} rows/s, ETA ${fmtSec((total - done) / rate)}, load ${loadAvg()}`,
    );
  };

  const rawFrom = Math.max(0, intervals - Math.round((p.rawDays * 86_400_000) / SAMPLE_MS));
  const minuteFrom = Math.max(0, rawFrom - MINUTE_HISTORY_INTERVALS);
  // History older than the raw days: one sample per hour into the 1h rollup, then one per minute into both
  // rollups for the 1m tier's reach; stride and chunk sizes are whole hours / minutes.
  for (const [from, to, stride, tiers] of [
    [0, minuteFrom, 360, ['1h']],
    [minuteFrom, rawFrom, 6, ['1m', '5m', '1h']],
  ] as const) {
    if (to <= from) continue;
    await historyTable(store, tiers);
    const perChunk = Math.max(stride, Math.floor((CHUNK_ROWS * stride) / p.nodes / stride) * stride);
    for (let i0 = from; i0 < to; i0 += perChunk) {
      const n = Math.ceil(Math.min(perChunk, to - i0) / stride) * p.nodes;
      const t = performance.now();
      await c.command({
        query: `INSERT INTO ${HISTORY} (${COUNTER_COLS}) ${samplesSql(p, startMs, i0, n, stride)}`,
      });
      progress(`history → ${tiers.join(' + ')} rollups (1 sample/${stride === 6 ? 'min' : 'h'})`, n, t);
    }
    await dropHistory(store);
  }
  const perChunk = Math.max(1, Math.floor(CHUNK_ROWS / p.nodes));
  for (let i0 = rawFrom; i0 < intervals; i0 += perChunk) {
    const n = Math.min(perChunk, intervals - i0) * p.nodes;
    const t = performance.now();
    await c.command({
      query: `INSERT INTO ${TABLES.counters} (${COUNTER_COLS}) ${samplesSql(p, startMs, i0, n, 1)}`,
    });
    progress('counter samples', n, t);
  }
  for (let e0 = 0; e0 < p.events; e0 += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, p.events - e0);
    const t = performance.now();
    await c.command({ query: eventsSql(p, startMs, e0, n) });
    progress('event records', n, t);
  }
  const seconds = (performance.now() - t0) / 1000;
  await c.command({
    query: `INSERT INTO ${MARKER} (nodes, days, events, rawDays, endMs, samples, records, seconds) VALUES
      (${p.nodes}, ${p.days}, ${p.events}, ${p.rawDays}, ${p.endMs}, ${samples}, ${p.events}, ${seconds})`,
  });
  return { samples, records: p.events, seconds };
}

export function loadAvg(): string {
  // Per machine: other engineers' jobs count too.
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

/**
 * Counter samples for intervals [i0, i0 + n/nodes) of every node. Each node restarts every 5–11 h (at a
 * minute boundary, phase per node); cumulative counters count from 0 since the restart at per-node rates,
 * gauges follow a daily wave plus noise.
 */
function samplesSql(p: FleetParams, startMs: number, i0: number, n: number, stride: number): string {
  // Each node sees three reasons (a sparse map, as on real nodes): argMaxState over a Map in the counter
  // rollups costs ~0.4 µs per entry per row, the bulk of generation time with all 14.
  const reasons = strArr(REASON_WEIGHTS.map(([r]) => r));
  const n14 = REASON_WEIGHTS.length;
  const byReason = [
    `${reasons}[1 + k % ${n14}], toUInt64(floor(rejectionCount * 0.5))`,
    `${reasons}[1 + (k + 5) % ${n14}], toUInt64(floor(rejectionCount * 0.3))`,
    `${reasons}[1 + (k + 9) % ${n14}], rejectionCount - toUInt64(floor(rejectionCount * 0.5)) - toUInt64(floor(rejectionCount * 0.3))`,
  ];
  const intervals = Math.round((p.days * 86_400_000) / SAMPLE_MS);
  return `SELECT ${NODE_SQL} AS nodeId,
      fromUnixTimestamp64Milli(toInt64(${startMs} + i * ${SAMPLE_MS}), 'UTC') AS ts,
      fromUnixTimestamp64Milli(toInt64(${startMs} + seg0 * ${SAMPLE_MS} - 1000), 'UTC') AS startedAt,
      if(i < ${Math.floor((intervals * 2) / 3)}, '1.0.0', '1.1.0') AS version,
      concat('cfg-', toString(1 + intDiv(i, 8640 * 7))) AS configVersion,
      toUInt32(greatest(0, 60 + 40 * sin(2 * pi() * i / 8640 + k) + toInt32(cityHash64(k, i) % 11) - 5)) AS activeClientConnections,
      toUInt32(least(activeClientConnections, ${CLIENTS_PER_NODE}, ceil(activeClientConnections / 3))) AS connectedClients,
      toUInt64(floor(x * (0.02 + (k % 5) * 0.01))) AS errorCount,
      toUInt64(floor(x * (0.1 + (k % 13) * 0.05))) AS rejectionCount,
      map(${byReason.join(', ')}) AS rejectionsByReason,
      toUInt64(x * (2000 + k % 1000)) AS bytesUp,
      toUInt64(x * (9000 + k % 3000)) AS bytesDown,
      toUInt64(floor(x * 0.005)) AS telemetryDropped
    FROM (
      SELECT intDiv(number, ${p.nodes}) * ${stride} + ${i0} AS i, number % ${p.nodes} AS k,
        (30 + k % 37) * 60 AS period, (k * 97) % (period / 6) * 6 AS phase,
        intDiv(i + phase, period) * period - phase AS seg0, i - seg0 AS x
      FROM numbers(${n})
    )`;
}

const COUNTER_COLS = `nodeId, ts, startedAt, version, configVersion, activeClientConnections, connectedClients,
  errorCount, rejectionCount, rejectionsByReason, bytesUp, bytesDown, telemetryDropped`;
const HISTORY = 'gatewatch_bench.counters_history';
/** Per-minute history covers 4 days: the dashboard reads the 1m rollup for ranges up to 3 days. */
const MINUTE_HISTORY_INTERVALS = (4 * 86_400_000) / SAMPLE_MS;

/**
 * A Null table shaped like gateway_counters with copies of the store's own counter views (read from
 * system.tables), pointed at the real rollup tables: history rows become rollup rows and are not kept.
 */
async function dropHistory(store: Store): Promise<void> {
  for (const t of [`${HISTORY}_1m_mv`, `${HISTORY}_5m_mv`, `${HISTORY}_1h_mv`, HISTORY]) {
    await store.client.command({ query: `DROP TABLE IF EXISTS ${t}` });
  }
}

async function historyTable(store: Store, tiers: readonly ('1m' | '5m' | '1h')[]): Promise<void> {
  const c = store.client;
  await dropHistory(store);
  await c.command({ query: `CREATE TABLE ${HISTORY} AS ${store.database}.${TABLES.counters} ENGINE = Null` });
  for (const mv of tiers) {
    const target = { '1m': TABLES.counters1m, '5m': TABLES.counters5m, '1h': TABLES.counters1h }[mv];
    const rs = await c.query({
      query: `SELECT as_select FROM system.tables WHERE database = currentDatabase() AND name = '${target}_mv'`,
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ as_select: string }>();
    const from = new RegExp(`FROM (${store.database}\\.)?${TABLES.counters}\\b`);
    if (!row || !from.test(row.as_select)) {
      throw new Error(
        `cannot copy view ${target}_mv: not found or not FROM ${TABLES.counters} (did migration 004 change?)`,
      );
    }
    await c.command({
      query: `CREATE MATERIALIZED VIEW ${HISTORY}_${mv}_mv TO ${store.database}.${target}
        AS ${row.as_select.replace(from, `FROM ${HISTORY}`)}`,
    });
  }
}

/** Counter rows the generator writes: raw samples + per-minute and per-hour history samples. */
export function fleetRows(p: FleetParams): number {
  const intervals = Math.round((p.days * 86_400_000) / SAMPLE_MS);
  const rawFrom = Math.max(0, intervals - Math.round((p.rawDays * 86_400_000) / SAMPLE_MS));
  const minuteFrom = Math.max(0, rawFrom - MINUTE_HISTORY_INTERVALS);
  return (intervals - rawFrom + (rawFrom - minuteFrom) / 6 + minuteFrom / 360) * p.nodes;
}

/**
 * Event records [e0, e0 + n), spread evenly over the range (time-ordered chunks), nodes skewed so top-N
 * charts have leaders. Kind by weight; workspace, host, client, trace from per-row hashes.
 */
function eventsSql(p: FleetParams, startMs: number, e0: number, n: number): string {
  const spanMs = p.endMs - startMs;
  let cum = 0;
  const cums = KINDS.map((k) => (cum += k.weight));
  const ids = EVENT_CATALOG.map((e) => e.id);
  const levels = EVENT_CATALOG.map((e) => e.level);
  const labels = REASON_WEIGHTS.map(([r]) => r);
  const suffixes = WORKSPACE_HOST_SUFFIXES.slice(0, 3);
  const h = (salt: number) => `cityHash64(e, ${salt})`;
  return `INSERT INTO ${TABLES.events} (recordId, ts, nodeId, eventId, level, reason, workspaceId, clientAddress,
      targetHost, targetPort, tlsVersion, sni, message, traceId, spanId)
    SELECT generateUUIDv4(e) AS recordId,
      fromUnixTimestamp64Milli(toInt64(${startMs} + floor((e + u) * ${spanMs / p.events})), 'UTC') AS ts,
      ${NODE_SQL} AS nodeId,
      toUInt16(${numArr(KINDS.map((x) => x.eventId))}[kind]) AS eventId,
      transform(toUInt16(eventId), ${numArr(ids)}, ${strArr(levels)}, '') AS level,
      ${strArr(KINDS.map((x) => x.reason))}[kind] AS reason,
      multiIf(
        eventId IN (${EVENT.CONNECT_RECEIVED}, ${EVENT.TLS_SESSION_VERIFIED})
          OR reason IN ('client_certificate_invalid', 'sni_mismatch'),
          ${strArr(CONFIGURED_WORKSPACES)}[1 + ${h(3)} % ${CONFIGURED_WORKSPACES.length}],
        reason = 'workspace_not_configured',
          ${strArr(UNCONFIGURED_WORKSPACES)}[1 + ${h(3)} % ${UNCONFIGURED_WORKSPACES.length}],
        reason = 'port_not_allowed',
          ${strArr([...CONFIGURED_WORKSPACES, ...UNCONFIGURED_WORKSPACES])}[1 + ${h(3)} % ${CONFIGURED_WORKSPACES.length + UNCONFIGURED_WORKSPACES.length}],
        '') AS workspaceId,
      if(eventId IN (${EVENT.SERVICE_STARTED}, ${EVENT.SERVICE_STOPPED}, ${EVENT.WRONG_CONFIGURATION}), '',
        concat('10.', toString(intDiv(k, 256)), '.', toString(k % 256), '.', toString(1 + ${h(4)} % ${CLIENTS_PER_NODE}))) AS clientAddress,
      multiIf(workspaceId != '', concat(workspaceId, '.', ${strArr(suffixes)}[1 + ${h(5)} % ${suffixes.length}]),
        eventId IN (${EVENT.SERVICE_STARTED}, ${EVENT.SERVICE_STOPPED}, ${EVENT.WRONG_CONFIGURATION}, ${EVENT.APPLICATION_ERROR}), '',
        ${strArr(OTHER_HOSTS)}[1 + ${h(5)} % ${OTHER_HOSTS.length}]) AS targetHost,
      toUInt16(multiIf(targetHost = '', 0, reason = 'port_not_allowed', [80, 8080, 22][1 + ${h(6)} % 3], 443)) AS targetPort,
      multiIf(eventId = ${EVENT.TLS_SESSION_VERIFIED}, if(${h(6)} % 5 = 0, 'TLSv1.2', 'TLSv1.3'),
        reason = 'tls_version_unsupported', if(${h(6)} % 2 = 0, 'SSLv3', 'TLSv1'), '') AS tlsVersion,
      if(eventId = ${EVENT.TLS_SESSION_VERIFIED}, targetHost, '') AS sni,
      multiIf(reason != '', transform(reason, ${strArr(labels)}, ${strArr(labels.map((r) => REJECTION_REASONS[r].label))}, ''),
        eventId = ${EVENT.NETWORKING_ERROR}, 'connect ETIMEDOUT',
        eventId = ${EVENT.APPLICATION_ERROR}, 'unexpected state',
        eventId = ${EVENT.SERVICE_STARTED}, 'gatewatch 1.1.0 started',
        eventId = ${EVENT.SERVICE_STOPPED}, 'stopping: SIGTERM',
        eventId = ${EVENT.WRONG_CONFIGURATION}, 'listenPort: expected integer, received "text"', '') AS message,
      if(clientAddress = '', '', lower(concat(hex(${h(7)}), hex(${h(8)})))) AS traceId,
      if(clientAddress = '', '', lower(hex(${h(9)}))) AS spanId
    FROM (
      SELECT number + ${e0} AS e, ${h(1)} / 18446744073709551616.0 AS u,
        toUInt32(floor(${p.nodes} * pow(${h(2)} / 18446744073709551616.0, 1.5))) AS k,
        arrayFirstIndex(c -> c > (${h(10)} / 18446744073709551616.0) * ${cum}, ${numArr(cums)}) AS kind
      FROM numbers(${n})
    )`;
}

/** Agents of a usage fleet: `agents` spread over the nodes (agent a on node a mod nodes, an hour in six also on the next one). */
export interface UsageParams {
  nodes: number;
  agents: number;
  days: number;
  /** End of the data (exclusive), epoch ms: the fleet's. */
  endMs: number;
}

const USAGE_MARKER = 'gatewatch_bench.usage';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Newest days with per-minute usage rows (the pages read them for ranges ≤ 24 h) and per-hour agent rows (≤ 36 h). */
const USAGE_MINUTE_DAYS = 1;
const USAGE_AGENT_HOUR_DAYS = 2;

/**
 * Per agent a (SQL over `a`): its node, address (10.<node>.<n> like the event records' clients, so some
 * have refusals), every tenth one an mTLS certificate subject, a workspace skewed towards the first ones
 * (so the chart's top 8 have leaders), and its bytes up per hour at the wave's mean.
 */
function agentSql(p: UsageParams): string {
  return `toUInt32(a % ${p.nodes}) AS k, ${NODE_SQL} AS node,
      concat('10.', toString(intDiv(k, 256)), '.', toString(k % 256), '.', toString(1 + intDiv(a, ${p.nodes}))) AS address,
      if(a % 10 = 9, concat('C=DE, O=Contoso, CN=agent-', toString(a)), '') AS subject,
      if(subject != '', subject, address) AS agent,
      ${strArr(CONFIGURED_WORKSPACES)}[1 + toUInt32(floor(${CONFIGURED_WORKSPACES.length} * pow(cityHash64(a, 11) / 18446744073709551616.0, 2)))] AS ws,
      toUInt64((1 + a % 7) * 20000000) AS rate`;
}
/** Daily wave of the traffic for hour index h (mean 1). */
const WAVE = (h: string) => `(0.6 + 0.4 * sin(2 * pi() * (${h} % 24) / 24))`;

async function ensureUsageMarker(store: Store): Promise<void> {
  await ensureMarkerTable(store);
  await store.client.command({
    query: `CREATE TABLE IF NOT EXISTS ${USAGE_MARKER} (nodes UInt32, agents UInt32, days UInt32, endMs Int64,
      seconds Float64, createdAt DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY tuple()`,
  });
}

export async function readUsageMarker(store: Store): Promise<UsageParams | null> {
  await ensureUsageMarker(store);
  const rs = await store.client.query({
    query: `SELECT nodes, agents, days, endMs FROM ${USAGE_MARKER} ORDER BY createdAt DESC LIMIT 1`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<Record<string, string | number>>();
  return row
    ? {
        nodes: Number(row.nodes),
        agents: Number(row.agents),
        days: Number(row.days),
        endMs: Number(row.endMs),
      }
    : null;
}

/**
 * Usage of `agents` agents over the fleet's days, straight into the rollups the Workspaces and Agents pages
 * read (raw per-tunnel rows would be 10 000 a second): per hour per workspace and per node for every hour;
 * per minute per workspace and per node for the newest day; per hour per agent for the newest 2 days; per
 * day per agent for every day. Sums agree across tables; distinct-agent sketches are built once per
 * workspace / node from the agents themselves. The per (workspace, node) rollups stay empty: only a
 * workspace or node filter reads them.
 */
export async function generateUsage(
  store: Store,
  p: UsageParams,
  log: (line: string) => void,
): Promise<{ rows: number; seconds: number }> {
  const c = store.client;
  const t0 = performance.now();
  for (const t of [
    TABLES.usageWs1m,
    TABLES.usageWs1h,
    TABLES.usageNodes1m,
    TABLES.usageNodes1h,
    TABLES.usageClients1h,
    TABLES.usageClients1d,
  ]) {
    await c.command({ query: `TRUNCATE TABLE IF EXISTS ${t}` });
  }
  await ensureUsageMarker(store);
  await c.command({ query: `TRUNCATE TABLE ${USAGE_MARKER}` });
  await c.command({ query: 'SET max_insert_threads = 2, max_threads = 2, insert_deduplicate = 0' });
  const hours = p.days * 24;
  const startHour = Math.floor(p.endMs / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS;
  let rows = 0;
  const step = async (what: string, query: string, n: number) => {
    const t = performance.now();
    await c.command({ query });
    rows += n;
    log(
      `  usage ${what}: ${n.toLocaleString('en-US')} rows, ${fmtRate(n / ((performance.now() - t) / 1000))} rows/s, load ${loadAvg()}`,
    );
  };
  // Per workspace and per node: the agents' count, rate sum and distinct-agent sketch, once.
  for (const [key, col] of [
    ['ws', 'workspaceId'],
    ['node', 'nodeId'],
  ] as const) {
    await c.command({ query: `DROP TABLE IF EXISTS gatewatch_bench.usage_${key}` });
    await c.command({
      query: `CREATE TABLE gatewatch_bench.usage_${key} ENGINE = Memory AS
        SELECT ${key} AS ${col}, count() AS n, sum(rate) AS up, uniqCombinedState(12)(agent) AS agents
        FROM (SELECT ${agentSql(p)} FROM (SELECT number AS a FROM numbers(${p.agents})))
        GROUP BY ${col}`,
    });
    for (const [tier, table, period, count] of [
      ['1h', key === 'ws' ? TABLES.usageWs1h : TABLES.usageNodes1h, HOUR_MS, hours],
      ['1m', key === 'ws' ? TABLES.usageWs1m : TABLES.usageNodes1m, 60_000, USAGE_MINUTE_DAYS * 1440],
    ] as const) {
      const col0 = tier === '1h' ? 'hour' : 'minute';
      const first = Math.floor(p.endMs / period) * period - (count - 1) * period;
      const groups = key === 'ws' ? CONFIGURED_WORKSPACES.length : p.nodes;
      await step(
        `${table} (${count} × ${key})`,
        `INSERT INTO ${table} (${col0}, ${col}, bytesUp, bytesDown, tunnelsOpened, tunnelsClosed, uploads, durationMs, agents)
         SELECT toDateTime(intDiv(b0, 1000), 'UTC') AS b, g.${col},
           toUInt64(g.up * hrs * ${WAVE(`intDiv(b0 - ${startHour}, ${HOUR_MS})`)}) AS up,
           intDiv(up, 20), toUInt64(ceil(g.n * hrs / 4)), toUInt64(ceil(g.n * hrs / 4)),
           toUInt64(g.n * 360 * hrs), toUInt64(g.n * hrs * ${HOUR_MS}), g.agents
         FROM (SELECT ${first} + number * ${period} AS b0, (least(b0 + ${period}, ${p.endMs}) - b0) / ${HOUR_MS} AS hrs
               FROM numbers(${count})) AS t
           CROSS JOIN gatewatch_bench.usage_${key} AS g`,
        count * groups,
      );
    }
    await c.command({ query: `DROP TABLE gatewatch_bench.usage_${key}` });
  }
  // Per agent: per hour for the newest days, per day for all, in chunks of whole periods.
  const state = (fn: string, arg: string, ts: string) => `arrayReduce('${fn}', [${arg}], [${ts}])`;
  for (const [table, period, count] of [
    [TABLES.usageClients1h, HOUR_MS, USAGE_AGENT_HOUR_DAYS * 24],
    [TABLES.usageClients1d, DAY_MS, p.days],
  ] as const) {
    const col0 = period === HOUR_MS ? 'hour' : 'day';
    const first = Math.floor(p.endMs / period) * period - (count - 1) * period;
    const perChunk = Math.max(1, Math.floor(CHUNK_ROWS / p.agents));
    for (let i0 = 0; i0 < count; i0 += perChunk) {
      const n = Math.min(perChunk, count - i0);
      // lastSeen: the period's end, or the data's end for the newest one; the agent's second node in one
      // hour of six (every day has some).
      await step(
        `${table} (${n} × ${p.agents.toLocaleString('en-US')} agents)`,
        `INSERT INTO ${table} (${col0}, agent, clientSubject, clientAddress, workspaces, nodes, firstSeen, lastSeen,
           lastActive, lastNode, lastWorkspace, bytesUp, bytesDown, tunnelsOpened, tunnelsClosed, uploads, durationMs)
         SELECT ${period === HOUR_MS ? "toDateTime(intDiv(b0, 1000), 'UTC')" : "toDate(toDateTime(intDiv(b0, 1000), 'UTC'))"},
           agent, subject, ${state('argMaxState', 'address', 'ls')}, arrayReduce('groupUniqArrayState', [ws]),
           arrayReduce('groupUniqArrayState', if(${period === HOUR_MS ? '(i + a) % 6 = 0' : '1'}, [node, next], [node])),
           fromUnixTimestamp64Milli(toInt64(b0 + a % 9000), 'UTC'), ls, ls,
           ${state('argMaxState', 'node', 'ls')}, ${state('argMaxState', 'ws', 'ls')},
           toUInt64(rate * hrs * ${period === HOUR_MS ? WAVE(`intDiv(b0 - ${startHour}, ${HOUR_MS})`) : '1'}) AS up, intDiv(up, 20),
           toUInt64(ceil(hrs / 4)), toUInt64(ceil(hrs / 4)), toUInt64(360 * hrs), toUInt64(hrs * 3600000)
         FROM (
           SELECT a, i, ${agentSql(p)}, concat('gw-', leftPad(toString((k + 1) % ${p.nodes} + 1), 4, '0')) AS next,
             ${first} + i * ${period} AS b0,
             least(b0 + ${period}, ${p.endMs}) - 1 AS e0, fromUnixTimestamp64Milli(toInt64(e0 - a % 9000), 'UTC') AS ls,
             (e0 + 1 - b0) / ${HOUR_MS} AS hrs
           FROM (SELECT number % ${p.agents} AS a, intDiv(number, ${p.agents}) + ${i0} AS i FROM numbers(${n * p.agents}))
         )`,
        n * p.agents,
      );
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  await c.command({
    query: `INSERT INTO ${USAGE_MARKER} (nodes, agents, days, endMs, seconds) VALUES (${p.nodes}, ${p.agents}, ${p.days}, ${p.endMs}, ${seconds})`,
  });
  return { rows, seconds };
}
