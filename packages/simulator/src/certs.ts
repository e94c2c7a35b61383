import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KeyPair {
  key: string;
  cert: string;
}

export interface CertificateAuthority extends KeyPair {
  /** Issue a certificate signed by this CA: `names` become the SANs (IPs allowed), `subject` e.g. `/CN=agent-1`. */
  issue(opts: { subject: string; names?: string[]; clientAuth?: boolean }): Promise<KeyPair>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('openssl not found on PATH: install it (apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n')[0]}`);
  }
}

const san = (names: string[]) => names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');

/** A throw-away certificate authority (P-256), made with the openssl CLI in a temp dir that is removed again. */
export async function createCertificateAuthority(cn = 'Gatewatch Test CA'): Promise<CertificateAuthority> {
  const dir = await mkdtemp(join(tmpdir(), 'gatewatch-ca-'));
  try {
    await openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '7',
      ].concat(['-subj', `/CN=${cn}`, '-keyout', 'ca.key', '-out', 'ca.crt']),
      dir,
    );
    const ca = {
      key: await readFile(join(dir, 'ca.key'), 'utf8'),
      cert: await readFile(join(dir, 'ca.crt'), 'utf8'),
    };
    return { ...ca, issue: (opts) => issue(ca, opts) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function issue(
  ca: KeyPair,
  { subject, names = [], clientAuth = false }: { subject: string; names?: string[]; clientAuth?: boolean },
): Promise<KeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'gatewatch-cert-'));
  try {
    await writeFile(join(dir, 'ca.key'), ca.key);
    await writeFile(join(dir, 'ca.crt'), ca.cert);
    const ext = [
      'basicConstraints=CA:FALSE',
      `extendedKeyUsage=${clientAuth ? 'clientAuth' : 'serverAuth'}`,
      ...(names.length ? [`subjectAltName=${san(names)}`] : []),
    ];
    await writeFile(join(dir, 'ext.cnf'), `${ext.join('\n')}\n`);
    await openssl(
      ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
        '-subj',
        subject,
        '-keyout',
        'leaf.key',
        '-out',
        'leaf.csr',
      ]),
      dir,
    );
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        'leaf.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '7',
      ].concat(['-extfile', 'ext.cnf', '-out', 'leaf.crt']),
      dir,
    );
    return {
      key: await readFile(join(dir, 'leaf.key'), 'utf8'),
      cert: await readFile(join(dir, 'leaf.crt'), 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
