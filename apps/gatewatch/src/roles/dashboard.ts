import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DASHBOARD_DIR, type RunningDashboard, startDashboard } from '@gatewatch/dashboard';
import type { Store } from '@gatewatch/store';

const REPO_ROOT = join(DASHBOARD_DIR, '..', '..');

export interface DashboardRoleOptions {
  host: string;
  port: number;
  /** The already-open store (all-in-one: only one process may open an embedded chDB dir). */
  store?: Store;
  /** Allow a non-loopback bind without credentials (startDashboard warns). */
  insecureNoAuth?: boolean;
  progress(line: string): void;
}

/**
 * Build the dashboard if its sources changed since the last build (Turborepo's cache makes an unchanged
 * build a sub-second replay), showing a progress line while it runs.
 */
export async function buildDashboard(progress: (line: string) => void): Promise<void> {
  const started = Date.now();
  const ticker = setInterval(
    () => progress(`building the dashboard… ${Math.round((Date.now() - started) / 1000)} s`),
    5000,
  );
  progress('building the dashboard (first start takes a minute or two; later starts reuse the build)…');
  try {
    const out: string[] = [];
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          join(REPO_ROOT, 'node_modules/turbo/bin/turbo'),
          'run',
          'build:app',
          '--filter=@gatewatch/dashboard',
          '--output-logs=errors-only',
        ],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
      child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
      child.on('error', reject);
      child.on('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) {
      throw new Error(
        `dashboard build failed (exit ${code}); run \`npm run build\` to see why:\n${out.join('').split('\n').slice(-15).join('\n')}`,
      );
    }
    progress(`dashboard built in ${Math.round((Date.now() - started) / 100) / 10} s`);
  } finally {
    clearInterval(ticker);
  }
}

/** The Next.js dashboard served from this process, built first if its sources changed. */
export async function startDashboardRole(o: DashboardRoleOptions): Promise<RunningDashboard> {
  await buildDashboard(o.progress);
  return startDashboard({ host: o.host, port: o.port, store: o.store, insecureNoAuth: o.insecureNoAuth });
}
