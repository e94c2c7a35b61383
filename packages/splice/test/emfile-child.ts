// Run by pipe-limit.test.ts under a low open-file limit: the first tunnel of a process (no pipe exists yet) meets
// a process with no descriptor left for one. It must end with EMFILE, not hang, and free its sockets.
import { closeSync, openSync } from 'node:fs';
import { type SpliceEnd, spliceTunnel } from '../src/index.ts';
import { connected } from './relay.ts';

const [relayClient, client] = await connected();
const [target, relayUpstream] = await connected();
const filler: number[] = [];
try {
  for (;;) filler.push(openSync('/dev/null', 'r'));
} catch {
  // the limit is reached
}
// Two for the engine (epoll, eventfd): then nothing is left for a pipe.
for (const fd of filler.splice(0, 2)) closeSync(fd);
const end = await new Promise<SpliceEnd>((resolve) => {
  spliceTunnel(relayClient, relayUpstream, { idleTimeoutMs: 0, onEnd: resolve });
});
for (const fd of filler) closeSync(fd);
const destroyed = relayClient.destroyed && relayUpstream.destroyed;
console.log(JSON.stringify({ end, destroyed, filled: filler.length }));
client.destroy();
target.destroy();
