/**
 * One load-generator process (forked by bench/gateway.ts): simulated agents with persistent tunnels.
 * agents: each uploads `bodyBytes` every `intervalMs`; throughput: each uploads back-to-back.
 * Reports progress every second and the raw latencies at the end, then exits. Uploads still running 20 s
 * after the end are cut and count as failed, so a run always ends.
 */
import { createPersistentAgent, type PersistentAgent, type UploadResult } from '@gatewatch/simulator';
import type { LoadJob, LoadProgress, LoadResult } from './protocol.ts';

const DRAIN_MS = 20_000;

process.on('disconnect', () => process.exit(0)); // the driver is gone (Ctrl-C): stop at once

process.once('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (err: Error) => {
      console.error(`bench load generator: ${err.message}`);
      process.exit(1);
    },
  );
});

async function run(job: LoadJob): Promise<LoadResult> {
  const body = Buffer.alloc(job.bodyBytes, 0x61);
  const r: LoadResult = {
    type: 'done',
    ok: 0,
    failed: 0,
    bytes: 0,
    connections: 0,
    latencies: [],
    setup: [],
    windowBytes: 0,
    windowMs: 0,
    errors: {},
    cpuSeconds: 0,
  };
  const cpuStart = process.cpuUsage();
  const newAgent = () =>
    createPersistentAgent({
      proxy: job.proxy,
      direct: job.direct,
      host: job.host,
      port: job.port,
      ca: job.ca,
      tls: { servername: job.servername },
    });
  const agents: PersistentAgent[] = Array.from({ length: job.count }, newAgent);
  let reconnects = 0; // tunnels of agents already replaced (reconnect mode)
  const record = (res: UploadResult, first: boolean) => {
    if (res.ok) {
      r.ok++;
      r.bytes += res.bytes;
      (first ? r.setup : r.latencies).push(res.latencyMs);
    } else {
      r.failed++;
      const key = `${res.stage}: ${res.status ?? ''} ${res.error}`.replace(/\s+/g, ' ').slice(0, 120);
      r.errors[key] = (r.errors[key] ?? 0) + 1;
    }
  };
  const progress = setInterval(() => {
    const p: LoadProgress = {
      type: 'progress',
      ok: r.ok,
      failed: r.failed,
      bytes: r.bytes,
      connections: reconnects + agents.reduce((s, a) => s + a.connections, 0),
    };
    process.send?.(p);
  }, 1000);
  try {
    if (job.mode === 'throughput') await runThroughput(job, agents, body, record, r);
    else
      await runAgents(job, agents, body, record, (i) => {
        // Reconnect mode: the agent hangs up after each upload; the next one opens a new tunnel.
        const old = agents[i] as PersistentAgent;
        reconnects += old.connections;
        old.close();
        agents[i] = newAgent();
      });
  } finally {
    clearInterval(progress);
    r.connections = reconnects + agents.reduce((s, a) => s + a.connections, 0);
    for (const a of agents) a.close();
    const cpu = process.cpuUsage(cpuStart);
    r.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  }
  return r;
}

type Record_ = (res: UploadResult, first: boolean) => void;

/**
 * Fixed cadence per agent, first upload at a random offset (agents do not start in lockstep). In reconnect
 * mode `hangUp(i)` replaces agent i after each upload, so every upload is a first one (a new tunnel).
 */
async function runAgents(
  job: LoadJob,
  agents: PersistentAgent[],
  body: Buffer,
  record: Record_,
  hangUp: (i: number) => void,
) {
  const end = performance.now() + job.durationMs;
  // Hard stop: uploads still running DRAIN_MS after the end are cut (and count as failed), so an
  // overloaded run still ends on time with honest figures.
  let cutOff = false;
  const cut = setTimeout(() => {
    cutOff = true;
    for (const a of agents) a.close();
  }, job.durationMs + DRAIN_MS);
  await Promise.all(
    agents.map(async (_, i) => {
      let next = performance.now() + Math.random() * job.intervalMs;
      let first = true;
      while (next < end && !cutOff) {
        await sleep(next - performance.now());
        if (cutOff) break;
        const res = await (agents[i] as PersistentAgent).upload(body);
        record(res, first);
        if (job.mode === 'reconnect') hangUp(i);
        else first = false;
        next += job.intervalMs; // a slow upload makes the next one start at once, not skip it
      }
    }),
  );
  clearTimeout(cut);
}

/** Every tunnel opens (one upload), then all upload back-to-back for durationMs; bytes / window. */
async function runThroughput(
  job: LoadJob,
  agents: PersistentAgent[],
  body: Buffer,
  record: Record_,
  r: LoadResult,
) {
  await Promise.all(agents.map(async (a) => record(await a.upload(body), true)));
  const start = performance.now();
  const end = start + job.durationMs;
  await Promise.all(
    agents.map(async (agent) => {
      while (performance.now() < end) {
        const res = await agent.upload(body);
        record(res, false);
        if (res.ok) r.windowBytes += res.bytes;
        else await sleep(100); // a broken tunnel must not spin
      }
    }),
  );
  r.windowMs = performance.now() - start;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
