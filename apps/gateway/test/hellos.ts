/** Real ClientHellos captured from node:tls and the openssl CLI, plus hand-made SSL 3.0 / SSL 2.0 ones. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { type SecureVersion, connect as tlsConnect } from 'node:tls';

/** Listen once, return the first complete TLS record (or SSL2 record) a client sends. */
async function capture(start: (port: number) => () => void): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ClientHello captured within 5 s')), 5000);
      let stop = () => {};
      server.once('connection', (sock) => {
        let buf = Buffer.alloc(0);
        sock.on('error', () => {});
        sock.on('data', (c: Buffer) => {
          buf = Buffer.concat([buf, c]);
          const total =
            buf[0] === 0x16 && buf.length >= 5 ? 5 + buf.readUInt16BE(3) : Number.POSITIVE_INFINITY;
          if (buf.length >= total) {
            clearTimeout(timer);
            sock.destroy();
            stop();
            resolve(buf.subarray(0, total));
          }
        });
      });
      stop = start(port);
    });
  } finally {
    server.close();
  }
}

export function nodeHello(version: SecureVersion, servername: string, alpn: string[] = []): Promise<Buffer> {
  return capture((port) => {
    const s = tlsConnect({
      port,
      host: '127.0.0.1',
      servername,
      minVersion: version,
      maxVersion: version,
      ciphers: 'DEFAULT:@SECLEVEL=0',
      ALPNProtocols: alpn,
    });
    s.on('error', () => {});
    return () => s.destroy();
  });
}

export function opensslHello(flag: string, servername: string): Promise<Buffer> {
  return capture((port) => {
    const p = spawn(
      'openssl',
      [
        's_client',
        flag,
        '-cipher',
        'DEFAULT:@SECLEVEL=0',
        '-connect',
        `127.0.0.1:${port}`,
        '-servername',
        servername,
      ],
      {
        stdio: ['pipe', 'ignore', 'ignore'],
      },
    );
    return () => p.kill();
  });
}

/** SSL 3.0 ClientHello in a TLS record (RFC 6101): no extensions, client_version 3.0. */
export function ssl3Hello(): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x03, 0x00]),
    randomBytes(32),
    Buffer.from([0x00]), // session id
    Buffer.from([0x00, 0x04, 0x00, 0x0a, 0x00, 0x2f]), // cipher suites
    Buffer.from([0x01, 0x00]), // compression: null
  ]);
  const hs = Buffer.concat([Buffer.from([0x01, 0, body.length >> 8, body.length & 255]), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x00, hs.length >> 8, hs.length & 255]), hs]);
}

/** SSL 2.0 CLIENT-HELLO (RFC 6101 appendix E): 2-byte header with the high bit set. */
export function ssl2Hello(): Buffer {
  const cipherSpecs = Buffer.from([0x01, 0x00, 0x80, 0x07, 0x00, 0xc0]);
  const challenge = randomBytes(16);
  const msg = Buffer.concat([
    Buffer.from([0x01, 0x00, 0x02]), // CLIENT-HELLO, version 2.0
    Buffer.from([0x00, cipherSpecs.length, 0x00, 0x00, 0x00, challenge.length]),
    cipherSpecs,
    challenge,
  ]);
  return Buffer.concat([Buffer.from([0x80 | (msg.length >> 8), msg.length & 255]), msg]);
}

export const GARBAGE = Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n');
