/**
 * `npm run bench:dashboard [-- --nodes 1000 --days 30 --events 100000000]`: generate a fleet in embedded
 * chDB (or reuse it), time every panel's query per page and range (goal p95 < 300 ms), then the pages'
 * server render through the production build. See bench/README.md for figures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store, StoreError } from '@gatewatch/store';
import { Command, InvalidArgumentError } from 'commander';
import { DASHBOARD_DIR, DashboardError, startDashboard } from '../src/server.ts';
import {
  type FleetParams,
  fleetRows,
  generateFleet,
  generateUsage,
  loadAvg,
  nodeName,
  readMarker,
  readUsageMarker,
  SAMPLE_MS,
} from './generate.ts';
import { type PageCase, pageCases, pickDrill, RANGES, type RangeName } from './panels.ts';
import { GOAL_P95_MS, summarize, type Timing, table } from './stats.ts';

class BenchError extends Error {}

const int = (name: string) => (v: string) => {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

const program = new Command('bench:dashboard')
  .description('time every dashboard panel query and page on a generated fleet (embedded chDB)')
  .option('--nodes <n>', 'gateway nodes', int('--nodes'), 200)
  .option('--days <n>', 'days of data ending now', int('--days'), 7)
  .option('--events <n>', 'event records in total', int('--events'), 5_000_000)
  .option(
    '--raw-days <n>',
    'newest days kept as raw 10 s samples; older history goes straight into the counter rollups (default: all)',
    int('--raw-days'),
  )
  .option(
    '--data-dir <dir>',
    'chDB directory (default /tmp/gatewatch-bench-dashboard/<nodes>n-<days>d-<events>e)',
  )
  .option('--regenerate', 'drop the fleet in --data-dir and generate it again', false)
  .option('--reps <n>', 'timed runs per panel query (after one warm-up)', int('--reps'), 10)
  .option('--page-reps <n>', 'timed fetches per page (after one warm-up)', int('--page-reps'), 10)
  .option('--ranges <list>', 'relative ranges to time', '1h,24h,7d,30d')
  .option(
    '--agents <n>',
    'agents sending usage (Workspaces and Agents pages; default 100 per node)',
    int('--agents'),
  )
  .option('--panels <pages>', 'time only these pages, e.g. Workspaces,Agents (names as in the tables below)')
  .option('--no-pages', 'skip the page-load part (no production build needed)')
  .option('--no-queries', 'skip the per-panel query part')
  .option('--json <file>', 'also write every figure as JSON');

interface Opts {
  nodes: number;
  days: number;
  events: number;
  rawDays?: number;
  dataDir?: string;
  regenerate: boolean;
  reps: number;
  pageReps: number;
  ranges: string;
  agents?: number;
  panels?: string;
  pages: boolean;
  queries: boolean;
  json?: string;
}

const log = (line: string) => console.log(line);

async function main(): Promise<void> {
  const o = program.parse().opts<Opts>();
  const ranges = o.ranges.split(',').map((r) => r.trim());
  for (const r of ranges) {
    if (!Object.hasOwn(RANGES, r))
      throw new BenchError(`unknown range "${r}": use any of ${Object.keys(RANGES).join(',')}`);
  }
  o.rawDays = Math.min(o.rawDays ?? o.days, o.days);
  const dataDir =
    o.dataDir ??
    `/tmp/gatewatch-bench-dashboard/${o.nodes}n-${o.days}d-${o.events}e${o.rawDays < o.days ? `-${o.rawDays}raw` : ''}`;
  log(
    `bench:dashboard — ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, load ${loadAvg()}`,
  );
  log(`data dir ${dataDir}`);
  const store = await openStore({ dataDir });
  let stopDashboard: (() => Promise<void>) | undefined;
  try {
    const fleet = await ensureFleet(store, o);
    await ensureUsage(store, fleet, o.agents ?? fleet.nodes * 100, o.regenerate);
    await reportSize(store);
    await settleMerges(store);
    const nodeId = nodeName(0);
    const drill = await pickDrill(store, fleet.endMs);
    log(`drill-down: ws ${drill.ws} → host ${drill.host} → client ${drill.client}; node page ${nodeId}`);
    const only = o.panels?.split(',').map((x) => x.trim().toLowerCase());
    const cases = new Map(
      ranges.map((r) => [
        r,
        pageCases(fleet.endMs, r as RangeName, nodeId, drill).filter(
          (c) => !only || only.some((x) => c.page.toLowerCase().startsWith(x)),
        ),
      ]),
    );
    if (only && [...cases.values()].every((l) => l.length === 0))
      throw new BenchError(
        `--panels ${o.panels}: no such page (pages: ${pageCases(fleet.endMs, '1h', nodeId, drill)
          .map((c) => c.page)
          .join(', ')})`,
      );

    const queries: Timing[] = [];
    if (o.queries) {
      log(`\nPanel queries: 1 warm-up + ${o.reps} timed runs each, load ${loadAvg()}`);
      for (const [range, pages] of cases) {
        for (const c of pages) {
          for (const p of c.panels) {
            const t = await timeIt(() => p.run(store), o.reps);
            queries.push({ range, page: c.page, panel: p.panel, ...t });
            if (t.p95 >= GOAL_P95_MS)
              log(`  slow: ${range} ${c.page} / ${p.panel}: p95 ${t.p95.toFixed(0)} ms`);
          }
        }
        log(`  ${range} done, load ${loadAvg()}`);
      }
      log(`\n${table(queries, true)}`);
      const failed = queries.filter((q) => q.p95 >= GOAL_P95_MS);
      log(
        `\n${queries.length - failed.length}/${queries.length} panel queries PASS (p95 < ${GOAL_P95_MS} ms)` +
          (failed.length ? `; FAIL: ${failed.map((f) => `${f.range} ${f.page}/${f.panel}`).join(', ')}` : ''),
      );
    }
    const pages: Timing[] = [];
    if (o.pages) {
      ensureBuild();
      const dash = await startDashboard({ store, port: 0 });
      stopDashboard = () => dash.close();
      log(
        `\nPage loads (server render + data, HTML via ${dash.url}): 1 warm-up + ${o.pageReps} fetches, load ${loadAvg()}`,
      );
      for (const [range, list] of cases) {
        for (const c of list) {
          const t = await timeIt(() => fetchPage(dash.url, c), o.pageReps);
          pages.push({
            range,
            page: c.page,
            panel: `${c.panels.length} panels, ${Math.round((t.rows ?? 0) / 1024)} KiB`,
            ...t,
          });
        }
        log(`  ${range} pages done, load ${loadAvg()}`);
      }
      log(`\n${table(pages, false)}`);
    }
    log(`\nload ${loadAvg()}`);
    if (o.json) {
      await writeFile(
        o.json,
        `${JSON.stringify({ fleet, dataDir, reps: o.reps, pageReps: o.pageReps, queries, pages }, null, 2)}\n`,
      );
      log(`figures written to ${o.json}`);
    }
  } finally {
    await stopDashboard?.();
    await store.close();
  }
}

/** Reuse the fleet in dataDir when its marker matches the flags; otherwise generate it. */
async function ensureFleet(store: Store, o: Opts): Promise<FleetParams> {
  const marker = await readMarker(store);
  const same =
    marker &&
    marker.nodes === o.nodes &&
    marker.days === o.days &&
    marker.events === o.events &&
    marker.rawDays === o.rawDays;
  if (marker && same && !o.regenerate) {
    log(
      `reusing fleet: ${o.nodes} nodes × ${o.days} d (${marker.rawDays} d raw), ${o.events.toLocaleString('en-US')} events, ending ${new Date(marker.endMs).toISOString()}`,
    );
    return marker;
  }
  if (marker && !same && !o.regenerate && o.dataDir) {
    throw new BenchError(
      `${o.dataDir} holds a fleet of ${marker.nodes} nodes × ${marker.days} d (${marker.rawDays} raw), ${marker.events} events: pass those flags, --regenerate, or another --data-dir`,
    );
  }
  const p: FleetParams = {
    nodes: o.nodes,
    days: o.days,
    events: o.events,
    rawDays: o.rawDays ?? o.days,
    endMs: Math.floor(Date.now() / SAMPLE_MS) * SAMPLE_MS,
  };
  const perDay = (86_400_000 / SAMPLE_MS) * p.nodes;
  const history = fleetRows(p) - p.rawDays * perDay;
  log(
    `generating ${p.nodes} nodes × ${p.days} d: ${(p.rawDays * perDay).toLocaleString('en-US')} raw counter samples (every 10 s, newest ${p.rawDays} d)` +
      (history > 0
        ? ` + ${history.toLocaleString('en-US')} history samples (1/min for 4 d, then 1/h, straight into the rollups)`
        : '') +
      ` + ${p.events.toLocaleString('en-US')} event records`,
  );
  const r = await generateFleet(store, p, log);
  log(
    `generated ${(r.samples + r.records).toLocaleString('en-US')} rows in ${r.seconds.toFixed(0)} s (${Math.round((r.samples + r.records) / r.seconds).toLocaleString('en-US')} rows/s)`,
  );
  return p;
}

/** Usage of the fleet's agents (Workspaces and Agents pages): reused when its marker matches, else generated. */
async function ensureUsage(
  store: Store,
  fleet: FleetParams,
  agents: number,
  regenerate: boolean,
): Promise<void> {
  const u = await readUsageMarker(store);
  if (
    u &&
    !regenerate &&
    u.agents === agents &&
    u.nodes === fleet.nodes &&
    u.days === fleet.days &&
    u.endMs === fleet.endMs
  ) {
    log(`reusing usage: ${agents.toLocaleString('en-US')} agents`);
    return;
  }
  log(
    `generating usage: ${agents.toLocaleString('en-US')} agents on ${fleet.nodes} nodes × ${fleet.days} d (rollups only)`,
  );
  const r = await generateUsage(
    store,
    { nodes: fleet.nodes, agents, days: fleet.days, endMs: fleet.endMs },
    log,
  );
  log(`generated ${r.rows.toLocaleString('en-US')} usage rollup rows in ${r.seconds.toFixed(0)} s`);
}

async function rows<T>(store: Store, query: string): Promise<T[]> {
  return (await store.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

async function reportSize(store: Store): Promise<void> {
  const parts = await rows<{ table: string; rows: string; parts: string; disk: string; raw: string }>(
    store,
    `SELECT table, sum(rows) AS rows, count() AS parts, formatReadableSize(sum(bytes_on_disk)) AS disk,
       formatReadableSize(sum(data_uncompressed_bytes)) AS raw
     FROM system.parts WHERE active AND database = currentDatabase() AND table LIKE 'gateway_%'
     GROUP BY table ORDER BY table`,
  );
  for (const p of parts) {
    log(
      `  ${p.table.padEnd(20)} ${Number(p.rows).toLocaleString('en-US').padStart(14)} rows ${p.parts.padStart(4)} parts ${p.disk.padStart(10)} on disk (${p.raw} raw)`,
    );
  }
}

/** Let background merges after a generation finish (bounded), so they do not skew the timings. */
async function settleMerges(store: Store): Promise<void> {
  const until = Date.now() + 180_000;
  for (;;) {
    const [m] = await rows<{ n: string }>(store, 'SELECT count() AS n FROM system.merges');
    if (Number(m?.n ?? 0) === 0) return;
    if (Date.now() > until) {
      log(`  ${m?.n} merges still running after 180 s: timing anyway`);
      return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** One warm-up, then n timed runs; `rows` = result size of the last run (array length or bytes). */
async function timeIt(run: () => Promise<unknown>, n: number) {
  let out = await run();
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    out = await run();
    samples.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  const size = Array.isArray(out)
    ? out.length
    : typeof out === 'number'
      ? out
      : ((out as { rows?: unknown[] })?.rows?.length ?? 0);
  return { ...summarize(samples, cpu), runs: n, rows: size };
}

async function fetchPage(base: string, c: PageCase): Promise<number> {
  const res = await fetch(`${base}${c.url}`, { signal: AbortSignal.timeout(120_000) });
  const html = await res.text();
  if (res.status !== 200 || html.includes('Cannot load this view')) {
    throw new BenchError(
      `${c.page} (${c.url}) answered ${res.status}${html.includes('Cannot load this view') ? ' with an error state' : ''}: see the dashboard log above`,
    );
  }
  return html.length;
}

function ensureBuild(): void {
  const dist = join(DASHBOARD_DIR, process.env.NEXT_DIST_DIR || '.next');
  if (existsSync(join(dist, 'BUILD_ID'))) return;
  log(`no production build in ${dist}: running npm run build -w @gatewatch/dashboard`);
  execFileSync('npm', ['run', 'build', '-w', '@gatewatch/dashboard'], {
    stdio: 'inherit',
    cwd: join(DASHBOARD_DIR, '../..'),
  });
}

main().catch((err: unknown) => {
  if (err instanceof BenchError || err instanceof StoreError || err instanceof DashboardError) {
    console.error(`bench:dashboard: ${err.message}`);
    process.exit(1);
  }
  throw err;
});
