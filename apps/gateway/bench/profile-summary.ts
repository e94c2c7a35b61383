/**
 * `node --import tsx bench/profile-summary.ts <dir> [--top 25] [--skip 8]`: the top self-time functions of the `.cpuprofile`
 * files the bench's `--profile <dir>` wrote (one per gateway process and thread), summed over all of them,
 * as a share of the busy (non-idle) samples.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const program = new Command('profile-summary')
  .description("top self-time functions of the bench's --profile output, over all processes and threads")
  .argument('<dir>', 'the --profile directory')
  .option('--top <n>', 'functions to list', '25')
  .option('--skip <seconds>', "leave out each profile's first seconds (start-up: module loading)", '0')
  .parse();
const [dir] = program.args as [string];
const o = program.opts<{ top: string; skip: string }>();
const top = Number(o.top);
const skipUs = Number(o.skip) * 1e6;
const self = new Map<string, number>();
let busy = 0;
let idle = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  let t = 0;
  p.samples.forEach((id, i) => {
    const n = byId.get(id);
    const us = p.timeDeltas[i] ?? 0;
    t += us;
    if (!n || t < skipUs) return;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      return;
    }
    busy += us;
    const where = url
      ? ` ${url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(apps|packages)\//, '$1/')}:${lineNumber + 1}`
      : '';
    const key = `${functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + us);
  });
}
console.log(
  `busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s (all processes and threads)`,
);
console.log('self %  self s  function');
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${((100 * us) / busy).toFixed(1).padStart(6)}  ${(us / 1e6).toFixed(2).padStart(6)}  ${k}`);
