/**
 * `npm run bench:gateway [-- --agents 10000 --duration 60s]`: direct vs our gateway vs squid, side by side,
 * same load generator, same TLS sink. Three phases per target:
 *   agents      N agents, each uploading 200 KB every 6 s over its persistent tunnel + TLS session;
 *   reconnect   agents that open a new tunnel + TLS session for every upload (CPU per new tunnel);
 *   throughput  50 tunnels uploading back-to-back.
 * Sink, gateway (node:cluster, one worker per core) and load generators each run in their own processes.
 * Prints the machine, progress, a table and the goals as PASS/FAIL.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { WORKSPACE_HOST_SUFFIXES } from '@gatewatch/events';
import { createCertificateAuthority, freePort } from '@gatewatch/simulator';
import { Command } from 'commander';
import type { LoadJob, LoadProgress, LoadResult } from './protocol.ts';
import { fmt, parseCount, parseDuration, percentile, table } from './stats.ts';
import {
  buildGatewatch,
  children,
  forkChild,
  machineJiffies,
  type NodeCpu,
  nodeCpuByThread,
  type Running,
  startBenchSquid,
  startGatewayCluster,
  startSink,
  treeContextSwitches,
  treeCpuSeconds,
} from './targets.ts';

const WORKSPACE = '5e2b9c3a-7d41-4f0e-9a6b-c81d2f3e4a50';
const HOST = `${WORKSPACE}.${WORKSPACE_HOST_SUFFIXES[0]}`;
const TARGETS = ['direct', 'gateway', 'squid'] as const;
type Target = (typeof TARGETS)[number];

const program = new Command('bench:gateway')
  .description('Gateway benchmark: direct vs gateway vs squid (agents and throughput)')
  .option('--agents <n>', 'simulated agents in the agents phase', '1000')
  .option('--duration <d>', 'agents phase per target, summed over the rounds (e.g. 36s, 2m)', '36s')
  .option('--interval <d>', 'upload interval of each agent', '6s')
  .option('--upload-bytes <n>', 'bytes per agent upload', '200000')
  .option(
    '--reconnect-agents <n>',
    'agents in the reconnect phase (a new tunnel per upload; 0 = skip)',
    '200',
  )
  .option('--reconnect-interval <d>', 'upload interval of each reconnecting agent', '2s')
  .option('--reconnect-bytes <n>', 'bytes per upload in the reconnect phase', '20000')
  .option('--reconnect-duration <d>', 'reconnect phase per target, summed over the rounds', '20s')
  .option('--tunnels <n>', 'tunnels in the throughput phase', '50')
  .option('--throughput-duration <d>', 'throughput phase per target, summed over the rounds', '10s')
  .option('--throughput-bytes <n>', 'bytes per upload in the throughput phase', '1048576')
  .option('--workers <n>', 'gateway / sink / squid workers (default: cores)', String(availableParallelism()))
  .option('--agents-per-generator <n>', 'agents per load-generator process (open-file limit)', '4000')
  .option('--rounds <n>', 'interleaved rounds (each phase length is split over them)', '2')
  .option(
    '--warmup <d>',
    'unmeasured reconnect load on each proxy before round 1 (JIT compilation is start-up, not per tunnel); 0 skips',
    '10s',
  )
  .option(
    '--telemetry <sink>',
    'gateway telemetry: kafka (records, counters and spans to the broker at KAFKA_BROKERS, default 127.0.0.1:9092) or none',
    'kafka',
  )
  .option(
    '--runtime <kind>',
    'gateway runtime: compiled (dist/, built first like npm start) or source (tsx)',
    'compiled',
  )
  .option('--log-level <level>', "the gateway's event log level (stdout, to /dev/null)", 'info')
  .option('--profile <dir>', 'write a CPU profile (.cpuprofile) of each gateway worker into <dir>')
  .option('--gateway-node-args <flags>', 'extra node/V8 flags of each gateway worker (e.g. --trace-gc)', '')
  .option('--targets <list>', 'comma-separated subset of direct,gateway,squid', TARGETS.join(','))
  .allowExcessArguments(true)
  .parse();

if (program.args.length) {
  // npm swallows flags that reach it without `--` and hands the bare values on: say so in one line.
  console.error(
    `bench:gateway: unexpected argument(s) "${program.args.join(' ')}": flags were eaten by npm — run \`npm run bench:gateway -w @gatewatch/gateway -- --agents 10000\` (flags after --)`,
  );
  process.exit(2);
}
const o = program.opts<Record<string, string>>();
const opts = {
  agents: parseCount(o.agents ?? '', '--agents'),
  durationMs: parseDuration(o.duration ?? ''),
  intervalMs: parseDuration(o.interval ?? ''),
  uploadBytes: parseCount(o.uploadBytes ?? '', '--upload-bytes'),
  reconnectAgents: o.reconnectAgents === '0' ? 0 : parseCount(o.reconnectAgents ?? '', '--reconnect-agents'),
  reconnectIntervalMs: parseDuration(o.reconnectInterval ?? ''),
  reconnectBytes: parseCount(o.reconnectBytes ?? '', '--reconnect-bytes'),
  reconnectMs: parseDuration(o.reconnectDuration ?? ''),
  telemetry: o.telemetry === 'none' ? ('none' as const) : ('kafka' as const),
  logLevel: o.logLevel ?? 'info',
  runtime: o.runtime === 'source' ? ('source' as const) : ('compiled' as const),
  tunnels: parseCount(o.tunnels ?? '', '--tunnels'),
  throughputMs: parseDuration(o.throughputDuration ?? ''),
  throughputBytes: parseCount(o.throughputBytes ?? '', '--throughput-bytes'),
  workers: parseCount(o.workers ?? '', '--workers'),
  perGenerator: parseCount(o.agentsPerGenerator ?? '', '--agents-per-generator'),
  rounds: parseCount(o.rounds ?? '', '--rounds'),
  warmupMs: o.warmup === '0' ? 0 : parseDuration(o.warmup ?? ''),
  profile: o.profile ? resolvePath(process.env.INIT_CWD ?? process.cwd(), o.profile) : undefined,
  targets: (o.targets ?? '').split(',').map((t) => t.trim()) as Target[],
  gatewayNodeArgs: (o.gatewayNodeArgs ?? '').split(' ').filter(Boolean),
};
if (o.runtime !== 'compiled' && o.runtime !== 'source')
  throw new Error(`--runtime must be compiled or source, not "${o.runtime}"`);
if (o.telemetry !== 'kafka' && o.telemetry !== 'none')
  throw new Error(`--telemetry must be kafka or none, not "${o.telemetry}"`);
for (const t of opts.targets)
  if (!TARGETS.includes(t)) throw new Error(`unknown target "${t}" in --targets: use ${TARGETS.join(',')}`);

interface AgentsFigures {
  agents: number;
  ok: number;
  failed: number;
  connections: number;
  p50: number;
  p99: number;
  setupP99: number;
  mbps: number;
  cpu: Cpu;
  errors: Record<string, number>;
}
interface ReconnectFigures {
  ok: number;
  failed: number;
  tunnels: number;
  p50: number;
  p99: number;
  /** Proxy CPU milliseconds per tunnel opened. */
  proxyMsPerTunnel: number;
  /** The proxy's context switches per tunnel opened. */
  switchesPerTunnel: number;
  cpu: Cpu;
  errors: Record<string, number>;
}
interface ThroughputFigures {
  mbps: number;
  ok: number;
  failed: number;
  p50: number;
  cpu: Cpu;
  errors: Record<string, number>;
}
/** Cores used during a phase (CPU seconds / wall seconds; 1.00 = one core busy); machine = all processes. */
interface Cpu {
  proxy: number;
  sink: number;
  generators: number;
  machine: number;
  /** Proxy CPU seconds per GB uploaded through it. */
  proxyPerGB: number;
  /** Share of the proxy's CPU spent in the kernel. */
  proxySysShare: number;
}
const raw = new Map<Target, { agents?: PhaseRaw; reconnect?: PhaseRaw; throughput?: PhaseRaw }>();
const running = new Set<Running>();
let sink: Running | undefined;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main() {
  const ulimit = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  console.log(`# gatewatch gateway benchmark — ${new Date().toISOString()}`);
  console.log(`command : npm run bench:gateway -- ${process.argv.slice(2).join(' ')}`.trimEnd());
  console.log(
    `machine : nproc ${availableParallelism()} (${cpus()[0]?.model ?? '?'}), node ${process.version}, ulimit -n ${ulimit}, load average ${load()}`,
  );
  console.log(
    `load    : agents ${opts.agents} × ${opts.uploadBytes} B every ${opts.intervalMs / 1000} s for ${opts.durationMs / 1000} s; throughput ${opts.tunnels} tunnels × ${opts.throughputBytes} B back-to-back for ${opts.throughputMs / 1000} s`,
  );
  if (opts.reconnectAgents)
    console.log(
      `          reconnect ${opts.reconnectAgents} agents × ${opts.reconnectBytes} B every ${opts.reconnectIntervalMs / 1000} s, a new tunnel each, for ${opts.reconnectMs / 1000} s`,
    );
  console.log(
    `targets : ${opts.targets.join(', ')}; ${opts.workers} workers each for gateway (gatewatch gateway ${opts.runtime}, telemetry ${opts.telemetry}, log level ${opts.logLevel}, node ${opts.gatewayNodeArgs.join(' ') || 'without flags'}) and sink (squid -N: one process); ${opts.rounds} interleaved rounds after a ${opts.warmupMs / 1000} s unmeasured warm-up per proxy\n`,
  );

  if (opts.targets.includes('gateway') && opts.runtime === 'compiled') {
    log('building the gatewatch launcher (dist/, as npm start does)');
    buildGatewatch();
  }
  const ca = await createCertificateAuthority('Gatewatch Bench CA');
  const pair = await ca.issue({ subject: `/CN=${HOST}`, names: [HOST] });
  const sinkRun = track(await startSink(pair, opts.workers));
  sink = sinkRun;
  log(`TLS sink on 127.0.0.1:${sinkRun.port} (${opts.workers} workers)`);
  // All targets stay up for the whole run; their phases interleave round by round (order rotating), so
  // the background load of a shared machine falls on all of them alike.
  const proxies = new Map<Target, Running | undefined>();
  for (const target of opts.targets) {
    const proxy = target === 'direct' ? undefined : track(await startTarget(target, sinkRun.port));
    if (proxy) log(`${target} listening on 127.0.0.1:${proxy.port}`);
    proxies.set(target, proxy);
  }
  const base = (target: Target): BaseJob => {
    const proxy = proxies.get(target);
    return {
      proxy: proxy && { host: '127.0.0.1', port: proxy.port },
      direct: { host: '127.0.0.1', port: sinkRun.port },
      // The gateway maps the Azure name to the sink (resolve); squid has no such mapping, so it is asked
      // for the sink's address directly (its ACL allows only that port). SNI is the Azure name everywhere.
      host: target === 'squid' ? '127.0.0.1' : HOST,
      port: target === 'gateway' ? 443 : sinkRun.port,
      servername: HOST,
      ca: ca.cert,
    };
  };
  // A fresh Node process compiles its hot paths during its first thousands of tunnels (V8's optimising
  // compiler on background threads: about a sixth of the gateway's CPU in a 10 s phase right after start).
  // Operators run a node for weeks, so each proxy gets the same unmeasured reconnect load first.
  if (opts.warmupMs > 0) {
    for (const target of opts.targets) {
      const proxy = proxies.get(target);
      if (proxy) await reconnectPhase(`warm-up ${target}`, base(target), proxy, opts.warmupMs);
    }
  }
  for (let round = 0; round < opts.rounds; round++) {
    const order = opts.targets.map((_, i) => opts.targets[(i + round) % opts.targets.length] as Target);
    for (const target of order) {
      const tag = `round ${round + 1}/${opts.rounds} ${target}`;
      const entry = raw.get(target) ?? {};
      raw.set(target, entry);
      entry.agents = add(entry.agents, await agentsPhase(tag, base(target), proxies.get(target)));
      if (opts.reconnectAgents)
        entry.reconnect = add(entry.reconnect, await reconnectPhase(tag, base(target), proxies.get(target)));
      entry.throughput = add(entry.throughput, await throughputPhase(tag, base(target), proxies.get(target)));
    }
  }
  for (const proxy of proxies.values()) if (proxy) await untrack(proxy);
  await untrack(sinkRun);
  report();
}

async function startTarget(target: 'gateway' | 'squid', sinkPort: number): Promise<Running> {
  if (target === 'squid') return startBenchSquid(sinkPort, opts.workers);
  return startGatewayCluster(
    {
      nodeId: 'bench',
      listenHost: '127.0.0.1',
      listenPort: await freePort(), // the schema wants 1-65535; cluster workers then share it
      adminHost: '127.0.0.1',
      adminPort: 0,
      workspaces: [WORKSPACE],
      resolve: { [`${HOST}:443`]: `127.0.0.1:${sinkPort}` },
      limits: {
        maxConnections: 1_000_000,
        maxConnectionsPerClient: 1_000_000,
        perClientConnectionsPerSecond: 0,
        // A starved load generator on the same cores may take long to send its ClientHello; that is the
        // bench's lag, not the agent's, and the sink (direct) would wait for it too.
        headerTimeoutMs: 60_000,
        clientHelloTimeoutMs: 60_000,
      },
      counterIntervalMs: 60_000,
      logLevel: opts.logLevel as 'info',
    },
    {
      workers: opts.workers,
      telemetry: opts.telemetry,
      runtime: opts.runtime,
      profileDir: opts.profile,
      nodeArgs: opts.gatewayNodeArgs,
    },
  );
}

type BaseJob = Omit<LoadJob, 'mode' | 'count' | 'first' | 'bodyBytes' | 'intervalMs' | 'durationMs'>;

/** Split `total` items over `parts` generators: [first, count] of part g. */
const slice = (total: number, parts: number, g: number) => {
  const first = Math.floor((g * total) / parts);
  return { first, count: Math.floor(((g + 1) * total) / parts) - first };
};

function agentsPhase(tag: string, base: BaseJob, proxy?: Running): Promise<PhaseRaw> {
  const generators = Math.max(opts.workers, Math.ceil(opts.agents / opts.perGenerator));
  const durationMs = opts.durationMs / opts.rounds;
  return runPhase(`${tag} agents`, proxy, durationMs, generators, (g) => ({
    ...base,
    ...slice(opts.agents, generators, g),
    mode: 'agents',
    bodyBytes: opts.uploadBytes,
    intervalMs: opts.intervalMs,
    durationMs,
  }));
}

function reconnectPhase(
  tag: string,
  base: BaseJob,
  proxy?: Running,
  durationMs = opts.reconnectMs / opts.rounds,
): Promise<PhaseRaw> {
  const agents = opts.reconnectAgents || 200; // the warm-up runs even when the phase is skipped
  const generators = Math.max(1, Math.min(opts.workers, Math.ceil(agents / opts.perGenerator)));
  return runPhase(`${tag} reconnect`, proxy, durationMs, generators, (g) => ({
    ...base,
    ...slice(agents, generators, g),
    mode: 'reconnect',
    bodyBytes: opts.reconnectBytes,
    intervalMs: opts.reconnectIntervalMs,
    durationMs,
  }));
}

function throughputPhase(tag: string, base: BaseJob, proxy?: Running): Promise<PhaseRaw> {
  const generators = Math.min(opts.tunnels, opts.workers);
  const durationMs = opts.throughputMs / opts.rounds;
  return runPhase(`${tag} throughput`, proxy, durationMs, generators, (g) => ({
    ...base,
    ...slice(opts.tunnels, generators, g),
    mode: 'throughput',
    bodyBytes: opts.throughputBytes,
    intervalMs: 0,
    durationMs,
  }));
}

/** Everything measured in one phase (or the sum over rounds): figures are derived from it at the end. */
interface PhaseRaw {
  result: LoadResult;
  /** Wall seconds; the agents phase's nominal length (for MB/s); CPU seconds of proxy, sink, machine. */
  wall: number;
  nominal: number;
  proxyS: number;
  /** Of proxyS, the kernel's share (system time: syscalls, loopback TCP). */
  proxySysS: number;
  sinkS: number;
  machineS: number;
  /** The proxy's CPU seconds by thread (nodeCpuByThread: meaningful for the gateway). */
  threads: NodeCpu;
  /** The proxy's context switches, all threads of all its processes. */
  switches: number;
}

function add(a: PhaseRaw | undefined, b: PhaseRaw): PhaseRaw {
  if (!a) return b;
  return {
    result: mergeResults(a.result, b.result, (x, y) => x + y),
    wall: a.wall + b.wall,
    nominal: a.nominal + b.nominal,
    proxyS: a.proxyS + b.proxyS,
    proxySysS: a.proxySysS + b.proxySysS,
    sinkS: a.sinkS + b.sinkS,
    machineS: a.machineS + b.machineS,
    threads: combine(a.threads, b.threads, (x, y) => x + y),
    switches: a.switches + b.switches,
  };
}

/** Fork the generators, print progress every 5 s, merge their results. Bounded: duration + 3 min. */
async function runPhase(
  label: string,
  proxy: Running | undefined,
  durationMs: number,
  generators: number,
  job: (g: number) => LoadJob,
): Promise<PhaseRaw> {
  log(`${label}: starting ${generators} load generators`);
  const progress = new Map<number, LoadProgress>();
  const started = performance.now();
  const proxyBefore = proxy ? treeCpuSeconds(proxy.pid) : 0;
  const proxySysBefore = proxy ? treeCpuSeconds(proxy.pid, 'system') : 0;
  const threadsBefore = proxy ? nodeCpuByThread(proxy.pid) : undefined;
  const switchesBefore = proxy ? treeContextSwitches(proxy.pid) : 0;
  const sinkBefore = sink ? treeCpuSeconds(sink.pid) : 0;
  const machineBefore = machineJiffies();
  const ticker = setInterval(() => {
    const sum = { ok: 0, failed: 0, bytes: 0, connections: 0 };
    for (const p of progress.values()) {
      sum.ok += p.ok;
      sum.failed += p.failed;
      sum.bytes += p.bytes;
      sum.connections += p.connections;
    }
    const s = (performance.now() - started) / 1000;
    log(
      `${label}: ${s.toFixed(0)}s  uploads ${sum.ok}  failed ${sum.failed}  tunnels ${sum.connections}  ${fmt(sum.bytes / 1e6 / s)} MB/s  load ${load()}`,
    );
  }, 5000);
  try {
    const parts = await Promise.all(
      Array.from({ length: generators }, (_, g) =>
        runGenerator(job(g), (p) => progress.set(g, p), durationMs),
      ),
    );
    const wall = (performance.now() - started) / 1000;
    const machine = machineJiffies();
    // Generators start within a moment of each other: their throughput windows overlap, take the longest.
    const result = parts.reduce((a, b) => mergeResults(a, b, Math.max));
    log(`${label}: done in ${wall.toFixed(1)} s, ${result.ok} uploads, ${result.failed} failed`);
    return {
      result,
      wall,
      nominal: durationMs / 1000,
      proxyS: proxy ? treeCpuSeconds(proxy.pid) - proxyBefore : Number.NaN,
      proxySysS: proxy ? treeCpuSeconds(proxy.pid, 'system') - proxySysBefore : Number.NaN,
      sinkS: sink ? treeCpuSeconds(sink.pid) - sinkBefore : Number.NaN,
      threads:
        proxy && threadsBefore
          ? combine(nodeCpuByThread(proxy.pid), threadsBefore, (x, y) => x - y)
          : { primary: Number.NaN, js: Number.NaN, splice: Number.NaN, helpers: Number.NaN },
      switches: proxy ? treeContextSwitches(proxy.pid) - switchesBefore : Number.NaN,
      machineS:
        ((machine.busy - machineBefore.busy) / (machine.total - machineBefore.total)) *
        availableParallelism() *
        wall,
    };
  } finally {
    clearInterval(ticker);
  }
}

const combine = (a: NodeCpu, b: NodeCpu, f: (x: number, y: number) => number): NodeCpu => ({
  primary: f(a.primary, b.primary),
  js: f(a.js, b.js),
  splice: f(a.splice, b.splice),
  helpers: f(a.helpers, b.helpers),
});

/** Parallel generators: windows overlap (max); successive rounds: windows add up. */
function mergeResults(a: LoadResult, b: LoadResult, windows: (x: number, y: number) => number): LoadResult {
  return {
    type: 'done',
    ok: a.ok + b.ok,
    failed: a.failed + b.failed,
    bytes: a.bytes + b.bytes,
    connections: a.connections + b.connections,
    latencies: a.latencies.concat(b.latencies),
    setup: a.setup.concat(b.setup),
    windowBytes: a.windowBytes + b.windowBytes,
    windowMs: windows(a.windowMs, b.windowMs),
    errors: mergeCounts(a.errors, b.errors),
    cpuSeconds: a.cpuSeconds + b.cpuSeconds,
  };
}

function cpuOf(p: PhaseRaw): Cpu {
  return {
    proxy: p.proxyS / p.wall,
    sink: p.sinkS / p.wall,
    generators: p.result.cpuSeconds / p.wall,
    machine: p.machineS / p.wall,
    proxyPerGB: p.proxyS / (p.result.bytes / 1e9),
    proxySysShare: p.proxySysS / p.proxyS,
  };
}

function agentsFigures(p: PhaseRaw): AgentsFigures {
  const r = p.result;
  return {
    agents: opts.agents,
    ok: r.ok,
    failed: r.failed,
    connections: r.connections,
    p50: percentile(
      r.latencies.sort((a, b) => a - b),
      50,
    ),
    p99: percentile(r.latencies, 99),
    setupP99: percentile(
      r.setup.sort((a, b) => a - b),
      99,
    ),
    mbps: r.bytes / 1e6 / p.nominal,
    cpu: cpuOf(p),
    errors: r.errors,
  };
}

function reconnectFigures(p: PhaseRaw): ReconnectFigures {
  const r = p.result;
  const setup = r.setup.sort((a, b) => a - b);
  return {
    ok: r.ok,
    failed: r.failed,
    tunnels: r.connections,
    p50: percentile(setup, 50),
    p99: percentile(setup, 99),
    proxyMsPerTunnel: (p.proxyS * 1000) / r.connections,
    switchesPerTunnel: p.switches / r.connections,
    cpu: cpuOf(p),
    errors: r.errors,
  };
}

function throughputFigures(p: PhaseRaw): ThroughputFigures {
  const r = p.result;
  return {
    mbps: r.windowBytes / 1e6 / (r.windowMs / 1000),
    ok: r.ok,
    failed: r.failed,
    p50: percentile(
      r.latencies.sort((a, b) => a - b),
      50,
    ),
    cpu: cpuOf(p),
    errors: r.errors,
  };
}

function runGenerator(job: LoadJob, onProgress: (p: LoadProgress) => void, durationMs: number) {
  const child = forkChild('./load.ts', {});
  return new Promise<LoadResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`a load generator did not finish within ${durationMs / 1000 + 180} s`));
    }, durationMs + 180_000);
    child.on('message', (m: LoadProgress | LoadResult) => {
      if (m.type === 'progress') return onProgress(m);
      clearTimeout(timer);
      resolve(m);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`a load generator exited with code ${code} before reporting`));
    });
    child.send(job);
  });
}

function mergeCounts(a: Record<string, number>, b: Record<string, number>) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function report() {
  const results = new Map(
    [...raw].map(([t, r]) => [
      t,
      {
        agents: r.agents && agentsFigures(r.agents),
        reconnect: r.reconnect && reconnectFigures(r.reconnect),
        throughput: r.throughput && throughputFigures(r.throughput),
      },
    ]),
  );
  console.log(`\n## Results (load average at the end: ${load()})\n`);
  const rows = [...results].map(([t, r]) => [
    t,
    String(r.agents?.agents ?? '-'),
    String(r.agents?.ok ?? '-'),
    String(r.agents?.failed ?? '-'),
    fmt(r.agents?.p50 ?? Number.NaN),
    fmt(r.agents?.p99 ?? Number.NaN),
    fmt(r.agents?.setupP99 ?? Number.NaN),
    fmt(r.agents?.mbps ?? Number.NaN),
    fmt(r.throughput?.mbps ?? Number.NaN),
    String(r.throughput?.failed ?? '-'),
  ]);
  console.log(
    table(
      [
        'target',
        'agents',
        'uploads',
        'failed',
        'p50 ms',
        'p99 ms',
        'setup p99',
        'MB/s',
        'tput MB/s',
        'tput failed',
      ],
      rows,
    ),
  );
  console.log(
    '\np50/p99: upload latency on an open tunnel; setup p99: first upload incl. CONNECT + TLS handshake;\nMB/s: agents phase upload rate; tput: the throughput phase.\n',
  );
  const reconnectRows = [...results]
    .filter(([, r]) => r.reconnect)
    .map(([t, r]) => {
      const f = r.reconnect as ReconnectFigures;
      return [
        t,
        String(f.tunnels),
        String(f.ok),
        String(f.failed),
        fmt(f.p50),
        fmt(f.p99),
        fmt(f.proxyMsPerTunnel, 2),
        fmt(f.switchesPerTunnel, 1),
      ];
    });
  if (reconnectRows.length) {
    console.log(
      table(
        [
          'reconnect',
          'tunnels',
          'uploads',
          'failed',
          'setup p50',
          'setup p99',
          'proxy ms/tunnel',
          'proxy switches/tunnel',
        ],
        reconnectRows,
      ),
    );
    console.log(
      '\nreconnect: every upload opens a new tunnel + TLS session (latency = CONNECT + handshake + upload);\nproxy ms/tunnel: proxy CPU per tunnel opened; switches/tunnel: context switches of all its threads per tunnel (hand-overs).\n',
    );
  }
  const cpuRows: string[][] = [];
  for (const [t, r] of results)
    for (const [phase, f] of [
      ['agents', r.agents],
      ['reconnect', r.reconnect],
      ['throughput', r.throughput],
    ] as const)
      if (f)
        cpuRows.push([
          `${t} ${phase}`,
          fmt(f.cpu.proxy, 2),
          fmt(f.cpu.proxyPerGB, 2),
          fmt(100 * f.cpu.proxySysShare, 0),
          fmt(f.cpu.sink, 2),
          fmt(f.cpu.generators, 2),
          fmt(f.cpu.machine, 2),
        ]);
  console.log(
    table(
      [
        'cores used',
        'proxy',
        'proxy s/GB',
        'proxy sys %',
        'sink',
        'generators',
        `machine (of ${availableParallelism()})`,
      ],
      cpuRows,
    ),
  );
  console.log("machine = every process on the host, other users' included.\n");
  const threadRows: string[][] = [];
  for (const phase of ['agents', 'reconnect', 'throughput'] as const) {
    const p = raw.get('gateway')?.[phase];
    if (!p || !(p.proxyS > 0)) continue;
    const t = p.threads;
    // Per tunnel opened in the reconnect phase (where that is the cost), per GB carried in the others.
    const per = phase === 'reconnect' ? 1000 / p.result.connections : 1e9 / p.result.bytes;
    threadRows.push([
      `gateway ${phase} (${phase === 'reconnect' ? 'ms/tunnel' : 's/GB'})`,
      ...[t.primary, t.js, t.splice, t.helpers, p.proxyS].map((v) => fmt(v * per, 2)),
    ]);
  }
  if (threadRows.length) {
    console.log(
      table(['gateway CPU by thread', 'primary', 'workers JS', 'splice', 'V8/libuv', 'total'], threadRows),
    );
    console.log(
      'primary: the cluster primary, all its threads (records, log, Kafka); workers JS: the JS threads of the processes that\ncarry tunnels; splice: their gw-splice threads (the native front and the spliced bytes, kernel time included);\nV8/libuv: their other threads (GC, compiler, thread pool). Read in 10 ms clock ticks: figures of a phase of a few seconds are ±a tick.\n',
    );
  }
  for (const [t, r] of results) {
    const errs = mergeCounts(
      mergeCounts(r.agents?.errors ?? {}, r.reconnect?.errors ?? {}),
      r.throughput?.errors ?? {},
    );
    const top = Object.entries(errs)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3);
    if (top.length) console.log(`${t} failures: ${top.map(([e, n]) => `${n}× ${e}`).join('; ')}`);
  }
  const d = results.get('direct');
  const g = results.get('gateway');
  const s = results.get('squid');
  console.log('\n## Goals\n');
  const goal = (name: string, ok: boolean | undefined, detail: string) =>
    console.log(`${ok === undefined ? 'SKIP' : ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
  const ga = g?.agents;
  goal(
    `${opts.agents} agents, 0 failures`,
    ga && ga.failed === 0 && ga.ok > 0,
    ga ? `${ga.failed} failed of ${ga.ok + ga.failed}` : 'gateway not run',
  );
  if (opts.agents < 10_000) console.log('      (the sizing goal is 10,000 agents: run with --agents 10000)');
  const pr = ga && d?.agents && Number.isFinite(ga.p99 / d.agents.p99) ? ga.p99 / d.agents.p99 : undefined;
  goal(
    'agents p99 ≤ 2× direct',
    pr === undefined ? undefined : pr <= 2,
    pr === undefined
      ? 'needs direct and gateway runs with steady uploads (phase per round ≥ 2 intervals)'
      : `${fmt(ga?.p99 ?? 0)} ms vs ${fmt(d?.agents?.p99 ?? 0)} ms = ${fmt(pr, 2)}×`,
  );
  const valid = (f?: ThroughputFigures) => f && f.failed === 0 && f.mbps > 0;
  const ts =
    g?.throughput && valid(s?.throughput) ? g.throughput.mbps / (s?.throughput?.mbps ?? 1) : undefined;
  goal(
    'throughput ≥ 1.2× squid',
    ts === undefined ? undefined : ts >= 1.2,
    ts === undefined
      ? 'needs a squid and a gateway run (squid without failures)'
      : `${fmt(g?.throughput?.mbps ?? 0)} vs ${fmt(s?.throughput?.mbps ?? 0)} MB/s = ${fmt(ts, 2)}×`,
  );
  const td =
    g?.throughput && valid(d?.throughput) ? g.throughput.mbps / (d?.throughput?.mbps ?? 1) : undefined;
  goal(
    'throughput ≥ 0.75× direct',
    td === undefined ? undefined : td >= 0.75,
    td === undefined
      ? 'needs direct and gateway'
      : `${fmt(g?.throughput?.mbps ?? 0)} vs ${fmt(d?.throughput?.mbps ?? 0)} MB/s = ${fmt(td, 2)}×`,
  );
  // Per-unit CPU (per GB, per tunnel) does not depend on how busy the shared machine is: the figures that count.
  const ratio = (what: string, gv: number | undefined, sv: number | undefined, unit: string, max: number) => {
    const ok = gv !== undefined && sv !== undefined && Number.isFinite(gv / sv);
    goal(
      what,
      ok ? (gv as number) / (sv as number) <= max : undefined,
      ok
        ? `gateway ${fmt(gv as number, 2)} vs squid ${fmt(sv as number, 2)} ${unit} = ${fmt((gv as number) / (sv as number), 2)}×`
        : 'needs a gateway and a squid run',
    );
  };
  ratio(
    `agents proxy CPU per GB ≤ 0.8× squid (${opts.agents} agents)`,
    ga?.cpu.proxyPerGB,
    s?.agents?.cpu.proxyPerGB,
    's/GB',
    0.8,
  );
  const gr = g?.reconnect;
  const sr = s?.reconnect;
  ratio(
    'reconnect proxy CPU per new tunnel ≤ squid',
    gr?.proxyMsPerTunnel,
    sr?.proxyMsPerTunnel,
    'ms/tunnel',
    1,
  );
  ratio('reconnect setup p99 ≤ 1.2× squid', gr?.p99, sr?.p99, 'ms', 1.2);
  if (gr)
    goal(
      'reconnect, 0 failures',
      gr.failed === 0 && gr.ok > 0,
      `${gr.failed} failed of ${gr.ok + gr.failed}`,
    );
  ratio(
    'throughput proxy CPU per GB ≤ 0.6× squid',
    g?.throughput?.cpu.proxyPerGB,
    valid(s?.throughput) ? s?.throughput?.cpu.proxyPerGB : undefined,
    's/GB',
    0.6,
  );
  goal(
    'throughput ≥ squid',
    ts === undefined ? undefined : ts >= 1,
    ts === undefined
      ? 'needs a squid and a gateway run (squid without failures)'
      : `${fmt(g?.throughput?.mbps ?? 0)} vs ${fmt(s?.throughput?.mbps ?? 0)} MB/s = ${fmt(ts, 2)}×`,
  );
  // On a shared machine the raw ratios measure the scheduler as much as the proxy: CPU cost per byte does not.
  const perCore = (f?: ThroughputFigures) =>
    f
      ? f.mbps / ((Number.isFinite(f.cpu.proxy) ? f.cpu.proxy : 0) + f.cpu.sink + f.cpu.generators)
      : Number.NaN;
  if (g?.throughput && d?.throughput)
    console.log(
      `info  CPU-normalised throughput (MB per CPU-second of all bench processes): gateway ${fmt(perCore(g.throughput))}, direct ${fmt(perCore(d.throughput))} = ${fmt(perCore(g.throughput) / perCore(d.throughput), 2)}×`,
    );
  if (g?.throughput && valid(s?.throughput))
    console.log(
      `info  proxy CPU per GB in the throughput phase: gateway ${fmt(g.throughput.cpu.proxyPerGB, 2)} s, squid ${fmt(s?.throughput?.cpu.proxyPerGB ?? Number.NaN, 2)} s = gateway ${fmt((s?.throughput?.cpu.proxyPerGB ?? Number.NaN) / g.throughput.cpu.proxyPerGB, 2)}× as efficient`,
    );
  if (s?.agents && d?.agents)
    console.log(
      `info  squid agents p99 ${fmt(s.agents.p99)} ms = ${fmt(s.agents.p99 / d.agents.p99, 2)}× direct, ${s.agents.failed} failed`,
    );
}

function track(r: Running): Running {
  running.add(r);
  return r;
}
async function untrack(r: Running) {
  running.delete(r);
  await r.close();
}

/** Ends every process the bench started: load generators, sink, gateway cluster, squid. */
async function cleanup() {
  for (const c of children) c.kill('SIGTERM');
  await Promise.allSettled([...running].map((r) => r.close()));
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig}: stopping the bench and its processes…`);
    cleanup().finally(() => process.exit(130));
  });

main().then(
  () => cleanup().then(() => process.exit(0)),
  (err: Error) => {
    console.error(`bench:gateway failed: ${err.message}`);
    cleanup().finally(() => process.exit(1));
  },
);
