/** The processes a bench run needs: the TLS sink, the gateway (cluster) and squid, each with its CPU meter. */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KeyPair, startSquid } from '@gatewatch/simulator';
import type { GatewayConfigInput } from '../src/index.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
/** The `gatewatch` command (all roles); the bench runs its `gateway` role. */
const GATEWATCH = here('../../gatewatch/bin/gatewatch.js');

export interface Running {
  port: number;
  /** Root pid of the target's process tree (for CPU accounting). */
  pid: number;
  close(): Promise<void>;
}

/** Every child process the bench started, so Ctrl-C and failures can end them all. */
export const children = new Set<ChildProcess>();

export function forkChild(file: string, env: Record<string, string>): ChildProcess {
  const child = fork(here(file), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Fork the sink's cluster launcher and wait for `{ port }` (or `{ error }`) from it. */
async function startCluster(file: string, env: Record<string, string>, what: string): Promise<Running> {
  const child = forkChild(file, env);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 30 s`)), 30_000);
    child.once('message', (m: { port?: number; error?: string }) => {
      clearTimeout(timer);
      if (m.port) resolve(m.port);
      else reject(new Error(`${what} failed to start: ${m.error}`));
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with code ${code} while starting`)));
  });
  return { port, pid: child.pid ?? 0, close: () => stopChild(child) };
}

export function startSink(pair: KeyPair, workers: number): Promise<Running> {
  const env = { GATEWATCH_BENCH_SINK: JSON.stringify({ ...pair, workers }) };
  return startCluster('./sink.ts', env, 'bench TLS sink');
}

export interface GatewayLaunch {
  workers: number;
  /** `kafka`: telemetry to the broker at KAFKA_BROKERS (default 127.0.0.1:9092) with a disk spool; `none`: events on stdout only. */
  telemetry: 'kafka' | 'none';
  /** `compiled`: the built launcher (dist/, as deployed; build first); `source` (default): the sources through tsx. */
  runtime?: 'compiled' | 'source';
  profileDir?: string;
  nodeArgs?: string[];
}

/**
 * The gateway as operators run it: `gatewatch gateway` (compiled, or the sources through tsx) with `workers` processes sharing the port (its
 * multi-core mode), telemetry to Kafka (event records, counter samples and every tunnel's spans, spooled in
 * a temp data dir) and its event log on stdout (to /dev/null: the JSON lines are still written), the bench's
 * node flags on the command line (workers inherit them). Ready when it prints its listening line.
 */
/** `npm start`'s build step: the launcher and the packages it runs, compiled to dist/ (turbo: cached, fast when current). */
export function buildGatewatch(): void {
  execFileSync(
    'npx',
    ['turbo', 'run', 'build', '--filter=@gatewatch/gatewatch', '--output-logs=errors-only'],
    {
      cwd: here('../../..'),
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}

export async function startGatewayCluster(config: GatewayConfigInput, o: GatewayLaunch): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'gatewatch-bench-gateway-'));
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify({ ...config, workers: o.workers }));
  const profile = o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [];
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (o.telemetry === 'kafka') {
    env.KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
    env.KAFKA_TOPIC_PREFIX = process.env.KAFKA_TOPIC_PREFIX ?? 'bench-';
  } else delete env.KAFKA_BROKERS;
  const child = spawn(
    process.execPath,
    [
      ...(o.runtime === 'compiled' ? [] : process.execArgv),
      ...(o.nodeArgs ?? []),
      ...profile,
      GATEWATCH,
      'gateway',
      '--config',
      file,
      '--data-dir',
      dir,
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.add(child);
  child.once('exit', () => {
    children.delete(child);
    rmSync(dir, { recursive: true, force: true });
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`the gateway did not start within 60 s: ${err}`)),
      60_000,
    );
    child.stderr?.on('data', (c: Buffer) => {
      err += c;
      process.stderr.write(c);
      if (/gateway listening on/i.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`the gateway exited with code ${code} while starting: ${err}`)),
    );
  });
  return { port: config.listenPort as number, pid: child.pid ?? 0, close: () => stopChild(child) };
}

/** Squid with the same ACL as the gateway: CONNECT only to the sink's port; no access log. */
export async function startBenchSquid(sinkPort: number, workers: number): Promise<Running> {
  const before = new Set(childPids(process.pid));
  const squid = await startSquid({ connectPorts: [sinkPort], accessLog: false, workers });
  const pid = childPids(process.pid).find((p) => !before.has(p) && comm(p) === 'squid') ?? 0;
  return { port: squid.port, pid, close: () => squid.close() };
}

/** CPU seconds (user + system) used so far by a process and all its descendants, from /proc. */
export function treeCpuSeconds(root: number, only: 'all' | 'system' = 'all'): number {
  const tree = processTable();
  let total = 0;
  for (const pid of treePids(root, tree)) {
    const p = tree.get(pid);
    if (p) total += only === 'system' ? p.sys : p.cpu;
  }
  return total;
}

/** A process and all its descendants (none when it is gone). */
export function treePids(root: number, tree = processTable()): number[] {
  const out = tree.has(root) ? [root] : [];
  for (let i = 0; i < out.length; i++)
    for (const [pid, info] of tree) if (info.ppid === out[i]) out.push(pid);
  return out;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * A gateway node's CPU seconds so far by where they ran: its cluster primary (all threads; 0 for a one-process
 * node), the JS threads of the processes that carry tunnels, their splice threads (named `gw-splice` by the
 * addon), and their other threads (V8's GC and compiler, libuv's pool). Others = process total − named threads, so
 * a thread that ended is still counted.
 */
export interface NodeCpu {
  primary: number;
  js: number;
  splice: number;
  helpers: number;
}

export function nodeCpuByThread(root: number): NodeCpu {
  const tree = processTable();
  const out: NodeCpu = { primary: 0, js: 0, splice: 0, helpers: 0 };
  const children = [...tree].filter(([pid, p]) => p.ppid === root && comm(pid) === 'node');
  const carriers = children.length ? children.map(([pid]) => pid) : [root];
  if (children.length) out.primary = tree.get(root)?.cpu ?? 0;
  for (const pid of carriers) {
    let named = 0;
    for (const tid of safeReaddir(`/proc/${pid}/task`)) {
      const f = statFields(Number(tid), `/proc/${pid}/task/${tid}`);
      if (!f) continue;
      const cpu = cpuSeconds(f);
      if (Number(tid) === pid) out.js += cpu;
      else if (comm(Number(tid), `/proc/${pid}/task/${tid}`) === 'gw-splice') out.splice += cpu;
      else continue;
      named += cpu;
    }
    // Read after its threads, so the total holds at least what they showed.
    const f = statFields(pid);
    out.helpers += f ? cpuSeconds(f) - named : 0;
  }
  return out;
}

/**
 * Context switches so far of every thread of a process and its descendants (`/proc/<pid>/task/<tid>/status`,
 * voluntary + involuntary): each is a thread going to sleep or being put off a core, the cost of handing work
 * between threads and processes. Threads that ended are not counted.
 */
export function treeContextSwitches(root: number): number {
  let total = 0;
  for (const pid of treePids(root))
    for (const tid of safeReaddir(`/proc/${pid}/task`)) {
      try {
        const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
        for (const m of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm))
          total += Number(m[1]);
      } catch {
        // the thread ended
      }
    }
  return total;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function processTable(): Map<number, { ppid: number; cpu: number; sys: number }> {
  const table = new Map<number, { ppid: number; cpu: number; sys: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name));
    // After "pid (comm)": state ppid … utime(14) stime(15), counted from the field after comm.
    if (fields)
      table.set(Number(name), {
        ppid: Number(fields[1]),
        cpu: cpuSeconds(fields),
        sys: Number(fields[12]) / CLOCK_TICKS,
      });
  }
  return table;
}

/** utime + stime of a stat line's fields (counted from the field after comm). */
const cpuSeconds = (fields: string[]) => (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;

function statFields(pid: number, dir = `/proc/${pid}`): string[] | undefined {
  try {
    const stat = readFileSync(`${dir}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function childPids(parent: number): number[] {
  return [...processTable()].filter(([, p]) => p.ppid === parent).map(([pid]) => pid);
}

function comm(pid: number, dir = `/proc/${pid}`): string {
  try {
    return readFileSync(`${dir}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Busy and total jiffies of the whole machine (all processes, including other people's), from /proc/stat. */
export function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}
