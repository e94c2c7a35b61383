/**
 * `node --import tsx bench/profile-summary.ts <dir> [top]`: the top self-time functions of the `.cpuprofile`
 * files the bench's `--profile <dir>` wrote (one per gateway process and thread), summed over all of them,
 * as a share of the busy (non-idle) samples.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [dir, topArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node --import tsx bench/profile-summary.ts <dir> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const self = new Map<string, number>();
let busy = 0;
let idle = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  p.samples.forEach((id, i) => {
    const n = byId.get(id);
    const us = p.timeDeltas[i] ?? 0;
    if (!n) return;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') {
      if (functionName === '(idle)') {
        idle += us;
        return;
      }
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
