/**
 * `npm run soak -w @gatewatch/gateway [-- --duration 60m]`: the gateway (its multi-core mode, as operators
 * run it) under 1,000 agents with persistent tunnels that now and then drop and reopen, plus hostile clients
 * every `--hostile-every`. Each `--sample` it records the gateway processes' RSS and open descriptors (/proc),
 * heap floor and event-loop delay p99 (soak/probe.js, preloaded into every gateway process), prints a line,
 * and at the end fails (exit 1) when a series keeps growing (soak/trend.ts), an agent upload failed, or a
 * hostile client was not refused (seen by the client and in the gateway's rejection counters).
 * Loopback only; every process it started is ended on exit and on Ctrl-C.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKSPACE_HOST_SUFFIXES } from '@gatewatch/events';
import { createCertificateAuthority, freePort } from '@gatewatch/simulator';
import { Command } from 'commander';
import { fmt, parseCount, parseDuration, table } from '../bench/stats.ts';
import {
  buildGatewatch,
  children,
  forkChild,
  type Running,
  startGatewayCluster,
  startSink,
  treeCpuSeconds,
  treePids,
} from '../bench/targets.ts';
import type { AgentsJob, AgentsReport } from './agents.ts';
import {
  HOSTILE_KINDS,
  HOSTILE_REASONS,
  type HostileKind,
  type HostileOutcome,
  runHostile,
} from './hostile.ts';
import { followsMachineLoad, judgeTrend, type Rule, type Sample, type Trend } from './trend.ts';

const WORKSPACE = '5e2b9c3a-7d41-4f0e-9a6b-c81d2f3e4a50';
const HOST = `${WORKSPACE}.${WORKSPACE_HOST_SUFFIXES[0]}`;
const HEADER_TIMEOUT_MS = 5000;

const program = new Command('soak')
  .description('Gateway soak: agents with reconnects and hostile clients; fails on growth or a failed upload')
  .option('--duration <d>', 'length of the run (e.g. 15m, 60m)', '15m')
  .option('--agents <n>', 'simulated agents', '1000')
  .option('--interval <d>', 'upload interval of each agent', '10s')
  .option('--upload-bytes <n>', 'bytes per upload', '20000')
  .option(
    '--reconnect <share>',
    'share of uploads after which the agent drops its tunnel and opens a new one',
    '0.05',
  )
  .option('--hostile-every <d>', 'one hostile client of each kind this often', '30s')
  .option('--sample <d>', 'sampling period', '60s')
  .option('--warmup <d>', 'samples before this are not judged (the heap fills for the first minutes)', '5m')
  .option(
    '--max-growth <share>',
    "fail when a series' fitted line rises by more than this share of its mean",
    '0.1',
  )
  .option('--workers <n>', 'gateway and sink processes', String(availableParallelism()))
  .option('--generators <n>', 'load-generator processes', '2')
  .option(
    '--telemetry <kind>',
    'kafka (to KAFKA_BROKERS, default 127.0.0.1:9092, topics soak-*) or none',
    'kafka',
  )
  .allowExcessArguments(true)
  .parse();
if (program.args.length) {
  console.error(
    `soak: unexpected argument(s) "${program.args.join(' ')}": flags were eaten by npm — run \`npm run soak -w @gatewatch/gateway -- --duration 60m\` (flags after --)`,
  );
  process.exit(2);
}
const o = program.opts<Record<string, string>>();
const share = (text: string | undefined, what: string) => {
  const n = Number(text);
  if (!(n >= 0 && n <= 1)) throw new Error(`bad ${what} "${text}": a share between 0 and 1, e.g. 0.05`);
  return n;
};
const opts = {
  durationMs: parseDuration(o.duration ?? ''),
  agents: parseCount(o.agents ?? '', '--agents'),
  intervalMs: parseDuration(o.interval ?? ''),
  uploadBytes: parseCount(o.uploadBytes ?? '', '--upload-bytes'),
  reconnect: share(o.reconnect, '--reconnect'),
  hostileMs: parseDuration(o.hostileEvery ?? ''),
  sampleMs: parseDuration(o.sample ?? ''),
  warmupMs: parseDuration(o.warmup ?? ''),
  maxGrowth: share(o.maxGrowth, '--max-growth'),
  workers: parseCount(o.workers ?? '', '--workers'),
  generators: parseCount(o.generators ?? '', '--generators'),
  telemetry: o.telemetry === 'none' ? ('none' as const) : ('kafka' as const),
};
if (o.telemetry !== 'kafka' && o.telemetry !== 'none')
  throw new Error(`--telemetry must be kafka or none, not "${o.telemetry}"`);

/** The judged series: name, unit, how a sample is made, and how much growth is noise. */
const SERIES = [
  { key: 'rss', label: 'RSS MB', minAbsRise: 16 },
  { key: 'heap', label: 'heap floor MB', minAbsRise: 8 },
  { key: 'fds', label: 'open fds', minAbsRise: 50 },
  { key: 'delay', label: 'loop delay p99 ms', minAbsRise: 20 },
  // CPU time of the gateway processes per upload in the sample's window: work that grows per operation,
  // whatever else the machine runs.
  { key: 'cpu', label: 'CPU ms/upload', minAbsRise: 0.05, digits: 2 },
] as const;
type SeriesKey = (typeof SERIES)[number]['key'];
interface Row {
  t: number;
  values: Record<SeriesKey, number>;
  processes: number;
  ok: number;
  failed: number;
  tunnels: number;
  hostile: number;
  hostileRefused: number;
  load: string;
  /** 1-minute load average of the machine. */
  load1: number;
}

const running = new Set<Running>();
const probeDir = mkdtempSync(join(tmpdir(), 'gatewatch-soak-probe-'));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<boolean> {
  console.log(`# gatewatch gateway soak — ${new Date().toISOString()}`);
  console.log(`command : npm run soak -w @gatewatch/gateway -- ${process.argv.slice(2).join(' ')}`.trimEnd());
  console.log(
    `load    : ${opts.agents} agents × ${opts.uploadBytes} B every ${opts.intervalMs / 1000} s, ${opts.reconnect * 100}% of uploads followed by a reconnect, ${HOSTILE_KINDS.length} hostile clients (${HOSTILE_KINDS.join(', ')}) every ${opts.hostileMs / 1000} s; ${opts.durationMs / 60_000} min, a sample every ${opts.sampleMs / 1000} s, warm-up ${opts.warmupMs / 60_000} min, growth limit ${opts.maxGrowth * 100}% of the mean`,
  );
  console.log(
    `machine : nproc ${availableParallelism()}, node ${process.version}, load average ${load()}; gateway ${opts.workers} workers, telemetry ${opts.telemetry}\n`,
  );
  log('building the gatewatch launcher (dist/, as npm start does)');
  buildGatewatch();
  const ca = await createCertificateAuthority('Gatewatch Soak CA');
  const pair = await ca.issue({ subject: `/CN=${HOST}`, names: [HOST] });
  const sink = track(await startSink(pair, opts.workers));
  const adminPort = await freePort();
  process.env.GATEWATCH_SOAK_PROBE_DIR = probeDir; // the gateway processes inherit it (probe.js)
  process.env.GATEWATCH_SOAK_PROBE_MS = String(opts.sampleMs);
  process.env.KAFKA_TOPIC_PREFIX ??= 'soak-';
  const gateway = track(
    await startGatewayCluster(
      {
        nodeId: 'soak',
        listenHost: '127.0.0.1',
        listenPort: await freePort(),
        adminHost: '127.0.0.1',
        adminPort,
        workspaces: [WORKSPACE],
        resolve: { [`${HOST}:443`]: `127.0.0.1:${sink.port}` },
        limits: {
          maxConnections: 1_000_000,
          maxConnectionsPerClient: 1_000_000,
          perClientConnectionsPerSecond: 0, // every client is 127.0.0.1
          headerTimeoutMs: HEADER_TIMEOUT_MS, // the slowloris and half-open clients end after it
        },
        counterIntervalMs: 60_000,
        logLevel: 'error',
      },
      {
        workers: opts.workers,
        telemetry: opts.telemetry,
        runtime: 'compiled', // as operators run it; the probe is plain JS so no loader is needed
        nodeArgs: ['--import', fileURLToPath(new URL('./probe.js', import.meta.url))],
      },
    ),
  );
  log(`sink on 127.0.0.1:${sink.port}, gateway on 127.0.0.1:${gateway.port} (admin ${adminPort})`);

  const reports = new Map<number, AgentsReport>();
  const finals: Promise<AgentsReport>[] = [];
  const gens = Array.from({ length: opts.generators }, (_, g) => {
    const child = forkChild('../soak/agents.ts', {});
    const count =
      Math.floor(((g + 1) * opts.agents) / opts.generators) - Math.floor((g * opts.agents) / opts.generators);
    finals.push(
      new Promise((resolve, reject) => {
        child.on('message', (m: AgentsReport) => {
          reports.set(g, m);
          if (m.type === 'done') resolve(m);
        });
        child.once('exit', (code) =>
          reject(new Error(`load generator ${g} exited with code ${code} before reporting`)),
        );
      }),
    );
    const job: AgentsJob = {
      proxy: { host: '127.0.0.1', port: gateway.port },
      host: HOST,
      port: 443,
      servername: HOST,
      ca: ca.cert,
      count,
      bodyBytes: opts.uploadBytes,
      intervalMs: opts.intervalMs,
      reconnectShare: opts.reconnect,
    };
    child.send(job);
    return child;
  });
  const totals = () => {
    const s = { ok: 0, failed: 0, tunnels: 0, errors: {} as Record<string, number> };
    for (const r of reports.values()) {
      s.ok += r.ok;
      s.failed += r.failed;
      s.tunnels += r.tunnels;
      for (const [k, v] of Object.entries(r.errors)) s.errors[k] = (s.errors[k] ?? 0) + v;
    }
    return s;
  };

  const hostile: HostileOutcome[] = [];
  const hostileRound = () =>
    Promise.all(
      HOSTILE_KINDS.map((kind) =>
        runHostile(kind, { port: gateway.port, host: HOST, waitMs: HEADER_TIMEOUT_MS + 15_000 }).then((r) => {
          hostile.push(r);
          if (!r.refused) log(`hostile ${r.kind} NOT refused: ${r.detail}`);
        }),
      ),
    );
  const pendingHostile = new Set<Promise<unknown>>();
  const hostileTimer = setInterval(() => {
    const p = hostileRound();
    pendingHostile.add(p);
    p.finally(() => pendingHostile.delete(p));
  }, opts.hostileMs);

  const rows: Row[] = [];
  const started = Date.now();
  let before = { cpu: treeCpuSeconds(gateway.pid), ok: totals().ok };
  const sampleOnce = () => {
    const t = (Date.now() - started) / 60_000;
    const p = sampleGateway(gateway.pid);
    const s = totals();
    const cpu = treeCpuSeconds(gateway.pid);
    const cpuMsPerUpload = ((cpu - before.cpu) * 1000) / Math.max(1, s.ok - before.ok);
    before = { cpu, ok: s.ok };
    const row: Row = {
      t,
      values: { ...p.values, cpu: cpuMsPerUpload },
      processes: p.processes,
      ok: s.ok,
      failed: s.failed,
      tunnels: s.tunnels,
      hostile: hostile.length,
      hostileRefused: hostile.filter((h) => h.refused).length,
      load: load(),
      load1: loadavg()[0] ?? 0,
    };
    rows.push(row);
    log(
      `min ${t.toFixed(0)}: uploads ${row.ok} failed ${row.failed} tunnels ${row.tunnels} hostile refused ${row.hostileRefused}/${row.hostile} | ${p.processes} gateway processes: rss ${fmt(row.values.rss)} MB, heap floor ${fmt(row.values.heap)} MB, fds ${row.values.fds}, loop delay p99 ${fmt(row.values.delay)} ms, CPU ${fmt(cpuMsPerUpload, 2)} ms/upload (heap floor MB by pid: ${p.each}) | load ${row.load}`,
    );
  };
  // Sample a few seconds after each window of the probe closes, so its file holds the window just ended.
  for (let k = 1; k * opts.sampleMs <= opts.durationMs; k++) {
    await sleepUntil(started + k * opts.sampleMs + 3000);
    sampleOnce();
  }
  await sleepUntil(started + opts.durationMs);
  clearInterval(hostileTimer);

  log('stopping the agents (uploads in flight finish)…');
  for (const g of gens) g.send('stop');
  const final = await withTimeout(
    Promise.all(finals),
    120_000,
    'the load generators did not report within 120 s',
  );
  await Promise.all(pendingHostile);
  const rejections = await fetchRejections(adminPort);
  const s = {
    ok: final.reduce((a, r) => a + r.ok, 0),
    failed: final.reduce((a, r) => a + r.failed, 0),
    tunnels: final.reduce((a, r) => a + r.tunnels, 0),
    errors: {} as Record<string, number>,
  };
  for (const r of final) for (const [k, v] of Object.entries(r.errors)) s.errors[k] = (s.errors[k] ?? 0) + v;
  return report(rows, s, hostile, rejections);
}

function report(
  rows: Row[],
  s: { ok: number; failed: number; tunnels: number; errors: Record<string, number> },
  hostile: HostileOutcome[],
  rejections: Map<string, number>,
): boolean {
  console.log(`\n## Samples (load average at the end: ${load()})\n`);
  console.log(
    table(
      ['min', 'uploads', 'failed', 'tunnels', 'procs', ...SERIES.map((x) => x.label), 'load'],
      rows.map((r) => [
        r.t.toFixed(1),
        String(r.ok),
        String(r.failed),
        String(r.tunnels),
        String(r.processes),
        ...SERIES.map((x) => fmt(r.values[x.key], 'digits' in x ? x.digits : 1)),
        r.load,
      ]),
    ),
  );
  console.log('\n## Trends (least squares after the warm-up)\n');
  const trends = SERIES.map((x) => {
    const rule: Rule = {
      warmupMin: opts.warmupMs / 60_000,
      maxRelRise: opts.maxGrowth,
      minAbsRise: x.minAbsRise,
    };
    const samples: Sample[] = rows.map((r) => ({ t: r.t, v: r.values[x.key] }));
    return { x, rule, trend: judgeTrend(samples, rule) };
  });
  console.log(
    table(
      ['series', 'samples', 'mean', 'slope /min', 'rise', 'rise % of mean', 'limit', 'verdict'],
      trends.map(({ x, rule, trend }) => [
        x.label,
        String(trend.samples),
        fmt(trend.mean),
        fmt(trend.slope, 3),
        fmt(trend.rise),
        fmt(100 * trend.relRise),
        `${fmt(100 * rule.maxRelRise, 0)}% and ${rule.minAbsRise}`,
        verdict(trend),
      ]),
    ),
  );
  console.log('\n## Verdict\n');
  let pass = true;
  const check = (name: string, ok: boolean | undefined | 'warn', detail: string) => {
    if (ok === false) pass = false;
    const word = ok === 'warn' ? 'WARN' : ok === undefined ? 'SKIP' : ok ? 'PASS' : 'FAIL';
    console.log(`${word}  ${name}: ${detail}`);
  };
  const loadSamples = rows.map((r) => ({ t: r.t, v: r.load1 }));
  for (const { x, rule, trend } of trends) {
    const detail = `fitted rise ${fmt(trend.rise, 2)} = ${fmt(100 * trend.relRise)}% of the mean ${fmt(trend.mean, 2)}`;
    if (trend.growing === undefined)
      check(
        `${x.label} does not keep growing`,
        undefined,
        `only ${trend.samples} samples after the warm-up (need 3): run longer`,
      );
    else if (trend.growing && x.key === 'delay') {
      const m = followsMachineLoad(
        rows.map((r) => ({ t: r.t, v: r.values.delay })),
        loadSamples,
        rule,
      );
      check(
        `${x.label} does not keep growing`,
        m.follows ? 'warn' : false,
        `${detail}; the machine's load average rose ${fmt(100 * m.loadRelRise)}% over the run, correlation ${fmt(m.r, 2)}${m.follows ? ': it follows the machine, not the gateway (CPU per upload is judged on its own)' : ''}`,
      );
    } else check(`${x.label} does not keep growing`, !trend.growing, detail);
  }
  const top = Object.entries(s.errors)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([e, n]) => `${n}× ${e}`)
    .join('; ');
  check(
    'every agent upload succeeded',
    s.ok > 0 && s.failed === 0,
    `${s.ok} uploads over ${s.tunnels} tunnels, ${s.failed} failed${top ? ` (${top})` : ''}`,
  );
  const notRefused = hostile.filter((h) => !h.refused);
  check(
    'every hostile client was refused',
    hostile.length > 0 && notRefused.length === 0,
    `${hostile.length - notRefused.length} of ${hostile.length}${notRefused.length ? `; not: ${notRefused.map((h) => `${h.kind} (${h.detail})`).join(', ')}` : ''}`,
  );
  const short: string[] = [];
  const counted: string[] = [];
  for (const kind of HOSTILE_KINDS) {
    const reasons = HOSTILE_REASONS[kind as HostileKind];
    if (!reasons.length) continue;
    const tried = hostile.filter((h) => h.kind === kind).length;
    const seen = reasons.reduce((a, r) => a + (rejections.get(r) ?? 0), 0);
    counted.push(`${kind} ${seen}/${tried}`);
    if (seen < tried) short.push(kind);
  }
  check(
    "the gateway's rejection counters show each refusal",
    hostile.length > 0 && short.length === 0,
    `${counted.join(', ')} (by reason: ${
      [...rejections]
        .filter(([, n]) => n > 0)
        .map(([r, n]) => `${r} ${n}`)
        .join(', ') || 'none'
    })`,
  );
  console.log(`\n${pass ? 'PASS' : 'FAIL'}: soak of ${(opts.durationMs / 60_000).toFixed(0)} min`);
  return pass;
}

const verdict = (t: Trend) => (t.growing === undefined ? 'too short' : t.growing ? 'GROWING' : 'flat');

/** The gateway's process tree: RSS and descriptors from /proc, heap and loop delay from the probe files. */
function sampleGateway(root: number): {
  processes: number;
  values: Omit<Record<SeriesKey, number>, 'cpu'>;
  each: string;
} {
  const pids = treePids(root);
  const values = { rss: 0, heap: 0, fds: 0, delay: 0 };
  const each: string[] = [];
  for (const pid of pids) {
    try {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      values.rss += Number(kb ?? 0) / 1024;
      values.fds += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // exited between the listing and the read
    }
    try {
      const p = JSON.parse(readFileSync(join(probeDir, `${pid}.json`), 'utf8')) as {
        heapUsedFloor: number;
        eventLoopDelayP99Ms: number;
      };
      values.heap += p.heapUsedFloor / 2 ** 20;
      values.delay = Math.max(values.delay, p.eventLoopDelayP99Ms);
      each.push(`${pid} ${fmt(p.heapUsedFloor / 2 ** 20)}`);
    } catch {
      // a process without a probe file yet (just started)
    }
  }
  return { processes: pids.length, values, each: each.join(', ') };
}

async function fetchRejections(adminPort: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^gatewatch_rejections_by_reason_total\{[^}]*reason="([^"]+)"\} (\d+)/gm))
    out.set(m[1] ?? '', Number(m[2]));
  return out;
}

async function sleepUntil(at: number) {
  while (Date.now() < at) await new Promise((r) => setTimeout(r, Math.min(1000, at - Date.now())));
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}

function track(r: Running): Running {
  running.add(r);
  return r;
}

/** Ends every process the soak started: load generators, sink, gateway. */
async function cleanup() {
  for (const c of children) c.kill('SIGTERM');
  await Promise.allSettled([...running].map((r) => r.close()));
  rmSync(probeDir, { recursive: true, force: true });
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig}: stopping the soak and its processes…`);
    cleanup().finally(() => process.exit(130));
  });

main().then(
  (pass) => cleanup().then(() => process.exit(pass ? 0 : 1)),
  (err: Error) => {
    console.error(`soak failed: ${err.message}`);
    cleanup().finally(() => process.exit(1));
  },
);
