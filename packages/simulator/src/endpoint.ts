import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KeyPair } from './certs.ts';

/** A local HTTPS server standing in for an Azure ingestion endpoint: it accepts uploads and counts them. */
export interface TlsEndpoint {
  port: number;
  /** `127.0.0.1:<port>`, the form the gateway's `resolve` mapping takes. */
  address: string;
  stats: { uploads: number; bytes: number };
  close(): Promise<void>;
}

export async function startTlsEndpoint(
  opts: KeyPair & { host?: string; port?: number },
): Promise<TlsEndpoint> {
  const stats = { uploads: 0, bytes: 0 };
  const server: Server = createServer({ key: opts.key, cert: opts.cert, minVersion: 'TLSv1' }, (req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      stats.uploads++;
      stats.bytes += bytes;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ received: bytes }));
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    address: `${opts.host ?? '127.0.0.1'}:${port}`,
    stats,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
