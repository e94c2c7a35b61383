/**
 * Start the dashboard inside another process (the all-in-one launcher), sharing its already-open store:
 * only one process may open an embedded chDB directory, so the launcher injects its store instead of
 * letting the dashboard open DATA_DIR again. Needs a production build (`npm run build -w @gatewatch/dashboard`).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '@gatewatch/store';
import next from 'next';
import { authConfigFromEnv, exposureProblem, insecureNoAuthFromEnv } from './auth.ts';

export interface DashboardOptions {
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /**
   * Default 127.0.0.1. Any other address needs DASHBOARD_TOKEN, DASHBOARD_EDITOR_TOKEN or
   * DASHBOARD_BASIC_AUTH (else startDashboard throws), or `insecureNoAuth`.
   */
  host?: string;
  /** Serve a non-loopback bind without credentials (warns on every start). Default: DASHBOARD_INSECURE_NO_AUTH. */
  insecureNoAuth?: boolean;
  /** An open store to use instead of opening one from CLICKHOUSE_URL / DATA_DIR. */
  store?: Store;
}

export interface RunningDashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

export class DashboardError extends Error {
  override name = 'DashboardError';
}

/** The package directory: the parent of src/ (sources) and of dist/ (built output). */
export const DASHBOARD_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Where the pages find the launcher's store (lib/store.ts; declared in lib/store-global.ts). */
const shared = globalThis as { __gatewatchStore?: Store };

export async function startDashboard(opts: DashboardOptions = {}): Promise<RunningDashboard> {
  const host = opts.host ?? '127.0.0.1';
  let auth: ReturnType<typeof authConfigFromEnv>;
  try {
    auth = authConfigFromEnv(process.env);
  } catch (err) {
    throw new DashboardError((err as Error).message);
  }
  const insecure = opts.insecureNoAuth ?? insecureNoAuthFromEnv(process.env);
  const problem = exposureProblem(host, auth, insecure, 'set DASHBOARD_INSECURE_NO_AUTH=1');
  if (problem) throw new DashboardError(problem);
  const distDir = join(DASHBOARD_DIR, process.env.NEXT_DIST_DIR || '.next');
  if (!existsSync(join(distDir, 'BUILD_ID'))) {
    throw new DashboardError(
      `the dashboard has no production build in ${distDir}: run \`npm run build -w @gatewatch/dashboard\` first`,
    );
  }
  if (opts.store) shared.__gatewatchStore = opts.store;
  process.env.NEXT_TELEMETRY_DISABLED = '1';
  const app = next({ dev: false, dir: DASHBOARD_DIR, hostname: host, port: opts.port ?? 3000 });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server: Server = createServer((req, res) => {
    // The proxy rate-limits failed logins per peer: the last hop is always the real one.
    const peer = req.socket.remoteAddress ?? 'unknown';
    const hops = req.headers['x-forwarded-for'];
    req.headers['x-forwarded-for'] = hops ? `${hops}, ${peer}` : peer;
    handle(req, res).catch((err: unknown) => {
      console.error('dashboard request failed:', err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error: see the dashboard log\n');
    });
  });
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new DashboardError(
          err.code === 'EADDRINUSE'
            ? `port ${opts.port} on ${host} is in use: pick another dashboard port (or 0 for any free port)`
            : `cannot listen on ${host}:${opts.port} (${err.message})`,
        ),
      ),
    );
    server.listen(opts.port ?? 3000, host, resolve);
  });
  try {
    await listening;
  } catch (err) {
    await app.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  if (exposureProblem(host, auth, false))
    process.stderr.write(
      `warning: the dashboard on ${host}:${port} has no credentials (insecure no-auth mode): anyone who reaches it can read every record and create silences\n`,
    );
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await app.close();
      if (shared.__gatewatchStore === opts.store) shared.__gatewatchStore = undefined;
    },
  };
}
