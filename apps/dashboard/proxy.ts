import { type NextRequest, NextResponse } from 'next/server';

/**
 * Optional access control for a dashboard exposed beyond 127.0.0.1:
 * - DASHBOARD_TOKEN: `Authorization: Bearer <token>` or `?token=<token>` (then kept in an HttpOnly cookie);
 * - DASHBOARD_BASIC_AUTH=`user:password`: HTTP Basic auth.
 * Neither set → open (the server binds 127.0.0.1 by default).
 */
const COOKIE = 'gatewatch_token';

function safeEqual(a: string, b: string): boolean {
  // Constant time for equal lengths; the length itself is not secret enough to matter here.
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function proxy(req: NextRequest): NextResponse {
  const token = process.env.DASHBOARD_TOKEN?.trim();
  const basic = process.env.DASHBOARD_BASIC_AUTH?.trim();
  if (!token && !basic) return NextResponse.next();
  const auth = req.headers.get('authorization') ?? '';

  if (token) {
    const fromQuery = req.nextUrl.searchParams.get('token');
    if (fromQuery !== null && safeEqual(fromQuery, token)) {
      // Move the token from the URL into a cookie so it does not end up in shared links.
      const clean = req.nextUrl.clone();
      clean.searchParams.delete('token');
      const res = NextResponse.redirect(clean);
      res.cookies.set(COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/' });
      return res;
    }
    const bearer = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    const cookie = req.cookies.get(COOKIE)?.value ?? '';
    if ((bearer && safeEqual(bearer, token)) || (cookie && safeEqual(cookie, token)))
      return NextResponse.next();
  }
  if (basic && auth.startsWith('Basic ')) {
    let decoded = '';
    try {
      decoded = atob(auth.slice(6).trim());
    } catch {
      decoded = '';
    }
    if (safeEqual(decoded, basic)) return NextResponse.next();
  }
  const how = [
    token ? 'open the dashboard with ?token=<DASHBOARD_TOKEN> or send "Authorization: Bearer <token>"' : '',
    basic ? 'log in with the DASHBOARD_BASIC_AUTH user and password' : '',
  ]
    .filter(Boolean)
    .join(', or ');
  return new NextResponse(`401 unauthorized: this dashboard requires access: ${how}\n`, {
    status: 401,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      ...(basic ? { 'www-authenticate': 'Basic realm="Gatewatch", charset="UTF-8"' } : {}),
    },
  });
}

export const config = {
  // Everything except the liveness probe and static build assets.
  matcher: ['/((?!api/health|_next/static|_next/image|favicon.ico).*)'],
};
