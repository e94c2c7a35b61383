/**
 * The stand-in Azure endpoint for the bench, in its own processes: a cluster primary that forks one
 * `startTlsEndpoint` per core on one shared port, so the sink is never the bottleneck of a single event loop.
 * Started by bench/targets.ts with `fork()`; key/cert arrive in GATEWATCH_BENCH_SINK (JSON).
 */
import cluster from 'node:cluster';
import { startTlsEndpoint } from '@gatewatch/simulator';

interface SinkEnv {
  key: string;
  cert: string;
  workers: number;
}

const env = JSON.parse(process.env.GATEWATCH_BENCH_SINK ?? '{}') as SinkEnv;

if (cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < env.workers; i++) cluster.fork();
  cluster.on('message', (_w, msg: { port?: number }) => {
    if (msg.port && ++ready === env.workers) process.send?.({ port: msg.port });
  });
  cluster.on('exit', (_w, code) => {
    if (code) console.error(`bench sink: a worker exited with code ${code}`);
  });
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  };
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  // Port 0 in every worker: cluster hands all of them the same port.
  const endpoint = await startTlsEndpoint({ key: env.key, cert: env.cert, host: '127.0.0.1', port: 0 });
  process.send?.({ port: endpoint.port });
}
