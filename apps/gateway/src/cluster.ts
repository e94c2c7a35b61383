/**
 * A multi-core gateway node (`workers` > 1): the primary process forks proxy workers that share the proxy port
 * (`node:cluster`, each worker accepting on the shared socket) and keeps what belongs to the node as a whole: the
 * admin port with the node's counters, counter samples, start/stop/reload events and config reloads.
 * Workers send their event and usage records (and encoded spans) to the primary, which logs the events and
 * hands everything to the telemetry sink: a node has one log stream, one telemetry queue and one spool,
 * whatever its worker count.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT, type EventRecord, type UsageRecord } from '@gatewatch/events';
import { pino } from 'pino';
import { createAdminServer, joinMetrics } from './admin-server.ts';
import { configVersion, type GatewayConfig } from './config.ts';
import {
  type CounterPart,
  type CounterSnapshot,
  Counters,
  mergeCounters,
  nodeLabel,
  prometheusText,
  toCounterSample,
} from './counters.ts';
import {
  announceStart,
  createGateway,
  GATEWAY_VERSION,
  type Gateway,
  type GatewayNode,
  type GatewayOptions,
  ListenError,
  type ListenInfo,
  listenOn,
  reloadNotice,
  stoppedMessage,
} from './gateway.ts';
import { type ProcessStats, processMetricsText, processStats } from './process-stats.ts';
import { createLogger, Emitter, type TelemetrySink } from './telemetry.ts';

/** An encoded span batch (one OTLP request) on its way from a worker to the node's telemetry. */
export interface SpanMessage {
  key?: string | null;
  headers?: Record<string, string>;
  value: Uint8Array;
}

type ToWorker =
  | { type: 'start' | 'reload'; config: GatewayConfig }
  | ({ type: 'peers' } & PeerLoad)
  | { type: 'counters'; id: number; resources?: boolean }
  | { type: 'stop'; drainTimeoutMs: number };

/**
 * How long a worker holds its event and usage records to send them to the primary in one message: each IPC
 * message wakes the primary and costs both sides a (de)serialisation. At 20 ms, each kind in its own message,
 * a 2-worker node cost 1.73 ms of CPU per new tunnel against one process's 1.15; at 100 ms, together, 1.53.
 */
const RECORD_BATCH_MS = 100;

type FromWorker =
  | { type: 'ready' }
  | { type: 'listening'; info: ListenInfo }
  | { type: 'failed'; message: string; code: string; host: string; port: number }
  | { type: 'counters'; id: number; part: CounterPart; resources?: ProcessStats }
  | { type: 'tally'; snapshot: CounterSnapshot; perClient: [string, number][] }
  | { type: 'records'; events: EventRecord[]; usage: UsageRecord[] }
  | { type: 'spans'; message: SpanMessage }
  | { type: 'stopped'; part: CounterPart };

export function workerCount(c: GatewayConfig): number {
  return c.workers === 'auto' ? availableParallelism() : c.workers;
}

/**
 * A worker's connection limits: the node's open-connection limits, counted with the other workers' connections
 * (PeerLoad), and its share of the per-client rate (a token bucket cannot be shared between processes).
 */
export function workerShare(c: GatewayConfig, workers: number): GatewayConfig {
  const l = c.limits;
  return {
    ...c,
    limits: {
      ...l,
      perClientConnectionsPerSecond: l.perClientConnectionsPerSecond / workers,
      perClientBurst: Math.max(1, Math.ceil(l.perClientBurst / workers)),
    },
  };
}

/** Open connections of the node's other workers, as they reported them (at most TALLY_MS old). */
export interface PeerLoad {
  connections: number;
  perClient: [string, number][];
}

/** Where the node's telemetry goes (as for one process), plus what only a multi-core node needs. */
export interface ClusterOptions
  extends Pick<GatewayOptions, 'sink' | 'logFile' | 'extraMetrics' | 'configFile'> {
  /** Takes the workers' encoded spans (the node's telemetry queue). */
  forwardSpans?(message: SpanMessage & { value: Buffer }): void;
  /** Module each worker runs; it must call serveWorker(). Default: this package's src/worker.ts. */
  workerModule?: string;
}

export interface ClusterNode extends GatewayNode {
  /** The node's counters, asked of every worker (a worker that does not answer within 1 s counts as before). */
  counters(): Promise<CounterSnapshot>;
}

const ANSWER_MS = 1000;
/** Wait before re-forking a worker that died, doubling up to 30 s while they keep dying. */
const RESTART_DELAY_MS = 1000;
/**
 * How often workers report their counts unasked, and learn the other workers' open connections: a limit can
 * be passed by what the other workers accepted within that time.
 */
const TALLY_MS = 1000;

/** Start a multi-core node; call in the primary process. */
export function startCluster(initial: GatewayConfig, opts: ClusterOptions = {}): ClusterNode {
  let config = initial;
  let version = configVersion(initial);
  const wanted = workerCount(initial);
  const own = new Counters(); // the primary's own events (e.g. 400 when a worker dies)
  const logger = createLogger(initial.logLevel, () => own.telemetryDropped++, opts.logFile);
  const emitter = new Emitter(logger, opts.sink, own, initial.nodeId);
  const startedAt = Date.now();
  /** Last known counters of each live worker, and the totals of workers that are gone. */
  const parts = new Map<Worker, CounterPart>();
  /** Each live worker's open connections per client, from its last tally (node-wide limits). */
  const loads = new Map<Worker, [string, number][]>();
  /** Each live worker's CPU, memory and descriptors, as it answered the last scrape. */
  const resources = new Map<Worker, ProcessStats>();
  let retired: CounterPart = { snapshot: mergeCounters([]), clientAddresses: [] };
  const pending = new Map<number, { worker: Worker; done: () => void }>();
  const serving = new Set<Worker>(); // workers whose listeners are open
  let nextId = 0;
  let stopping = false;
  let restartDelay = RESTART_DELAY_MS;
  let restarts = 0;
  let sampleTimer: NodeJS.Timeout | undefined;
  let peersTimer: NodeJS.Timeout | undefined;

  // Each worker accepts on the shared socket: handing every connection over from the primary (round-robin)
  // cost the primary about a third of the node's CPU per new tunnel, and connections waited for it.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({
    // worker.js next to the built cluster.js; worker.ts when the sources run (tests).
    exec: opts.workerModule ?? fileURLToPath(new URL(`./worker${extname(import.meta.url)}`, import.meta.url)),
    serialization: 'advanced', // structured clone: records and span bytes cross without JSON
    execArgv: workerExecArgv(),
  });

  const send = (w: Worker, m: ToWorker) => {
    if (w.isConnected()) w.send(m);
  };
  /** A worker's final counts join the node's totals (its connections are gone). */
  const retire = (part: CounterPart | undefined) => {
    if (!part) return;
    const s = { ...part.snapshot, activeClientConnections: 0 };
    retired = {
      snapshot: mergeCounters([retired, { snapshot: s, clientAddresses: [] }]),
      clientAddresses: [],
    };
  };

  /** After start, a worker that exits is replaced, sooner if it had run a while, later while they keep dying. */
  const replace = (w: Worker, why: string, ranMs: number) => {
    restarts++;
    if (ranMs > 60_000) restartDelay = RESTART_DELAY_MS;
    const delay = restartDelay;
    restartDelay = Math.min(30_000, restartDelay * 2);
    emitter.emit(EVENT.APPLICATION_ERROR, {
      message: `Gateway worker ${w.process.pid} ${why}; its tunnels were closed, starting a new one in ${delay} ms`,
    });
    setTimeout(() => {
      if (!stopping) fork().catch(() => {}); // its exit schedules the next attempt
    }, delay).unref();
  };

  let started = false;
  const fork = (): Promise<ListenInfo> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork();
      const forkedAt = Date.now();
      let listening = false;
      let failure: Error | undefined;
      let gone = false; // final counts taken
      const finish = (part: CounterPart | undefined) => {
        if (gone) return;
        gone = true;
        parts.delete(w);
        loads.delete(w);
        resources.delete(w);
        retire(part);
      };
      w.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready': // listening for our messages now (one sent earlier could be lost)
            return send(w, { type: 'start', config: workerShare(config, wanted) });
          case 'listening':
            listening = true;
            serving.add(w);
            return resolve(m.info);
          case 'failed':
            failure = new ListenError(m.message, m.code, m.host, m.port);
            return reject(failure);
          case 'records':
            for (const record of m.events) emitter.forward(record);
            for (const record of m.usage) emitter.usage(record);
            return;
          case 'spans':
            return opts.forwardSpans?.({ ...m.message, value: Buffer.from(m.message.value) });
          case 'counters':
            if (!gone) parts.set(w, m.part);
            if (!gone && m.resources) resources.set(w, m.resources);
            return pending.get(m.id)?.done();
          case 'tally': // kept so a worker that dies loses at most a second of counts
            if (gone) return;
            parts.set(w, { snapshot: m.snapshot, clientAddresses: m.perClient.map(([address]) => address) });
            loads.set(w, m.perClient);
            return;
          case 'stopped':
            return finish(m.part);
        }
      });
      w.once('exit', (code, signal) => {
        serving.delete(w);
        finish(parts.get(w));
        for (const p of pending.values()) if (p.worker === w) p.done(); // done() removes it
        const how = signal ?? `code ${code}`;
        if (!listening) reject(failure ?? new Error(`gateway worker exited during start (${how})`));
        if (stopping || !started) return;
        replace(
          w,
          listening ? `exited (${how})` : `did not start (${failure?.message ?? how})`,
          Date.now() - forkedAt,
        );
      });
    });

  const workers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);

  /** Tells every worker the open connections of the others: the node's limits hold across workers. */
  const sharePeerLoads = () => {
    const total = new Map<string, number>();
    for (const perClient of loads.values())
      for (const [addr, n] of perClient) total.set(addr, (total.get(addr) ?? 0) + n);
    for (const w of serving) {
      const own = new Map(loads.get(w));
      let connections = 0;
      const perClient: [string, number][] = [];
      for (const [addr, n] of total) {
        const others = n - (own.get(addr) ?? 0);
        connections += others;
        if (others > 0) perClient.push([addr, others]);
      }
      send(w, { type: 'peers', connections, perClient });
    }
  };

  /** Asks every worker (with `withResources`, also its process figures, for /metrics). */
  const counters = async (withResources = false): Promise<CounterSnapshot> => {
    await Promise.all(
      workers().map(
        (worker) =>
          new Promise<void>((resolve) => {
            const id = nextId++;
            const timer = setTimeout(() => finish(), ANSWER_MS);
            const finish = () => {
              clearTimeout(timer);
              pending.delete(id);
              resolve();
            };
            pending.set(id, { worker, done: finish });
            send(worker, { type: 'counters', id, resources: withResources });
          }),
      ),
    );
    return known();
  };
  /** The node's counts as last reported (workers tally every second): no round trip to the workers. */
  const known = () =>
    mergeCounters([retired, { snapshot: own.snapshot(), clientAddresses: [] }, ...parts.values()]);
  const sampleOf = (totals: CounterSnapshot) =>
    toCounterSample(totals, {
      nodeId: config.nodeId,
      startedAt,
      version: GATEWAY_VERSION,
      configVersion: version,
      configPath: opts.configFile ?? '',
    });

  const admin = createAdminServer({
    metrics: async () =>
      joinMetrics(
        prometheusText(await counters(true), { nodeId: config.nodeId, configVersion: version }),
        () =>
          workerMetrics(config.nodeId, serving.size, wanted, restarts) +
          processMetricsText([processStats('primary'), ...resources.values()], nodeLabel(config.nodeId)) +
          (opts.extraMetrics?.() ?? ''),
      ),
    health: () => {
      const running = serving.size;
      const ok = !stopping && running === wanted;
      return {
        ok,
        body: {
          status: stopping ? 'draining' : ok ? 'ok' : 'degraded',
          nodeId: config.nodeId,
          version: GATEWAY_VERSION,
          configVersion: version,
          configPath: opts.configFile ?? '',
          uptimeMs: Date.now() - startedAt,
          workers: { running, configured: wanted },
          activeClientConnections: known().activeClientConnections,
        },
      };
    },
  });

  const node: ClusterNode = {
    emitter,
    async start() {
      let info: ListenInfo;
      try {
        // The first worker opens the port (port 0 picks one); the rest share it.
        info = await fork();
        await Promise.all(Array.from({ length: wanted - 1 }, () => fork()));
        started = true;
        info.adminPort = await listenOn(admin, config.adminPort, config.adminHost);
      } catch (err) {
        stopping = true;
        for (const w of workers()) w.process.kill('SIGKILL');
        admin.close();
        throw err;
      }
      sampleTimer = setInterval(() => {
        counters().then((totals) => emitter.counterSample(sampleOf(totals)));
      }, config.counterIntervalMs);
      sampleTimer.unref();
      peersTimer = setInterval(sharePeerLoads, TALLY_MS);
      peersTimer.unref();
      announceStart(emitter, config, info, version, `, ${wanted} worker processes`);
      emitter.counterSample(sampleOf(known())); // in the fleet from its start, not one interval later
      return info;
    },
    async stop(drainTimeoutMs = config.limits.drainTimeoutMs) {
      if (stopping) return;
      stopping = true;
      clearInterval(sampleTimer);
      clearInterval(peersTimer);
      const exits = workers().map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            send(w, { type: 'stop', drainTimeoutMs });
            // A worker that does not finish draining in time (plus a margin to report) is killed.
            setTimeout(() => w.kill('SIGKILL'), drainTimeoutMs + 5000).unref();
          }),
      );
      await Promise.all(exits);
      const totals = known(); // every worker has exited and reported its final counts
      emitter.counterSample(sampleOf(totals));
      emitter.emit(EVENT.SERVICE_STOPPED, { message: stoppedMessage(totals) });
      await new Promise<void>((resolve) => (admin.listening ? admin.close(() => resolve()) : resolve()));
      await emitter.flush();
    },
    reload(next) {
      const newVersion = configVersion(next);
      if (newVersion === version) return;
      const before = config;
      config = next;
      version = newVersion;
      emitter.setNodeId(next.nodeId);
      for (const w of workers()) send(w, { type: 'reload', config: workerShare(next, wanted) });
      emitter.emit(EVENT.GENERAL_INFO, { message: reloadNotice(before, next, version) });
    },
    configError(err) {
      emitter.emit(EVENT.WRONG_CONFIGURATION, {
        message: `${err.message}; keeping the running configuration (version ${version})`,
      });
    },
    config: () => config,
    configVersion: () => version,
    counters,
  };
  return node;
}

/** Prometheus lines of a multi-core node's processes (alert on restarts, or running < configured). */
function workerMetrics(nodeId: string, running: number, configured: number, restarts: number): string {
  const node = nodeLabel(nodeId);
  return [
    '# HELP gatewatch_worker_processes Proxy worker processes of this node: serving now, and configured.',
    '# TYPE gatewatch_worker_processes gauge',
    `gatewatch_worker_processes{${node},state="running"} ${running}`,
    `gatewatch_worker_processes{${node},state="configured"} ${configured}`,
    '# HELP gatewatch_worker_restarts_total Worker processes that exited unexpectedly and were replaced.',
    '# TYPE gatewatch_worker_restarts_total counter',
    `gatewatch_worker_restarts_total{${node}} ${restarts}`,
    '',
  ].join('\n');
}

/**
 * A worker's young generation may grow to 2 × 64 MB (V8's default: 2 × 16): a tunnel's span, event and usage
 * objects live through the batching windows (100 ms IPC and Kafka, 1 s span batches), and with the default they
 * outlived the young generation, were promoted and died in mark-compacts. With it the gateway's CPU per new tunnel
 * fell about 15 % in the bench. The operator's own flag (command line or NODE_OPTIONS) wins.
 */
export function workerExecArgv(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string[] {
  const own = [...execArgv, nodeOptions].some((a) => /--max-semi-space-size\b/.test(a));
  return own ? [...execArgv] : ['--max-semi-space-size=64', ...execArgv];
}

/** The node a config describes: one process (createGateway) or, with `workers` > 1, a primary and workers. */
export function createNode(config: GatewayConfig, opts: ClusterOptions = {}): GatewayNode {
  return workerCount(config) > 1 ? startCluster(config, opts) : createGateway(config, opts);
}

export interface WorkerHooks {
  /** Before the gateway is created, e.g. to register a tracer provider that sends spans with sendSpans(). */
  prepare?(config: GatewayConfig): void | Promise<void>;
  /** After the gateway drained, before the worker exits, e.g. to flush spans. */
  stopped?(): void | Promise<void>;
}

/** Hand encoded spans to the node's primary (use in a span exporter of a worker process). */
export function sendSpans(message: SpanMessage): void {
  process.send?.({ type: 'spans', message } satisfies FromWorker);
}

/** The worker side: wait for the config, serve the proxy port, answer the primary. Call in a worker process. */
export function serveWorker(hooks: WorkerHooks = {}): void {
  const reply = (m: FromWorker) => process.send?.(m);
  let gateway: Gateway | undefined;
  let tally: NodeJS.Timeout | undefined;
  const part = (g: Gateway): CounterPart => ({
    snapshot: g.counters(),
    clientAddresses: g.clientAddresses(),
  });
  // Event and usage records go to the primary together, at most RECORD_BATCH_MS after they happen.
  let events: EventRecord[] = [];
  let usage: UsageRecord[] = [];
  const flushEvents = () => {
    if (events.length || usage.length) reply({ type: 'records', events, usage });
    events = [];
    usage = [];
  };
  const hold = () => {
    if (events.length + usage.length === 1) setTimeout(flushEvents, RECORD_BATCH_MS);
  };
  const sink: TelemetrySink = {
    event: (record) => {
      events.push(record);
      hold();
    },
    usage: (record) => {
      usage.push(record);
      hold();
    },
    counters: () => {}, // the primary samples the node's counters
  };
  process.on('message', async (m: ToWorker) => {
    if (m.type === 'start') {
      try {
        await hooks.prepare?.(m.config);
        gateway = createGateway(m.config, { worker: true, sink, logger: pino({ enabled: false }) });
        const g = gateway;
        reply({ type: 'listening', info: await g.start() });
        tally = setInterval(
          () => reply({ type: 'tally', snapshot: g.counters(), perClient: g.connectionsByClient() }),
          TALLY_MS,
        );
        tally.unref();
      } catch (err) {
        const e = err as ListenError;
        reply({
          type: 'failed',
          message: e.message,
          code: e.code ?? 'ERROR',
          host: e.host ?? '',
          port: e.port ?? 0,
        });
        process.exit(1);
      }
    } else if (!gateway) {
      return;
    } else if (m.type === 'reload') {
      gateway.reload(m.config);
    } else if (m.type === 'peers') {
      gateway.setPeerLoad(m);
    } else if (m.type === 'counters') {
      reply({
        type: 'counters',
        id: m.id,
        part: part(gateway),
        resources: m.resources ? processStats('worker') : undefined,
      });
    } else if (m.type === 'stop') {
      clearInterval(tally);
      await gateway.stop(m.drainTimeoutMs);
      await hooks.stopped?.();
      flushEvents();
      process.send?.({ type: 'stopped', part: part(gateway) } satisfies FromWorker, () => process.exit(0));
    }
  });
  // Unexpected exceptions are reported as event 400 (through the primary); the worker keeps serving.
  const report = (what: string, err: unknown) => {
    try {
      gateway?.emitter.emit(EVENT.APPLICATION_ERROR, {
        message: `${what}: ${(err as Error)?.message ?? String(err)}`,
      });
    } catch {
      // never turn one failure into a crash loop
    }
  };
  reply({ type: 'ready' });
  process.on('uncaughtException', (err) => report('Unexpected exception', err));
  process.on('unhandledRejection', (err) => report('Unhandled rejection', err));
  // Signals go to the primary, which drains the workers in order.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  process.on('SIGHUP', () => {});
}
