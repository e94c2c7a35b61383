/** Test helpers: temp dirs, certificates (the simulator's CA), a local TLS target, a gateway with captured
 * telemetry. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpsServer,
  type Server as HttpsServer,
  request as httpsRequest,
} from 'node:https';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import type { CounterSample, EventRecord, UsageRecord } from '@gatewatch/events';
import { createCertificateAuthority, type KeyPair } from '@gatewatch/simulator';
import { pino } from 'pino';
import { createGateway, type ListenInfo } from '../src/gateway.ts';
import { type Gateway, type GatewayConfigInput, parseConfig } from '../src/index.ts';

export const run = promisify(execFile);

export const WS = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
export const WS_HOST = `${WS}.ods.opinsights.azure.com`;
export const OTHER_WS = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

/** Collects cleanup functions; `run()` them in an `after` hook (last registered runs first). */
export class Cleanup {
  private fns: (() => unknown)[] = [];
  after(fn: () => unknown): void {
    this.fns.push(fn);
  }
  async run(): Promise<void> {
    for (const fn of this.fns.reverse()) await fn();
    this.fns = [];
  }
}

export function tempDir(t: { after(fn: () => void): void }, prefix = 'gw-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Pki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Issue a client certificate signed by the CA (or by a fresh rogue CA). */
  client(cn: string, opts?: { rogue?: boolean }): Promise<{ cert: string; key: string }>;
}

/** The simulator's test CA and a server certificate for the given DNS names (and 127.0.0.1), as files in `dir`. */
export async function makePki(dir: string, names: string[]): Promise<Pki> {
  const save = (name: string, pair: KeyPair) => {
    const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    writeFileSync(files.cert, pair.cert);
    writeFileSync(files.key, pair.key);
    return files;
  };
  const ca = await createCertificateAuthority();
  const server = save(
    'server',
    await ca.issue({ subject: '/CN=gatewatch-test-server', names: [...names, '127.0.0.1'] }),
  );
  return {
    caCert: save('ca', ca).cert,
    serverCert: server.cert,
    serverKey: server.key,
    async client(cn, opts = {}) {
      const issuer = opts.rogue ? await createCertificateAuthority('Rogue CA') : ca;
      const pair = await issuer.issue({ subject: `/O=Contoso/CN=${cn}`, clientAuth: true });
      return save(`client-${cn}${opts.rogue ? '-rogue' : ''}`, pair);
    },
  };
}

/** A local HTTPS server standing in for the Azure endpoints: answers `ok <servername>` and counts bytes. */
export async function startTarget(
  pki: Pki,
): Promise<{ port: number; server: HttpsServer; received: () => number }> {
  let received = 0;
  const server = createHttpsServer(
    {
      cert: readFileSync(pki.serverCert),
      key: readFileSync(pki.serverKey),
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    },
    (req, res) => {
      req.on('data', (c: Buffer) => {
        received += c.length;
      });
      req.on('end', () => res.end(`ok ${req.headers.host ?? ''}\n`));
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server, received: () => received };
}

export interface TestGateway {
  gateway: Gateway;
  info: ListenInfo;
  events: EventRecord[];
  samples: CounterSample[];
  usage: UsageRecord[];
  lines: string[];
  /** Wait until an event matching the predicate was emitted. */
  waitEvent(pred: (e: EventRecord) => boolean, timeoutMs?: number): Promise<EventRecord>;
}

/** PKI for WS_HOST, a TLS target (closed at cleanup), and the `resolve` entry that sends WS_HOST:443 to it. */
export async function startWorkspaceTarget(cleanup: Cleanup, dir = tempDir(cleanup)) {
  const pki = await makePki(dir, [WS_HOST]);
  const target = await startTarget(pki);
  cleanup.after(() => target.server.close());
  const resolve: Record<string, string> = { [`${WS_HOST}:443`]: `127.0.0.1:${target.port}` };
  return { pki, target, resolve };
}

export interface Suite {
  cleanup: Cleanup;
  /** A temp dir of the suite (holds the PKI). */
  dir: string;
  pki: Pki;
  target: Awaited<ReturnType<typeof startTarget>>;
  /** The `resolve` entry that sends WS_HOST:443 to the target. */
  resolve: Record<string, string>;
  /** The gateway, when `workspaceSuite` was given a config. */
  gw: TestGateway;
}

/**
 * The usual set-up of a `describe`, registered on it: cleanup after the suite, a TLS target for WS_HOST and,
 * given `config`, a test gateway serving WS that reaches the target (`config.resolve` adds entries).
 * The fields are filled in before the first test runs.
 */
export function workspaceSuite(config?: GatewayConfigInput): Suite {
  const suite = { cleanup: new Cleanup() } as Suite;
  after(() => suite.cleanup.run());
  before(async () => {
    suite.dir = tempDir(suite.cleanup);
    Object.assign(suite, await startWorkspaceTarget(suite.cleanup, suite.dir));
    if (config)
      suite.gw = await startGateway(suite.cleanup, {
        workspaces: [WS],
        ...config,
        resolve: { ...suite.resolve, ...config.resolve },
      });
  });
  return suite;
}

export async function startGateway(
  t: { after(fn: () => Promise<void> | void): void },
  input: GatewayConfigInput,
): Promise<TestGateway> {
  const events: EventRecord[] = [];
  const samples: CounterSample[] = [];
  const usage: UsageRecord[] = [];
  const lines: string[] = [];
  const logger = pino(
    { base: undefined },
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    }),
  );
  const config = parseConfig({
    nodeId: 'test-node',
    listenHost: '127.0.0.1',
    listenPort: 1,
    adminPort: 0,
    ...input,
  });
  const gateway = createGateway(
    { ...config, listenPort: input.listenPort ?? 0 },
    {
      logger,
      sink: {
        event: (e) => events.push(e),
        counters: (s) => samples.push(s),
        usage: (u) => usage.push(u),
      },
    },
  );
  const info = await gateway.start();
  t.after(() => gateway.stop(200));
  return {
    gateway,
    info,
    events,
    samples,
    usage,
    lines,
    waitEvent: (pred, timeoutMs = 5000) => waitFor(() => events.find(pred), timeoutMs, 'event not emitted'),
  };
}

/** Poll `fn` (sync or async) every 10 ms until it returns something truthy. */
export async function waitFor<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Open a raw TCP connection to the proxy and send a CONNECT; resolves with the status line and the socket. */
export function rawConnect(
  port: number,
  target: string,
  opts: { extra?: Buffer; localAddress?: string } = {},
): Promise<{ status: number; socket: Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: opts.localAddress });
    let buf = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('connect', () => {
      const head = Buffer.from(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      socket.write(opts.extra ? Buffer.concat([head, opts.extra]) : head);
    });
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(buf.toString('latin1'))?.[1] ?? 0);
      resolve({ status, socket, rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.on('close', () => resolve({ status: 0, socket, rest: buf }));
  });
}

/** Resolves when the socket is closed by the peer (or after timeoutMs, with false). */
export function closed(socket: Socket, timeoutMs = 5000): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.resume();
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** Apply a config change to a running test gateway (listenPort 0 is only valid in tests, hence the dance). */
export function reconfigure(gw: TestGateway, patch: GatewayConfigInput): void {
  const current = gw.gateway.config();
  const next = parseConfig({ ...current, listenPort: 1, ...patch });
  gw.gateway.reload({ ...next, listenPort: current.listenPort });
}

export interface UploadResult {
  status: number;
  body: string;
  /** Bytes the client sent / received inside the tunnel (after the CONNECT exchange): ground truth. */
  tunnelUp: number;
  tunnelDown: number;
}

/** A well-behaved agent: CONNECT, TLS to the target through the tunnel, POST `size` bytes, read the answer. */
export async function agentUpload(
  proxyPort: number,
  host: string,
  caFile: string,
  size: number,
  localAddress = '127.0.0.1',
): Promise<UploadResult> {
  const { status, socket, rest } = await rawConnect(proxyPort, `${host}:443`, { localAddress });
  if (status !== 200) {
    socket.destroy();
    throw new Error(`CONNECT answered ${status}`);
  }
  const headWritten = socket.bytesWritten;
  const headRead = socket.bytesRead - rest.length;
  const tlsSocket = tlsConnect({ socket, servername: host, ca: readFileSync(caFile) });
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpsRequest(
      {
        host,
        path: '/upload',
        method: 'POST',
        createConnection: () => tlsSocket,
        // Keep-alive: the client, not the server, closes the session afterwards (tlsSocket.end() below) and reads
        // until the server's close_notify and FIN. With `Connection: close` the HTTP client destroyed the socket
        // on the response's end, racing the server's close_notify that the gateway had already carried.
        headers: { 'content-length': size, connection: 'keep-alive' },
      },
      (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => {
          body += c;
        });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('upload timed out')));
    req.end(Buffer.alloc(size, 0x61));
  });
  tlsSocket.end();
  await closed(socket);
  return { ...res, tunnelUp: socket.bytesWritten - headWritten, tunnelDown: socket.bytesRead - headRead };
}

/** A /metrics page's `process_*` / `nodejs_*` series by pid: the node and process labels, and each figure by name. */
export function processSeries(
  text: string,
): Map<number, { node: string | undefined; role: string; get(name: string): number }> {
  const out = new Map<number, { node: string | undefined; role: string; values: Map<string, number> }>();
  const re = /^((?:process|nodejs)_\w+)\{(?:node="([^"]*)",)?process="(\w+)",pid="(\d+)"\} (\S+)$/gm;
  for (const [, name, node, role, pid, value] of text.matchAll(re)) {
    const p = out.get(Number(pid)) ?? { node, role: role as string, values: new Map() };
    p.values.set(name as string, Number(value));
    out.set(Number(pid), p);
  }
  return new Map(
    [...out].map(([pid, p]) => [
      pid,
      { node: p.node, role: p.role, get: (n: string) => p.values.get(n) ?? Number.NaN },
    ]),
  );
}
