/**
 * Opening the upstream side of a tunnel: directly to the checked address, or through a relay proxy with its
 * own CONNECT (node:http parses the relay's answer). Errors carry a one-line cause; credentials never appear.
 */
import { request } from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import type { RelayProxyConfig } from './config.ts';

export class UpstreamError extends Error {
  constructor(
    message: string,
    /** 504 for timeouts, 502 otherwise. */
    readonly status: 502 | 504,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export function dialDirect(address: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: address, port, allowHalfOpen: true, noDelay: true });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new UpstreamError(`connect to ${address}:${port} timed out after ${timeoutMs} ms`, 504));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new UpstreamError(`cannot connect to ${address}:${port}: ${err.code ?? err.message}`, 502));
    });
  });
}

export function dialViaRelay(
  relay: RelayProxyConfig,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<Socket> {
  const url = new URL(relay.address);
  const relayName = `relay proxy ${url.host}`;
  const authority = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (relay.username) {
    headers['proxy-authorization'] =
      `Basic ${Buffer.from(`${relay.username}:${relay.password}`).toString('base64')}`;
  }
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: Number(url.port || 80),
      method: 'CONNECT',
      path: authority,
      headers,
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new UpstreamError(`${relayName} did not open ${host}:${port} within ${timeoutMs} ms`, 504));
    }, timeoutMs);
    req.once('connect', (res, socket, head) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        socket.destroy();
        const hint =
          res.statusCode === 407
            ? ' (wrong or missing credentials: npm run admin -- relay-proxy set --address … --username … --password …)'
            : '';
        reject(
          new UpstreamError(`${relayName} answered ${res.statusCode} to CONNECT ${host}:${port}${hint}`, 502),
        );
        return;
      }
      if (head.length) socket.unshift(head);
      socket.setNoDelay(true);
      resolve(socket);
    });
    req.once('response', (res) => {
      // A proxy answering CONNECT with a non-upgrade response (e.g. 407 with a body) lands here.
      clearTimeout(timer);
      res.resume();
      req.destroy();
      const hint = res.statusCode === 407 ? ' (wrong or missing relay credentials)' : '';
      reject(
        new UpstreamError(`${relayName} answered ${res.statusCode} to CONNECT ${host}:${port}${hint}`, 502),
      );
    });
    req.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new UpstreamError(`cannot reach ${relayName}: ${err.code ?? err.message}`, 502));
    });
    req.end();
  });
}
