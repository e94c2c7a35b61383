/**
 * Gateway configuration: one zod schema, filled from defaults < file (JSON or YAML) < env (GATEWATCH_*) < flags.
 * A failure names the field (event 401); the running gateway keeps its last good config on a bad reload.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isWorkspaceId, MAX_WORKSPACES } from '@gatewatch/events';
import { parse as parseDomain } from 'tldts';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const TLS_VERSIONS = ['TLS1.0', 'TLS1.1', 'TLS1.2', 'TLS1.3'] as const;
export type TlsVersionName = (typeof TLS_VERSIONS)[number];

const port = z.number().int().min(1).max(65535);
const ms = z.number().int().min(1).max(86_400_000);

const relayProxySchema = z
  .object({
    /** `http://host:port` of the upstream proxy. */
    address: z
      .string()
      .regex(
        /^http:\/\/[^/\s:@]+(:\d{1,5})?\/?$/,
        'must be http://host:port (credentials go in username/password)',
      ),
    username: z.string().max(256).default(''),
    password: z.string().max(256).default(''),
  })
  .strict();

const tlsListenerSchema = z
  .object({
    port: z.number().int().min(0).max(65535),
    host: z.string().default('0.0.0.0'),
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    /** CA that signs the agents' client certificates. */
    caFile: z.string().min(1),
  })
  .strict();

const limitsSchema = z
  .object({
    headerTimeoutMs: ms.default(10_000),
    idleTimeoutMs: ms.default(300_000),
    connectTimeoutMs: ms.default(10_000),
    dnsTimeoutMs: ms.default(5_000),
    clientHelloTimeoutMs: ms.default(10_000),
    maxConnections: z.number().int().min(1).max(1_000_000).default(20_000),
    maxConnectionsPerClient: z.number().int().min(1).max(1_000_000).default(5_000),
    maxHeaderBytes: z.number().int().min(512).max(65_536).default(8_192),
    /** New connections per second per client address (token bucket refill rate); 0 disables. */
    perClientConnectionsPerSecond: z.number().min(0).max(100_000).default(500),
    perClientBurst: z.number().int().min(1).max(1_000_000).default(1_000),
    drainTimeoutMs: ms.default(10_000),
  })
  .strict();

const hostPattern = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(\*\.)?[a-zA-Z0-9_.:-]+\.?$/, 'must be a host name, *.suffix wildcard or IP address')
  .superRefine((entry, ctx) => {
    const problem = wildcardProblem(entry);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * Why a `*.suffix` entry must be refused: its suffix is empty or a public suffix of the Public Suffix
 * List's ICANN section (`*.com`, `*.co.uk`: every host anyone can register). Private-section suffixes such
 * as `*.blob.core.windows.net` name one company's hosts and stay valid, as do names the list does not know.
 */
export function wildcardProblem(entry: string): string | undefined {
  if (!entry.startsWith('*.')) return undefined;
  const suffix = entry.slice(2).toLowerCase().replace(/\.$/, '');
  if (!suffix || suffix.split('.').some((label) => !label))
    return `'${entry}' is not a domain wildcard: put a domain after '*.', e.g. '*.contoso.com'`;
  const psl = parseDomain(suffix, { allowPrivateDomains: false });
  if (psl.isIcann && psl.publicSuffix === suffix)
    return `'${entry}' would allow every host under the public suffix ${suffix}: name your domain under it instead, e.g. '*.contoso.${suffix}'`;
  return undefined;
}

export const configSchema = z
  .object({
    nodeId: z.string().min(1).max(128).default(hostname()),
    listenHost: z.string().default('0.0.0.0'),
    listenPort: port.default(8080),
    /** Expect a PROXY protocol v1/v2 header (HAProxy send-proxy) on every proxy-port connection. */
    proxyProtocol: z.boolean().default(false),
    adminHost: z.string().default('127.0.0.1'),
    /** Port of /metrics and /healthz; 0 picks a free port. */
    adminPort: z.number().int().min(0).max(65535).default(8081),
    allowedHosts: z.array(hostPattern).default([]),
    /** Subjects such as `CN=agent01` or a full `O=Contoso, CN=agent01`. */
    allowedClientCertificates: z.array(z.string().min(1).max(1024)).default([]),
    workspaces: z
      .array(z.string().refine(isWorkspaceId, 'must be a workspace id (GUID)'))
      .max(MAX_WORKSPACES, `at most ${MAX_WORKSPACES} workspaces`)
      .default([]),
    /** Azure regions whose `<region>.handler.control.monitor.azure.com` is allowed. */
    regions: z
      .array(z.string().regex(/^[a-z0-9]+$/i, 'must be a region name such as westeurope'))
      .default([]),
    minTlsVersion: z.enum(TLS_VERSIONS).default('TLS1.2'),
    relayProxy: relayProxySchema.nullable().default(null),
    tlsListener: tlsListenerSchema.nullable().default(null),
    /** Explicit `host:port` → `ip:port` dial overrides (like curl --resolve); exempt from the SSRF guard. */
    resolve: z
      .record(
        z.string().regex(/^[^:\s]+:\d{1,5}$/, 'key must be host:port'),
        z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[0-9.]+):\d{1,5}$/, 'must be ip:port'),
      )
      .default({}),
    /** CIDRs the SSRF guard lets through (e.g. an internal relay subnet). */
    allowPrivateAddresses: z
      .array(z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be a CIDR such as 10.1.0.0/16'))
      .default([]),
    limits: limitsSchema.default(limitsSchema.parse({})),
    counterIntervalMs: ms.default(10_000),
    /** Proxy processes sharing the port (`node:cluster`); `auto` = one per CPU core. */
    workers: z
      .union([z.literal('auto'), z.number().int().min(1).max(256)], {
        error: 'must be auto or a whole number from 1 to 256',
      })
      .default(1),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** Move inspected tunnels' bytes in the kernel (Linux splice(2)); false = through Node streams. */
    zeroCopy: z.boolean().default(true),
    /** Serve the plain listener on the addon's thread (no Node socket per tunnel) when tunnels are spliced. */
    nativeFront: z.boolean().default(true),
  })
  .strict();

export type GatewayConfig = z.output<typeof configSchema>;
export type GatewayConfigInput = z.input<typeof configSchema>;
export type RelayProxyConfig = z.output<typeof relayProxySchema>;
export type LimitsConfig = z.output<typeof limitsSchema>;

/** A configuration problem, with the offending field (dotted path) and what is wrong with it. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly source = '',
  ) {
    super(`invalid configuration${source ? ` in ${source}` : ''}: ${field || '(root)'}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Keys JavaScript objects treat specially: zod throws on some (`resolve: {constructor: null}`), drops others. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const RESERVED = 'is a reserved name, not a configuration key';

function reservedKeyPath(value: unknown, path: string[] = []): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (RESERVED_KEYS.has(k)) return [...path, k].join('.');
    const inner = reservedKeyPath(v, [...path, k]);
    if (inner) return inner;
  }
  return undefined;
}

/** Validate a plain object; throws ConfigError naming the first bad field. */
export function parseConfig(value: unknown, source = ''): GatewayConfig {
  const reserved = reservedKeyPath(value);
  if (reserved) throw new ConfigError(reserved, RESERVED, source);
  const result = configSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  let field = issue?.path.join('.') ?? '';
  let problem = issue?.message ?? 'invalid';
  if (issue?.code === 'unrecognized_keys') {
    field = [...issue.path, ...issue.keys.map((k) => k || '""')].join('.'); // an empty key is named too
    problem = `unknown key (known keys: ${knownKeys(issue.path).join(', ')})`;
  }
  throw new ConfigError(field, problem, source);
}

function knownKeys(path: PropertyKey[]): string[] {
  let shape: z.ZodTypeAny = configSchema;
  for (const p of path) {
    const inner = unwrap(shape);
    if (inner instanceof z.ZodObject) shape = inner.shape[p as string] as z.ZodTypeAny;
  }
  const obj = unwrap(shape);
  return obj instanceof z.ZodObject ? Object.keys(obj.shape) : [];
}

function unwrap(t: z.ZodTypeAny): z.ZodTypeAny {
  let cur: z.ZodTypeAny = t;
  while (cur instanceof z.ZodDefault || cur instanceof z.ZodNullable || cur instanceof z.ZodOptional) {
    cur = cur.unwrap() as z.ZodTypeAny;
  }
  return cur;
}

/** Read a JSON or YAML config file into a plain object (not yet validated). */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      '',
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      file,
    );
  }
  let value: unknown;
  try {
    value = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      '',
      `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
      file,
    );
  }
  if (value == null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError('', 'must be an object', file);
  return value as Record<string, unknown>;
}

/** Environment variables as read here (process.env fits; so does a plain object in tests). */
export type Env = Record<string, string | undefined>;

type EnvKind = 'string' | 'int' | 'bool' | 'list' | 'relay';
/** Environment variables and the config field each sets. */
export const ENV_VARS: Record<string, { path: string; kind: EnvKind }> = {
  GATEWATCH_NODE_ID: { path: 'nodeId', kind: 'string' },
  GATEWATCH_LISTEN_HOST: { path: 'listenHost', kind: 'string' },
  GATEWATCH_LISTEN_PORT: { path: 'listenPort', kind: 'int' },
  GATEWATCH_PROXY_PROTOCOL: { path: 'proxyProtocol', kind: 'bool' },
  GATEWATCH_ADMIN_HOST: { path: 'adminHost', kind: 'string' },
  GATEWATCH_ADMIN_PORT: { path: 'adminPort', kind: 'int' },
  GATEWATCH_ALLOWED_HOSTS: { path: 'allowedHosts', kind: 'list' },
  GATEWATCH_ALLOWED_CLIENT_CERTIFICATES: { path: 'allowedClientCertificates', kind: 'list' },
  GATEWATCH_WORKSPACES: { path: 'workspaces', kind: 'list' },
  GATEWATCH_REGIONS: { path: 'regions', kind: 'list' },
  GATEWATCH_MIN_TLS_VERSION: { path: 'minTlsVersion', kind: 'string' },
  GATEWATCH_RELAY_PROXY: { path: 'relayProxy', kind: 'relay' },
  GATEWATCH_COUNTER_INTERVAL_MS: { path: 'counterIntervalMs', kind: 'int' },
  GATEWATCH_LOG_LEVEL: { path: 'logLevel', kind: 'string' },
  GATEWATCH_WORKERS: { path: 'workers', kind: 'int' },
  GATEWATCH_ZERO_COPY: { path: 'zeroCopy', kind: 'bool' },
  GATEWATCH_NATIVE_FRONT: { path: 'nativeFront', kind: 'bool' },
};

function convert(kind: EnvKind, raw: string): unknown {
  switch (kind) {
    case 'int':
      return /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    case 'bool':
      return raw === 'true' || raw === '1'
        ? true
        : raw === 'false' || raw === '0' || raw === ''
          ? false
          : raw;
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'relay':
      return raw.trim() === '' ? null : relayFromUrl(raw.trim());
    default:
      return raw;
  }
}

/** `http://user:pass@host:port` → relay config (credentials split out so they are never printed). */
export function relayFromUrl(url: string): { address: string; username: string; password: string } {
  try {
    const u = new URL(url);
    return {
      address: `${u.protocol}//${u.host}`,
      username: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
    };
  } catch {
    return { address: url, username: '', password: '' };
  }
}

export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  // `config set __proto__.x 1` would write into Object.prototype and report success.
  if (parts.some((p) => RESERVED_KEYS.has(p))) throw new ConfigError(path, RESERVED);
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (next == null || typeof next !== 'object') cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1] as string] = value;
}

export function envOverrides(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, { path, kind }] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw !== undefined) setPath(out, path, convert(kind, raw));
  }
  return out;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export interface LoadConfigOptions {
  file?: string;
  env?: Env;
  /** Already-parsed CLI flags as a partial config object (highest precedence). */
  overrides?: Record<string, unknown>;
}

/** defaults < file < env < overrides; throws ConfigError. */
export function loadConfig(opts: LoadConfigOptions = {}): GatewayConfig {
  const fromFile = opts.file ? readConfigFile(opts.file) : {};
  const fromEnv = envOverrides(opts.env ?? {});
  const merged = merge(merge(fromFile, fromEnv), opts.overrides ?? {});
  return parseConfig(merged, opts.file ?? '');
}

/** Short stable hash of the effective config, reported in counter samples as configVersion. */
export function configVersion(config: GatewayConfig): string {
  return createHash('sha256').update(stableJson(config)).digest('hex').slice(0, 12);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The config with secrets masked, for printing. */
export function redactConfig(config: GatewayConfig): GatewayConfig {
  if (!config.relayProxy?.password) return config;
  return { ...config, relayProxy: { ...config.relayProxy, password: '***' } };
}
