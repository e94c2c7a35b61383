/** The admin port: Prometheus `/metrics` and `/healthz` (503 while draining), nothing else. */
import { createServer, type Server } from 'node:http';

type Answer<T> = T | Promise<T>;

export interface AdminHandlers {
  metrics(): Answer<string>;
  health(): Answer<{ ok: boolean; body: Record<string, unknown> }>;
}

/** Our metrics plus someone else's (e.g. the telemetry pipeline's), which must never break ours. */
export function joinMetrics(own: string, extra?: () => string): string {
  let more = '';
  try {
    more = extra?.() ?? '';
  } catch {
    return own;
  }
  return more ? `${own}${more.endsWith('\n') ? more : `${more}\n`}` : own;
}

export function createAdminServer(h: AdminHandlers): Server {
  return createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET' }).end();
      } else if (path === '/metrics') {
        const text = await h.metrics();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text);
      } else if (path === '/healthz') {
        const { ok, body } = await h.health();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
      }
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`admin: ${(err as Error).message}\n`);
    }
  });
}
