/**
 * The gateway under test, one `createGateway` per core sharing the proxy port through `node:cluster`
 * (the gateway has no cluster mode of its own). Started by bench/targets.ts with `fork()`; the gateway
 * config (JSON) arrives in GATEWATCH_BENCH_GATEWAY, the worker count in GATEWATCH_BENCH_WORKERS, the workers'
 * node flags (JSON array) in GATEWATCH_BENCH_NODE_ARGS, the scheduling policy (rr | none) in
 * GATEWATCH_BENCH_SCHED, an optional CPU-profile directory in GATEWATCH_BENCH_PROFILE.
 */
import cluster from 'node:cluster';
import { createGateway, parseConfig } from '../src/index.ts';

const workers = Number(process.env.GATEWATCH_BENCH_WORKERS ?? '1');

if (cluster.isPrimary) {
  // Must be set before setupPrimary/fork. none: workers accept() on the shared socket themselves.
  if (process.env.GATEWATCH_BENCH_SCHED === 'none') cluster.schedulingPolicy = cluster.SCHED_NONE;
  // Workers run with the product's node flags (bench --gateway-node-args); --profile: every worker writes a
  // .cpuprofile there when it stops.
  const nodeArgs: string[] = JSON.parse(process.env.GATEWATCH_BENCH_NODE_ARGS ?? '[]');
  const profile = process.env.GATEWATCH_BENCH_PROFILE;
  if (profile) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profile}`);
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...nodeArgs] });
  let ready = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('message', (_w, msg: { port?: number; error?: string }) => {
    if (msg.error) process.send?.({ error: msg.error });
    else if (msg.port && ++ready === workers) process.send?.({ port: msg.port });
  });
  cluster.on('exit', (_w, code) => {
    if (code) console.error(`bench gateway: a worker exited with code ${code}`);
  });
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  };
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  try {
    const gateway = createGateway(parseConfig(JSON.parse(process.env.GATEWATCH_BENCH_GATEWAY ?? '{}')));
    const info = await gateway.start();
    process.send?.({ port: info.port });
    process.on('SIGTERM', () => gateway.stop(1000).then(() => process.exit(0)));
  } catch (err) {
    process.send?.({ error: (err as Error).message });
  }
}
