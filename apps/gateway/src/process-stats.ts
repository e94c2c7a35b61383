/**
 * What a process costs, read when /metrics is scraped (nothing runs in between): CPU time, memory and descriptors
 * under Prometheus' standard `process_*` names, one series per process (a gateway node's primary and each of its
 * workers; an ingester or alerter process). With the tunnel counter they give a node's CPU per tunnel in production.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessStats {
  /** gateway (a one-process node), primary / worker (a multi-core node), ingester, alerter. */
  role: string;
  pid: number;
  /** User + system CPU of all the process's threads (JS, the splice thread, V8's helpers). */
  cpuSeconds: number;
  residentBytes: number;
  heapUsedBytes: number;
  /** -1 where /proc is not there (not Linux). */
  openFds: number;
  maxFds: number;
  startTimeSeconds: number;
}

/** Taken once: recomputed at every scrape from the clock and the uptime it could move by a rounding second. */
const startTimeSeconds = Math.round(Date.now() / 1000 - process.uptime());

export function processStats(role: string): ProcessStats {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    role,
    pid: process.pid,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    residentBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    openFds: openFds(),
    maxFds: maxFds(),
    startTimeSeconds,
  };
}

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length - 1; // the listing's own descriptor
  } catch {
    return -1;
  }
}

/** The soft open-file limit (`ulimit -n`): past it a tunnel fails with EMFILE. */
function maxFds(): number {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line?.[1] === undefined || line[1] === 'unlimited' ? -1 : Number(line[1]);
  } catch {
    return -1;
  }
}

const METRICS: [string, 'counter' | 'gauge', string, (s: ProcessStats) => number][] = [
  [
    'process_cpu_seconds_total',
    'counter',
    'User and system CPU time of the process, all threads, in seconds.',
    (s) => s.cpuSeconds,
  ],
  [
    'process_resident_memory_bytes',
    'gauge',
    'Resident memory of the process in bytes.',
    (s) => s.residentBytes,
  ],
  ['nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use, in bytes.', (s) => s.heapUsedBytes],
  ['process_open_fds', 'gauge', 'Open file descriptors (two per spliced tunnel).', (s) => s.openFds],
  ['process_max_fds', 'gauge', 'The open-file limit (ulimit -n).', (s) => s.maxFds],
  [
    'process_start_time_seconds',
    'gauge',
    'When the process started, in seconds since the Unix epoch.',
    (s) => s.startTimeSeconds,
  ],
];

/** `labels`: what every series carries first, e.g. a gateway's `node="…"`. */
export function processMetricsText(stats: readonly ProcessStats[], labels = ''): string {
  const lines: string[] = [];
  for (const [name, type, help, value] of METRICS) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const s of stats) {
      const v = value(s);
      if (v >= 0) lines.push(`${name}{${labels ? `${labels},` : ''}process="${s.role}",pid="${s.pid}"} ${v}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
