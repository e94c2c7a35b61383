/**
 * `npm run test:e2e`: builds the production app into a private directory (a concurrent `next build` by
 * someone else in this shared checkout must not swap files under the test server), runs the launcher test,
 * then Playwright on a free loopback port with a temp DATA_DIR. Port and directories are chosen once here
 * (the Playwright config is evaluated again in every worker, so it must not choose them).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@gatewatch/simulator';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const distDir = `test-results/.next-${process.pid}`;
const tmp = mkdtempSync(join(tmpdir(), 'gatewatch-dash-e2e-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  NEXT_DIST_DIR: distDir,
  E2E_RUN_ID: String(process.pid),
  NEXT_TELEMETRY_DISABLED: '1',
  E2E_PORT: String(await freePort()),
  DATA_DIR: join(tmp, 'data'),
  E2E_INFO: join(tmp, 'seed.json'),
};
delete env.CLICKHOUSE_URL; // the e2e store is always a fresh embedded one

function run(cmd: string, args: string[]): number {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env, cwd: appDir });
  return r.status ?? 1;
}

let status = run('npx', ['next', 'build']);
if (status === 0)
  status = run(process.execPath, [
    '--conditions=gatewatch-source',
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    'e2e/launcher.test.ts',
    'e2e/launcher-errors.test.ts',
    'e2e/auth.test.ts',
  ]);
if (status === 0) status = run('npx', ['playwright', 'test', ...process.argv.slice(2)]);
rmSync(tmp, { recursive: true, force: true });
rmSync(join(appDir, distDir), { recursive: true, force: true });
// Keep traces only when something failed.
if (status === 0)
  rmSync(join(appDir, `test-results/artifacts-${process.pid}`), { recursive: true, force: true });
process.exit(status);
