import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';

const run = promisify(execFile);

/** A real squid forward proxy (Debian package), the peer we chain to as relay and compare against in benchmarks. */
export interface Squid {
  port: number;
  /** The access log so far ('' unless started with `accessLog: true`). */
  accessLog(): string;
  close(): Promise<void>;
}

export interface SquidOptions {
  /** Require Basic auth with these credentials (basic_ncsa_auth over an htpasswd file). */
  auth?: { username: string; password: string };
  /** Ports CONNECT may reach; squid's usual rule is 443 only. */
  connectPorts?: number[];
  /** Access logging (off for benchmarks). */
  accessLog?: boolean;
  workers?: number;
}

async function waitForPort(port: number, child: ChildProcess, logFile: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = await readFile(logFile, 'utf8').catch(() => '');
  throw new Error(
    `squid did not start on 127.0.0.1:${port}: ${log.trim().split('\n').slice(-5).join(' | ')}`,
  );
}

export async function startSquid(opts: SquidOptions = {}): Promise<Squid> {
  const dir = await mkdtemp(join(tmpdir(), 'gatewatch-squid-'));
  await chmod(dir, 0o777); // squid drops to the `proxy` user and must write its pid and logs here
  const port = await freePort();
  const lines = [
    `http_port 127.0.0.1:${port}`,
    `pid_filename ${dir}/squid.pid`,
    `cache_log ${dir}/cache.log`,
    opts.accessLog ? `access_log ${dir}/access.log` : 'access_log none',
    'cache deny all',
    'cache_mem 8 MB',
    'shutdown_lifetime 0 seconds',
    `workers ${opts.workers ?? 1}`,
    `acl connect_ports port ${(opts.connectPorts ?? [443]).join(' ')}`,
    'http_access deny CONNECT !connect_ports',
  ];
  if (opts.auth) {
    const { stdout } = await run('openssl', ['passwd', '-apr1', opts.auth.password]);
    await writeFile(join(dir, 'passwd'), `${opts.auth.username}:${stdout.trim()}\n`, { mode: 0o644 });
    lines.push(
      `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${dir}/passwd`,
      'auth_param basic realm gatewatch-test',
      'acl authed proxy_auth REQUIRED',
      'http_access allow authed',
    );
  } else {
    lines.push('http_access allow localhost');
  }
  lines.push('http_access deny all');
  await writeFile(join(dir, 'squid.conf'), `${lines.join('\n')}\n`);
  const child = spawn('squid', ['-N', '-f', join(dir, 'squid.conf')], { stdio: 'ignore' });
  child.on('error', () => {});
  try {
    await waitForPort(port, child, join(dir, 'cache.log'));
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    if (child.exitCode === null && (err as Error).message.includes('ENOENT'))
      throw new Error('squid not found: apt-get install squid');
    throw err;
  }
  return {
    port,
    accessLog: () => {
      try {
        return readFileSync(join(dir, 'access.log'), 'utf8');
      } catch {
        return '';
      }
    },
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await new Promise((r) => child.once('exit', r));
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
