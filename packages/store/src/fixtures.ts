/**
 * Deterministic (seeded) fleet telemetry: N nodes × H hours of counter samples every 10 s and the event
 * records that go with them (every rejection counted in the samples is also a 104/105/106/402/100 event
 * with its reason; every error is a 400/403 event; restarts emit 102 + 101 and reset the counters; now and then a 401).
 * Used by the store tests, the dashboard tests and the benches; the same options always give the same data.
 */
import {
  type CounterSample,
  EVENT,
  type EventId,
  type EventRecord,
  REJECTION_REASONS,
  type RejectionReason,
  workspaceHosts,
} from '@gatewatch/events';
import { type InsertOptions, insertCounters, insertEvents } from './insert.ts';
import type { Store } from './open.ts';

export interface FixtureOptions {
  seed?: number;
  nodes?: number;
  hours?: number;
  /** Start of the data, ms since epoch (aligned down to the sample interval). Default 2026-01-01T00:00Z. */
  start?: number;
  /** Counter sample interval, default 10 000 ms. */
  intervalMs?: number;
  /** Mean CONNECTs per node per sample interval (each gives a 103 and, if tunnelled, a 107). Default 2. */
  connectRate?: number;
  /** Mean rejections per node per sample interval. Default 0.5. */
  rejectionRate?: number;
  /** Mean errors per node per sample interval. Default 0.05. */
  errorRate?: number;
  /** Each node restarts about once every this many hours (at a minute boundary). 0 = never. Default 3. */
  restartEveryHours?: number;
}

export type ResolvedFixtureOptions = Required<FixtureOptions>;

export interface Fixture {
  options: ResolvedFixtureOptions;
  nodeIds: string[];
  /** Workspaces the fleet is configured for. */
  configuredWorkspaces: string[];
  /** Workspaces agents try that are not configured (their 105s carry reason workspace_not_configured). */
  unconfiguredWorkspaces: string[];
  /** End of the data (exclusive), ms. */
  end: number;
}

export interface FixtureData extends Fixture {
  counters: CounterSample[];
  events: EventRecord[];
}

const DEFAULTS: ResolvedFixtureOptions = {
  seed: 1,
  nodes: 3,
  hours: 1,
  start: Date.UTC(2026, 0, 1),
  intervalMs: 10_000,
  connectRate: 2,
  rejectionRate: 0.5,
  errorRate: 0.05,
  restartEveryHours: 3,
};

/** mulberry32: small, fast, good enough for test data, identical on every platform. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const hex = (rand: Rand, n: number) =>
  Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const uuid = (rand: Rand) =>
  `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-${'89ab'[Math.floor(rand() * 4)]}${hex(rand, 3)}-${hex(rand, 12)}`;
const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
/** Poisson sample by inversion (means here are small). */
function poisson(rand: Rand, mean: number): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rand();
  while (p > limit && k < 1000) {
    k++;
    p *= rand();
  }
  return k;
}

/** Rejection reasons with weights (per 100 refusals): mostly 105s, a few of everything else. */
export const REASON_WEIGHTS: [RejectionReason, number][] = [
  ['workspace_not_configured', 30],
  ['host_not_allowed', 25],
  ['port_not_allowed', 8],
  ['client_certificate_invalid', 4],
  ['address_not_allowed', 3],
  ['sni_mismatch', 3],
  ['tls_version_unsupported', 8],
  ['tls_parse_error', 3],
  ['method_not_allowed', 6],
  ['header_timeout', 2],
  ['header_too_large', 1],
  ['bad_request', 2],
  ['connection_limit', 3],
  ['rate_limited', 2],
];
const REASON_TOTAL = REASON_WEIGHTS.reduce((s, [, w]) => s + w, 0);
function pickReason(rand: Rand): RejectionReason {
  let x = rand() * REASON_TOTAL;
  for (const [r, w] of REASON_WEIGHTS) {
    x -= w;
    if (x < 0) return r;
  }
  return 'host_not_allowed';
}

const OTHER_HOSTS = ['evil.example', 'www.bing.com', 'login.microsoftonline.com', 'storage.example.net'];

export function resolveFixtureOptions(opts: FixtureOptions = {}): ResolvedFixtureOptions {
  const o = { ...DEFAULTS, ...opts };
  o.start = Math.floor(o.start / o.intervalMs) * o.intervalMs;
  return o;
}

export function describeFixture(opts: FixtureOptions = {}): Fixture {
  const options = resolveFixtureOptions(opts);
  const rand = prng(options.seed ^ 0x5eed);
  const configuredWorkspaces = [uuid(rand), uuid(rand), uuid(rand)];
  const unconfiguredWorkspaces = [uuid(rand), uuid(rand)];
  const nodeIds = Array.from({ length: options.nodes }, (_, i) => `gw-${String(i + 1).padStart(2, '0')}`);
  return {
    options,
    nodeIds,
    configuredWorkspaces,
    unconfiguredWorkspaces,
    end: options.start + options.hours * 3_600_000,
  };
}

export type FixtureItem = { kind: 'counter'; sample: CounterSample } | { kind: 'event'; record: EventRecord };

/** One node's data in time order (events between samples come before the sample that counts them). */
export function* nodeFixture(fixture: Fixture, nodeIndex: number): Generator<FixtureItem> {
  const o = fixture.options;
  const rand = prng((o.seed * 1_000_003 + nodeIndex * 7919) >>> 0);
  const nodeId = fixture.nodeIds[nodeIndex] as string;
  const clients = Array.from({ length: 24 }, (_, i) => `10.${nodeIndex}.${i >> 4}.${(i * 7) % 250}`);
  const allWorkspaces = [...fixture.configuredWorkspaces, ...fixture.unconfiguredWorkspaces];
  const version = '1.0.0';
  let startedAt = o.start - 3_600_000;
  let active = Math.floor(rand() * 50);
  let errorCount = 0;
  let bytesUp = 0;
  let bytesDown = 0;
  let telemetryDropped = 0;
  let byReason: Partial<Record<RejectionReason, number>> = {};
  let rejectionCount = 0;
  const samplesPerHour = 3_600_000 / o.intervalMs;
  const restartChance = o.restartEveryHours > 0 ? 1 / (o.restartEveryHours * 60) : 0;

  const event = (ts: number, eventId: EventId, fields: Partial<EventRecord> = {}): FixtureItem => ({
    kind: 'event',
    record: {
      recordId: uuid(rand),
      ts,
      nodeId,
      eventId,
      workspaceId: '',
      clientAddress: '',
      targetHost: '',
      targetPort: 0,
      tlsVersion: '',
      sni: '',
      reason: '',
      message: '',
      traceId: '',
      spanId: '',
      ...fields,
    },
  });

  const total = o.hours * samplesPerHour;
  for (let i = 0; i < total; i++) {
    const ts = o.start + i * o.intervalMs;
    const prevTs = ts - o.intervalMs;
    const at = () => prevTs + 1 + Math.floor(rand() * (o.intervalMs - 1));
    const atMinuteStart = ts % 60_000 === 0;
    // Restarts only at minute boundaries, so per-minute rollups see no restart inside a bucket.
    if (i > 0 && atMinuteStart && rand() < restartChance) {
      yield event(prevTs + 1, EVENT.SERVICE_STOPPED, { message: 'stopping: SIGTERM' });
      startedAt = prevTs + 2;
      yield event(prevTs + 2, EVENT.SERVICE_STARTED, { message: `gatewatch ${version} started` });
      errorCount = 0;
      bytesUp = 0;
      bytesDown = 0;
      telemetryDropped = 0;
      rejectionCount = 0;
      byReason = {};
    }
    const stamps: FixtureItem[] = [];
    // Activity between two samples is counted by the later one; the first sample is the baseline, so all
    // data lies in [start, end).
    const quiet = i === 0;
    const connects = quiet ? 0 : poisson(rand, o.connectRate);
    for (let c = 0; c < connects; c++) {
      const workspaceId = pick(rand, fixture.configuredWorkspaces);
      const host = pick(rand, workspaceHosts(workspaceId).slice(0, 3));
      const client = pick(rand, clients);
      const traceId = hex(rand, 32);
      const t = at();
      stamps.push(
        event(t, EVENT.CONNECT_RECEIVED, {
          workspaceId,
          clientAddress: client,
          targetHost: host,
          targetPort: 443,
          traceId,
          spanId: hex(rand, 16),
        }),
      );
      stamps.push(
        event(t, EVENT.TLS_SESSION_VERIFIED, {
          workspaceId,
          clientAddress: client,
          targetHost: host,
          targetPort: 443,
          tlsVersion: rand() < 0.8 ? 'TLSv1.3' : 'TLSv1.2',
          sni: host,
          traceId,
          spanId: hex(rand, 16),
        }),
      );
      bytesUp += 500 + Math.floor(rand() * 5000);
      bytesDown += 1000 + Math.floor(rand() * 20000);
    }
    const rejections = quiet ? 0 : poisson(rand, o.rejectionRate);
    for (let r = 0; r < rejections; r++) {
      const reason = pickReason(rand);
      const eventId = REJECTION_REASONS[reason].eventId as EventId;
      let workspaceId = '';
      let targetHost = pick(rand, OTHER_HOSTS);
      let targetPort = 443;
      if (reason === 'workspace_not_configured') {
        workspaceId = pick(rand, fixture.unconfiguredWorkspaces);
        targetHost = pick(rand, workspaceHosts(workspaceId).slice(0, 2));
      } else if (reason === 'port_not_allowed') {
        workspaceId = pick(rand, allWorkspaces);
        targetHost = pick(rand, workspaceHosts(workspaceId).slice(0, 1));
        targetPort = pick(rand, [80, 8080, 22]);
      } else if (reason === 'client_certificate_invalid' || reason === 'sni_mismatch') {
        workspaceId = pick(rand, fixture.configuredWorkspaces);
        targetHost = pick(rand, workspaceHosts(workspaceId).slice(0, 1));
      }
      stamps.push(
        event(at(), eventId, {
          workspaceId,
          clientAddress: pick(rand, clients),
          targetHost,
          targetPort,
          tlsVersion: reason === 'tls_version_unsupported' ? pick(rand, ['SSLv3', 'TLSv1']) : '',
          reason,
          message: REJECTION_REASONS[reason].label,
          traceId: hex(rand, 32),
          spanId: hex(rand, 16),
        }),
      );
      byReason[reason] = (byReason[reason] ?? 0) + 1;
      rejectionCount++;
    }
    const errors = quiet ? 0 : poisson(rand, o.errorRate);
    for (let e = 0; e < errors; e++) {
      const networking = rand() < 0.7;
      stamps.push(
        event(at(), networking ? EVENT.NETWORKING_ERROR : EVENT.APPLICATION_ERROR, {
          clientAddress: pick(rand, clients),
          targetHost: networking ? pick(rand, OTHER_HOSTS) : '',
          targetPort: networking ? 443 : 0,
          message: networking ? 'connect ETIMEDOUT' : 'unexpected state',
        }),
      );
      errorCount++;
    }
    // A rejected config push now and then (the running config stays; not an error count).
    if (!quiet && rand() < 0.002) {
      stamps.push(
        event(at(), EVENT.WRONG_CONFIGURATION, { message: 'listenPort: expected integer, received "text"' }),
      );
    }
    if (rand() < 0.01) telemetryDropped += 1 + Math.floor(rand() * 10);
    stamps.sort((a, b) => (a.kind === 'event' && b.kind === 'event' ? a.record.ts - b.record.ts : 0));
    yield* stamps;
    active = Math.max(0, Math.min(500, active + Math.round((rand() - 0.5) * 10)));
    yield {
      kind: 'counter',
      sample: {
        nodeId,
        ts,
        startedAt,
        version,
        configVersion: 'cfg-1',
        activeClientConnections: active,
        connectedClients: Math.min(active, clients.length, Math.ceil(active / 3)),
        errorCount,
        rejectionCount,
        rejectionsByReason: { ...byReason },
        bytesUp,
        bytesDown,
        telemetryDropped,
      },
    };
  }
}

/** The whole fixture in memory (small sizes: tests). */
export function generateFixture(opts: FixtureOptions = {}): FixtureData {
  const fixture = describeFixture(opts);
  const counters: CounterSample[] = [];
  const events: EventRecord[] = [];
  for (let n = 0; n < fixture.nodeIds.length; n++) {
    for (const item of nodeFixture(fixture, n)) {
      if (item.kind === 'counter') counters.push(item.sample);
      else events.push(item.record);
    }
  }
  return { ...fixture, counters, events };
}

export interface LoadSummary {
  fixture: Fixture;
  counters: number;
  events: number;
  /** Event count per event id. */
  eventsById: Record<number, number>;
}

/**
 * Generate and insert in batches (bounded memory, for benches and large tests). Each batch gets a
 * dedup token derived from the seed, so re-loading the same fixture into the same store adds nothing.
 */
export async function loadFixture(
  store: Store,
  opts: FixtureOptions = {},
  batchRows = 20_000,
): Promise<LoadSummary> {
  const fixture = describeFixture(opts);
  const summary: LoadSummary = { fixture, counters: 0, events: 0, eventsById: {} };
  let counters: CounterSample[] = [];
  let events: EventRecord[] = [];
  let batch = 0;
  const token = (kind: string): InsertOptions => ({
    dedupToken: `fixture:${JSON.stringify(fixture.options)}:${kind}:${batch++}`,
  });
  for (let n = 0; n < fixture.nodeIds.length; n++) {
    for (const item of nodeFixture(fixture, n)) {
      if (item.kind === 'counter') {
        counters.push(item.sample);
        summary.counters++;
        if (counters.length >= batchRows) {
          await insertCounters(store, counters, token('c'));
          counters = [];
        }
      } else {
        events.push(item.record);
        summary.events++;
        summary.eventsById[item.record.eventId] = (summary.eventsById[item.record.eventId] ?? 0) + 1;
        if (events.length >= batchRows) {
          await insertEvents(store, events, token('e'));
          events = [];
        }
      }
    }
  }
  if (counters.length) await insertCounters(store, counters, token('c'));
  if (events.length) await insertEvents(store, events, token('e'));
  return summary;
}
