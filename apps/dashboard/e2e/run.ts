/**
 * `npm run test:e2e` after `next build`: picks a free loopback port and a temp DATA_DIR once (the Playwright
 * config is evaluated again in every worker, so it must not choose them), runs Playwright, cleans up.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'gatewatch-dash-e2e-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  E2E_PORT: String(await freePort()),
  DATA_DIR: join(tmp, 'data'),
  E2E_INFO: join(tmp, 'seed.json'),
  NEXT_TELEMETRY_DISABLED: '1',
};
delete env.CLICKHOUSE_URL; // the e2e store is always a fresh embedded one
const r = spawnSync('npx', ['playwright', 'test', ...process.argv.slice(2)], { stdio: 'inherit', env });
rmSync(tmp, { recursive: true, force: true });
process.exit(r.status ?? 1);
