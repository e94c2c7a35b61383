import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Seed the store in a child process, which closes the chDB directory before any page opens it. */
export default function globalSetup(): void {
  const seed = fileURLToPath(new URL('./seed.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--conditions=gatewatch-source', '--import', 'tsx', seed], {
    stdio: 'inherit',
    env: process.env,
    timeout: 180_000,
  });
  if (r.status !== 0) throw new Error(`e2e seed failed (exit ${r.status ?? r.signal}): see its output above`);
}
