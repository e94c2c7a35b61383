/**
 * Who may use the dashboard, and how (proxy.ts applies it to every request; startDashboard checks it at
 * start-up). Two roles: a viewer reads pages and CSV exports; an editor also changes state (silences, the
 * rules file: every request that is not GET/HEAD/OPTIONS). An editor credential also grants viewing.
 *
 * - DASHBOARD_TOKEN (viewer) / DASHBOARD_EDITOR_TOKEN (editor): `Authorization: Bearer <token>`, or once
 *   `?token=<token>` (then kept in an HttpOnly cookie).
 * - DASHBOARD_BASIC_AUTH: HTTP Basic users, comma separated `user:password[:role]` (role viewer|editor;
 *   without one the user is an editor, as the single `user:password` of earlier versions had full access).
 *   The password may be an scrypt hash `scrypt$<salt>$<hash>` (`gatewatch hash-password` prints one).
 * - None set: everyone is an editor (only allowed on a loopback bind, see exposureProblem).
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

export type Role = 'viewer' | 'editor';

/** Request header carrying the signed-in role to pages (set by proxy.ts, never taken from a client). */
export const ROLE_HEADER = 'x-gatewatch-role';

export interface BasicUser {
  user: string;
  /** Plain text, or `scrypt$<salt>$<hash>` (base64url). */
  secret: string;
  role: Role;
}

export interface AuthConfig {
  viewerToken?: string;
  editorToken?: string;
  users: BasicUser[];
}

/** The variables read (process.env, or any such map in tests). */
type Env = Readonly<Record<string, string | undefined>>;

export class AuthConfigError extends Error {
  override name = 'AuthConfigError';
}

const SCRYPT = /^scrypt\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{22,86})$/;

/** Reads the three variables; a malformed DASHBOARD_BASIC_AUTH entry throws naming the entry (never its password). */
export function authConfigFromEnv(env: Env = process.env): AuthConfig {
  const viewerToken = env.DASHBOARD_TOKEN?.trim() || undefined;
  const editorToken = env.DASHBOARD_EDITOR_TOKEN?.trim() || undefined;
  const users: BasicUser[] = [];
  const entries = (env.DASHBOARD_BASIC_AUTH ?? '').split(',').map((e) => e.trim());
  entries.forEach((entry, i) => {
    if (!entry) return;
    const colon = entry.indexOf(':');
    const where = `DASHBOARD_BASIC_AUTH entry ${i + 1}${colon > 0 ? ` (user "${entry.slice(0, colon)}")` : ''}`;
    if (colon <= 0) throw new AuthConfigError(`${where} is not user:password[:role]`);
    const rest = entry.slice(colon + 1);
    const withRole = /^(.*):(viewer|editor)$/.exec(rest);
    const secret = withRole ? (withRole[1] ?? '') : rest;
    if (!secret) throw new AuthConfigError(`${where} has an empty password`);
    if (secret.startsWith('scrypt$') && !SCRYPT.test(secret))
      throw new AuthConfigError(
        `${where}: the scrypt hash is malformed; make one with: gatewatch hash-password`,
      );
    users.push({ user: entry.slice(0, colon), secret, role: (withRole?.[2] as Role) ?? 'editor' });
  });
  return { ...(viewerToken && { viewerToken }), ...(editorToken && { editorToken }), users };
}

export const authConfigured = (c: AuthConfig): boolean =>
  Boolean(c.viewerToken || c.editorToken || c.users.length);

/** `scrypt$<salt>$<hash>` for DASHBOARD_BASIC_AUTH, so the password itself need not be stored. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64url')}$${scryptSync(password, salt, 32).toString('base64url')}`;
}

/** Constant time whatever the lengths (compares digests). */
function same(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function passwordMatches(given: string, secret: string): boolean {
  const m = SCRYPT.exec(secret);
  if (!m) return same(given, secret);
  const want = Buffer.from(m[2] ?? '', 'base64url');
  return timingSafeEqual(scryptSync(given, Buffer.from(m[1] ?? '', 'base64url'), want.length), want);
}

export function tokenRole(c: AuthConfig, token: string): Role | undefined {
  // Both compared, so the time does not tell which one matched.
  const editor = c.editorToken !== undefined && same(token, c.editorToken);
  const viewer = c.viewerToken !== undefined && same(token, c.viewerToken);
  return editor ? 'editor' : viewer ? 'viewer' : undefined;
}

/** Successful scrypt checks are remembered (by digest) so a page's many requests cost one hash. */
const verified = new Map<string, Role>();

export function basicRole(c: AuthConfig, user: string, password: string): Role | undefined {
  const key = createHash('sha256').update(`${user}\0${password}`).digest('base64url');
  const u = c.users.find((x) => x.user === user);
  if (!u) return undefined;
  const hashed = u.secret.startsWith('scrypt$');
  if (hashed && verified.get(`${key}${u.secret}`) === u.role) return u.role;
  if (!passwordMatches(password, u.secret)) return undefined;
  if (hashed) {
    if (verified.size >= 1000) verified.clear();
    verified.set(`${key}${u.secret}`, u.role);
  }
  return u.role;
}

/**
 * Failed logins per client address: after `max` in `windowMs`, that address's logins are refused (429)
 * until the oldest failure leaves the window.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(
    readonly max = 10,
    readonly windowMs = 60_000,
  ) {}

  private recent(addr: string, now: number): number[] {
    const list = (this.failures.get(addr) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length) this.failures.set(addr, list);
    else this.failures.delete(addr);
    return list;
  }

  /** Seconds until `addr` may try again; 0 when it may now. */
  retryAfter(addr: string, now = Date.now()): number {
    const list = this.recent(addr, now);
    if (list.length < this.max) return 0;
    return Math.max(1, Math.ceil(((list[list.length - this.max] ?? now) + this.windowMs - now) / 1000));
  }

  /** Records a failure; returns how many `addr` has in the window now. */
  fail(addr: string, now = Date.now()): number {
    if (this.failures.size >= 10_000 && !this.failures.has(addr)) this.failures.clear(); // bounded memory
    const list = [...this.recent(addr, now), now];
    this.failures.set(addr, list);
    return list.length;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const changesState = (method: string): boolean => !SAFE_METHODS.has(method.toUpperCase());

/**
 * Why a state-changing browser request is cross-site (undefined: it is not). Browsers send Sec-Fetch-Site
 * and Origin; a request with neither comes from a non-browser client (curl, scripts), which is no CSRF risk.
 */
export function crossSiteReason(h: {
  secFetchSite: string | null;
  origin: string | null;
  hosts: (string | null)[];
}): string | undefined {
  if (h.secFetchSite && h.secFetchSite !== 'same-origin')
    return `the request came from another site (Sec-Fetch-Site: ${h.secFetchSite})`;
  if (h.origin === null) return undefined;
  let host = '';
  try {
    host = new URL(h.origin).host;
  } catch {
    // "null" (sandboxed frames, some redirects) or garbage: not this dashboard's pages
  }
  if (host && h.hosts.includes(host)) return undefined;
  return `its Origin ${h.origin} is not this dashboard (${h.hosts.find(Boolean) ?? 'unknown host'})`;
}

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost; every other address or name counts as exposed. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || LOOPBACK_V4.test(h.replace(/^::ffff:/, ''));
}

/**
 * The one-line reason the dashboard must not start on `host` (undefined: it may). A bind beyond loopback
 * needs a credential, unless `insecureNoAuth` says the operator wants it open anyway.
 */
export function exposureProblem(
  host: string,
  config: AuthConfig,
  insecureNoAuth: boolean,
  flag = 'pass --insecure-no-auth',
): string | undefined {
  if (isLoopback(host) || authConfigured(config) || insecureNoAuth) return undefined;
  return `the dashboard binds ${host} without credentials: set DASHBOARD_TOKEN (viewer) / DASHBOARD_EDITOR_TOKEN (editor) or DASHBOARD_BASIC_AUTH, or ${flag}`;
}

/** DASHBOARD_INSECURE_NO_AUTH=1|true|yes. */
export const insecureNoAuthFromEnv = (env: Env = process.env): boolean =>
  /^(1|true|yes)$/i.test(env.DASHBOARD_INSECURE_NO_AUTH?.trim() ?? '');
