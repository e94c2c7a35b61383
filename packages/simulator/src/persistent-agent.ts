import { Agent, type ClientRequest, request as httpRequest } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { openTunnel, type UploadResult, type UploadTarget } from './agent.ts';

export interface PersistentAgentTarget extends Omit<UploadTarget, 'proxy' | 'holdMs'> {
  /** The proxy to tunnel through; omitted = connect straight to `direct` (baseline without a proxy). */
  proxy?: { host: string; port: number };
  /** Where to dial when there is no proxy (default host:port). */
  direct?: { host: string; port: number };
  /** Per-upload deadline, tunnel and TLS set-up included (default 60 s). */
  timeoutMs?: number;
}

export interface PersistentAgent {
  /** POST `body` over the agent's one persistent tunnel + TLS session (opened on first use, reopened if lost). */
  upload(body: Buffer): Promise<UploadResult>;
  /** Tunnels (or direct connections) opened so far: 1 for a healthy agent. */
  readonly connections: number;
  close(): void;
}

/**
 * An agent that behaves like the real ones: one CONNECT tunnel and one TLS session, reused for every upload
 * (HTTP keep-alive over TLS inside the tunnel). Never throws: failures come back with their stage.
 */
export function createPersistentAgent(target: PersistentAgentTarget): PersistentAgent {
  let connections = 0;
  let current: ClientRequest | undefined; // the upload in flight (one at a time), for close()
  // Where a failure happens: set as the connection progresses; a reused connection stays at 'upload'.
  let stage: 'connect' | 'proxy' | 'tls' | 'upload' = 'connect';
  const agent = new Agent({ keepAlive: true, maxSockets: 1, scheduling: 'lifo' });
  // Async createConnection (callback form): the tunnel has to be opened before TLS can start.
  (
    agent as unknown as {
      createConnection: (o: unknown, cb: (err: Error | null, s?: Socket) => void) => void;
    }
  ).createConnection = (_o, cb) => {
    connections++;
    stage = 'connect';
    const secure = (raw: Socket) => {
      stage = 'tls';
      const s = tlsConnect({
        socket: raw,
        servername: target.tls?.servername ?? target.host,
        ca: target.ca,
        minVersion: target.tls?.minVersion,
        maxVersion: target.tls?.maxVersion,
      });
      raw.on('error', (err) => s.destroy(err)); // a dead tunnel fails the upload, not the process
      s.once('secureConnect', () => {
        stage = 'upload';
      });
      cb(null, s);
    };
    if (!target.proxy) {
      const { host, port } = target.direct ?? { host: target.host, port: target.port ?? 443 };
      return secure(netConnect({ host, port, localAddress: target.localAddress }));
    }
    openTunnel({ ...target, proxy: target.proxy }, target.timeoutMs ?? 60_000).then(
      (t) => {
        if ('socket' in t) {
          t.socket.setTimeout(0); // the CONNECT timeout must not outlive the handshake
          return secure(t.socket);
        }
        stage = 'proxy';
        cb(new Error(t.error));
      },
      (err: Error) => cb(err),
    );
  };

  return {
    get connections() {
      return connections;
    },
    upload(body) {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      return new Promise((resolve) => {
        let settled = false;
        const fail = (s: 'connect' | 'proxy' | 'tls' | 'upload', error: string, status?: number) => {
          if (settled) return;
          settled = true;
          resolve({ ok: false, latencyMs: elapsed(), stage: s, error, status });
        };
        const req: ClientRequest = httpRequest(
          {
            agent,
            host: target.host,
            method: 'POST',
            path: '/OperationalData.svc/PostJsonDataItems',
            headers: { 'content-type': 'application/octet-stream', 'content-length': body.length },
          },
          (res) => {
            res.resume();
            res.on('error', (err) => fail('upload', err.message));
            res.on('end', () => {
              if (res.statusCode !== 200) return fail('upload', 'bad status', res.statusCode);
              if (settled) return;
              settled = true;
              resolve({ ok: true, latencyMs: elapsed(), bytes: body.length });
            });
          },
        );
        // A total deadline, not an idle one: a trickling upload must end too.
        const limit = target.timeoutMs ?? 60_000;
        const timer = setTimeout(() => req.destroy(new Error(`not done within ${limit} ms`)), limit);
        current = req;
        req.once('close', () => {
          clearTimeout(timer);
          if (current === req) current = undefined;
        });
        req.on('error', (err) => fail(stage, err.message));
        req.end(body);
      });
    },
    close() {
      current?.destroy(new Error('agent closed'));
      agent.destroy();
    },
  };
}
