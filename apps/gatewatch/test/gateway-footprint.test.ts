/**
 * A gateway node loads the gateway's code only: the dashboard's Next.js (which also hooks every later `require`
 * of the process) and the store's ClickHouse client are imported by the roles that use them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from './helpers.ts';

const RUN = new URL('../src/run.ts', import.meta.url).href;

test('the gateway role loads neither Next.js nor the ClickHouse client', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gw-footprint-'));
  try {
    const [listenPort, adminPort] = [await freePort(), await freePort()];
    // Starts the role as `gatewatch gateway` does, then lists the packages whose CommonJS modules are loaded.
    const script = `
      import { createRequire } from 'node:module';
      const { runRoles } = await import(${JSON.stringify(RUN)});
      await runRoles(['gateway'], { dataDir: ${JSON.stringify(dataDir)}, listenPort: ${listenPort},
        listenHost: '127.0.0.1', adminPort: ${adminPort}, dashboardPort: 0, dashboardHost: '127.0.0.1', metricsPort: 0 });
      const names = Object.keys(createRequire(import.meta.url).cache)
        .map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean);
      console.log(JSON.stringify([...new Set(names)]));
      process.exit(0);`;
    const r = spawnSync(
      process.execPath,
      ['--conditions=gatewatch-source', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, KAFKA_BROKERS: '' } },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Gateway listening on/);
    // The gateway's event log shares stdout: the list is the line that is a JSON array.
    const loaded: string[] = JSON.parse(r.stdout.split('\n').find((l) => l.startsWith('[')) ?? '[]');
    assert.ok(loaded.includes('pino'), `the gateway's own packages are seen: ${loaded.join(', ')}`);
    for (const heavy of ['next', '@clickhouse/client', 'chdb', 'react'])
      assert.ok(!loaded.includes(heavy), `${heavy} loaded by the gateway role: ${loaded.join(', ')}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
