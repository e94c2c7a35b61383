import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { type SecureVersion, connect as tlsConnect } from 'node:tls';

export interface UploadTarget {
  /** The gateway (an HTTP CONNECT proxy). */
  proxy: { host: string; port: number };
  /** Host and port named in CONNECT, and the TLS server name. */
  host: string;
  port?: number;
  /** CA that signed the endpoint's certificate. */
  ca: string;
  tls?: { minVersion?: SecureVersion; maxVersion?: SecureVersion; servername?: string; ciphers?: string };
  /** Source address of the agent (any of 127.0.0.0/8 on Linux), so one machine can play many clients. */
  localAddress?: string;
  /** Keep the tunnel open this long after the upload, as agents with persistent connections do. */
  holdMs?: number;
}

export type UploadResult =
  | { ok: true; latencyMs: number; bytes: number }
  | {
      ok: false;
      latencyMs: number;
      stage: 'connect' | 'proxy' | 'tls' | 'upload';
      status?: number;
      error: string;
    };

/** Open a tunnel through the gateway with CONNECT and resolve with the raw socket, or the proxy's refusal. */
export function openTunnel(
  target: Pick<UploadTarget, 'proxy' | 'host' | 'port' | 'localAddress'>,
  timeoutMs = 10_000,
): Promise<{ socket: Socket } | { status: number; error: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: target.proxy.host,
      port: target.proxy.port,
      method: 'CONNECT',
      path: `${target.host}:${target.port ?? 443}`,
      headers: { host: `${target.host}:${target.port ?? 443}` },
      localAddress: target.localAddress,
      timeout: timeoutMs,
    });
    req.on('connect', (res, socket) => {
      if (res.statusCode === 200) return resolve({ socket });
      socket.destroy();
      resolve({
        status: res.statusCode ?? 0,
        error: `proxy answered ${res.statusCode} ${res.statusMessage}`,
      });
    });
    req.on('timeout', () => req.destroy(new Error(`CONNECT timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * One agent upload: CONNECT through the gateway, TLS to the endpoint, POST `bytes` bytes, read the answer.
 * Never throws: failures come back with the stage they happened in.
 */
export async function uploadThroughGateway(target: UploadTarget, bytes: number): Promise<UploadResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  let tunnel: Awaited<ReturnType<typeof openTunnel>>;
  try {
    tunnel = await openTunnel(target);
  } catch (err) {
    return { ok: false, latencyMs: elapsed(), stage: 'connect', error: (err as Error).message };
  }
  if (!('socket' in tunnel)) return { ok: false, latencyMs: elapsed(), stage: 'proxy', ...tunnel };
  const raw = tunnel.socket;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: UploadResult) => {
      if (settled) return;
      settled = true;
      raw.destroy();
      resolve(r);
    };
    const holdThen = (fn: () => void) => (target.holdMs ? setTimeout(fn, target.holdMs) : fn());
    const secure = tlsConnect({
      socket: raw,
      servername: target.tls?.servername ?? target.host,
      ca: target.ca,
      minVersion: target.tls?.minVersion,
      maxVersion: target.tls?.maxVersion,
      ciphers: target.tls?.ciphers,
    });
    secure.on('error', (err) => done({ ok: false, latencyMs: elapsed(), stage: 'tls', error: err.message }));
    const body = Buffer.alloc(bytes, 0x61);
    // Plain http over the already-secured socket: TLS was set up above, through the tunnel.
    const req = httpRequest(
      {
        host: target.host,
        method: 'POST',
        path: '/OperationalData.svc/PostJsonDataItems',
        // keep-alive: without an agent Node asks the server to close, which would end the tunnel at once.
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': bytes,
          connection: 'keep-alive',
        },
        createConnection: () => secure,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? ((latencyMs) => holdThen(() => done({ ok: true, latencyMs, bytes })))(elapsed())
            : done({
                ok: false,
                latencyMs: elapsed(),
                stage: 'upload',
                status: res.statusCode,
                error: 'bad status',
              }),
        );
      },
    );
    req.on('error', (err) => done({ ok: false, latencyMs: elapsed(), stage: 'upload', error: err.message }));
    req.end(body);
  });
}
