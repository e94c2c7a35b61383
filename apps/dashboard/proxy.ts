import { type NextRequest, NextResponse } from 'next/server';
import {
  type AuthConfig,
  authConfigFromEnv,
  authConfigured,
  basicRole,
  changesState,
  crossSiteReason,
  LoginLimiter,
  ROLE_HEADER,
  type Role,
  tokenRole,
} from './src/auth.ts';

/**
 * Access control for every page and API route except /api/health (see lib/auth.ts for the rules): sign-in
 * (token or Basic), rate-limited failed logins, editor right + same-origin check for state changes. The
 * role reaches pages as the `x-gatewatch-role` request header (always set here, never taken from a client).
 */
const COOKIE = 'gatewatch_token';
const limiter = new LoginLimiter();

let cached: { key: string; config: AuthConfig } | undefined;
/** Read per request (cheap, memoised) so a changed environment applies without a restart. */
function authConfig(): AuthConfig {
  const e = process.env;
  const key = `${e.DASHBOARD_TOKEN}\0${e.DASHBOARD_EDITOR_TOKEN}\0${e.DASHBOARD_BASIC_AUTH}`;
  if (cached?.key !== key) cached = { key, config: authConfigFromEnv(e) };
  return cached.config;
}

/** The peer address: the last X-Forwarded-For hop is the one our own server added (src/server.ts). */
function clientOf(req: NextRequest): string {
  const hops = (req.headers.get('x-forwarded-for') ?? '').split(',');
  return hops[hops.length - 1]?.trim() || 'unknown';
}

function refuse(req: NextRequest, status: number, message: string, headers: Record<string, string> = {}) {
  const path = req.nextUrl.pathname;
  // API callers (the Alerts page's fetches) read `{ error }`, like the alerts API's own errors.
  if (path.startsWith('/api/') || path.startsWith('/alerts/api/'))
    return NextResponse.json({ error: message }, { status, headers });
  return new NextResponse(`${status} ${message}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  });
}

function pass(req: NextRequest, role: Role): NextResponse {
  const headers = new Headers(req.headers);
  headers.set(ROLE_HEADER, role);
  return NextResponse.next({ request: { headers } });
}

function decodeBasic(auth: string): { user: string; password: string } | undefined {
  try {
    const text = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = text.indexOf(':');
    return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
  } catch {
    return undefined;
  }
}

function signIn(req: NextRequest, c: AuthConfig): NextResponse | Role {
  const client = clientOf(req);
  const auth = req.headers.get('authorization') ?? '';
  const fromQuery = c.viewerToken || c.editorToken ? req.nextUrl.searchParams.get('token') : null;
  const bearer = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
  const cookie = req.cookies.get(COOKIE)?.value ?? '';
  const basic = auth.startsWith('Basic ') ? decodeBasic(auth) : undefined;
  const presented = fromQuery !== null || bearer || cookie || auth.startsWith('Basic ');
  if (presented) {
    const wait = limiter.retryAfter(client);
    if (wait > 0)
      return refuse(req, 429, `too many failed logins from ${client}: try again in ${wait} s`, {
        'retry-after': String(wait),
      });
  }
  if (fromQuery !== null && tokenRole(c, fromQuery)) {
    // Move the token from the URL into a cookie so it does not end up in shared links.
    const clean = req.nextUrl.clone();
    clean.searchParams.delete('token');
    const res = NextResponse.redirect(clean);
    res.cookies.set(COOKIE, fromQuery, { httpOnly: true, sameSite: 'strict', path: '/' });
    return res;
  }
  const role =
    (bearer && tokenRole(c, bearer)) ||
    (basic && basicRole(c, basic.user, basic.password)) ||
    (cookie && tokenRole(c, cookie)) ||
    undefined;
  if (role) return role;

  if (presented) {
    const kind =
      fromQuery !== null
        ? '?token='
        : bearer
          ? 'bearer token'
          : basic
            ? `basic auth user "${basic.user.slice(0, 64)}"`
            : auth.startsWith('Basic ')
              ? 'malformed basic auth'
              : 'token cookie';
    const n = limiter.fail(client);
    console.warn(
      `dashboard: failed login from ${client} (${kind}), ${n} in the last minute${n >= limiter.max ? ': further logins refused for a minute' : ''}`,
    );
  }
  const how = [
    c.viewerToken || c.editorToken
      ? 'open the dashboard with ?token=<DASHBOARD_TOKEN or DASHBOARD_EDITOR_TOKEN> or send "Authorization: Bearer <token>"'
      : '',
    c.users.length ? 'log in with a DASHBOARD_BASIC_AUTH user and password' : '',
  ]
    .filter(Boolean)
    .join(', or ');
  const res = refuse(req, 401, `unauthorized: this dashboard requires access: ${how}`, {
    ...(c.users.length ? { 'www-authenticate': 'Basic realm="Gatewatch", charset="UTF-8"' } : {}),
  });
  if (cookie) res.cookies.delete(COOKIE); // a stale token (rotated) would fail on every request
  return res;
}

export function proxy(req: NextRequest): NextResponse {
  let c: AuthConfig;
  try {
    c = authConfig();
  } catch (err) {
    // startDashboard refuses such a value at start-up; a bare `next start` reports it here.
    return refuse(req, 500, `dashboard misconfigured: ${(err as Error).message}`);
  }
  let role: Role = 'editor'; // no credentials configured: loopback only (enforced at start-up)
  if (authConfigured(c)) {
    const signed = signIn(req, c);
    if (signed instanceof NextResponse) return signed;
    role = signed;
  }
  if (changesState(req.method)) {
    const what = `${req.method} ${req.nextUrl.pathname}`;
    const cross = crossSiteReason({
      secFetchSite: req.headers.get('sec-fetch-site'),
      origin: req.headers.get('origin'),
      hosts: [req.headers.get('host'), req.headers.get('x-forwarded-host')],
    });
    if (cross)
      return refuse(
        req,
        403,
        `forbidden: ${what} refused because ${cross}; state changes are accepted only from the dashboard's own pages`,
      );
    if (role !== 'editor')
      return refuse(
        req,
        403,
        `forbidden: ${what} needs an editor credential (DASHBOARD_EDITOR_TOKEN, or a DASHBOARD_BASIC_AUTH user with role editor); yours is read-only`,
      );
  }
  // The rules file names webhook receivers, whose URLs often carry a secret: editors only, even to read.
  if (role !== 'editor' && req.nextUrl.pathname === '/alerts/api/rules/file')
    return refuse(req, 403, 'forbidden: the rules file (webhook URLs) is shown to editors only');
  return pass(req, role);
}

export const config = {
  // Everything except the liveness probe and static build assets.
  matcher: ['/((?!api/health|_next/static|_next/image|favicon.ico).*)'],
};
