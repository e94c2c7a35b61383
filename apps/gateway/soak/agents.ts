/**
 * One soak load-generator process (forked by soak/soak.ts): `count` simulated agents, each uploading
 * `bodyBytes` every `intervalMs` over its persistent tunnel; after an upload an agent drops its tunnel with
 * probability `reconnectShare` and opens a new one for the next. Runs until the driver sends 'stop', then
 * finishes the uploads in flight and reports.
 */
import { createPersistentAgent, type PersistentAgent, type UploadResult } from '@gatewatch/simulator';

export interface AgentsJob {
  proxy: { host: string; port: number };
  host: string;
  port: number;
  servername: string;
  ca: string;
  count: number;
  bodyBytes: number;
  intervalMs: number;
  reconnectShare: number;
}

export interface AgentsReport {
  type: 'progress' | 'done';
  ok: number;
  failed: number;
  /** Tunnels opened (first ones and reconnects). */
  tunnels: number;
  /** `stage: error` → count. */
  errors: Record<string, number>;
}

process.on('disconnect', () => process.exit(0)); // the driver is gone (Ctrl-C): stop at once

let stopping = false;
process.on('message', (m: AgentsJob | 'stop') => {
  if (m === 'stop') {
    stopping = true;
    return;
  }
  run(m).then(
    (r) => process.send?.({ ...r, type: 'done' }, () => process.exit(0)),
    (err: Error) => {
      console.error(`soak agents: ${err.message}`);
      process.exit(1);
    },
  );
});

async function run(job: AgentsJob): Promise<AgentsReport> {
  const body = Buffer.alloc(job.bodyBytes, 0x61);
  const r: AgentsReport = { type: 'progress', ok: 0, failed: 0, tunnels: 0, errors: {} };
  const open = () =>
    createPersistentAgent({
      proxy: job.proxy,
      host: job.host,
      port: job.port,
      ca: job.ca,
      tls: { servername: job.servername },
    });
  const record = (res: UploadResult) => {
    if (res.ok) r.ok++;
    else {
      r.failed++;
      const key = `${res.stage}: ${res.status ?? ''} ${res.error}`.replace(/\s+/g, ' ').slice(0, 120);
      r.errors[key] = (r.errors[key] ?? 0) + 1;
    }
  };
  const retired = { tunnels: 0 };
  const agents: PersistentAgent[] = [];
  const tunnels = () => retired.tunnels + agents.reduce((s, a) => s + a.connections, 0);
  const progress = setInterval(() => process.send?.({ ...r, tunnels: tunnels() }), 5000);
  await Promise.all(
    Array.from({ length: job.count }, async (_, i) => {
      agents[i] = open();
      await sleep(Math.random() * job.intervalMs); // agents do not start in lockstep
      while (!stopping) {
        const started = performance.now();
        record(await (agents[i] as PersistentAgent).upload(body));
        if (Math.random() < job.reconnectShare) {
          retired.tunnels += (agents[i] as PersistentAgent).connections;
          (agents[i] as PersistentAgent).close();
          agents[i] = open();
        }
        await sleep(job.intervalMs - (performance.now() - started));
      }
    }),
  );
  clearInterval(progress);
  r.tunnels = tunnels();
  for (const a of agents) a.close();
  return r;
}

/** Sleeps, but wakes within a second of 'stop'. */
async function sleep(ms: number) {
  const until = performance.now() + ms;
  while (!stopping && performance.now() < until)
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(1000, Math.max(0, until - performance.now()))),
    );
}
