// Builds the splice(2) addon at install time with npm's own node-gyp. Headers come from this Node's
// installation when it ships them (offline machines); node-gyp downloads them otherwise. A failed build
// does not fail the install: the gateway then moves tunnel bytes with Node streams and says why at start.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

if (process.platform !== 'linux') {
  console.log('@gatewatch/splice: not Linux, nothing to build (tunnels use Node streams)');
  process.exit(0);
}
const prefix = join(dirname(process.execPath), '..');
const args = ['rebuild'];
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const gyp = process.env.npm_config_node_gyp;
const [cmd, cmdArgs] = gyp ? [process.execPath, [gyp, ...args]] : ['node-gyp', args];
const res = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
if (res.status !== 0) {
  console.warn(
    `@gatewatch/splice: building the addon failed (${res.error?.message ?? `exit ${res.status}`}); ` +
      'tunnels will use Node streams. Install a C compiler, make and python3, then run: npm rebuild @gatewatch/splice',
  );
}
