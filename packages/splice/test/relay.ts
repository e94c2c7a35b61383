/**
 * A real TCP relay on loopback: agent → relay (accepted socket) → target. The relay connects to the target,
 * then splices its two sockets; tests drive both outer ends.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { type SplicedTunnel, type SpliceEnd, spliceTunnel, type TunnelBytes } from '../src/index.ts';

export interface Pair {
  client: Socket; // the agent's end
  target: Socket; // the destination's end
  relayClient: Socket;
  relayUpstream: Socket;
  ended: Promise<{ end: SpliceEnd; bytes: TunnelBytes }>;
  tunnel: SplicedTunnel;
}

async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

/** One accepted connection from a fresh listener, and the connecting socket. */
export async function connected(): Promise<[accepted: Socket, connecting: Socket]> {
  const { server, port } = await listen();
  const connecting = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const [accepted] = (await once(server, 'connection')) as [Socket];
  if (connecting.connecting) await once(connecting, 'connect');
  server.close();
  return [accepted, connecting];
}

export async function open(idleTimeoutMs = 0, pendingUp?: Buffer): Promise<Pair> {
  const [relayClient, client] = await connected();
  const [target, relayUpstream] = await connected();
  let resolveEnd!: (v: { end: SpliceEnd; bytes: TunnelBytes }) => void;
  const ended = new Promise<{ end: SpliceEnd; bytes: TunnelBytes }>((r) => {
    resolveEnd = r;
  });
  let calls = 0;
  const tunnel = spliceTunnel(relayClient, relayUpstream, {
    idleTimeoutMs,
    pendingUp,
    onEnd(end, bytes) {
      calls++;
      assert.equal(calls, 1, 'onEnd is called once');
      resolveEnd({ end, bytes });
    },
  });
  assert.ok(tunnel, 'two fresh loopback sockets can be spliced');
  return { client, target, relayClient, relayUpstream, ended, tunnel };
}

export function collect(s: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve, reject) => {
    s.once('end', () => resolve(Buffer.concat(chunks)));
    s.once('error', reject);
  });
}

export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Writes `data` in random-sized pieces, honouring backpressure, then half-closes. */
export async function send(s: Socket, data: Buffer): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const n = Math.min(data.length - off, 1 + Math.floor(Math.random() * 200_000));
    if (!s.write(data.subarray(off, off + n))) await once(s, 'drain');
    off += n;
  }
  s.end();
}

export const openFds = () => readdirSync('/proc/self/fd').length;

/** Both ways at once, checked byte for byte; resolves with how the tunnel ended. */
export async function exchange(
  p: Pair,
  up: Buffer,
  down: Buffer,
): Promise<{ end: SpliceEnd; bytes: TunnelBytes }> {
  const gotUp = collect(p.target);
  const gotDown = collect(p.client);
  await Promise.all([send(p.client, up), send(p.target, down)]);
  assert.equal(sha(await gotUp), sha(up));
  assert.equal(sha(await gotDown), sha(down));
  const result = await p.ended;
  p.client.destroy();
  p.target.destroy();
  return result;
}
