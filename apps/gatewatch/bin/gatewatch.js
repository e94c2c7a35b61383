#!/usr/bin/env node
// `npx gatewatch …`: the compiled launcher (dist/, made by `npm run build`, which `npm ci` and `npm start` run).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'gatewatch: not built yet (no apps/gatewatch/dist): run `npm run build` at the repository root\n',
  );
  process.exit(1);
}
await import(cli.href);
